//! The UDP port range media sockets bind in (`--webrtc-udp-ports FIRST-LAST`). It lives
//! with the configuration that parses it, so that the configuration needs nothing from
//! the media feature that reads it.

use std::fmt;
use std::str::FromStr;

/// An inclusive range of UDP ports, `first <= last`, neither zero.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PortRange {
    pub first: u16,
    pub last: u16,
}

impl PortRange {
    /// How many ports the range holds (at least one).
    pub fn span(&self) -> u32 {
        u32::from(self.last - self.first) + 1
    }
}

impl fmt::Display for PortRange {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}-{}", self.first, self.last)
    }
}

/// Why a `FIRST-LAST` value was refused; clap shows the message.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PortRangeError {
    #[error("expected FIRST-LAST, e.g. 50000-50999")]
    NoDash,
    #[error("bad port {0:?}")]
    BadPort(String),
    #[error("the range must be FIRST-LAST with 0 < FIRST <= LAST")]
    Backwards,
}

impl FromStr for PortRange {
    type Err = PortRangeError;

    fn from_str(s: &str) -> Result<PortRange, PortRangeError> {
        let (a, b) = s.split_once('-').ok_or(PortRangeError::NoDash)?;
        let port = |p: &str| {
            p.trim()
                .parse::<u16>()
                .map_err(|_| PortRangeError::BadPort(p.to_owned()))
        };
        let (first, last) = (port(a)?, port(b)?);
        if first == 0 || last < first {
            return Err(PortRangeError::Backwards);
        }
        Ok(PortRange { first, last })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_range_is_first_dash_last_with_spaces_allowed() {
        let range: PortRange = "50000 - 50999".parse().unwrap();
        assert_eq!(
            range,
            PortRange {
                first: 50000,
                last: 50999
            }
        );
        assert_eq!(range.span(), 1000);
        assert_eq!(range.to_string(), "50000-50999");
        assert_eq!("7-7".parse::<PortRange>().unwrap().span(), 1);
    }

    #[test]
    fn malformed_or_backwards_ranges_are_refused_with_the_reason() {
        assert_eq!("50000".parse::<PortRange>(), Err(PortRangeError::NoDash));
        assert_eq!(
            "50000-x".parse::<PortRange>(),
            Err(PortRangeError::BadPort("x".into()))
        );
        assert_eq!(
            "1-70000".parse::<PortRange>(),
            Err(PortRangeError::BadPort("70000".into()))
        );
        assert_eq!("0-10".parse::<PortRange>(), Err(PortRangeError::Backwards));
        assert_eq!("10-9".parse::<PortRange>(), Err(PortRangeError::Backwards));
    }
}
