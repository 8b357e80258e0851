//! The STUN and TURN servers handed to browsers (`--ice-servers`), and the credentials
//! they present. The media server itself needs none (it is ICE-lite on its own
//! addresses); a shopper or a merchant behind a strict NAT reaches it through a TURN
//! relay such as coturn, whose address and credentials the studio and the player get as
//! `RTCIceServer` objects in the page and as `Link: <turn:…>; rel="ice-server"` headers on
//! every WHIP and WHEP answer (RFC 9725 §4.6).
//!
//! Credentials are either written into the entry (`turn:user:password@host:3478`) or, with
//! `--turn-secret`, computed per use with coturn's shared-secret scheme (its
//! `use-auth-secret` / `static-auth-secret`, the "TURN REST API"): the username is
//! `EXPIRY:ID` (EXPIRY in Unix seconds), the password base64(HMAC-SHA1(secret, username)),
//! so nothing has to be stored or shared per session and a leaked credential expires.
//!
//! This lives with the configuration (the ground floor) because two features hand the
//! servers out: the viewer pages (`streams`) and the WHIP/WHEP answers (`media`).

use std::fmt;
use std::str::FromStr;

use base64::Engine;
use hmac::{Hmac, Mac};
use serde::Serialize;

/// One `--ice-servers` entry, checked at start.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IceUrl {
    scheme: Scheme,
    /// Host as written, brackets kept for IPv6 (`[::1]`).
    host: String,
    port: Option<u16>,
    /// `?transport=udp|tcp`, for TURN.
    transport: Option<&'static str>,
    /// Written into the entry (`turn:user:password@host`).
    static_credentials: Option<(String, String)>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Scheme {
    Stun,
    Stuns,
    Turn,
    Turns,
}

impl Scheme {
    fn as_str(self) -> &'static str {
        match self {
            Scheme::Stun => "stun",
            Scheme::Stuns => "stuns",
            Scheme::Turn => "turn",
            Scheme::Turns => "turns",
        }
    }

    fn is_turn(self) -> bool {
        matches!(self, Scheme::Turn | Scheme::Turns)
    }
}

/// Why an entry was refused; clap shows it after the entry itself.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum IceUrlError {
    #[error(
        "expected stun:, stuns:, turn: or turns: followed by a host, e.g. turn:turn.example.com:3478"
    )]
    Scheme,
    #[error("the host is missing, e.g. turn:turn.example.com:3478")]
    NoHost,
    #[error("bad port {0:?}: a number from 1 to 65535")]
    Port(String),
    #[error("unknown option {0:?}: only ?transport=udp or ?transport=tcp is understood")]
    Query(String),
    #[error("a STUN server takes no credentials and no transport")]
    StunExtras,
    #[error("turns: runs over TLS, which needs ?transport=tcp (or none)")]
    TurnsOverUdp,
    #[error("credentials are user:password@ before the host")]
    Credentials,
    #[error("credentials may not contain quotes, backslashes, commas or spaces")]
    CredentialCharacters,
}

impl FromStr for IceUrl {
    type Err = IceUrlError;

    fn from_str(s: &str) -> Result<IceUrl, IceUrlError> {
        let s = s.trim();
        let (scheme, rest) = s.split_once(':').ok_or(IceUrlError::Scheme)?;
        let scheme = match scheme.to_ascii_lowercase().as_str() {
            "stun" => Scheme::Stun,
            "stuns" => Scheme::Stuns,
            "turn" => Scheme::Turn,
            "turns" => Scheme::Turns,
            _ => return Err(IceUrlError::Scheme),
        };
        // RFC 7064/7065 URIs have no "//"; tolerate it, it is a common slip.
        let rest = rest.strip_prefix("//").unwrap_or(rest);
        let (rest, query) = match rest.split_once('?') {
            Some((r, q)) => (r, Some(q)),
            None => (rest, None),
        };
        let (credentials, hostport) = match rest.rsplit_once('@') {
            Some((c, h)) => (Some(c), h),
            None => (None, rest),
        };
        let static_credentials = match credentials {
            None => None,
            Some(c) => {
                let (user, password) = c.split_once(':').ok_or(IceUrlError::Credentials)?;
                if user.is_empty() || password.is_empty() {
                    return Err(IceUrlError::Credentials);
                }
                let bad = |t: &str| {
                    t.chars()
                        .any(|ch| matches!(ch, '"' | '\\' | ',') || ch.is_whitespace())
                };
                if bad(user) || bad(password) {
                    return Err(IceUrlError::CredentialCharacters);
                }
                Some((user.to_string(), password.to_string()))
            }
        };
        let (host, port) = split_host_port(hostport)?;
        let transport = match query {
            None => None,
            Some(q) => match q.to_ascii_lowercase().as_str() {
                "transport=udp" => Some("udp"),
                "transport=tcp" => Some("tcp"),
                _ => return Err(IceUrlError::Query(q.to_string())),
            },
        };
        if !scheme.is_turn() && (static_credentials.is_some() || transport.is_some()) {
            return Err(IceUrlError::StunExtras);
        }
        if scheme == Scheme::Turns && transport == Some("udp") {
            return Err(IceUrlError::TurnsOverUdp);
        }
        Ok(IceUrl {
            scheme,
            host,
            port,
            transport,
            static_credentials,
        })
    }
}

fn split_host_port(hostport: &str) -> Result<(String, Option<u16>), IceUrlError> {
    let (host, port) = if let Some(inner) = hostport.strip_prefix('[') {
        let (addr, after) = inner.split_once(']').ok_or(IceUrlError::NoHost)?;
        let port = match after {
            "" => None,
            p => Some(
                p.strip_prefix(':')
                    .ok_or(IceUrlError::Port(p.to_string()))?,
            ),
        };
        (format!("[{addr}]"), port)
    } else {
        match hostport.split_once(':') {
            Some((h, p)) => (h.to_string(), Some(p)),
            None => (hostport.to_string(), None),
        }
    };
    let valid_host = !host.is_empty()
        && host != "[]"
        && host
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | ':' | '[' | ']'));
    if !valid_host {
        return Err(IceUrlError::NoHost);
    }
    let port = match port {
        None => None,
        Some(p) => match p.parse::<u16>() {
            Ok(n) if n > 0 => Some(n),
            _ => return Err(IceUrlError::Port(p.to_string())),
        },
    };
    Ok((host, port))
}

impl IceUrl {
    /// Whether this entry needs the shared secret (a TURN server without credentials).
    pub fn needs_secret(&self) -> bool {
        self.scheme.is_turn() && self.static_credentials.is_none()
    }
}

/// The URL as a browser takes it: without credentials.
impl fmt::Display for IceUrl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}", self.scheme.as_str(), self.host)?;
        if let Some(port) = self.port {
            write!(f, ":{port}")?;
        }
        if let Some(t) = self.transport {
            write!(f, "?transport={t}")?;
        }
        Ok(())
    }
}

/// One server as the browser's `RTCPeerConnection` takes it (`RTCIceServer`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct IceServer {
    pub urls: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub username: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub credential: Option<String>,
}

impl IceServer {
    /// The `Link` header value announcing it (RFC 9725 §4.6).
    pub fn link(&self) -> String {
        let mut v = format!("<{}>; rel=\"ice-server\"", self.urls);
        if let (Some(user), Some(credential)) = (&self.username, &self.credential) {
            v.push_str(&format!(
                "; username=\"{user}\"; credential=\"{credential}\"; credential-type=\"password\""
            ));
        }
        v
    }
}

/// Everything needed to hand out servers: the entries, and the secret and lifetime of
/// computed credentials.
#[derive(Debug, Clone)]
pub struct IceServers<'a> {
    pub urls: &'a [IceUrl],
    pub secret: Option<&'a str>,
    pub ttl_secs: u64,
}

impl IceServers<'_> {
    /// The servers for one use: computed credentials valid until at least `now_s + ttl`
    /// (Unix seconds), for `id` (coturn logs it; a session or page kind, never a person).
    /// The expiry is rounded up to the hour so a page rendered for everyone (the viewer
    /// page, cached) stays byte-identical, and revalidates with a 304, for an hour.
    pub fn for_use(&self, now_s: u64, id: &str) -> Vec<IceServer> {
        let expiry = (now_s + self.ttl_secs).div_ceil(3600) * 3600;
        self.urls
            .iter()
            .map(|url| {
                let (username, credential) = match (&url.static_credentials, self.secret) {
                    (Some((u, p)), _) => (Some(u.clone()), Some(p.clone())),
                    (None, Some(secret)) if url.scheme.is_turn() => {
                        let user = format!("{expiry}:{id}");
                        let password = rest_password(secret, &user);
                        (Some(user), Some(password))
                    }
                    _ => (None, None),
                };
                IceServer {
                    urls: url.to_string(),
                    username,
                    credential,
                }
            })
            .collect()
    }
}

/// coturn's shared-secret password: base64(HMAC-SHA1(secret, username)).
fn rest_password(secret: &str, username: &str) -> String {
    let mut mac = Hmac::<sha1::Sha1>::new_from_slice(secret.as_bytes()).expect("any key length");
    mac.update(username.as_bytes());
    base64::engine::general_purpose::STANDARD.encode(mac.finalize().into_bytes())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(s: &str) -> Result<IceUrl, IceUrlError> {
        s.parse()
    }

    #[test]
    fn entries_read_as_browsers_expect_them() {
        let u = parse("turn:alice:s3cret@turn.example.com:3478?transport=udp").unwrap();
        assert_eq!(u.to_string(), "turn:turn.example.com:3478?transport=udp");
        assert!(!u.needs_secret());
        assert_eq!(
            parse("stun:stun.example.com").unwrap().to_string(),
            "stun:stun.example.com"
        );
        assert_eq!(
            parse("turns:[::1]:5349").unwrap().to_string(),
            "turns:[::1]:5349"
        );
        assert_eq!(
            parse("TURN://relay.example.com").unwrap().to_string(),
            "turn:relay.example.com"
        );
        assert!(parse("turn:relay.example.com").unwrap().needs_secret());
    }

    #[test]
    fn mistakes_are_named() {
        assert_eq!(parse("http://x"), Err(IceUrlError::Scheme));
        assert_eq!(parse("relay.example.com"), Err(IceUrlError::Scheme));
        assert_eq!(parse("turn:"), Err(IceUrlError::NoHost));
        assert_eq!(
            parse("turn:host:99999"),
            Err(IceUrlError::Port("99999".into()))
        );
        assert_eq!(parse("turn:host:0"), Err(IceUrlError::Port("0".into())));
        assert_eq!(
            parse("turn:host?proto=udp"),
            Err(IceUrlError::Query("proto=udp".into()))
        );
        assert_eq!(parse("stun:u:p@host"), Err(IceUrlError::StunExtras));
        assert_eq!(
            parse("turns:host?transport=udp"),
            Err(IceUrlError::TurnsOverUdp)
        );
        assert_eq!(parse("turn:alice@host"), Err(IceUrlError::Credentials));
        assert_eq!(
            parse("turn:a:b\"c@host"),
            Err(IceUrlError::CredentialCharacters)
        );
        assert_eq!(parse("turn:ho st"), Err(IceUrlError::NoHost));
    }

    #[test]
    fn computed_credentials_follow_coturns_scheme() {
        let urls = [
            parse("turn:relay.example.com:3478").unwrap(),
            parse("stun:relay.example.com").unwrap(),
        ];
        let servers = IceServers {
            urls: &urls,
            secret: Some("north-wind"),
            ttl_secs: 86_400,
        };
        let got = servers.for_use(1_799_999_000, "viewer");
        // 1_799_999_000 + 86_400 rounded up to the hour.
        assert_eq!(got[0].username.as_deref(), Some("1800086400:viewer"));
        // Computed independently: python3 -c "import hmac,hashlib,base64;
        // print(base64.b64encode(hmac.new(b'north-wind', b'1800086400:viewer', hashlib.sha1).digest()).decode())"
        assert_eq!(got[0].credential.as_deref(), Some(PYTHON_VECTOR));
        assert_eq!(
            got[1],
            IceServer {
                urls: "stun:relay.example.com".into(),
                username: None,
                credential: None
            }
        );
        // The same hour, the same bytes (the cached viewer page stays valid).
        assert_eq!(servers.for_use(1_800_000_000, "viewer"), got);
        assert_eq!(
            got[0].link(),
            format!(
                "<turn:relay.example.com:3478>; rel=\"ice-server\"; username=\"1800086400:viewer\"; credential=\"{PYTHON_VECTOR}\"; credential-type=\"password\""
            )
        );
    }

    const PYTHON_VECTOR: &str = "d+2hBd+3w1WeDvD98ck4sjRjdYE=";
}
