//! The catalogue: products, variants, stock and its ledger, the list, roles and
//! tenancy, the public JSON. Images, CSV and Stripe have their own files.

use reqwest::StatusCode;

use crate::helpers::{Browser, Page, TestApp, email, spawn_app};

/// A signed-in owner of a fresh shop (EUR, Europe/Paris).
pub async fn owner(app: &TestApp, slug: &str) -> Browser {
    let browser = app.browser();
    browser.sign_up(slug, &email("owner")).await;
    browser
}

/// Create a product from the form; returns its id.
pub async fn create(browser: &Browser, fields: &[(&str, &str)]) -> i64 {
    let page = browser.post("/catalog/products", fields).await;
    assert_eq!(
        page.status,
        StatusCode::SEE_OTHER,
        "create failed: {}",
        errors(&page).join(" | ")
    );
    page.location()
        .rsplit('/')
        .next()
        .and_then(|id| id.parse().ok())
        .expect("redirect to the product")
}

pub fn errors(page: &Page) -> Vec<String> {
    page.texts(".field-error")
}

/// (stock on screen, title) of each variant row of the product page.
fn stock_on_screen(page: &Page) -> Vec<i64> {
    page.texts("#variants .stock")
        .iter()
        .map(|s| s.parse().expect("a number"))
        .collect()
}

#[tokio::test]
async fn an_owner_creates_a_product_with_three_sizes_and_sees_it_in_the_list() {
    let app = spawn_app().await;
    let owner = owner(&app, "sizes-shop").await;

    let id = create(
        &owner,
        &[
            ("title", "Linen Overshirt"),
            (
                "description",
                "Soft.\n\nSee https://example.com/care <b>now</b>",
            ),
            ("price", "89"),
            ("compare_at_price", "109.00"),
            ("sku", "LIN"),
            ("status", "active"),
            ("tags", "Linen, summer"),
            ("option1_name", "Size"),
            ("option1_values", "S, M, L"),
            ("stock", "7"),
        ],
    )
    .await;

    let page = owner.get(&format!("/catalog/products/{id}")).await;
    assert_eq!(page.status, StatusCode::OK);
    assert_eq!(page.texts("#variants tbody th"), ["S", "M", "L"]);
    assert_eq!(stock_on_screen(&page), [7, 7, 7]);
    let first = first_variant(&app, id).await;
    assert_eq!(
        page.input_value(&format!("sku_{first}")).as_deref(),
        Some("LIN-S")
    );
    assert!(
        page.contains("<a href=\"https://example.com/care\""),
        "links are clickable"
    );
    assert!(page.contains("&lt;b&gt;now&lt;/b&gt;"), "markup is escaped");

    let list = owner.get("/catalog").await;
    assert_eq!(list.texts(".product-link"), ["Linen Overshirt"]);
    assert!(list.texts(".price").contains(&"€89.00".to_string()));
    assert!(list.texts(".was-price").contains(&"€109.00".to_string()));
    assert_eq!(list.texts(".stock"), ["21"]);
    let search = owner.get("/catalog?q=lin-m").await;
    assert_eq!(
        search.texts(".product-link").len(),
        1,
        "variant SKUs are searchable"
    );
    let by_tag = owner.get("/catalog?q=SUMMER").await;
    assert_eq!(
        by_tag.texts(".product-link").len(),
        1,
        "tags are searchable"
    );
    assert!(
        owner
            .get("/catalog?q=winter")
            .await
            .contains("Nothing matches")
    );
}

async fn first_variant(app: &TestApp, product_id: i64) -> i64 {
    sqlx::query_scalar("SELECT MIN(id) FROM variants WHERE product_id = $1")
        .bind(product_id)
        .fetch_one(app.db())
        .await
        .unwrap()
}

#[tokio::test]
async fn bad_input_is_shown_beside_each_field_with_the_typed_values_kept() {
    let app = spawn_app().await;
    let owner = owner(&app, "bad-input").await;
    let cases: &[(&str, &str, &str)] = &[
        ("price", "-5", "negative"),
        ("price", "cheap", "number"),
        ("price", "1000000", "at or below"),
        ("compare_at_price", "10", "higher than the price"),
        ("currency", "USD", "sells in EUR"),
        ("title", "   ", "Give the product a title"),
        ("sku", "HAS SPACE", "no spaces"),
        ("option1_values", "S, s", "listed twice"),
    ];
    for (field, value, message) in cases {
        let mut fields = vec![
            ("title", "Mug"),
            ("price", "20"),
            ("option1_name", "Size"),
            ("option1_values", "S"),
        ];
        fields.retain(|(k, _)| k != field);
        fields.push((field, value));
        let page = owner.post("/catalog/products", &fields).await;
        assert_eq!(
            page.status,
            StatusCode::UNPROCESSABLE_ENTITY,
            "{field}={value}"
        );
        assert!(
            errors(&page).iter().any(|e| e.contains(message)),
            "{field}={value}: {:?}",
            errors(&page)
        );
        if *field != "title" && *field != "currency" && *field != "option1_values" {
            assert_eq!(
                page.input_value(field).as_deref(),
                Some(*value),
                "{field} keeps what was typed"
            );
        }
        assert_eq!(
            page.input_value("title").as_deref(),
            Some(if *field == "title" { *value } else { "Mug" })
        );
    }
    // With other currencies allowed, an unknown code is still refused.
    owner
        .post(
            "/catalog/settings",
            &[
                ("allow_currency_override", "on"),
                ("low_stock_threshold", "5"),
            ],
        )
        .await;
    let page = owner
        .post(
            "/catalog/products",
            &[("title", "Mug"), ("price", "20"), ("currency", "XYZ")],
        )
        .await;
    assert!(
        errors(&page).iter().any(|e| e.contains("ISO 4217")),
        "{:?}",
        errors(&page)
    );
    let n: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM products")
        .fetch_one(app.db())
        .await
        .unwrap();
    assert_eq!(n, 0, "nothing was saved");
}

#[tokio::test]
async fn a_colliding_slug_suggests_the_next_free_one_and_skus_are_unique_per_shop() {
    let app = spawn_app().await;
    let owner = owner(&app, "slugs").await;
    create(
        &owner,
        &[("title", "Tea Cup"), ("price", "12"), ("sku", "CUP")],
    )
    .await;
    // An untyped slug quietly takes the next free one.
    let second = create(&owner, &[("title", "Tea Cup"), ("price", "12")]).await;
    let page = owner.get(&format!("/catalog/products/{second}")).await;
    assert_eq!(page.input_value("slug").as_deref(), Some("tea-cup-2"));

    let page = owner
        .post(
            "/catalog/products",
            &[("title", "Other"), ("slug", "tea-cup"), ("price", "3")],
        )
        .await;
    assert_eq!(page.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        errors(&page)
            .iter()
            .any(|e| e.contains("\u{201c}tea-cup-3\u{201d} is free")),
        "{:?}",
        errors(&page)
    );
    assert_eq!(page.input_value("slug").as_deref(), Some("tea-cup"));

    let page = owner
        .post(
            "/catalog/products",
            &[("title", "Saucer"), ("price", "3"), ("sku", "CUP")],
        )
        .await;
    assert!(
        errors(&page).iter().any(|e| e.contains("SKU CUP")),
        "{:?}",
        errors(&page)
    );

    // Another shop may use the same slug and SKU.
    let other = self::owner(&app, "slugs-other").await;
    create(
        &other,
        &[("title", "Tea Cup"), ("price", "12"), ("sku", "CUP")],
    )
    .await;
}

#[tokio::test]
async fn products_are_edited_archived_and_restored() {
    let app = spawn_app().await;
    let owner = owner(&app, "lifecycle").await;
    let id = create(
        &owner,
        &[
            ("title", "Vase"),
            ("price", "40"),
            ("status", "active"),
            ("stock", "3"),
        ],
    )
    .await;
    let path = format!("/catalog/products/{id}");

    let page = owner
        .post(
            &path,
            &[
                ("title", "Tall Vase"),
                ("slug", "vase"),
                ("price", "45.50"),
                ("status", "active"),
                ("option1_name", "Colour"),
                ("option1_values", "Blue, Green"),
            ],
        )
        .await;
    assert_eq!(page.status, StatusCode::SEE_OTHER, "{:?}", errors(&page));
    let page = owner.get(&path).await;
    assert_eq!(page.input_value("price").as_deref(), Some("45.50"));
    // The default variant (and its stock) became the first colour.
    assert_eq!(page.texts("#variants tbody th"), ["Blue", "Green"]);
    assert_eq!(stock_on_screen(&page), [3, 0]);

    assert_eq!(
        owner.post(&format!("{path}/archive"), &[]).await.status,
        StatusCode::SEE_OTHER
    );
    assert_eq!(owner.get(&path).await.texts("#status-badge"), ["archived"]);
    assert!(
        owner
            .get("/catalog")
            .await
            .texts(".product-link")
            .is_empty(),
        "archived products leave the current list"
    );
    assert_eq!(
        owner
            .get("/catalog?status=archived")
            .await
            .texts(".product-link"),
        ["Tall Vase"]
    );
    owner.post(&format!("{path}/restore"), &[]).await;
    assert_eq!(owner.get(&path).await.texts("#status-badge"), ["draft"]);
}

#[tokio::test]
async fn stock_adjustments_are_ledgered_and_the_ledger_explains_the_stock_on_screen() {
    let app = spawn_app().await;
    let owner = owner(&app, "ledger").await;
    let id = create(
        &owner,
        &[
            ("title", "Candle"),
            ("price", "9"),
            ("option1_name", "Scent"),
            ("option1_values", "Fig, Cedar"),
            ("stock", "4"),
        ],
    )
    .await;
    let fig = first_variant(&app, id).await;
    let stock_path = format!("/catalog/products/{id}/stock");
    let fig_id = fig.to_string();

    let ok = owner
        .post(
            &stock_path,
            &[
                ("variant_id", &fig_id),
                ("change", "+5"),
                ("note", "delivery"),
            ],
        )
        .await;
    assert_eq!(ok.status, StatusCode::SEE_OTHER);
    owner
        .post(
            &stock_path,
            &[
                ("variant_id", &fig_id),
                ("change", "-2"),
                ("note", "damaged"),
            ],
        )
        .await;
    let refused = owner
        .post(
            &stock_path,
            &[
                ("variant_id", &fig_id),
                ("change", "-100"),
                ("note", "oops"),
            ],
        )
        .await;
    assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        errors(&refused)
            .iter()
            .any(|e| e.contains("Only 7 in stock")),
        "{:?}",
        errors(&refused)
    );
    let no_reason = owner
        .post(
            &stock_path,
            &[("variant_id", &fig_id), ("change", "1"), ("note", "")],
        )
        .await;
    assert!(errors(&no_reason).iter().any(|e| e.contains("Say why")));

    let page = owner.get(&format!("/catalog/products/{id}")).await;
    let on_screen = stock_on_screen(&page);
    assert_eq!(on_screen, [7, 4]);
    let variant_ids: Vec<i64> =
        sqlx::query_scalar("SELECT id FROM variants WHERE product_id = $1 ORDER BY position")
            .bind(id)
            .fetch_all(app.db())
            .await
            .unwrap();
    for (variant, shown) in variant_ids.iter().zip(on_screen) {
        let sum: i64 = sqlx::query_scalar("SELECT CAST(COALESCE(SUM(delta), 0) AS BIGINT) FROM inventory_ledger WHERE variant_id = $1")
            .bind(variant)
            .fetch_one(app.db())
            .await
            .unwrap();
        assert_eq!(sum, shown, "ledger sum equals stock on screen");
    }
    let reasons = page.texts(".ledger tbody td:nth-child(5)");
    assert!(
        reasons.iter().any(|r| r == "Manual adjustment: damaged"),
        "{reasons:?}"
    );
    assert!(reasons.iter().any(|r| r == "Initial stock"));
    assert!(
        page.texts(".badge-warning")
            .iter()
            .any(|b| b == "Low stock"),
        "4 ≤ 5 shows low stock"
    );
}

#[tokio::test]
async fn a_marketer_sees_the_catalogue_but_gets_the_403_page_on_edits() {
    let app = spawn_app().await;
    let owner = owner(&app, "roles-cat").await;
    let id = create(&owner, &[("title", "Lamp"), ("price", "60")]).await;
    let marketer = app.browser();
    marketer
        .accept_invite(&owner.invite(&email("m"), "marketer").await, "Mia")
        .await;

    assert_eq!(
        marketer.get("/catalog").await.texts(".product-link"),
        ["Lamp"]
    );
    let page = marketer.get(&format!("/catalog/products/{id}")).await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.contains("<fieldset disabled>"), "read-only form");
    assert_eq!(
        marketer.get("/catalog/export.csv").await.status,
        StatusCode::OK
    );
    for (path, fields) in [
        ("/catalog/new".to_string(), None),
        (
            "/catalog/products".to_string(),
            Some(vec![("title", "X"), ("price", "1")]),
        ),
        (
            format!("/catalog/products/{id}"),
            Some(vec![("title", "X"), ("price", "1")]),
        ),
        (format!("/catalog/products/{id}/archive"), Some(vec![])),
        (
            format!("/catalog/products/{id}/stock"),
            Some(vec![("change", "1"), ("note", "x")]),
        ),
        ("/catalog/settings".to_string(), None),
    ] {
        let page = match fields {
            None => marketer.get(&path).await,
            Some(f) => marketer.post(&path, &f).await,
        };
        assert_eq!(page.status, StatusCode::FORBIDDEN, "{path}");
        assert!(page.contains("Not allowed"), "{path} shows the 403 page");
    }
}

#[tokio::test]
async fn another_shops_product_answers_404() {
    let app = spawn_app().await;
    let alice = owner(&app, "alice-shop").await;
    let id = create(&alice, &[("title", "Secret"), ("price", "5")]).await;
    let bob = owner(&app, "bob-shop").await;
    assert_eq!(
        bob.get(&format!("/catalog/products/{id}")).await.status,
        StatusCode::NOT_FOUND
    );
    for action in [
        "",
        "/archive",
        "/restore",
        "/sync",
        "/stock",
        "/variants",
        "/images/order",
    ] {
        let page = bob
            .post(
                &format!("/catalog/products/{id}{action}"),
                &[
                    ("title", "Mine"),
                    ("price", "1"),
                    ("change", "1"),
                    ("note", "x"),
                ],
            )
            .await;
        assert_eq!(page.status, StatusCode::NOT_FOUND, "POST {action}");
    }
    assert_eq!(
        alice
            .get(&format!("/catalog/products/{id}"))
            .await
            .input_value("title")
            .as_deref(),
        Some("Secret")
    );
}

#[tokio::test]
async fn the_public_json_shows_availability_and_exact_stock_only_when_allowed() {
    let app = spawn_app().await;
    let owner = owner(&app, "json-shop").await;
    create(
        &owner,
        &[
            ("title", "Scarf"),
            ("price", "65"),
            ("compare_at_price", "80"),
            ("status", "active"),
            ("option1_name", "Colour"),
            ("option1_values", "Indigo, Rust"),
            ("stock", "2"),
        ],
    )
    .await;
    create(&owner, &[("title", "Hidden"), ("price", "1")]).await;
    let anonymous = app.browser();

    let body: serde_json::Value = anonymous
        .client
        .get(format!("{}/api/shops/json-shop/products/scarf", app.base()))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(body["title"], "Scarf");
    assert_eq!(body["price"]["amount"], 6500);
    assert_eq!(body["price"]["formatted"], "€65.00");
    assert_eq!(body["compare_at_price"]["formatted"], "€80.00");
    assert_eq!(body["variants"].as_array().unwrap().len(), 2);
    assert_eq!(body["variants"][0]["availability"], "low_stock");
    assert!(
        body["variants"][0].get("stock").is_none(),
        "no exact stock by default"
    );
    assert_eq!(body["available"], true);

    owner
        .post(
            "/catalog/settings",
            &[("show_exact_stock", "on"), ("low_stock_threshold", "1")],
        )
        .await;
    let body: serde_json::Value = anonymous
        .client
        .get(format!("{}/api/shops/json-shop/products/scarf", app.base()))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(body["variants"][1]["stock"], 2);
    assert_eq!(body["variants"][1]["availability"], "in_stock");

    let draft = anonymous.get("/api/shops/json-shop/products/hidden").await;
    assert_eq!(draft.status, StatusCode::NOT_FOUND);
    assert!(draft.body.contains("\"error\""), "JSON error body");
    assert_eq!(
        anonymous.get("/api/shops/nope/products/scarf").await.status,
        StatusCode::NOT_FOUND
    );
}

#[tokio::test]
async fn the_list_filters_sorts_and_pages_ten_thousand_products_quickly() {
    let app = spawn_app().await;
    let owner = owner(&app, "big-shop").await;
    let shop_id: i64 = sqlx::query_scalar("SELECT id FROM shops WHERE slug = 'big-shop'")
        .fetch_one(app.db())
        .await
        .unwrap();
    let mut tx = app.db().begin().await.unwrap();
    for i in 0..10_000 {
        let input = showfloor::catalog::store::ProductInput {
            title: format!("Product {i:05}"),
            slug: format!("product-{i}"),
            description: String::new(),
            price: 100 + i,
            compare_at_price: None,
            currency: "EUR".into(),
            sku: Some(format!("SKU-{i}")),
            status: if i % 10 == 0 {
                showfloor::catalog::domain::Status::Draft
            } else {
                showfloor::catalog::domain::Status::Active
            },
            tags: vec![],
            options: vec![],
        };
        let id = showfloor::catalog::store::insert_product(&mut *tx, shop_id, &input)
            .await
            .unwrap();
        sqlx::query("UPDATE products SET search_text = $1 WHERE id = $2")
            .bind(format!("product {i:05} | sku-{i}"))
            .bind(id)
            .execute(&mut *tx)
            .await
            .unwrap();
    }
    tx.commit().await.unwrap();

    let started = std::time::Instant::now();
    let page = owner.get("/catalog?status=active&sort=price_desc").await;
    assert_eq!(page.texts(".product-link").len(), 50);
    assert_eq!(page.texts(".product-link")[0], "Product 09999");
    assert!(
        page.contains("Page 1 of 180"),
        "9,000 active products in pages of 50"
    );
    let last = owner
        .get("/catalog?status=active&sort=price_desc&page=180")
        .await;
    assert_eq!(
        last.texts(".product-link").last().map(String::as_str),
        Some("Product 00001")
    );
    let search = owner.get("/catalog?q=sku-4242&status=all").await;
    assert_eq!(search.texts(".product-link"), ["Product 04242"]);
    let title_sorted = owner.get("/catalog?sort=title&status=draft").await;
    assert_eq!(title_sorted.texts(".product-link")[0], "Product 00000");
    assert!(
        started.elapsed() < std::time::Duration::from_secs(5),
        "four list pages over 10,000 products took {:?}",
        started.elapsed()
    );
}

#[tokio::test]
async fn the_demo_seed_adds_five_photographed_products_once() {
    let app = spawn_app().await;
    let owner = owner(&app, "demo-seed").await;
    let shop_id: i64 = sqlx::query_scalar("SELECT id FROM shops WHERE slug = 'demo-seed'")
        .fetch_one(app.db())
        .await
        .unwrap();
    for _ in 0..2 {
        showfloor::catalog::demo::seed_demo(app.db(), &app.config.data_dir, shop_id)
            .await
            .unwrap();
    }
    let list = owner.get("/catalog?status=active").await;
    assert_eq!(list.texts(".product-link").len(), 5, "seeded once");
    assert_eq!(list.texts("img.thumb").len(), 5, "each with a photo");
    let sizes: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM variants v JOIN products p ON p.id = v.product_id WHERE p.slug = 'linen-overshirt'").fetch_one(app.db()).await.unwrap();
    assert_eq!(sizes, 3);
}
