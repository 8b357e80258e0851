//! A nominating connectivity check that arrives too early, answered as soon as it can be.
//!
//! Why: the viewer leg's ICE agent (`rtc` 0.21, ICE-lite, controlled) answers a Binding
//! request carrying USE-CANDIDATE only once its own triggered check on that candidate
//! pair has been answered; before that it sends the triggered check and drops the request
//! without a response (`rtc-ice` `handle_binding_request`). A controlling agent that
//! nominates as RFC 8445 describes (aiortc and others) sends its nominating check about
//! 1 ms after its first check succeeded, before our triggered check's answer is back, and
//! then hears nothing until its retransmission timer fires (500 ms in aiortc): ICE took
//! half a second instead of one round trip. So [`Early`] keeps such a request while the
//! connection is not up yet and the driver hands it to the agent again right after each
//! STUN success response: by then the pair has succeeded, and the agent nominates it and
//! answers the request's transaction, which the client is still waiting on.

use rtc::stun::attributes::ATTR_USE_CANDIDATE;
use rtc::stun::message::{BINDING_REQUEST, BINDING_SUCCESS, Message};

/// What a datagram from a viewer is, as far as nomination cares.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Stun {
    /// A Binding request with USE-CANDIDATE.
    Nominating,
    /// A Binding success response (the answer to one of our checks).
    Success,
    /// Anything else: other STUN, DTLS, SRTP/SRTCP.
    Other,
}

/// Read just enough of `datagram` to tell which it is.
pub fn classify(datagram: &[u8]) -> Stun {
    // RFC 7983: a first byte of 0–3 is STUN; DTLS and RTP never start so.
    if datagram.len() < 20 || datagram[0] > 3 {
        return Stun::Other;
    }
    let mut message = Message::new();
    if message.unmarshal_binary(datagram).is_err() {
        return Stun::Other;
    }
    if message.typ == BINDING_REQUEST && message.contains(ATTR_USE_CANDIDATE) {
        Stun::Nominating
    } else if message.typ == BINDING_SUCCESS {
        Stun::Success
    } else {
        Stun::Other
    }
}

/// The latest nominating request, kept until the connection is up.
#[derive(Debug)]
pub struct Early<T> {
    held: Option<T>,
    up: bool,
}

impl<T> Default for Early<T> {
    fn default() -> Self {
        Early {
            held: None,
            up: false,
        }
    }
}

impl<T: Clone> Early<T> {
    /// Note a datagram the agent is about to read; `datagram` is what to keep of it.
    pub fn saw(&mut self, kind: Stun, datagram: impl FnOnce() -> T) {
        if kind == Stun::Nominating && !self.up {
            self.held = Some(datagram());
        }
    }

    /// After the agent read a datagram of `kind`: the request to hand it again, if any.
    pub fn again(&self, kind: Stun) -> Option<T> {
        (kind == Stun::Success && !self.up)
            .then(|| self.held.clone())
            .flatten()
    }

    /// The connection is up: nothing is held any more.
    pub fn connected(&mut self) {
        self.up = true;
        self.held = None;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rtc::stun::message::{Setter, TransactionId};

    fn binding(nominating: bool) -> Vec<u8> {
        let mut m = Message::new();
        let mut attrs: Vec<Box<dyn Setter>> =
            vec![Box::new(BINDING_REQUEST), Box::new(TransactionId::new())];
        if nominating {
            attrs.push(Box::new(
                rtc::ice::attributes::use_candidate::UseCandidateAttr,
            ));
        }
        m.build(&attrs).unwrap();
        m.raw.clone()
    }

    #[test]
    fn a_nominating_request_is_told_from_a_plain_one_and_from_media() {
        assert_eq!(classify(&binding(true)), Stun::Nominating);
        assert_eq!(classify(&binding(false)), Stun::Other);
        let mut success = Message::new();
        success
            .build(&[Box::new(BINDING_SUCCESS), Box::new(TransactionId::new())])
            .unwrap();
        assert_eq!(classify(&success.raw), Stun::Success);
        assert_eq!(classify(&[0x16, 0xfe, 0xfd]), Stun::Other, "DTLS");
        assert_eq!(classify(&[0x80; 40]), Stun::Other, "RTP");
        assert_eq!(classify(&[0x00; 24]), Stun::Other, "not STUN after all");
    }

    #[test]
    fn the_request_is_handed_again_after_each_success_until_the_connection_is_up() {
        let mut early = Early::default();
        early.saw(Stun::Other, || 1);
        assert_eq!(early.again(Stun::Success), None);
        early.saw(Stun::Nominating, || 2);
        assert_eq!(early.again(Stun::Other), None);
        assert_eq!(early.again(Stun::Success), Some(2));
        assert_eq!(early.again(Stun::Success), Some(2));
        early.connected();
        assert_eq!(early.again(Stun::Success), None);
        early.saw(Stun::Nominating, || 3);
        assert_eq!(
            early.again(Stun::Success),
            None,
            "once up, the agent answers itself"
        );
    }
}
