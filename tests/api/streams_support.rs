//! Shared arrangements for the streams tests: a signed-up shop, products inserted
//! straight into the catalogue tables, a scheduled stream and its key.

use reqwest::StatusCode;

use crate::fixtures::{self, NewProduct};
use crate::helpers::{Browser, Page, TestApp, email};

/// A signed-up owner and their shop's id.
pub struct Shop {
    pub owner: Browser,
    pub id: i64,
    pub slug: String,
}

pub async fn shop(app: &TestApp, slug: &str) -> Shop {
    let owner = app.browser();
    owner.sign_up(slug, &email("owner")).await;
    let id = fixtures::shop_id(app.db(), slug).await;
    Shop {
        owner,
        id,
        slug: slug.to_string(),
    }
}

/// Change the shop's zone (sign-up uses Europe/Paris).
pub async fn set_time_zone(shop: &Shop, zone: &str) {
    let page = shop
        .owner
        .post(
            "/settings",
            &[
                ("name", &format!("Shop {}", shop.slug)),
                ("slug", &shop.slug),
                ("currency", "EUR"),
                ("time_zone", zone),
            ],
        )
        .await;
    assert_eq!(page.status, StatusCode::SEE_OTHER, "{}", page.body);
}

/// A catalogue product, inserted directly (the streams tests need only its row).
pub async fn product(
    app: &TestApp,
    shop_id: i64,
    title: &str,
    price: i64,
    currency: &str,
    status: &str,
) -> i64 {
    let slug = format!(
        "{}-{}",
        title.to_lowercase().replace(' ', "-"),
        &showfloor::streams::domain::public_id()[..6]
    );
    let made = NewProduct::new(&slug, title, price)
        .currency(currency)
        .status(status);
    fixtures::product(app.db(), shop_id, made).await.id
}

/// `YYYY-MM-DDTHH:MM` a number of days from now, at `hour`:00, for the form.
pub fn days_ahead(days: i64, hour: i8) -> String {
    let date = jiff::Zoned::now()
        .date()
        .checked_add(jiff::Span::new().days(days))
        .unwrap();
    format!("{}T{hour:02}:00", date)
}

/// Schedule a stream; returns (its id, its key from the one-time flash).
pub async fn schedule(browser: &Browser, title: &str, starts_at: &str) -> (i64, String) {
    let page = browser
        .post(
            "/streams",
            &[
                ("title", title),
                ("starts_at", starts_at),
                ("duration_min", "45"),
                ("host_id", &my_id(browser).await),
                ("sell_after_end", "on"),
            ],
        )
        .await;
    assert_eq!(
        page.status,
        StatusCode::SEE_OTHER,
        "schedule failed: {}",
        page.body
    );
    let id: i64 = page
        .location()
        .trim_start_matches("/streams/")
        .parse()
        .expect("stream id");
    let detail = browser.get(&format!("/streams/{id}")).await;
    let key = detail.flash_link().expect("the key is shown once");
    (id, key)
}

/// The signed-in member's user id, from the host picker of the new-stream form.
pub async fn my_id(browser: &Browser) -> String {
    let page = browser.get("/streams/new").await;
    let doc = scraper::Html::parse_document(&page.body);
    let sel = scraper::Selector::parse("#host_id option[selected]").unwrap();
    doc.select(&sel)
        .next()
        .and_then(|o| o.value().attr("value").map(str::to_owned))
        .expect("the form proposes the signed-in member as host")
}

/// The public page path and public id of a stream.
pub async fn public_ids(app: &TestApp, id: i64) -> (String, String) {
    let (shop, slug, public_id): (String, String, String) = sqlx::query_as(
        "SELECT sh.slug, s.slug, s.public_id FROM streams s JOIN shops sh ON sh.id = s.shop_id WHERE s.id = $1",
    )
    .bind(id)
    .fetch_one(app.db())
    .await
    .expect("stream exists");
    (format!("/@{shop}/{slug}"), public_id)
}

/// An attribute of the first element matching `css`.
pub fn attr(page: &Page, css: &str, name: &str) -> Option<String> {
    let doc = scraper::Html::parse_document(&page.body);
    let sel = scraper::Selector::parse(css).expect("valid selector");
    doc.select(&sel)
        .next()
        .and_then(|e| e.value().attr(name).map(str::to_owned))
}

/// The value of an iCalendar property, unfolded.
pub fn ics_value(ics: &str, name: &str) -> Option<String> {
    let unfolded = ics.replace("\r\n ", "");
    unfolded
        .split("\r\n")
        .find_map(|line| line.strip_prefix(&format!("{name}:")).map(str::to_owned))
}
