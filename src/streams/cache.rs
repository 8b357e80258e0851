//! The in-memory cache of public pages. A shopper's page is the same for everyone (no
//! session, no per-visitor token), so it is rendered once and served from memory until
//! the stream or its shop changes. Changes made elsewhere (a product's price in the
//! catalogue) are picked up when an entry reaches its age limit, or at once if that
//! feature calls `Streams::invalidate_shop`. Each page carries an ETag (a hash of its
//! bytes) so browsers revalidate every load (`no-cache`) and get a 304 when unchanged.
//!
//! A page built while an invalidation happens must not be stored (it may show the state
//! from before): `generation` counts invalidations, and `put` only stores a page built
//! within the generation it started in.

use std::collections::HashMap;
use std::sync::RwLock;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use sha2::{Digest, Sha256};

use axum::body::Bytes;
use axum::http::HeaderValue;

/// How long an entry is trusted without an explicit invalidation.
const MAX_AGE: Duration = Duration::from_secs(10);
/// A bound on memory: past it, the cache starts over (unknown slugs are never stored).
const MAX_ENTRIES: usize = 20_000;

/// Which page of a shop an entry is.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum PageKey {
    Shop(String),
    Stream(String, String),
    Embed(String, String),
    Feed(String),
    Ics(String, String),
}

/// A rendered response.
#[derive(Clone)]
pub struct CachedPage {
    pub shop_id: i64,
    pub status: u16,
    pub content_type: &'static str,
    pub body: Bytes,
    /// The page's own Content-Security-Policy (the embed's frame-ancestors).
    pub csp: Option<HeaderValue>,
    /// A strong validator of `body`, quoted as the header wants it.
    pub etag: String,
    stored: Instant,
}

impl CachedPage {
    pub fn new(
        shop_id: i64,
        status: u16,
        content_type: &'static str,
        body: Bytes,
        csp: Option<HeaderValue>,
    ) -> Self {
        let digest = Sha256::digest(&body);
        // Weak: the same page is sent gzip-, brotli- or un-encoded (the compression
        // layer), and a strong validator would have to differ per encoding.
        let etag = format!("W/\"{}\"", hex::encode(&digest[..12]));
        CachedPage {
            etag,
            shop_id,
            status,
            content_type,
            body,
            csp,
            stored: Instant::now(),
        }
    }
}

#[derive(Default)]
pub struct PageCache {
    entries: RwLock<HashMap<PageKey, CachedPage>>,
    /// Bumped by every invalidation (see the module comment).
    generation: AtomicU64,
}

impl PageCache {
    pub fn get(&self, key: &PageKey) -> Option<CachedPage> {
        let entries = self.entries.read().unwrap_or_else(|e| e.into_inner());
        entries
            .get(key)
            .filter(|page| page.stored.elapsed() < MAX_AGE)
            .cloned()
    }

    /// Read before building a page; hand it to `put`.
    pub fn generation(&self) -> u64 {
        self.generation.load(Ordering::SeqCst)
    }

    /// Store `page`, built after reading `generation`, unless something was invalidated
    /// since (the page might show what was just changed).
    pub fn put(&self, key: PageKey, page: CachedPage, generation: u64) {
        let mut entries = self.entries.write().unwrap_or_else(|e| e.into_inner());
        if self.generation.load(Ordering::SeqCst) != generation {
            return;
        }
        if entries.len() >= MAX_ENTRIES {
            entries.clear();
        }
        entries.insert(key, page);
    }

    /// Forget every page of one shop.
    pub fn invalidate_shop(&self, shop_id: i64) {
        let mut entries = self.entries.write().unwrap_or_else(|e| e.into_inner());
        self.generation.fetch_add(1, Ordering::SeqCst);
        entries.retain(|_, page| page.shop_id != shop_id);
    }

    /// Forget everything (another node's invalidations may have been missed).
    pub fn clear(&self) {
        let mut entries = self.entries.write().unwrap_or_else(|e| e.into_inner());
        self.generation.fetch_add(1, Ordering::SeqCst);
        entries.clear();
    }

    pub fn len(&self) -> usize {
        self.entries.read().unwrap_or_else(|e| e.into_inner()).len()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn invalidating_a_shop_drops_only_its_pages() {
        let cache = PageCache::default();
        let page = |shop| CachedPage::new(shop, 200, "text/html", Bytes::from_static(b"x"), None);
        let g = cache.generation();
        cache.put(PageKey::Shop("a".into()), page(1), g);
        cache.put(PageKey::Stream("a".into(), "s".into()), page(1), g);
        cache.put(PageKey::Shop("b".into()), page(2), g);
        assert!(cache.get(&PageKey::Shop("a".into())).is_some());
        cache.invalidate_shop(1);
        assert!(cache.get(&PageKey::Shop("a".into())).is_none());
        assert!(
            cache
                .get(&PageKey::Stream("a".into(), "s".into()))
                .is_none()
        );
        assert!(cache.get(&PageKey::Shop("b".into())).is_some());
        assert_eq!(cache.len(), 1);
    }

    #[test]
    fn a_page_built_across_an_invalidation_is_not_stored() {
        let cache = PageCache::default();
        let page = CachedPage::new(1, 200, "text/html", Bytes::from_static(b"old"), None);
        let before = cache.generation();
        cache.invalidate_shop(1);
        cache.put(PageKey::Shop("a".into()), page.clone(), before);
        assert!(cache.get(&PageKey::Shop("a".into())).is_none());
        cache.put(PageKey::Shop("a".into()), page, cache.generation());
        assert!(cache.get(&PageKey::Shop("a".into())).is_some());
    }

    #[test]
    fn the_etag_follows_the_body() {
        let a = CachedPage::new(1, 200, "text/html", Bytes::from_static(b"a"), None);
        let b = CachedPage::new(1, 200, "text/html", Bytes::from_static(b"b"), None);
        assert!(a.etag.starts_with("W/\"") && a.etag.ends_with('"'));
        assert_ne!(a.etag, b.etag);
    }
}
