//! CSV export (formula-like cells neutralised), and import: a paged dry-run preview,
//! then batches written in the background, all or nothing, without locking other shops.

use std::fmt::Write;
use std::time::{Duration, Instant};

use reqwest::StatusCode;
use serde_json::Value;

use crate::catalog::{create, owner};
use crate::catalog_images::upload;
use crate::helpers::{Browser, Page, spawn_app};
use crate::orders_support::{buy, sale, token_of};

/// Upload `csv` for a preview; panics unless it is accepted.
async fn preview(browser: &Browser, csv: &str) -> Page {
    let page = upload(
        browser,
        "/catalog/import",
        &[("file", "catalogue.csv", csv.as_bytes().to_vec())],
        "",
    )
    .await;
    assert_eq!(
        page.status,
        StatusCode::OK,
        "{:?}",
        page.texts(".field-error")
    );
    page
}

/// Poll the import's JSON status until it is `done` or `failed`, within `limit`.
async fn wait_for_import(browser: &Browser, token: &str, limit: Duration) -> Value {
    let deadline = Instant::now() + limit;
    loop {
        let status = import_status(browser, token).await;
        if status["status"] == "done" || status["status"] == "failed" {
            return status;
        }
        assert!(
            Instant::now() < deadline,
            "the import did not end: {status}"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

async fn import_status(browser: &Browser, token: &str) -> Value {
    let page = browser
        .get(&format!("/catalog/import/{token}/status"))
        .await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.body);
    serde_json::from_str(&page.body).expect("status JSON")
}

/// Preview `csv`, confirm it and wait for the outcome.
async fn import(browser: &Browser, csv: &str) -> Value {
    let page = preview(browser, csv).await;
    let token = page.input_value("token").expect("confirm token");
    let done = browser
        .post("/catalog/import/confirm", &[("token", &token)])
        .await;
    assert_eq!(done.status, StatusCode::SEE_OTHER);
    wait_for_import(browser, &token, Duration::from_secs(30)).await
}

async fn product_count(app: &crate::helpers::TestApp, shop: &str) -> i64 {
    sqlx::query_scalar(
        "SELECT COUNT(*) FROM products p JOIN shops s ON s.id = p.shop_id WHERE s.slug = $1",
    )
    .bind(shop)
    .fetch_one(app.db())
    .await
    .unwrap()
}

#[tokio::test]
async fn a_catalogue_exported_from_one_shop_imports_into_a_fresh_one() {
    let app = spawn_app().await;
    let first = owner(&app, "export-shop").await;
    create(
        &first,
        &[
            ("title", "Linen Overshirt"),
            ("description", "Soft, \"washed\".\n\nLine two"),
            ("price", "89"),
            ("compare_at_price", "109"),
            ("sku", "LIN"),
            ("status", "active"),
            ("tags", "linen, summer"),
            ("option1_name", "Size"),
            ("option1_values", "S, M, L"),
            ("stock", "4"),
        ],
    )
    .await;
    create(
        &first,
        &[("title", "Gift Card"), ("price", "25"), ("unlimited", "on")],
    )
    .await;

    let export = first.get("/catalog/export.csv").await;
    assert_eq!(export.status, StatusCode::OK);
    assert!(
        export.headers["content-disposition"]
            .to_str()
            .unwrap()
            .contains("export-shop-catalogue.csv")
    );
    let rows = csv::Reader::from_reader(export.body.as_bytes())
        .records()
        .count();
    assert_eq!(rows, 3 + 1, "one row per variant");
    assert!(export.body.contains("LIN-M"));
    assert!(export.body.contains("unlimited"));

    let second = owner(&app, "import-shop").await;
    let preview = upload(
        &second,
        "/catalog/import",
        &[("file", "catalogue.csv", export.body.clone().into_bytes())],
        "",
    )
    .await;
    assert_eq!(
        preview.status,
        StatusCode::OK,
        "{:?}",
        preview.texts(".field-error")
    );
    assert_eq!(preview.texts(".import-preview tbody tr").len(), 2);
    let n: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM products p JOIN shops s ON s.id = p.shop_id WHERE s.slug = 'import-shop'").fetch_one(app.db()).await.unwrap();
    assert_eq!(n, 0, "the preview writes nothing");

    let token = preview.input_value("token").expect("confirm token");
    let done = second
        .post("/catalog/import/confirm", &[("token", &token)])
        .await;
    assert_eq!(done.status, StatusCode::SEE_OTHER);
    let outcome = wait_for_import(&second, &token, Duration::from_secs(30)).await;
    assert_eq!(outcome["status"], "done", "{outcome}");
    let again = second.get("/catalog/export.csv").await;
    assert_eq!(again.body, export.body, "the round trip is exact");
    let ledger: Vec<String> = sqlx::query_scalar("SELECT l.reason FROM inventory_ledger l JOIN shops s ON s.id = l.shop_id WHERE s.slug = 'import-shop'").fetch_all(app.db()).await.unwrap();
    assert_eq!(ledger, ["import", "import", "import"]);
}

#[tokio::test]
async fn an_import_with_two_bad_rows_lists_both_with_row_numbers_and_writes_nothing() {
    let app = spawn_app().await;
    let shop = owner(&app, "bad-csv").await;
    let csv = "title,price,currency,sku,stock,status,description\n\
               Mug,12,EUR,MUG-1,10,active,Stoneware\n\
               Plate,-4,EUR,PLT-1,3,active,\n\
               Bowl,18.50,EUR,BWL-1,unlimited,draft,\n\
               ,9,EUR,X-1,1,active,\n\
               Cup,7,EUR,CUP-1,2,active,\n";
    let page = upload(
        &shop,
        "/catalog/import",
        &[("file", "products.csv", csv.as_bytes().to_vec())],
        "",
    )
    .await;
    assert_eq!(page.status, StatusCode::UNPROCESSABLE_ENTITY);
    let errors = page.texts(".import-errors li");
    assert_eq!(errors.len(), 2, "{errors:?}");
    assert!(
        errors[0].starts_with("Row 3:") && errors[0].contains("negative"),
        "{errors:?}"
    );
    assert!(
        errors[1].starts_with("Row 5:") && errors[1].contains("title"),
        "{errors:?}"
    );
    assert!(
        page.texts(".import-preview").is_empty(),
        "no confirm button"
    );
    let n: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM products")
        .fetch_one(app.db())
        .await
        .unwrap();
    assert_eq!(n, 0);
    let confirm = shop
        .post("/catalog/import/confirm", &[("token", "made-up")])
        .await;
    assert_eq!(confirm.status, StatusCode::BAD_REQUEST);
}

#[tokio::test]
async fn a_product_titled_as_a_formula_exports_neutralised_and_round_trips_unchanged() {
    let app = spawn_app().await;
    let first = owner(&app, "formula-shop").await;
    let title = "=HYPERLINK(\"http://evil.test\",\"Sale\")";
    create(
        &first,
        &[
            ("title", title),
            ("slug", "sale"),
            ("description", "@everyone: -5% off"),
            ("price", "10"),
            ("stock", "2"),
        ],
    )
    .await;
    let export = first.get("/catalog/export.csv").await;
    let rows = crate::helpers::parse_csv(&export.body);
    assert_eq!(rows[0]["title"], format!("'{title}"), "neutralised");
    assert_eq!(rows[0]["description"], "'@everyone: -5% off");
    assert_eq!(rows[0]["price"], "10.00", "numbers stay numbers");

    let second = owner(&app, "formula-copy").await;
    let outcome = import(&second, &export.body).await;
    assert_eq!(outcome["status"], "done", "{outcome}");
    let stored: String = sqlx::query_scalar(
        "SELECT p.title FROM products p JOIN shops s ON s.id = p.shop_id WHERE s.slug = 'formula-copy'",
    )
    .fetch_one(app.db())
    .await
    .unwrap();
    assert_eq!(stored, title, "the import removes the neutralising quote");
    assert_eq!(second.get("/catalog/export.csv").await.body, export.body);
}

#[tokio::test]
async fn an_order_email_typed_as_a_formula_exports_neutralised() {
    let app = spawn_app().await;
    let sale = sale(&app, "formula-orders", 3).await;
    let shopper = app.browser();
    let (_, body) = buy(
        &shopper,
        &sale,
        serde_json::json!({"variant_id": sale.variant_id, "quantity": 1}),
    )
    .await;
    let number = body["order"].as_str().expect("order number").to_string();
    let token = token_of(&app, &number).await;
    shopper.post(&format!("/checkout/{token}/pay"), &[]).await;
    let paid = shopper
        .post(
            &format!("/checkout/{token}/test"),
            &[
                ("name", "Eve"),
                ("email", "=1+1@evil.test"),
                ("address", "1 Main St"),
            ],
        )
        .await;
    assert_eq!(paid.status, StatusCode::SEE_OTHER, "{}", paid.body);

    let csv = sale.owner.get("/orders/export.csv").await;
    let rows = crate::helpers::parse_csv(&csv.body);
    assert_eq!(rows.len(), 1, "{}", csv.body);
    assert_eq!(rows[0]["email"], "'=1+1@evil.test");
    assert_eq!(rows[0]["order_total"], "49.00");
}

#[tokio::test]
async fn an_import_refused_while_applying_rolls_back_every_batch() {
    let app = spawn_app().await;
    let shop = owner(&app, "rollback-shop").await;
    // 1,200 one-variant products: more than two batches, the clash in the last one.
    let mut csv = String::from("slug,title,price,stock\n");
    for n in 0..1_200 {
        writeln!(csv, "item-{n},Item {n},5,1").unwrap();
    }
    let page = preview(&shop, &csv).await;
    let token = page.input_value("token").expect("confirm token");
    // After the preview the merchant creates a product at the last row's address by hand.
    create(
        &shop,
        &[
            ("title", "By hand"),
            ("slug", "item-1199"),
            ("price", "9"),
            ("stock", "1"),
        ],
    )
    .await;

    let done = shop
        .post("/catalog/import/confirm", &[("token", &token)])
        .await;
    assert_eq!(done.status, StatusCode::SEE_OTHER);
    let outcome = wait_for_import(&shop, &token, Duration::from_secs(60)).await;
    assert_eq!(outcome["status"], "failed", "{outcome}");
    assert!(
        outcome["error"].as_str().unwrap().contains("item-1199"),
        "{outcome}"
    );
    assert_eq!(outcome["applied"], 0);
    assert_eq!(
        product_count(&app, "rollback-shop").await,
        1,
        "only the one made by hand"
    );
    let progress = shop.get(&format!("/catalog/import/{token}")).await;
    assert!(
        progress.contains("Nothing was imported"),
        "{}",
        progress.body
    );
}

#[tokio::test]
async fn a_large_import_runs_in_batches_while_another_shop_keeps_adjusting_stock() {
    let app = spawn_app().await;
    let big = owner(&app, "big-import").await;
    let other = owner(&app, "other-shop").await;
    let mug = create(&other, &[("title", "Mug"), ("price", "12"), ("stock", "5")]).await;
    let variant: i64 = sqlx::query_scalar("SELECT id FROM variants WHERE product_id = $1")
        .bind(mug)
        .fetch_one(app.db())
        .await
        .unwrap();
    // 20,000 rows: 4,000 products in five sizes each.
    let mut csv = String::from("slug,title,price,status,option1_name,option1_value,stock\n");
    for n in 0..4_000 {
        for size in ["XS", "S", "M", "L", "XL"] {
            writeln!(csv, "tee-{n},Tee {n},20,active,Size,{size},3").unwrap();
        }
    }
    let page = preview(&big, &csv).await;
    assert_eq!(page.texts(".import-preview tbody tr").len(), 100, "paged");
    assert!(page.contains("Page 1 of 40"));
    assert!(page.texts("[data-count=new]")[0].starts_with("4000 new"));
    assert!(page.texts("[data-count=rows]")[0].starts_with("20000 rows"));
    let token = page.input_value("token").expect("confirm token");
    let second = big.get(&format!("/catalog/import/{token}?page=2")).await;
    assert_eq!(second.texts(".import-preview tbody tr").len(), 100);
    assert!(second.texts(".import-preview tbody tr")[0].contains("tee-100"));
    assert_eq!(
        product_count(&app, "big-import").await,
        0,
        "the preview writes nothing"
    );

    let done = big
        .post("/catalog/import/confirm", &[("token", &token)])
        .await;
    assert_eq!(done.status, StatusCode::SEE_OTHER);
    // Answered before the work is done: 20,000 rows are applied batch by batch, with a pause
    // between batches, by the background task.
    let first = import_status(&big, &token).await;
    assert_ne!(
        first["status"], "done",
        "the import runs in the background: {first}"
    );
    let deadline = Instant::now() + Duration::from_secs(60);
    let mut adjusted = 0;
    let mut seen_running = false;
    loop {
        let status = import_status(&big, &token).await;
        if status["status"] == "done" {
            break;
        }
        assert_eq!(status["status"], "applying", "{status}");
        seen_running = true;
        // On SQLite a write kept waiting past the busy timeout (10 s) by a long import
        // transaction answers 500 ("database is locked"); a bounded batch never does.
        let adjust = other
            .post(
                &format!("/catalog/products/{mug}/stock"),
                &[
                    ("variant_id", &variant.to_string()),
                    ("change", "+1"),
                    ("note", "delivery"),
                ],
            )
            .await;
        assert_eq!(adjust.status, StatusCode::SEE_OTHER, "{}", adjust.body);
        adjusted += 1;
        assert!(
            Instant::now() < deadline,
            "the import did not end: {status}"
        );
        // Poll at a merchant's pace; a tight loop of writes would only compete with the import.
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert!(
        seen_running && adjusted > 0,
        "the other shop wrote while the import ran"
    );
    assert_eq!(product_count(&app, "big-import").await, 4_000);
    let variants: i64 = sqlx::query_scalar(
        "SELECT COUNT(*) FROM variants v JOIN shops s ON s.id = v.shop_id WHERE s.slug = 'big-import'",
    )
    .fetch_one(app.db())
    .await
    .unwrap();
    assert_eq!(variants, 20_000);
    let stock: i64 = sqlx::query_scalar(
        "SELECT CAST(SUM(v.stock) AS BIGINT) FROM variants v JOIN shops s ON s.id = v.shop_id WHERE s.slug = 'big-import'",
    )
    .fetch_one(app.db())
    .await
    .unwrap();
    assert_eq!(stock, 60_000);
    let mug_stock: i64 = sqlx::query_scalar("SELECT stock FROM variants WHERE id = $1")
        .bind(variant)
        .fetch_one(app.db())
        .await
        .unwrap();
    assert_eq!(mug_stock, 5 + adjusted);
}
