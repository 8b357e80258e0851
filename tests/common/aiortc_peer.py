#!/usr/bin/env python3
"""An independent WebRTC stack for the media tests: aiortc (PyPI, its own ICE, DTLS, SRTP
and real VP8/H.264 encoders and decoders through PyAV) as a WHIP publisher or a WHEP
viewer of a Showfloor server on loopback.

    aiortc_peer.py publish URL KEY [--codec vp8|h264] [--size 640x360] [--gop-seconds 2]
    aiortc_peer.py view URL [--frames 30] [--timeout 20]

It prints one JSON object per line, each with "event" and "ms" (milliseconds since the
start of the script), and exits 0 when done (a viewer: once it decoded --frames frames; a
publisher: when its standard input closes). Events: "offer" (the offer is ready, ICE
gathered), "answer" (the server's answer arrived), "ice" (each ICE connection state),
"connection" (each peer connection state: "connected" is ICE and DTLS done),
"first-frame" and "frames" (a viewer: decoded frames, with their size), "error".
"""

import argparse
import asyncio
import fractions
import json
import sys
import time
import urllib.request

import aioice.ice

# aioice leaves 127.0.0.1 out of its host candidates; the tests run in a network
# namespace that has nothing but loopback.
aioice.ice.get_host_addresses = lambda use_ipv4, use_ipv6: ["127.0.0.1"] if use_ipv4 else []

from aiortc import (  # noqa: E402
    AudioStreamTrack,
    RTCPeerConnection,
    RTCSessionDescription,
    VideoStreamTrack,
)
from aiortc.rtcrtpsender import RTCRtpSender  # noqa: E402
from av import VideoFrame  # noqa: E402

T0 = time.monotonic()


def ms():
    return round((time.monotonic() - T0) * 1000, 1)


def say(event, **fields):
    print(json.dumps({"event": event, "ms": ms(), **fields}), flush=True)


# No proxy from the environment: everything is on loopback.
OPENER = urllib.request.build_opener(urllib.request.ProxyHandler({}))


def http(method, url, body=None, headers=None):
    request = urllib.request.Request(url, data=body, method=method, headers=headers or {})
    with OPENER.open(request, timeout=10) as response:
        return response.status, dict(response.headers), response.read().decode()


class MovingPicture(VideoStreamTrack):
    """Frames of a set size whose brightness moves, so every frame differs."""

    def __init__(self, width, height):
        super().__init__()
        self.width, self.height, self.n = width, height, 0

    async def recv(self):
        pts, time_base = await self.next_timestamp()
        frame = VideoFrame(self.width, self.height, "yuv420p")
        self.n += 1
        luma = (self.n * 4) % 200 + 30
        frame.planes[0].update(bytes([luma]) * (frame.planes[0].buffer_size))
        frame.planes[1].update(bytes([128]) * frame.planes[1].buffer_size)
        frame.planes[2].update(bytes([128]) * frame.planes[2].buffer_size)
        frame.pts, frame.time_base = pts, time_base
        return frame


def watch_states(pc):
    @pc.on("iceconnectionstatechange")
    def _ice():
        say("ice", state=pc.iceConnectionState)

    @pc.on("connectionstatechange")
    def _connection():
        say("connection", state=pc.connectionState)


async def negotiate(pc, url, headers):
    await pc.setLocalDescription(await pc.createOffer())
    say("offer")
    loop = asyncio.get_running_loop()
    status, answer_headers, answer = await loop.run_in_executor(
        None,
        lambda: http(
            "POST",
            url,
            pc.localDescription.sdp.encode(),
            {"Content-Type": "application/sdp", **headers},
        ),
    )
    say("answer", status=status)
    await pc.setRemoteDescription(RTCSessionDescription(sdp=answer, type="answer"))
    location = answer_headers.get("Location") or answer_headers.get("location")
    return urllib.parse.urljoin(url, location) if location else None


def prefer(transceiver, codec):
    mime = "video/" + codec.upper()
    codecs = RTCRtpSender.getCapabilities("video").codecs
    chosen = [c for c in codecs if c.mimeType.upper() == mime.upper()]
    # Keep the codec's retransmission format with it.
    chosen += [c for c in codecs if c.mimeType.lower() == "video/rtx"]
    transceiver.setCodecPreferences(chosen)


async def publish(args):
    width, height = (int(v) for v in args.size.split("x"))
    pc = RTCPeerConnection()
    watch_states(pc)
    video = pc.addTransceiver(MovingPicture(width, height), direction="sendonly")
    pc.addTransceiver(AudioStreamTrack(), direction="sendonly")
    prefer(video, args.codec)
    resource = await negotiate(pc, args.url, {"Authorization": "Bearer " + args.key})
    encoder_set = False
    loop = asyncio.get_running_loop()
    stdin_closed = loop.run_in_executor(None, sys.stdin.read)
    while True:
        # Until the input closes; meanwhile a keyframe every --gop-seconds, as an encoder
        # set to that keyframe interval sends them.
        try:
            await asyncio.wait_for(asyncio.shield(stdin_closed), args.gop_seconds)
            break
        except asyncio.TimeoutError:
            pass
        encoder = getattr(video.sender, "_RTCRtpSender__encoder", None)
        if encoder is not None and not encoder_set:
            encoder_set = True
            say("encoder", codec=type(encoder).__name__)
        if encoder is not None:
            video.sender._RTCRtpSender__force_keyframe = True
    if resource:
        await loop.run_in_executor(None, lambda: http("DELETE", resource))
    await pc.close()


async def view(args):
    pc = RTCPeerConnection()
    watch_states(pc)
    pc.addTransceiver("video", direction="recvonly")
    pc.addTransceiver("audio", direction="recvonly")
    done = asyncio.Event()
    frames = 0

    @pc.on("track")
    def _track(track):
        if track.kind != "video":
            return

        async def read():
            nonlocal frames
            while frames < args.frames:
                frame = await track.recv()
                frames += 1
                if frames == 1:
                    say("first-frame", width=frame.width, height=frame.height)
            say("frames", count=frames, width=frame.width, height=frame.height)
            done.set()

        asyncio.ensure_future(read())

    resource = await negotiate(pc, args.url, {})
    try:
        await asyncio.wait_for(done.wait(), args.timeout)
    except asyncio.TimeoutError:
        say("error", message=f"only {frames} frames decoded in {args.timeout} s")
    if resource:
        loop = asyncio.get_running_loop()
        await loop.run_in_executor(None, lambda: http("DELETE", resource))
    await pc.close()


def main():
    parser = argparse.ArgumentParser()
    sub = parser.add_subparsers(dest="mode", required=True)
    p = sub.add_parser("publish")
    p.add_argument("url")
    p.add_argument("key")
    p.add_argument("--codec", choices=["vp8", "h264"], default="vp8")
    p.add_argument("--size", default="640x360")
    p.add_argument("--gop-seconds", type=float, default=2.0)
    v = sub.add_parser("view")
    v.add_argument("url")
    v.add_argument("--frames", type=int, default=30)
    v.add_argument("--timeout", type=float, default=20.0)
    args = parser.parse_args()
    try:
        asyncio.run(publish(args) if args.mode == "publish" else view(args))
    except Exception as err:  # one line the test can show
        say("error", message=f"{type(err).__name__}: {err}")
        sys.exit(1)


if __name__ == "__main__":
    main()
