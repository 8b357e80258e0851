#!/usr/bin/env python3
"""An SMTP sink for the mail tests (aiosmtpd).

Listens on 127.0.0.1 on a free port, printed as `PORT <n>` on stdout once it accepts
connections. Every mail it accepts is parsed with Python's email package and written to
OUT_DIR as NNNN.json (envelope, headers, the text/plain and text/html parts), atomically,
so a test can read what arrived. With REFUSE > 0 the first REFUSE DATA commands are
answered `451 4.3.0 Try again later` (a server that defers); with REFUSE < 0 every DATA
is answered `550 5.1.1 Mailbox unavailable` (a refusal for good). Stops when stdin closes.

usage: smtp_sink.py OUT_DIR [REFUSE]
"""

import asyncio
import email
import email.policy
import json
import os
import sys

from aiosmtpd.smtp import SMTP


class Sink:
    def __init__(self, out, refuse):
        self.out = out
        self.refuse = refuse
        self.count = 0

    async def handle_DATA(self, server, session, envelope):
        if self.refuse < 0:
            return "550 5.1.1 Mailbox unavailable"
        if self.refuse > 0:
            self.refuse -= 1
            return "451 4.3.0 Try again later"
        raw = envelope.original_content or envelope.content
        msg = email.message_from_bytes(raw, policy=email.policy.default)
        parts = {}
        for part in msg.walk():
            kind = part.get_content_type()
            if kind in ("text/plain", "text/html") and kind not in parts:
                parts[kind] = part.get_content()
        headers = {}
        for name, value in msg.items():
            headers.setdefault(name.lower(), str(value))
        record = {
            "mail_from": envelope.mail_from,
            "rcpt_tos": envelope.rcpt_tos,
            "headers": headers,
            "content_type": msg.get_content_type(),
            "text": parts.get("text/plain"),
            "html": parts.get("text/html"),
        }
        self.count += 1
        tmp = os.path.join(self.out, ".%04d.tmp" % self.count)
        with open(tmp, "w", encoding="utf-8") as f:
            json.dump(record, f)
        os.rename(tmp, os.path.join(self.out, "%04d.json" % self.count))
        return "250 OK"


async def main():
    out = sys.argv[1]
    refuse = int(sys.argv[2]) if len(sys.argv) > 2 else 0
    handler = Sink(out, refuse)
    loop = asyncio.get_running_loop()
    server = await loop.create_server(
        lambda: SMTP(handler, hostname="sink.test"), "127.0.0.1", 0
    )
    print("PORT", server.sockets[0].getsockname()[1], flush=True)
    await loop.run_in_executor(None, sys.stdin.read)
    server.close()


if __name__ == "__main__":
    asyncio.run(main())
