//! The rules of a bid, without I/O: what the standing (price, leader, the leader's secret
//! maximum, the clock) becomes when a bidder offers an amount now and, optionally, a
//! maximum the server may bid up to for them (proxy bidding, as eBay does it). The store
//! applies the result with one conditional UPDATE, so these rules see every bid of an
//! auction one at a time, in order.

/// Where an auction stands before a bid.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Standing {
    pub start_price: i64,
    pub increment: i64,
    /// The current price (None until the first bid).
    pub price: Option<i64>,
    pub leader: Option<String>,
    /// The leader's maximum (at least the price).
    pub leader_max: Option<i64>,
    pub ends_at: i64,
    /// A bid in the last this-many ms brings the clock back to this-many ms (0: never).
    pub extend_ms: i64,
}

/// One bid as the rules read it: `amount` now, and up to `max` on the bidder's behalf.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Offer {
    pub amount: i64,
    pub max: i64,
}

/// What a bid records, in order: who, how much, and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Recorded {
    pub viewer_id: String,
    pub amount: i64,
    pub kind: BidKind,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BidKind {
    /// Placed by hand (no maximum above it).
    Bid,
    /// A bid with a maximum above it, or a leader raising their maximum.
    Max,
    /// Placed by the server for a leader's maximum, answering another bid.
    Proxy,
}

impl BidKind {
    pub fn as_str(self) -> &'static str {
        match self {
            BidKind::Bid => "bid",
            BidKind::Max => "max",
            BidKind::Proxy => "proxy",
        }
    }
}

/// The standing after an accepted bid, and the bids it records.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Outcome {
    pub price: i64,
    pub leader: String,
    pub leader_max: i64,
    pub ends_at: i64,
    pub recorded: Vec<Recorded>,
    /// The bidder leads after it (false: a maximum placed earlier outbid them at once).
    pub leading: bool,
    /// The clock was extended by this bid.
    pub extended: bool,
}

/// Why a bid changes nothing.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Refused {
    /// Below the next valid bid, which is this.
    TooLow { next: i64 },
    /// The bidder leads already with a maximum at least this.
    Leading { max: i64 },
    /// The maximum is below the amount.
    MaxBelowAmount,
    /// The clock had run out.
    Ended,
}

impl Standing {
    /// The lowest bid accepted now.
    pub fn next_bid(&self) -> i64 {
        match self.price {
            Some(p) if self.leader.is_some() => p.saturating_add(self.increment),
            _ => self.start_price,
        }
    }
}

/// The standing after `bidder` offers `offer` at `now`.
pub fn decide(s: &Standing, bidder: &str, offer: Offer, now: i64) -> Result<Outcome, Refused> {
    if now >= s.ends_at {
        return Err(Refused::Ended);
    }
    if offer.max < offer.amount {
        return Err(Refused::MaxBelowAmount);
    }
    let kind = if offer.max > offer.amount {
        BidKind::Max
    } else {
        BidKind::Bid
    };
    let mine = |amount, kind| Recorded {
        viewer_id: bidder.to_string(),
        amount,
        kind,
    };
    let extended = |s: &Standing| s.extend_ms > 0 && s.ends_at - now < s.extend_ms;
    let clock = |s: &Standing| {
        if extended(s) {
            now + s.extend_ms
        } else {
            s.ends_at
        }
    };
    let (Some(price), Some(leader), Some(leader_max)) = (s.price, &s.leader, s.leader_max) else {
        // The first bid: it sets the price at what was offered.
        if offer.amount < s.start_price {
            return Err(Refused::TooLow {
                next: s.start_price,
            });
        }
        return Ok(Outcome {
            price: offer.amount,
            leader: bidder.to_string(),
            leader_max: offer.max,
            ends_at: clock(s),
            recorded: vec![mine(offer.amount, kind)],
            leading: true,
            extended: extended(s),
        });
    };
    if leader == bidder {
        // The leader cannot outbid themselves; they may raise the maximum that defends them.
        if offer.max <= leader_max {
            return Err(Refused::Leading { max: leader_max });
        }
        return Ok(Outcome {
            price,
            leader: leader.clone(),
            leader_max: offer.max,
            ends_at: s.ends_at,
            recorded: vec![mine(offer.max, BidKind::Max)],
            leading: true,
            extended: false,
        });
    }
    let next = s.next_bid();
    if offer.amount < next {
        return Err(Refused::TooLow { next });
    }
    if offer.max > leader_max {
        // The new bidder leads: the price is what it takes to beat the old maximum (one
        // increment over it, capped at the new maximum), or the amount offered if higher.
        let new_price = offer
            .amount
            .max(leader_max.saturating_add(s.increment).min(offer.max));
        let mut recorded = Vec::with_capacity(2);
        if leader_max > price {
            recorded.push(Recorded {
                viewer_id: leader.clone(),
                amount: leader_max,
                kind: BidKind::Proxy,
            });
        }
        recorded.push(mine(new_price, kind));
        return Ok(Outcome {
            price: new_price,
            leader: bidder.to_string(),
            leader_max: offer.max,
            ends_at: clock(s),
            recorded,
            leading: true,
            extended: extended(s),
        });
    }
    // The leader's maximum covers it: the server bids for them, one increment over the
    // newcomer's maximum (capped at the leader's; a tie goes to whoever bid it first).
    let defended = leader_max.min(offer.max.saturating_add(s.increment));
    Ok(Outcome {
        price: defended,
        leader: leader.clone(),
        leader_max,
        ends_at: clock(s),
        recorded: vec![
            mine(offer.max, kind),
            Recorded {
                viewer_id: leader.clone(),
                amount: defended,
                kind: BidKind::Proxy,
            },
        ],
        leading: false,
        extended: extended(s),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn standing() -> Standing {
        Standing {
            start_price: 1000,
            increment: 100,
            price: None,
            leader: None,
            leader_max: None,
            ends_at: 60_000,
            extend_ms: 0,
        }
    }

    fn apply(s: &mut Standing, o: &Outcome) {
        s.price = Some(o.price);
        s.leader = Some(o.leader.clone());
        s.leader_max = Some(o.leader_max);
        s.ends_at = o.ends_at;
    }

    fn bid(amount: i64) -> Offer {
        Offer {
            amount,
            max: amount,
        }
    }

    #[test]
    fn the_first_bid_is_at_least_the_start_and_each_next_one_increment_more() {
        let mut s = standing();
        assert_eq!(
            decide(&s, "a", bid(999), 0),
            Err(Refused::TooLow { next: 1000 })
        );
        let o = decide(&s, "a", bid(1000), 0).unwrap();
        apply(&mut s, &o);
        assert_eq!((s.price, s.next_bid()), (Some(1000), 1100));
        assert_eq!(
            decide(&s, "b", bid(1050), 0),
            Err(Refused::TooLow { next: 1100 })
        );
        let o = decide(&s, "b", bid(1500), 0).unwrap();
        assert!(o.leading);
        assert_eq!((o.price, o.leader.as_str()), (1500, "b"));
        assert_eq!(
            decide(&s, "a", bid(1000), 70_000),
            Err(Refused::Ended),
            "after the clock"
        );
    }

    #[test]
    fn a_maximum_placed_ahead_outbids_later_bids_up_to_it_and_no_further() {
        let mut s = standing();
        let o = decide(
            &s,
            "max",
            Offer {
                amount: 1000,
                max: 2000,
            },
            0,
        )
        .unwrap();
        apply(&mut s, &o);
        assert_eq!(s.price, Some(1000), "the price stays at the amount");
        for hand in [1100, 1500, 1900] {
            let o = decide(&s, "hand", bid(hand), 0).unwrap();
            assert!(!o.leading, "{hand} is outbid at once");
            assert_eq!(o.leader, "max");
            assert_eq!(o.price, hand + 100);
            assert_eq!(o.recorded[1].kind, BidKind::Proxy);
            apply(&mut s, &o);
        }
        // 2000 ties the maximum: the earlier bidder keeps it at 2000.
        let o = decide(&s, "hand", bid(2000), 0);
        assert_eq!(o, Err(Refused::TooLow { next: 2100 }));
        let o = decide(&s, "hand", bid(2100), 0).unwrap();
        assert!(o.leading, "past the maximum the hand bid leads");
        assert_eq!((o.price, o.leader.as_str()), (2100, "hand"));
        assert_eq!(
            o.recorded.len(),
            1,
            "the maximum was spent: no proxy bid answers"
        );
    }

    #[test]
    fn two_maximums_settle_one_increment_over_the_lower_and_a_tie_goes_to_the_first() {
        let mut s = standing();
        let first = Offer {
            amount: 1000,
            max: 3000,
        };
        let o = decide(&s, "a", first, 0).unwrap();
        apply(&mut s, &o);
        let o = decide(
            &s,
            "b",
            Offer {
                amount: 1100,
                max: 2500,
            },
            0,
        )
        .unwrap();
        assert_eq!((o.leader.as_str(), o.price), ("a", 2600));
        let tie = decide(
            &s,
            "b",
            Offer {
                amount: 1100,
                max: 3000,
            },
            0,
        )
        .unwrap();
        assert_eq!((tie.leader.as_str(), tie.price), ("a", 3000));
        let over = decide(
            &s,
            "b",
            Offer {
                amount: 1100,
                max: 5000,
            },
            0,
        )
        .unwrap();
        assert_eq!((over.leader.as_str(), over.price), ("b", 3100));
        assert_eq!(over.leader_max, 5000);
    }

    #[test]
    fn the_leader_raises_a_maximum_but_never_bids_against_themselves() {
        let mut s = standing();
        let o = decide(&s, "a", bid(1000), 0).unwrap();
        apply(&mut s, &o);
        assert_eq!(
            decide(&s, "a", bid(1000), 0),
            Err(Refused::Leading { max: 1000 })
        );
        let higher = decide(&s, "a", bid(1100), 0).unwrap();
        assert_eq!(
            (higher.price, higher.leader_max),
            (1000, 1100),
            "a higher bid by the leader only raises their maximum"
        );
        let o = decide(
            &s,
            "a",
            Offer {
                amount: 1100,
                max: 4000,
            },
            0,
        )
        .unwrap();
        assert_eq!((o.price, o.leader_max), (1000, 4000), "the price stays");
        assert_eq!(
            decide(&s, "a", Offer { amount: 9, max: 5 }, 0),
            Err(Refused::MaxBelowAmount)
        );
    }

    #[test]
    fn a_late_bid_brings_the_clock_back_and_sudden_death_never_moves_it() {
        let mut s = standing();
        s.extend_ms = 10_000;
        let early = decide(&s, "a", bid(1000), 30_000).unwrap();
        assert_eq!((early.ends_at, early.extended), (60_000, false));
        apply(&mut s, &early);
        let late = decide(&s, "b", bid(1100), 55_000).unwrap();
        assert_eq!((late.ends_at, late.extended), (65_000, true));
        s.extend_ms = 0;
        let sudden = decide(&s, "b", bid(1100), 59_999).unwrap();
        assert_eq!((sudden.ends_at, sudden.extended), (60_000, false));
    }
}
