//! Waiting on conditions with deadlines, never on bare sleeps.

use std::time::{Duration, Instant};

/// Poll `check` every 20 ms until it returns `Some`, or panic with `what` after `deadline`.
pub async fn until<T>(deadline: Duration, what: &str, mut check: impl FnMut() -> Option<T>) -> T {
    let start = Instant::now();
    loop {
        if let Some(value) = check() {
            return value;
        }
        assert!(
            start.elapsed() < deadline,
            "timed out after {deadline:?} waiting for {what}"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

/// Like [`until`], for checks that need to await (database queries).
pub async fn until_async<T, F, Fut>(deadline: Duration, what: &str, mut check: F) -> T
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = Option<T>>,
{
    let start = Instant::now();
    loop {
        if let Some(value) = check().await {
            return value;
        }
        assert!(
            start.elapsed() < deadline,
            "timed out after {deadline:?} waiting for {what}"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

/// Like [`until`], for checks that can say how far they got: `check` returns `Err` with the
/// progress so far, which the panic after `deadline` shows.
pub async fn until_reported<T>(
    deadline: Duration,
    what: &str,
    mut check: impl FnMut() -> Result<T, String>,
) -> T {
    let start = Instant::now();
    loop {
        match check() {
            Ok(value) => return value,
            Err(progress) => assert!(
                start.elapsed() < deadline,
                "timed out after {deadline:?} waiting for {what}: {progress}"
            ),
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}
