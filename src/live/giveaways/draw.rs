//! The draw, so that anyone can redo it (docs/live-selling.md, "Giveaways"). When the
//! giveaway opens we make a seed (32 random bytes, written as 64 hex digits) and show only
//! `SHA-256(seed)`; the merchant cannot choose the seed after seeing who entered. At the
//! draw the entrants are listed by entry time (ties by their ref), each as a ref (the first
//! 12 hex digits of `SHA-256("{giveaway id}:{viewer id}")`, so no viewer id is published),
//! and the first `k` places of a Fisher–Yates shuffle driven by the seed are the winners:
//!
//! ```text
//! for i in 0..k:
//!     m = n - i
//!     for c in 0, 1, 2, …:
//!         r = first 8 bytes, big-endian, of SHA-256("{seed}:{i}:{c}")
//!         if r < 2^64 - (2^64 mod m): break        # no modulo bias
//!     swap(list[i], list[i + r mod m])
//! winners = list[0..k]
//! ```
//!
//! The seed and the list are published after the draw with the list's own SHA-256.

use sha2::{Digest, Sha256};

fn sha256_hex(text: &str) -> String {
    hex::encode(Sha256::digest(text.as_bytes()))
}

/// A fresh seed: 32 random bytes as 64 hex digits.
pub fn new_seed() -> String {
    let bytes: [u8; 32] = rand::random();
    hex::encode(bytes)
}

/// What is shown of the seed before the draw.
pub fn seed_hash(seed: &str) -> String {
    sha256_hex(seed)
}

/// The public name of an entrant.
pub fn entrant_ref(giveaway_id: i64, viewer_id: &str) -> String {
    sha256_hex(&format!("{giveaway_id}:{viewer_id}"))[..12].to_string()
}

/// The SHA-256 of the entrant list as drawn: the refs, one per line.
pub fn list_hash(refs: &[String]) -> String {
    sha256_hex(&refs.join("\n"))
}

/// A number below `m` (> 0) for step `i`, uniform, from the seed.
fn below(seed: &str, i: usize, m: u64) -> u64 {
    let zone = u64::MAX - (u64::MAX % m + 1) % m;
    (0u64..)
        .map(|c| {
            let digest = Sha256::digest(format!("{seed}:{i}:{c}").as_bytes());
            u64::from_be_bytes(digest[..8].try_into().expect("8 bytes"))
        })
        .find(|r| *r <= zone)
        .expect("a value falls in the zone")
        % m
}

/// The indexes into the entrant list of the `k` winners, in place order (fewer when
/// fewer entered).
pub fn draw(seed: &str, n: usize, k: usize) -> Vec<usize> {
    let mut list: Vec<usize> = (0..n).collect();
    let k = k.min(n);
    for i in 0..k {
        let m = (n - i) as u64;
        let j = i + below(seed, i, m) as usize;
        list.swap(i, j);
    }
    list.truncate(k);
    list
}

#[cfg(test)]
mod tests {
    use super::*;

    const SEED: &str = "5f2b0c6d9e1a4b7c8d3e2f1a0b9c8d7e6f5a4b3c2d1e0f9a8b7c6d5e4f3a2b1c";

    #[test]
    fn the_same_seed_and_list_draw_the_same_winners() {
        let a = draw(SEED, 50, 3);
        assert_eq!(a, draw(SEED, 50, 3));
        assert_eq!(a.len(), 3);
        let mut unique = a.clone();
        unique.sort();
        unique.dedup();
        assert_eq!(unique.len(), 3, "nobody wins twice");
        assert!(a.iter().all(|i| *i < 50));
        assert_ne!(
            draw(&"0".repeat(64), 50, 3),
            a,
            "another seed, another draw"
        );
        // The first places do not depend on how many places are drawn.
        assert_eq!(draw(SEED, 50, 1)[0], a[0]);
    }

    #[test]
    fn fewer_entrants_than_places_all_win_and_none_draws_nobody() {
        let mut all = draw(SEED, 2, 5);
        all.sort();
        assert_eq!(all, [0, 1]);
        assert!(draw(SEED, 0, 3).is_empty());
    }

    #[test]
    fn every_entrant_can_win_about_as_often() {
        // 600 seeds, 6 entrants, one place: each wins about 100 times.
        let mut wins = [0; 6];
        for s in 0..600 {
            wins[draw(&format!("{s:064}"), 6, 1)[0]] += 1;
        }
        assert!(wins.iter().all(|w| (60..=140).contains(w)), "{wins:?}");
    }

    #[test]
    fn the_seed_is_committed_to_by_its_hash_and_refs_hide_viewer_ids() {
        let seed = new_seed();
        assert_eq!(seed.len(), 64);
        assert_eq!(seed_hash(&seed), sha256_hex(&seed));
        let r = entrant_ref(7, "viewer-secret");
        assert_eq!(r.len(), 12);
        assert!(!r.contains("viewer"));
        assert_ne!(r, entrant_ref(8, "viewer-secret"));
        assert_eq!(list_hash(&["a".into(), "b".into()]), sha256_hex("a\nb"));
    }
}
