//! Rate limits for abuse-prone actions (sign-in, sign-up, reset requests), keyed by
//! account and by client address, with the governor crate's GCRA limiter.

use std::net::{IpAddr, SocketAddr};
use std::num::NonZeroU32;
use std::time::Duration;

use axum::extract::{ConnectInfo, FromRequestParts};
use axum::http::request::Parts;
use governor::clock::{Clock, DefaultClock};
use governor::{DefaultKeyedRateLimiter, Quota};

use crate::error::Error;
use crate::state::AppState;

/// The limiters the app holds; kept in memory per process.
pub struct RateLimits {
    /// Sign-in attempts per e-mail address: 5 in a burst, then one a minute.
    pub login_account: DefaultKeyedRateLimiter<String>,
    /// Sign-in attempts per client address: 20 in a burst, then one every 6 s.
    pub login_ip: DefaultKeyedRateLimiter<IpAddr>,
    /// Sign-ups and reset requests per client address: 10, then one a minute.
    pub account_ip: DefaultKeyedRateLimiter<IpAddr>,
    /// "Remind me" sign-ups per client address: 5, then one a minute.
    pub reminder_ip: DefaultKeyedRateLimiter<IpAddr>,
    /// "Remind me" sign-ups per stream, from everyone: 60, then one a second.
    pub reminder_stream: DefaultKeyedRateLimiter<i64>,
    /// Live room, per viewer: questions (3, then one every 20 s).
    pub viewer_questions: DefaultKeyedRateLimiter<String>,
    /// Live room, per viewer: chat messages (5, then one every 2 s).
    pub viewer_chat: DefaultKeyedRateLimiter<String>,
    /// Live room, per viewer: votes and other small actions (20, then 2 a second).
    pub viewer_actions: DefaultKeyedRateLimiter<String>,
    /// Live room, per viewer: reaction batches (10, then 4 a second).
    pub viewer_reactions: DefaultKeyedRateLimiter<String>,
}

fn quota(burst: u32, every: Duration) -> Quota {
    Quota::with_period(every)
        .expect("non-zero period")
        .allow_burst(NonZeroU32::new(burst).expect("non-zero burst"))
}

impl Default for RateLimits {
    fn default() -> Self {
        RateLimits {
            login_account: DefaultKeyedRateLimiter::keyed(quota(5, Duration::from_secs(60))),
            login_ip: DefaultKeyedRateLimiter::keyed(quota(20, Duration::from_secs(6))),
            account_ip: DefaultKeyedRateLimiter::keyed(quota(10, Duration::from_secs(60))),
            reminder_ip: DefaultKeyedRateLimiter::keyed(quota(5, Duration::from_secs(60))),
            reminder_stream: DefaultKeyedRateLimiter::keyed(quota(60, Duration::from_secs(1))),
            viewer_questions: DefaultKeyedRateLimiter::keyed(quota(3, Duration::from_secs(20))),
            viewer_chat: DefaultKeyedRateLimiter::keyed(quota(5, Duration::from_secs(2))),
            viewer_actions: DefaultKeyedRateLimiter::keyed(quota(20, Duration::from_millis(500))),
            viewer_reactions: DefaultKeyedRateLimiter::keyed(quota(10, Duration::from_millis(250))),
        }
    }
}

/// Take one cell from `limiter` for `key`, or say how long to wait.
pub fn check<K>(limiter: &DefaultKeyedRateLimiter<K>, key: &K, what: &str) -> Result<(), Error>
where
    K: std::hash::Hash + Eq + Clone,
{
    match limiter.check_key(key) {
        Ok(()) => Ok(()),
        Err(not_until) => {
            let wait = not_until.wait_time_from(DefaultClock::default().now());
            let secs = wait.as_secs().max(1);
            Err(Error::TooMany {
                message: format!(
                    "Too many {what}. Please wait {secs} second{} and try again.",
                    if secs == 1 { "" } else { "s" }
                ),
                retry_after: wait,
            })
        }
    }
}

/// The client's address: the socket peer, or the last X-Forwarded-For hop when the
/// server is configured to sit behind a trusted reverse proxy.
#[derive(Debug, Clone, Copy)]
pub struct ClientIp(pub IpAddr);

impl FromRequestParts<AppState> for ClientIp {
    type Rejection = Error;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Error> {
        if state.config.trust_proxy {
            let forwarded = parts
                .headers
                .get("x-forwarded-for")
                .and_then(|v| v.to_str().ok())
                .and_then(|v| v.rsplit(',').next())
                .and_then(|v| v.trim().parse::<IpAddr>().ok());
            if let Some(ip) = forwarded {
                return Ok(ClientIp(ip));
            }
        }
        let ip = parts
            .extensions
            .get::<ConnectInfo<SocketAddr>>()
            .map(|c| c.0.ip())
            .unwrap_or(IpAddr::from([127, 0, 0, 1]));
        Ok(ClientIp(ip))
    }
}
