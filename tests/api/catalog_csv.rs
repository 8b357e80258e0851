//! CSV export, and import with a dry-run preview that is all-or-nothing.

use reqwest::StatusCode;

use crate::catalog::{create, owner};
use crate::catalog_images::upload;
use crate::helpers::spawn_app;

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
