//! Mail that arrives: a real SMTP server (aiosmtpd, started by each test on loopback)
//! receives the order confirmation, the shop's new-order notice and the shipping mail;
//! a server that defers gets the mail on the retry; a restart between queueing and
//! sending still sends it; two nodes send each mail once; what never left is said on the
//! order page; a bad tracking number gets the form back.

use reqwest::StatusCode;

use crate::fixtures::{self, NewStream};
use crate::helpers::{email, spawn_app};
use crate::mail_support::{
    Sink, app_with_smtp, buy_and_pay, closed_port, outbox, owner_email, point_at, wait_outbox,
};
use crate::orders_support::{sale, status_of};
use crate::streams_support::shop;

#[tokio::test]
async fn a_paid_then_fulfilled_order_sends_the_confirmation_the_shop_notice_and_the_shipping_mail()
{
    let sink = Sink::start(0).await;
    let app = app_with_smtp(&sink.url(), 30_000, 8).await;
    let sale = sale(&app, "mailshop", 5).await;
    let buyer = email("bo");
    let owner = owner_email(&app, sale.shop_id).await;

    let shopper = app.browser();
    let (number, token) = buy_and_pay(&shopper, &app, &sale, "Bo <b>Bold</b> & Co", &buyer).await;

    let confirmation = sink.wait_for("Your order").await;
    assert_eq!(confirmation.rcpt_tos, [buyer.as_str()]);
    assert_eq!(confirmation.content_type, "multipart/alternative");
    assert_eq!(
        confirmation.header("from"),
        "Shop mailshop <showfloor@localhost>",
        "the shop's name is the sender's"
    );
    assert_eq!(confirmation.header("reply-to"), owner);
    let price = showfloor::money::format(4900, "EUR");
    for part in [&confirmation.text, &confirmation.html] {
        assert!(part.contains(&number), "{part}");
        assert!(
            part.contains("Linen shirt") && part.contains(&price),
            "{part}"
        );
        // Paid a moment ago, shown in the shop's zone (Europe/Paris).
        assert!(part.contains(" CET") || part.contains(" CEST"), "{part}");
        assert!(part.contains(&format!("/checkout/{token}/done")), "{part}");
        assert!(part.contains("/@mailshop/flash"), "{part}");
    }
    assert!(confirmation.text.contains("Bo <b>Bold</b> & Co"));
    assert!(
        !confirmation.html.contains("<b>Bold</b>"),
        "{}",
        confirmation.html
    );
    assert!(
        confirmation.html.contains("&#60;b&#62;Bold")
            || confirmation.html.contains("&lt;b&gt;Bold")
    );

    let notice = sink.wait_for("New order").await;
    assert_eq!(notice.rcpt_tos, [owner.as_str()]);
    assert_eq!(notice.header("from"), "Shop mailshop <showfloor@localhost>");
    assert!(notice.text.contains(&buyer) && notice.text.contains(&price));
    assert!(notice.text.contains(&format!("/orders/{number}")));
    assert!(notice.html.contains(&format!("/orders/{number}")));

    let fulfil = sale
        .owner
        .post(
            &format!("/orders/{number}/fulfil"),
            &[
                ("carrier", "UPS"),
                ("tracking_number", "1Z999AA10123456784"),
            ],
        )
        .await;
    assert_eq!(fulfil.status, StatusCode::SEE_OTHER, "{}", fulfil.body);
    let shipped = sink
        .wait_for(&format!("Your order {number} is on its way"))
        .await;
    assert_eq!(shipped.rcpt_tos, [buyer.as_str()]);
    let link = "https://www.ups.com/track?tracknum=1Z999AA10123456784";
    for part in [&shipped.text, &shipped.html] {
        assert!(
            part.contains("UPS") && part.contains("1Z999AA10123456784"),
            "{part}"
        );
        assert!(part.contains(link), "{part}");
    }

    // Each mail once, and the order page has nothing to report.
    // (The worker records the send once the server has answered: wait for it.)
    let rows = wait_outbox(&app, &number, |rows| {
        rows.iter().all(|(_, status, _)| status == "sent")
    })
    .await;
    assert_eq!(rows.len(), 3, "{rows:?}");
    assert_eq!(sink.arrived().len(), 3);
    // Queueing again (a replayed payment event) queues nothing new.
    let order = showfloor::orders::store::by_number(app.db(), sale.shop_id, &number)
        .await
        .unwrap()
        .expect("the order");
    let mut conn = app.db().acquire().await.unwrap();
    showfloor::orders::mails::queue_paid(&mut conn, &order)
        .await
        .unwrap();
    drop(conn);
    assert_eq!(outbox(&app, &number).await.len(), 3);
    let page = sale.owner.get(&format!("/orders/{number}")).await;
    assert!(
        page.texts(".mail-note").is_empty(),
        "{:?}",
        page.texts(".mail-note")
    );
}

#[tokio::test]
async fn a_mail_the_server_defers_arrives_on_the_retry() {
    let sink = Sink::start(1).await;
    let app = app_with_smtp(&sink.url(), 100, 8).await;
    let sale = sale(&app, "deferred", 5).await;
    let buyer = email("bo");
    let (number, _) = buy_and_pay(&app.browser(), &app, &sale, "Bo", &buyer).await;

    sink.wait_for("Your order").await;
    sink.wait_for("New order").await;
    let rows = wait_outbox(&app, &number, |rows| {
        rows.len() == 2 && rows.iter().all(|(_, s, _)| s == "sent")
    })
    .await;
    // The first DATA was answered 451: one of the two took a second attempt.
    let attempts: i64 = rows.iter().map(|(_, _, a)| a).sum();
    assert_eq!(attempts, 3, "{rows:?}");
    assert_eq!(sink.arrived().len(), 2);
}

#[tokio::test]
async fn a_mail_queued_before_a_restart_is_sent_after_it() {
    // No server answers at first: the mail is queued and tried, and waits.
    let dead = format!("smtp://127.0.0.1:{}", closed_port());
    let mut app = app_with_smtp(&dead, 200, 50).await;
    let sale = sale(&app, "restarted", 5).await;
    let buyer = email("bo");
    let (number, _) = buy_and_pay(&app.browser(), &app, &sale, "Bo", &buyer).await;
    wait_outbox(&app, &number, |rows| {
        rows.len() == 2 && rows.iter().all(|(_, s, a)| s == "queued" && *a >= 1)
    })
    .await;

    let sink = Sink::start(0).await;
    point_at(&mut app, &sink.url(), 200, 50);
    app.restart().await;
    let confirmation = sink.wait_for("Your order").await;
    assert_eq!(confirmation.rcpt_tos, [buyer]);
    sink.wait_for("New order").await;
    wait_outbox(&app, &number, |rows| {
        rows.iter().all(|(_, s, _)| s == "sent")
    })
    .await;
}

#[tokio::test]
async fn a_mail_refused_every_time_is_marked_failed_on_the_order_page() {
    let sink = Sink::start(1000).await;
    let app = app_with_smtp(&sink.url(), 50, 2).await;
    let sale = sale(&app, "refusing", 5).await;
    let (number, _) = buy_and_pay(&app.browser(), &app, &sale, "Bo", &email("bo")).await;
    wait_outbox(&app, &number, |rows| {
        rows.len() == 2 && rows.iter().all(|(_, s, a)| s == "failed" && *a == 2)
    })
    .await;
    let notes = sale
        .owner
        .get(&format!("/orders/{number}"))
        .await
        .texts(".mail-note");
    assert_eq!(notes.len(), 2, "{notes:?}");
    assert!(
        notes[0].starts_with(
            "The order confirmation to the customer could not be sent after 2 attempts"
        ) && notes[0].contains("451"),
        "{notes:?}"
    );
    assert!(sink.arrived().is_empty());
}

#[tokio::test]
async fn a_mail_the_server_refuses_for_good_fails_at_once() {
    let sink = Sink::start(-1).await;
    let app = app_with_smtp(&sink.url(), 50, 8).await;
    let sale = sale(&app, "permanent", 5).await;
    let (number, _) = buy_and_pay(&app.browser(), &app, &sale, "Bo", &email("bo")).await;
    // A 5xx is not worth another attempt: one each, then failed.
    wait_outbox(&app, &number, |rows| {
        rows.len() == 2 && rows.iter().all(|(_, s, a)| s == "failed" && *a == 1)
    })
    .await;
    let notes = sale
        .owner
        .get(&format!("/orders/{number}"))
        .await
        .texts(".mail-note");
    assert!(notes.iter().all(|n| n.contains("550")), "{notes:?}");
}

#[tokio::test]
async fn without_a_mail_server_nothing_is_sent_and_the_order_page_says_so() {
    let app = spawn_app().await;
    assert!(!app.config.mail_enabled());
    let sale = sale(&app, "nomail", 5).await;
    let (number, _) = buy_and_pay(&app.browser(), &app, &sale, "Bo", &email("bo")).await;
    wait_outbox(&app, &number, |rows| {
        rows.len() == 2 && rows.iter().all(|(_, s, a)| s == "unsent" && *a == 0)
    })
    .await;
    let notes = sale
        .owner
        .get(&format!("/orders/{number}"))
        .await
        .texts(".mail-note");
    assert_eq!(
        notes,
        [
            "The order confirmation to the customer was not sent: no mail server configured.",
            "The new-order notice to the shop was not sent: no mail server configured."
        ]
    );
}

#[tokio::test]
async fn a_bad_tracking_number_re_renders_the_form_with_what_was_typed() {
    let app = spawn_app().await;
    let sale = sale(&app, "tracking", 5).await;
    let (number, _) = buy_and_pay(&app.browser(), &app, &sale, "Bo", &email("bo")).await;
    let path = format!("/orders/{number}/fulfil");

    let long = "A".repeat(65);
    let page = sale
        .owner
        .post(&path, &[("carrier", "DHL"), ("tracking_number", &long)])
        .await;
    assert_eq!(page.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(
        page.input_value("tracking_number").as_deref(),
        Some(long.as_str())
    );
    assert_eq!(
        page.texts("#fulfil-error"),
        ["A tracking number has at most 64 characters; this one has 65."]
    );
    assert_eq!(page.texts("#carrier option[selected]"), ["DHL"]);

    let page = sale
        .owner
        .post(
            &path,
            &[
                ("carrier", "Other"),
                ("carrier_other", "Chronopost"),
                ("tracking_number", "AB\t12"),
            ],
        )
        .await;
    assert_eq!(page.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(
        page.input_value("carrier_other").as_deref(),
        Some("Chronopost")
    );
    assert_eq!(page.texts("#fulfil-error").len(), 1);
    assert_eq!(
        status_of(&app, &number).await,
        "paid",
        "nothing was fulfilled"
    );

    let page = sale
        .owner
        .post(
            &path,
            &[
                ("carrier", "Other"),
                ("carrier_other", "Chronopost"),
                ("tracking_number", "XY123"),
            ],
        )
        .await;
    assert_eq!(page.status, StatusCode::SEE_OTHER, "{}", page.body);
    assert_eq!(status_of(&app, &number).await, "fulfilled");
    let (carrier, tracking): (String, String) =
        sqlx::query_as("SELECT carrier, tracking_number FROM orders WHERE number = $1")
            .bind(&number)
            .fetch_one(app.db())
            .await
            .unwrap();
    assert_eq!(
        (carrier.as_str(), tracking.as_str()),
        ("Chronopost", "XY123")
    );
}

#[tokio::test]
async fn two_nodes_on_one_database_send_each_mail_once() {
    let sink = Sink::start(0).await;
    let app = app_with_smtp(&sink.url(), 50, 8).await;
    // A second node on the same database: its worker races this one's for every row.
    let node_b = showfloor::Server::start(app.config.clone())
        .await
        .expect("second node");
    let sale = sale(&app, "twonodes", 20).await;
    let mut numbers = Vec::new();
    for _ in 0..4 {
        let shopper = app.browser();
        numbers.push(
            buy_and_pay(&shopper, &app, &sale, "Bo", &email("bo"))
                .await
                .0,
        );
    }
    for number in &numbers {
        wait_outbox(&app, number, |rows| {
            rows.len() == 2 && rows.iter().all(|(_, s, a)| s == "sent" && *a == 1)
        })
        .await;
    }
    let arrived = sink.arrived();
    assert_eq!(arrived.len(), 8, "each mail once");
    for number in &numbers {
        let about = arrived
            .iter()
            .filter(|m| m.header("subject").contains(number.as_str()))
            .count();
        assert_eq!(about, 2, "{number}: one confirmation, one notice");
    }
    node_b.stop().await.expect("node B stops");
}

#[tokio::test]
async fn a_stream_reminder_goes_out_through_the_shared_transport() {
    let sink = Sink::start(0).await;
    let app = app_with_smtp(&sink.url(), 30_000, 8).await;
    let s = shop(&app, "remindmail").await;
    let soon = showfloor::db::now_ms() + 10 * 60 * 1000;
    let demo = NewStream::new("soon", "Soon demo", "pub-remindmail", soon);
    fixtures::stream(app.db(), s.id, demo).await;
    let asked = reqwest::Client::new()
        .post(format!(
            "{}/api/streams/pub-remindmail/reminders",
            app.base()
        ))
        .header("accept", "application/json")
        .form(&[("email", "fan@example.com")])
        .send()
        .await
        .unwrap();
    assert_eq!(asked.status(), StatusCode::OK);

    // The reminder task looks every 30 s; a round now sends what is due.
    let state = &app.server.as_ref().expect("running").state;
    showfloor::streams::reminders::mail::send_due(state)
        .await
        .expect("a round of reminders");
    let reminder = sink.wait_for("Starting in 15 minutes: Soon demo").await;
    assert_eq!(reminder.rcpt_tos, ["fan@example.com"]);
    assert_eq!(reminder.header("from"), "Showfloor <showfloor@localhost>");
    assert!(
        reminder
            .header("list-unsubscribe")
            .contains("/api/reminders/unsubscribe/")
    );
    assert!(reminder.text.contains("Soon demo"), "{}", reminder.text);
}
