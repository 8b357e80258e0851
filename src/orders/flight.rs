//! Single-flight reads for Buy: Buys that ask for the same row while a read of it is in
//! flight wait for that read instead of sending their own. In a flash sale thousands of
//! Buys name the same stream and variant within milliseconds; on PostgreSQL each read
//! costs a round trip and backend CPU on the same cores as the server.
//!
//! A shared answer is at most one read's duration older than the request that reuses
//! it, as if that request had arrived a moment earlier. That is harmless for what Buy
//! reads (the stream's state, the variant's price and whether any stock is left, which
//! only ever refuses early): the units themselves are taken by a conditional UPDATE.
//! The entry is removed as soon as its read has finished, so nothing is cached.

use std::collections::HashMap;
use std::future::Future;
use std::hash::Hash;
use std::sync::{Arc, Mutex};

use tokio::sync::OnceCell;

type Cell<V> = Arc<OnceCell<Result<V, String>>>;

pub struct Flights<K, V> {
    reads: Mutex<HashMap<K, Cell<V>>>,
}

impl<K, V> Default for Flights<K, V> {
    fn default() -> Self {
        Flights {
            reads: Mutex::new(HashMap::new()),
        }
    }
}

impl<K: Hash + Eq + Clone, V: Clone> Flights<K, V> {
    /// `read()`'s answer, shared with the callers that asked for `key` meanwhile.
    pub async fn run<F, Fut>(&self, key: K, read: F) -> sqlx::Result<V>
    where
        F: FnOnce() -> Fut,
        Fut: Future<Output = sqlx::Result<V>>,
    {
        let cell = {
            let mut reads = self.reads.lock().unwrap_or_else(|e| e.into_inner());
            reads.entry(key.clone()).or_default().clone()
        };
        let mut reader = false;
        let answer = cell
            .get_or_init(|| {
                reader = true;
                async move { read().await.map_err(|e| e.to_string()) }
            })
            .await
            .clone();
        if reader {
            let mut reads = self.reads.lock().unwrap_or_else(|e| e.into_inner());
            if reads.get(&key).is_some_and(|c| Arc::ptr_eq(c, &cell)) {
                reads.remove(&key);
            }
        }
        answer.map_err(sqlx::Error::Protocol)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn concurrent_asks_share_one_read_and_later_asks_read_again() {
        let flights: Flights<i64, i64> = Flights::default();
        let reads = std::sync::atomic::AtomicI64::new(0);
        let read = || async {
            tokio::task::yield_now().await;
            Ok(reads.fetch_add(1, std::sync::atomic::Ordering::SeqCst))
        };
        let (a, b) = tokio::join!(flights.run(1, read), flights.run(1, read));
        assert_eq!((a.unwrap(), b.unwrap()), (0, 0));
        assert_eq!(flights.run(1, read).await.unwrap(), 1, "not cached");
        assert!(flights.reads.lock().unwrap().is_empty());
    }
}
