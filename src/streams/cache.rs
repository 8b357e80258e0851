//! The in-memory cache of public pages. A shopper's page is the same for everyone (no
//! session, no per-visitor token), so it is rendered once and served from memory until
//! the stream or its shop changes. Changes made elsewhere (a product's price in the
//! catalogue) are picked up when an entry reaches its age limit, or at once if that
//! feature calls `Streams::invalidate_shop`.

use std::collections::HashMap;
use std::sync::RwLock;
use std::time::{Duration, Instant};

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
        CachedPage {
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
}

impl PageCache {
    pub fn get(&self, key: &PageKey) -> Option<CachedPage> {
        let entries = self.entries.read().unwrap_or_else(|e| e.into_inner());
        entries
            .get(key)
            .filter(|page| page.stored.elapsed() < MAX_AGE)
            .cloned()
    }

    pub fn put(&self, key: PageKey, page: CachedPage) {
        let mut entries = self.entries.write().unwrap_or_else(|e| e.into_inner());
        if entries.len() >= MAX_ENTRIES {
            entries.clear();
        }
        entries.insert(key, page);
    }

    /// Forget every page of one shop.
    pub fn invalidate_shop(&self, shop_id: i64) {
        let mut entries = self.entries.write().unwrap_or_else(|e| e.into_inner());
        entries.retain(|_, page| page.shop_id != shop_id);
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
        cache.put(PageKey::Shop("a".into()), page(1));
        cache.put(PageKey::Stream("a".into(), "s".into()), page(1));
        cache.put(PageKey::Shop("b".into()), page(2));
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
}
