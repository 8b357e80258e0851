//! The Stripe link against a fake Stripe API started inside the test: the exact
//! form-encoded requests, Idempotency-Key, retry after a 500, the message of a 402,
//! price changes, archiving, the key's test button, and offline without a key.

use std::collections::{HashMap, VecDeque};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use axum::Router;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, Method, StatusCode, Uri};
use axum::response::IntoResponse;
use serde_json::json;

use crate::catalog::{create, owner};
use crate::helpers::{Browser, TestApp, spawn_app};

const KEY: &str = "sk_test_51FakeShowfloorKey0000004242";

#[derive(Debug, Clone)]
pub struct Call {
    pub method: String,
    pub path: String,
    pub idempotency_key: Option<String>,
    pub form: HashMap<String, String>,
}

#[derive(Default)]
struct Fake {
    calls: Mutex<Vec<Call>>,
    /// (path, status, message) answered once instead of success.
    failures: Mutex<VecDeque<(String, u16, String)>>,
    counter: Mutex<u32>,
}

pub struct FakeStripe {
    state: Arc<Fake>,
    pub url: String,
}

impl FakeStripe {
    async fn start() -> FakeStripe {
        let state = Arc::new(Fake::default());
        let router = Router::new().fallback(answer).with_state(state.clone());
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let url = format!("http://{}/", listener.local_addr().unwrap());
        tokio::spawn(async move { axum::serve(listener, router).await.unwrap() });
        FakeStripe { state, url }
    }
    fn calls(&self) -> Vec<Call> {
        self.state.calls.lock().unwrap().clone()
    }
    fn fail_next(&self, path: &str, status: u16, message: &str) {
        self.state
            .failures
            .lock()
            .unwrap()
            .push_back((path.into(), status, message.into()));
    }
}

async fn answer(
    State(fake): State<Arc<Fake>>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
    body: Bytes,
) -> axum::response::Response {
    let path = uri.path().to_string();
    let form: HashMap<String, String> = url::form_urlencoded::parse(&body).into_owned().collect();
    fake.calls.lock().unwrap().push(Call {
        method: method.to_string(),
        path: path.clone(),
        idempotency_key: headers
            .get("idempotency-key")
            .map(|v| v.to_str().unwrap().to_string()),
        form: form.clone(),
    });
    let failure = {
        let mut failures = fake.failures.lock().unwrap();
        match failures.front() {
            Some((p, _, _)) if *p == path => failures.pop_front(),
            _ => None,
        }
    };
    if let Some((_, status, message)) = failure {
        let kind = if status == 402 {
            "card_error"
        } else if status >= 500 {
            "api_error"
        } else {
            "invalid_request_error"
        };
        return (
            StatusCode::from_u16(status).unwrap(),
            axum::Json(json!({"error": {"type": kind, "message": message}})),
        )
            .into_response();
    }
    let n = {
        let mut c = fake.counter.lock().unwrap();
        *c += 1;
        *c
    };
    let body = match path.as_str() {
        "/v1/account" => {
            json!({"id": "acct_fake", "object": "account", "business_profile": {"name": "Fake Boutique"}})
        }
        p if p.starts_with("/v1/products") => {
            let id = p
                .strip_prefix("/v1/products/")
                .map(String::from)
                .unwrap_or(format!("prod_{n}"));
            json!({"id": id, "object": "product", "active": form.get("active").is_none_or(|a| a == "true"), "created": 1, "updated": 1,
                   "images": [], "livemode": false, "marketing_features": [], "metadata": {}, "name": form.get("name").cloned().unwrap_or_default(),
                   "type": "service", "description": null, "default_price": null, "package_dimensions": null, "shippable": null,
                   "statement_descriptor": null, "tax_code": null, "unit_label": null, "url": null})
        }
        p if p.starts_with("/v1/prices") => {
            let id = p
                .strip_prefix("/v1/prices/")
                .map(String::from)
                .unwrap_or(format!("price_{n}"));
            json!({"id": id, "object": "price", "active": form.get("active").is_none_or(|a| a == "true"), "billing_scheme": "per_unit", "created": 1,
                   "currency": form.get("currency").cloned().unwrap_or("eur".into()), "livemode": false, "metadata": {}, "product": form.get("product").cloned().unwrap_or("prod_x".into()),
                   "type": "one_time", "unit_amount": form.get("unit_amount").and_then(|a| a.parse::<i64>().ok()), "unit_amount_decimal": null,
                   "custom_unit_amount": null, "lookup_key": null, "nickname": null, "recurring": null, "tax_behavior": "unspecified", "tiers_mode": null, "transform_quantity": null})
        }
        _ => {
            return (
                StatusCode::NOT_FOUND,
                axum::Json(
                    json!({"error": {"type": "invalid_request_error", "message": "no such route"}}),
                ),
            )
                .into_response();
        }
    };
    axum::Json(body).into_response()
}

/// A shop with a key, its Stripe calls going to a fresh fake.
async fn connected(app: &TestApp, slug: &str) -> (Browser, FakeStripe) {
    let fake = FakeStripe::start().await;
    let state = &app.server.as_ref().unwrap().state;
    state.stripe.set_api_base(&fake.url);
    state.stripe.set_backoff(Duration::from_millis(50));
    let browser = owner(app, slug).await;
    let page = browser
        .post("/settings/payments/stripe", &[("secret_key", KEY)])
        .await;
    assert_eq!(page.status, StatusCode::SEE_OTHER);
    (browser, fake)
}

/// Wait (with a deadline) until the product's sync state is `state`.
async fn wait_for(app: &TestApp, product_id: i64, state: &str) {
    let deadline = Instant::now() + Duration::from_secs(15);
    loop {
        let now: String = sqlx::query_scalar("SELECT sync_state FROM products WHERE id = $1")
            .bind(product_id)
            .fetch_one(app.db())
            .await
            .unwrap();
        if now == state {
            return;
        }
        assert!(
            Instant::now() < deadline,
            "product {product_id} stayed {now}, expected {state}"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

#[tokio::test]
async fn an_active_product_is_created_in_stripe_with_a_price_per_variant() {
    let app = spawn_app().await;
    let (owner, fake) = connected(&app, "stripe-create").await;
    let settings = owner.get("/settings/payments").await;
    assert!(
        settings.contains("sk_test_…4242") && !settings.contains(KEY),
        "the key is never shown back in full"
    );

    let id = create(
        &owner,
        &[
            ("title", "Silk Scarf"),
            ("description", "Pure silk."),
            ("price", "65"),
            ("status", "active"),
            ("option1_name", "Colour"),
            ("option1_values", "Indigo, Rust"),
        ],
    )
    .await;
    wait_for(&app, id, "synced").await;

    let calls = fake.calls();
    let product = calls
        .iter()
        .find(|c| c.path == "/v1/products")
        .expect("product created");
    assert_eq!(product.method, "POST");
    assert_eq!(product.form["name"], "Silk Scarf");
    assert_eq!(product.form["description"], "Pure silk.");
    assert_eq!(product.form["active"], "true");
    assert_eq!(
        product.form["metadata[showfloor_product_id]"],
        id.to_string()
    );
    assert_eq!(
        product.idempotency_key.as_deref(),
        Some(format!("showfloor-p{id}-r1-product").as_str())
    );
    let prices: Vec<&Call> = calls.iter().filter(|c| c.path == "/v1/prices").collect();
    assert_eq!(prices.len(), 2);
    for (price, nickname) in prices.iter().zip(["Indigo", "Rust"]) {
        assert_eq!(price.form["unit_amount"], "6500");
        assert_eq!(price.form["currency"], "eur");
        assert_eq!(price.form["product"], "prod_1");
        assert_eq!(price.form["nickname"], nickname);
        assert_eq!(price.form["metadata[showfloor_product_id]"], id.to_string());
        assert!(
            price
                .idempotency_key
                .as_ref()
                .is_some_and(|k| k.contains("eur") || k.contains("EUR"))
        );
    }
    assert!(
        owner
            .get(&format!("/catalog/products/{id}"))
            .await
            .texts("#sync-state")
            .contains(&"Synced to Stripe".to_string())
    );

    // A price change makes a new Price and switches the old one off; archiving deactivates the product.
    let old_price: String = sqlx::query_scalar(
        "SELECT stripe_price_id FROM variants WHERE product_id = $1 ORDER BY position LIMIT 1",
    )
    .bind(id)
    .fetch_one(app.db())
    .await
    .unwrap();
    owner
        .post(
            &format!("/catalog/products/{id}"),
            &[
                ("title", "Silk Scarf"),
                ("slug", "silk-scarf"),
                ("description", "Pure silk."),
                ("price", "59"),
                ("status", "active"),
                ("option1_name", "Colour"),
                ("option1_values", "Indigo, Rust"),
            ],
        )
        .await;
    wait_for(&app, id, "synced").await;
    let calls = fake.calls();
    assert!(
        calls
            .iter()
            .any(|c| c.path == "/v1/prices" && c.form["unit_amount"] == "5900")
    );
    let off = calls
        .iter()
        .find(|c| c.path == format!("/v1/prices/{old_price}"))
        .expect("old price deactivated");
    assert_eq!(off.form["active"], "false");
    owner
        .post(&format!("/catalog/products/{id}/archive"), &[])
        .await;
    wait_for(&app, id, "synced").await;
    let last = fake
        .calls()
        .into_iter()
        .rfind(|c| c.path == "/v1/products/prod_1")
        .expect("product updated");
    assert_eq!(last.form["active"], "false");
}

#[tokio::test]
async fn a_stripe_500_is_retried_with_the_same_idempotency_key() {
    let app = spawn_app().await;
    let (owner, fake) = connected(&app, "stripe-retry").await;
    fake.fail_next("/v1/products", 500, "Stripe is having a moment");
    let id = create(
        &owner,
        &[("title", "Mug"), ("price", "12"), ("status", "active")],
    )
    .await;
    wait_for(&app, id, "synced").await;
    let creates: Vec<Call> = fake
        .calls()
        .into_iter()
        .filter(|c| c.path == "/v1/products")
        .collect();
    assert_eq!(creates.len(), 2, "one failure, one retry");
    assert_eq!(creates[0].idempotency_key, creates[1].idempotency_key);
    assert_eq!(creates[0].form, creates[1].form);
}

#[tokio::test]
async fn a_stripe_402_shows_its_message_and_keeps_the_local_edit() {
    let app = spawn_app().await;
    let (owner, fake) = connected(&app, "stripe-402").await;
    fake.fail_next("/v1/prices", 402, "Your account cannot create prices yet.");
    let id = create(
        &owner,
        &[("title", "Lamp"), ("price", "80"), ("status", "active")],
    )
    .await;
    wait_for(&app, id, "failed").await;

    let page = owner.get(&format!("/catalog/products/{id}")).await;
    assert!(
        page.texts(".sync-error")
            .iter()
            .any(|t| t.contains("Your account cannot create prices yet.")),
        "{:?}",
        page.texts(".sync-error")
    );
    assert_eq!(
        page.input_value("title").as_deref(),
        Some("Lamp"),
        "the local product is intact"
    );
    assert_eq!(page.input_value("price").as_deref(), Some("80.00"));
    assert_eq!(
        fake.calls()
            .iter()
            .filter(|c| c.path == "/v1/prices")
            .count(),
        1,
        "no automatic retry of a 402"
    );

    let retry = owner
        .post(&format!("/catalog/products/{id}/sync"), &[])
        .await;
    assert_eq!(retry.status, StatusCode::SEE_OTHER);
    wait_for(&app, id, "synced").await;
    let product_calls: Vec<Call> = fake
        .calls()
        .into_iter()
        .filter(|c| c.path.starts_with("/v1/products"))
        .collect();
    assert_eq!(
        product_calls.len(),
        2,
        "created once, then updated, never duplicated: {product_calls:?}"
    );
}

#[tokio::test]
async fn a_400_on_an_edit_fails_visibly_without_losing_the_edit() {
    let app = spawn_app().await;
    let (owner, fake) = connected(&app, "stripe-400").await;
    let id = create(
        &owner,
        &[("title", "Board"), ("price", "72"), ("status", "active")],
    )
    .await;
    wait_for(&app, id, "synced").await;
    fake.fail_next(
        "/v1/products/prod_1",
        400,
        "Invalid string: name is too long",
    );
    let saved = owner
        .post(
            &format!("/catalog/products/{id}"),
            &[
                ("title", "Walnut Board"),
                ("slug", "board"),
                ("price", "72"),
                ("status", "active"),
            ],
        )
        .await;
    assert_eq!(
        saved.status,
        StatusCode::SEE_OTHER,
        "the local save never waits for Stripe"
    );
    wait_for(&app, id, "failed").await;
    let page = owner.get(&format!("/catalog/products/{id}")).await;
    assert_eq!(page.input_value("title").as_deref(), Some("Walnut Board"));
    assert!(
        page.texts(".sync-error")
            .iter()
            .any(|t| t.contains("name is too long"))
    );
    assert!(
        owner
            .get("/catalog")
            .await
            .texts(".badge-danger")
            .contains(&"Stripe".to_string()),
        "the list flags it"
    );
}

#[tokio::test]
async fn test_connection_names_the_account_and_without_a_key_nothing_is_sent() {
    let app = spawn_app().await;
    let fake = FakeStripe::start().await;
    app.server
        .as_ref()
        .unwrap()
        .state
        .stripe
        .set_api_base(&fake.url);
    let owner = owner(&app, "offline").await;
    let id = create(
        &owner,
        &[("title", "Offline"), ("price", "5"), ("status", "active")],
    )
    .await;
    let state: String = sqlx::query_scalar("SELECT sync_state FROM products WHERE id = $1")
        .bind(id)
        .fetch_one(app.db())
        .await
        .unwrap();
    assert_eq!(state, "none");
    assert!(fake.calls().is_empty());
    let bad = owner
        .post(
            "/settings/payments/stripe",
            &[("secret_key", "pk_test_publishable")],
        )
        .await;
    assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(bad.texts(".field-error")[0].contains("secret key"));

    owner
        .post("/settings/payments/stripe", &[("secret_key", KEY)])
        .await;
    wait_for(&app, id, "synced").await;
    owner.post("/settings/payments/stripe/test", &[]).await;
    let page = owner.get("/settings/payments").await;
    assert!(
        page.texts(".flash")
            .iter()
            .any(|t| t.contains("Connected to Stripe account Fake Boutique (acct_fake)")),
        "{:?}",
        page.texts(".flash")
    );
    let account = fake
        .calls()
        .into_iter()
        .find(|c| c.path == "/v1/account")
        .unwrap();
    assert_eq!(account.method, "GET");
}

#[tokio::test]
async fn the_key_lives_on_settings_payments_and_its_old_addresses_redirect_there() {
    let app = spawn_app().await;
    let owner = owner(&app, "stripe-moved").await;
    for (old, new) in [
        ("/catalog/settings/stripe", "/settings/payments/stripe"),
        (
            "/catalog/settings/stripe/test",
            "/settings/payments/stripe/test",
        ),
        (
            "/catalog/settings/stripe/remove",
            "/settings/payments/stripe/remove",
        ),
    ] {
        let moved = owner.post(old, &[("secret_key", KEY)]).await;
        assert_eq!(moved.status, StatusCode::PERMANENT_REDIRECT, "{old}");
        assert_eq!(moved.location(), new);
    }
    let saved: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM stripe_accounts")
        .fetch_one(app.db())
        .await
        .unwrap();
    assert_eq!(saved, 0, "a redirect saves nothing by itself");

    let page = owner
        .post("/settings/payments/stripe", &[("secret_key", KEY)])
        .await;
    assert_eq!(page.status, StatusCode::SEE_OTHER);
    assert_eq!(page.location(), "/settings/payments");
    let secret = "whsec_neverShownAgain0000";
    let page = owner
        .post("/settings/payments", &[("webhook_secret", secret)])
        .await;
    assert_eq!(page.status, StatusCode::SEE_OTHER);
    let payments = owner.get("/settings/payments").await;
    assert!(payments.contains("sk_test_…4242") && payments.contains("A signing secret is saved"));
    assert!(!payments.contains(KEY) && !payments.contains(secret));
    let catalogue = owner.get("/catalog/settings").await;
    assert!(catalogue.contains("sk_test_…4242") && catalogue.contains("/settings/payments"));
    assert!(!catalogue.contains(KEY));
}
