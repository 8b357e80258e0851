//! The metric functions on small cases; the hand-computed stream is in tests/api/reports.rs.

use super::*;

fn question(created_at: i64, answered_at: Option<i64>, status: &str) -> QuestionRow {
    QuestionRow {
        id: created_at,
        viewer_id: "v".into(),
        body: String::new(),
        hidden: status == "hidden",
        votes: 0,
        created_at,
        answered_at,
    }
}

fn order(status: &str, total: i64, refunded_amount: i64) -> OrderRow {
    OrderRow {
        id: 1,
        viewer_id: "v".into(),
        status: OrderStatus::parse(status).expect("an order status"),
        total,
        refunded_amount,
        created_at: 0,
    }
}

#[test]
fn the_median_of_an_even_count_is_the_mean_of_the_middle_two() {
    let qs = [
        question(0, Some(10), "visible"),
        question(0, Some(40), "visible"),
        question(0, Some(20), "pending"),
        question(0, Some(30), "visible"),
        question(0, Some(1), "hidden"),
        question(0, None, "visible"),
    ];
    assert_eq!(median_answer_ms(&qs), Some(25));
    assert_eq!((questions_asked(&qs), questions_answered(&qs)), (5, 4));
    assert_eq!(median_answer_ms(&[]), None);
}

#[test]
fn an_order_counts_once_paid_and_until_refunded_in_full() {
    assert!(is_kept(&order("paid", 100, 0)));
    assert!(is_kept(&order("partially_refunded", 100, 40)));
    assert!(!is_kept(&order("refunded", 100, 100)));
    assert!(!is_kept(&order("pending", 100, 0)));
    assert!(!is_kept(&order("expired", 100, 0)));
    let all = [
        order("paid", 100, 0),
        order("partially_refunded", 100, 40),
        order("refunded", 50, 50),
    ];
    assert_eq!(
        (orders(&all), revenue(&all), refunds(&all)),
        (2, 160, (2, 90))
    );
    assert_eq!(average_order_value(160, 2), Some(80));
    assert_eq!(average_order_value(5, 2), Some(3), "half up");
}

#[test]
fn visits_are_clipped_to_the_live_window() {
    let w = Window {
        start: 100,
        end: 200,
    };
    let visit = |joined_at, left_at| Visit {
        viewer_id: format!("{joined_at}"),
        joined_at,
        left_at,
    };
    let visits = [
        visit(50, Some(150)),
        visit(190, None),
        visit(10, Some(100)),
        visit(200, Some(300)),
    ];
    assert_eq!(
        unique_viewers(&visits, w).len(),
        2,
        "leaving at go-live or joining at the end is not watching"
    );
    assert_eq!(watch_time_ms(&visits, w), 50 + 10);
    assert_eq!(peak_concurrent(&visits, w), (1, Some(100)));
}

#[test]
fn a_rate_in_tenths_of_a_percent_rounds_half_up_like_its_percent() {
    let third = Rate::of(1, 3).expect("a whole");
    assert_eq!((third.tenths(), third.percent()), (333, "33.3 %".into()));
    let two_thirds = Rate::of(2, 3).expect("a whole");
    assert_eq!(
        (two_thirds.tenths(), two_thirds.percent()),
        (667, "66.7 %".into())
    );
    assert_eq!(
        Rate::of(1, 2000).map(|r| r.tenths()),
        Some(1),
        "0.05 % rounds up"
    );
}
