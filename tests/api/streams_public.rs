//! The shopper's side of streams: the stream page in each state, time zones across a
//! DST change, calendars, preview tags, the embed's frame-ancestors, the cache.

use reqwest::StatusCode;

use crate::helpers::spawn_app;
use crate::streams_support::{
    attr, days_ahead, ics_value, product, public_ids, schedule, set_time_zone, shop,
};

#[tokio::test]
async fn next_tuesday_19_00_in_paris_is_the_same_instant_on_the_page_and_in_the_calendar() {
    let app = spawn_app().await;
    let s = shop(&app, "paris-shop").await;
    let paris = jiff::tz::TimeZone::get("Europe/Paris").unwrap();
    let today = jiff::Timestamp::now().to_zoned(paris.clone()).date();
    let tuesday = today.nth_weekday(1, jiff::civil::Weekday::Tuesday).unwrap();
    let (id, _) = schedule(&s.owner, "Tuesday demo", &format!("{tuesday}T19:00")).await;
    for title in ["Shirt", "Bowl", "Scarf"] {
        let p = product(&app, s.id, title, 2500, "EUR", "active").await;
        s.owner
            .post(
                &format!("/streams/{id}/products"),
                &[("product_id", &p.to_string())],
            )
            .await;
    }
    let (path, _) = public_ids(&app, id).await;

    let shopper = app.browser();
    let page = shopper.get(&path).await;
    assert_eq!(page.status, StatusCode::OK);
    let countdown = attr(&page, "[data-countdown]", "data-countdown").expect("countdown");
    let ics = shopper.get(&format!("{path}/calendar.ics")).await;
    assert_eq!(ics.headers["content-type"], "text/calendar; charset=utf-8");
    assert!(ics.body.contains("\r\n"), "CRLF line ends");
    let dtstart = ics_value(&ics.body, "DTSTART").unwrap();

    let instant: jiff::Timestamp = countdown.parse().unwrap();
    assert_eq!(instant.strftime("%Y%m%dT%H%M%SZ").to_string(), dtstart);
    let in_paris = instant.to_zoned(paris);
    assert_eq!(
        (in_paris.date(), in_paris.hour(), in_paris.minute()),
        (tuesday, 19, 0)
    );
    let in_new_york = instant.to_zoned(jiff::tz::TimeZone::get("America/New_York").unwrap());
    let gap = in_paris.offset().seconds() - in_new_york.offset().seconds();
    assert_eq!(
        in_new_york.hour() as i32,
        19 - gap / 3600,
        "13:00 in New York (14:00 in the weeks the DST dates differ)"
    );
    assert_eq!(page.texts(".v-product-title").len(), 3);
    assert!(ics_value(&ics.body, "URL").unwrap().ends_with(&path));
}

#[tokio::test]
async fn a_new_york_shop_scheduling_across_the_dst_change_keeps_wall_clock_times() {
    let app = spawn_app().await;
    let s = shop(&app, "ny-shop").await;
    set_time_zone(&s, "America/New_York").await;
    let year = jiff::Zoned::now().year() + 1;
    // The second Sunday of March: before it EST (UTC-5), after it EDT (UTC-4).
    let (before, _) = schedule(&s.owner, "Before", &format!("{year}-03-01T19:00")).await;
    let (after, _) = schedule(&s.owner, "After", &format!("{year}-03-20T19:00")).await;

    for (id, utc) in [
        (before, format!("{year}0302T000000Z")),
        (after, format!("{year}0320T230000Z")),
    ] {
        let (path, _) = public_ids(&app, id).await;
        let page = app.browser().get(&path).await;
        let countdown: jiff::Timestamp = attr(&page, "[data-countdown]", "data-countdown")
            .unwrap()
            .parse()
            .unwrap();
        assert_eq!(countdown.strftime("%Y%m%dT%H%M%SZ").to_string(), utc);
        let ics = app.browser().get(&format!("{path}/calendar.ics")).await;
        assert_eq!(ics_value(&ics.body, "DTSTART").unwrap(), utc);
        assert!(
            page.contains("19:00 E"),
            "shown as 19:00 in the shop's zone"
        );
    }
    // A time the clocks skip is refused rather than guessed.
    let skipped = s
        .owner
        .post(
            "/streams",
            &[
                ("title", "Gap"),
                (
                    "starts_at",
                    &format!("{year}-03-{:02}T02:30", second_sunday_of_march(year)),
                ),
                ("duration_min", "30"),
                ("host_id", &crate::streams_support::my_id(&s.owner).await),
            ],
        )
        .await;
    assert_eq!(skipped.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(skipped.contains("clocks jump forward"));
}

fn second_sunday_of_march(year: i16) -> i8 {
    jiff::civil::date(year, 3, 1)
        .nth_weekday_of_month(2, jiff::civil::Weekday::Sunday)
        .unwrap()
        .day()
}

#[tokio::test]
async fn the_stream_page_carries_preview_tags_and_the_shop_feed_lists_it() {
    let app = spawn_app().await;
    let s = shop(&app, "og-shop").await;
    let (id, _) = schedule(&s.owner, "Preview <b>tags</b>", &days_ahead(4, 18)).await;
    let (path, _) = public_ids(&app, id).await;

    let page = app.browser().get(&path).await;
    assert_eq!(
        attr(&page, "meta[property='og:title']", "content").unwrap(),
        "Preview <b>tags</b>"
    );
    assert!(!page.body.contains("<b>tags</b>"), "titles are escaped");
    assert!(
        attr(&page, "meta[property='og:url']", "content")
            .unwrap()
            .ends_with(&path)
    );
    assert!(
        attr(&page, "meta[property='og:description']", "content")
            .unwrap()
            .starts_with("Live on")
    );
    assert!(attr(&page, "meta[name='twitter:card']", "content").is_some());
    let start = attr(&page, "meta[property='event:start_time']", "content").unwrap();
    assert_eq!(
        Some(start),
        attr(&page, "[data-countdown]", "data-countdown")
    );
    assert!(
        page.headers.get("set-cookie").is_none(),
        "public pages start no session"
    );
    assert!(page.body.len() < 50_000);

    let feed = app.browser().get("/@og-shop/streams.ics").await;
    assert_eq!(feed.status, StatusCode::OK);
    assert!(feed.body.contains("X-WR-CALNAME:Shop og-shop · live demos"));
    assert!(feed.body.contains("BEGIN:VEVENT"));
    let shop_page = app.browser().get("/@og-shop").await;
    assert!(shop_page.contains("Preview") && shop_page.contains("webcal://"));
}

#[tokio::test]
async fn a_cancelled_stream_shows_the_note_and_its_calendar_entry_is_cancelled() {
    let app = spawn_app().await;
    let s = shop(&app, "cancel-shop").await;
    let (id, _) = schedule(&s.owner, "Called off", &days_ahead(3, 18)).await;
    let (path, _) = public_ids(&app, id).await;
    app.browser().get(&path).await; // cached before the change

    let page = s
        .owner
        .post(
            &format!("/streams/{id}/cancel"),
            &[("note", "Moved to Friday, same time.")],
        )
        .await;
    assert_eq!(page.status, StatusCode::SEE_OTHER);

    let public = app.browser().get(&path).await;
    assert!(public.contains("This stream was cancelled."));
    assert!(public.contains("Moved to Friday, same time."));
    assert!(!public.contains("Remind me"));
    let ics = app.browser().get(&format!("{path}/calendar.ics")).await;
    assert_eq!(ics_value(&ics.body, "STATUS").as_deref(), Some("CANCELLED"));
    assert!(
        ics_value(&ics.body, "DESCRIPTION")
            .unwrap()
            .contains("Moved to Friday\\, same time.")
    );
}

#[tokio::test]
async fn ended_and_live_pages_say_where_the_stream_is() {
    let app = spawn_app().await;
    let s = shop(&app, "state-shop").await;
    let (id, _) = schedule(&s.owner, "States", &days_ahead(1, 18)).await;
    let p = product(&app, s.id, "Kettle", 3900, "EUR", "active").await;
    s.owner
        .post(
            &format!("/streams/{id}/products"),
            &[("product_id", &p.to_string())],
        )
        .await;
    let (path, public_id) = public_ids(&app, id).await;

    s.owner.post(&format!("/streams/{id}/start"), &[]).await;
    let live = app.browser().get(&path).await;
    assert_eq!(
        attr(&live, "#player", "data-whep"),
        Some(format!("/whep/{public_id}"))
    );
    assert!(live.contains("Live now"));
    // One inline script, the player's head start, and the page's policy admits exactly it.
    let inline: Vec<&str> = live
        .body
        .split("<script>")
        .skip(1)
        .map(|rest| rest.split("</script>").next().unwrap())
        .collect();
    assert_eq!(inline.len(), 1, "one inline script");
    assert!(
        inline[0].contains("showfloor-whep"),
        "the player's head start"
    );
    let digest = {
        use base64::Engine;
        use sha2::Digest;
        base64::engine::general_purpose::STANDARD.encode(sha2::Sha256::digest(inline[0].as_bytes()))
    };
    let csp = live.headers["content-security-policy"].to_str().unwrap();
    assert!(
        csp.contains(&format!("script-src 'self' 'sha256-{digest}';")),
        "{csp}"
    );

    s.owner.post(&format!("/streams/{id}/end"), &[]).await;
    let ended = app.browser().get(&path).await;
    assert!(ended.contains("This stream has ended."));
    assert_eq!(
        ended.texts(".v-price"),
        ["€39.00"],
        "still buyable by default"
    );

    // A merchant who does not sell after the end: the products stay, without prices.
    let me = crate::streams_support::my_id(&s.owner).await;
    let page = s
        .owner
        .post(
            "/streams",
            &[
                ("title", "No sales after"),
                ("starts_at", &days_ahead(1, 20)),
                ("duration_min", "30"),
                ("host_id", &me),
            ],
        )
        .await;
    let other: i64 = page
        .location()
        .trim_start_matches("/streams/")
        .parse()
        .unwrap();
    s.owner
        .post(
            &format!("/streams/{other}/products"),
            &[("product_id", &p.to_string())],
        )
        .await;
    s.owner.post(&format!("/streams/{other}/start"), &[]).await;
    s.owner.post(&format!("/streams/{other}/end"), &[]).await;
    let (other_path, _) = public_ids(&app, other).await;
    let closed = app.browser().get(&other_path).await;
    assert!(closed.texts(".v-price").is_empty());
    assert!(closed.contains("no longer sold here"));
}

#[tokio::test]
async fn an_unknown_stream_is_a_404_page_that_links_to_the_shop() {
    let app = spawn_app().await;
    shop(&app, "missing-shop").await;
    let page = app.browser().get("/@missing-shop/no-such-stream").await;
    assert_eq!(page.status, StatusCode::NOT_FOUND);
    assert!(page.contains("href=\"/@missing-shop\""));
    assert_eq!(
        app.browser().get("/@no-such-shop").await.status,
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        app.browser().get("/@no-such-shop/x").await.status,
        StatusCode::NOT_FOUND
    );
}

#[tokio::test]
async fn the_embed_may_be_framed_only_by_the_listed_origins() {
    let app = spawn_app().await;
    let s = shop(&app, "embed-shop").await;
    let (id, _) = schedule(&s.owner, "Embedded", &days_ahead(1, 18)).await;
    let (path, _) = public_ids(&app, id).await;
    let ancestors = |page: &crate::helpers::Page| {
        let csp = page.headers["content-security-policy"]
            .to_str()
            .unwrap()
            .to_string();
        csp.split(';')
            .map(str::trim)
            .find(|d| d.starts_with("frame-ancestors"))
            .unwrap()
            .to_string()
    };

    let before = app.browser().get(&format!("{path}/embed")).await;
    assert_eq!(ancestors(&before), "frame-ancestors 'self'");
    let bad = s
        .owner
        .post(
            "/streams/embed",
            &[("origin", "https://shop.example.com/page")],
        )
        .await;
    assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);
    let added = s
        .owner
        .post("/streams/embed", &[("origin", "https://Shop.Example.com/")])
        .await;
    assert_eq!(added.status, StatusCode::SEE_OTHER);

    let after = app.browser().get(&format!("{path}/embed")).await;
    assert_eq!(
        ancestors(&after),
        "frame-ancestors 'self' https://shop.example.com"
    );
    assert!(
        !ancestors(&after).contains("evil.example"),
        "an unlisted origin is blocked"
    );
    assert!(after.contains("viewer-embed"));
    let normal = app.browser().get(&path).await;
    assert_eq!(
        ancestors(&normal),
        "frame-ancestors 'none'",
        "the normal page is not frameable"
    );
    assert_eq!(normal.headers["x-frame-options"], "DENY");
    let detail = s.owner.get(&format!("/streams/{id}")).await;
    assert!(
        detail.contains(&format!("{path}/embed")),
        "the dashboard shows the embed code"
    );
}

#[tokio::test]
async fn editing_a_stream_refreshes_its_cached_page_at_once() {
    let app = spawn_app().await;
    let s = shop(&app, "cache-shop").await;
    let (id, _) = schedule(&s.owner, "Old title", &days_ahead(5, 18)).await;
    let (path, _) = public_ids(&app, id).await;
    assert!(app.browser().get(&path).await.contains("Old title"));

    let me = crate::streams_support::my_id(&s.owner).await;
    let page = s
        .owner
        .post(
            &format!("/streams/{id}/edit"),
            &[
                ("title", "New title"),
                ("starts_at", &days_ahead(6, 18)),
                ("duration_min", "60"),
                ("host_id", &me),
            ],
        )
        .await;
    assert_eq!(page.status, StatusCode::SEE_OTHER, "{}", page.body);

    let fresh = app.browser().get(&path).await;
    assert!(fresh.contains("New title") && !fresh.contains("Old title"));
    let ics = app.browser().get(&format!("{path}/calendar.ics")).await;
    assert_eq!(
        ics_value(&ics.body, "SEQUENCE").as_deref(),
        Some("1"),
        "calendars see a new revision"
    );
}

#[tokio::test]
async fn a_stream_that_went_live_early_shows_when_it_really_started_and_ran() {
    let app = spawn_app().await;
    let s = shop(&app, "early-shop").await;
    let (early, _) = schedule(&s.owner, "Next week's demo", &days_ahead(7, 18)).await;
    let (later, _) = schedule(&s.owner, "Tomorrow's demo", &days_ahead(1, 18)).await;
    let (path, _) = public_ids(&app, early).await;
    let now = jiff::Timestamp::now();
    let near_now = |iso: &str| {
        let at: jiff::Timestamp = iso.parse().expect("an ISO time");
        (at - now).get_seconds().abs() < 600
    };

    // Next week's stream goes live today: its page says so, with today's time.
    s.owner.post(&format!("/streams/{early}/start"), &[]).await;
    let live = app.browser().get(&path).await;
    let when = live.texts(".v-when").join(" ");
    assert!(when.contains("Went live"), "{when}");
    assert!(!live.contains("as planned"), "{when}");
    let iso = attr(&live, ".v-when time", "datetime").expect("a time");
    assert!(near_now(&iso), "the actual start, not next week: {iso}");

    // Both end, next week's first: the shop lists what happened latest first by when it
    // really started, each with its actual start.
    s.owner.post(&format!("/streams/{early}/end"), &[]).await;
    s.owner.post(&format!("/streams/{later}/start"), &[]).await;
    s.owner.post(&format!("/streams/{later}/end"), &[]).await;
    let ended = app.browser().get(&path).await;
    let when = ended.texts(".v-banner .v-when").join(" ");
    assert!(when.starts_with("Streamed"), "{when}");
    assert!(when.ends_with("1 min"), "how long it ran: {when}");
    let shop_page = app.browser().get("/@early-shop").await;
    let past = shop_page.texts("#past + .v-cards .v-card-title");
    assert_eq!(past, ["Tomorrow's demo", "Next week's demo"]);
    let times = shop_page.texts("#past + .v-cards .v-card-when");
    assert!(times.iter().all(|t| t.starts_with("Streamed")), "{times:?}");
    let card_time = attr(&shop_page, "#past + .v-cards time", "datetime").expect("a time");
    assert!(near_now(&card_time), "{card_time}");
}
