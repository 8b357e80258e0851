//! The stream lifecycle as a small state machine: `scheduled → live → ended`, and
//! `scheduled → cancelled`. Nothing else is legal; the database functions in
//! `transitions` ask this type before they write.

use std::fmt;

/// Where a stream is in its life.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Status {
    /// Planned; shoppers see a countdown.
    Scheduled,
    /// Broadcasting now.
    Live,
    /// Finished; the page says so and may still sell the featured products.
    Ended,
    /// Called off before it started; the page shows the merchant's note.
    Cancelled,
}

/// What can happen to a stream.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Event {
    /// The broadcaster started publishing, or a host pressed Start.
    GoLive,
    /// A host pressed End, or the publisher stayed away past the grace period.
    End,
    /// The merchant called it off.
    Cancel,
}

/// Who caused a transition, recorded with it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Actor {
    /// A member of the shop, by user id.
    User(i64),
    /// The encoder (WHIP publish or disconnect).
    Publisher,
    /// Showfloor itself (the grace period ran out).
    System,
}

impl Actor {
    pub fn kind(self) -> &'static str {
        match self {
            Actor::User(_) => "user",
            Actor::Publisher => "publisher",
            Actor::System => "system",
        }
    }

    pub fn user_id(self) -> Option<i64> {
        match self {
            Actor::User(id) => Some(id),
            _ => None,
        }
    }
}

/// A transition the machine does not allow, with the sentence a person sees.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct IllegalTransition {
    pub from: Status,
    pub event: Event,
}

impl fmt::Display for IllegalTransition {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let what = match self.event {
            Event::GoLive => "go live",
            Event::End => "be ended",
            Event::Cancel => "be cancelled",
        };
        write!(f, "A stream that is {} cannot {what}.", self.from.label())
    }
}

impl Status {
    pub const ALL: [Status; 4] = [
        Status::Scheduled,
        Status::Live,
        Status::Ended,
        Status::Cancelled,
    ];

    /// The state after `event`, or why it cannot happen.
    pub fn apply(self, event: Event) -> Result<Status, IllegalTransition> {
        match (self, event) {
            (Status::Scheduled, Event::GoLive) => Ok(Status::Live),
            (Status::Live, Event::End) => Ok(Status::Ended),
            (Status::Scheduled, Event::Cancel) => Ok(Status::Cancelled),
            (from, event) => Err(IllegalTransition { from, event }),
        }
    }

    /// Whether the schedule (time, duration, title…) may still change.
    pub fn is_editable(self) -> bool {
        self == Status::Scheduled
    }

    pub fn is_final(self) -> bool {
        matches!(self, Status::Ended | Status::Cancelled)
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Status::Scheduled => "scheduled",
            Status::Live => "live",
            Status::Ended => "ended",
            Status::Cancelled => "cancelled",
        }
    }

    /// The word shown to people.
    pub fn label(self) -> &'static str {
        match self {
            Status::Scheduled => "scheduled",
            Status::Live => "live",
            Status::Ended => "ended",
            Status::Cancelled => "cancelled",
        }
    }

    /// The `.badge` variant for this state.
    pub fn badge(self) -> &'static str {
        match self {
            Status::Scheduled => "badge-info",
            Status::Live => "badge-live",
            Status::Ended => "badge-muted",
            Status::Cancelled => "badge-warning",
        }
    }

    pub fn parse(s: &str) -> Option<Status> {
        Status::ALL.into_iter().find(|st| st.as_str() == s)
    }
}

/// A status column held a word this version does not know (a newer node wrote it, or
/// the row was edited by hand): the row is refused rather than guessed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown stream status {0:?}")]
pub struct UnknownStatus(pub String);

/// Decodes the `status` column at the store boundary (`#[sqlx(try_from = "String")]`).
impl TryFrom<String> for Status {
    type Error = UnknownStatus;

    fn try_from(s: String) -> Result<Status, UnknownStatus> {
        Status::parse(&s).ok_or(UnknownStatus(s))
    }
}

impl fmt::Display for Status {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_happy_path_is_scheduled_live_ended() {
        let live = Status::Scheduled.apply(Event::GoLive).unwrap();
        assert_eq!(live, Status::Live);
        assert_eq!(live.apply(Event::End).unwrap(), Status::Ended);
        assert_eq!(
            Status::Scheduled.apply(Event::Cancel).unwrap(),
            Status::Cancelled
        );
    }

    #[test]
    fn every_other_transition_is_illegal() {
        let legal = [
            (Status::Scheduled, Event::GoLive),
            (Status::Live, Event::End),
            (Status::Scheduled, Event::Cancel),
        ];
        for from in Status::ALL {
            for event in [Event::GoLive, Event::End, Event::Cancel] {
                if legal.contains(&(from, event)) {
                    continue;
                }
                let err = from.apply(event).unwrap_err();
                assert_eq!(err, IllegalTransition { from, event });
            }
        }
    }

    #[test]
    fn final_states_accept_nothing_and_say_why() {
        for from in [Status::Ended, Status::Cancelled] {
            assert!(from.is_final());
            assert!(!from.is_editable());
            assert!(from.apply(Event::GoLive).is_err());
        }
        assert_eq!(
            Status::Ended.apply(Event::GoLive).unwrap_err().to_string(),
            "A stream that is ended cannot go live."
        );
        assert_eq!(
            Status::Live.apply(Event::Cancel).unwrap_err().to_string(),
            "A stream that is live cannot be cancelled."
        );
    }

    #[test]
    fn statuses_round_trip_through_their_names() {
        for s in Status::ALL {
            assert_eq!(Status::parse(s.as_str()), Some(s));
        }
        assert_eq!(Status::parse("paused"), None);
        assert_eq!(Status::try_from("live".to_string()), Ok(Status::Live));
        assert_eq!(
            Status::try_from("paused".to_string()),
            Err(UnknownStatus("paused".into()))
        );
    }
}
