//! Who may see and change orders: owners refund and fulfil, hosts only look, marketers
//! neither; another shop's order answers 404.

use reqwest::StatusCode;

use crate::helpers::email;
use crate::helpers::spawn_app;
use crate::orders_support::{buy, one, sale, status_of};

#[tokio::test]
async fn hosts_see_orders_but_only_owners_change_them_and_other_shops_get_404() {
    let app = spawn_app().await;
    let sale = sale(&app, "order-roles", 5).await;
    let shopper = app.browser();
    let (status, body) = buy(&shopper, &sale, one(&sale)).await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    let number = body["order"].as_str().unwrap().to_string();

    let host = app.browser();
    host.accept_invite(&sale.owner.invite(&email("host"), "host").await, "Hal")
        .await;
    let marketer = app.browser();
    marketer
        .accept_invite(&sale.owner.invite(&email("mia"), "marketer").await, "Mia")
        .await;
    let stranger = app.browser();
    stranger.sign_up("other-orders", &email("other")).await;

    let detail = format!("/orders/{number}");
    assert_eq!(sale.owner.get(&detail).await.status, StatusCode::OK);
    assert_eq!(host.get("/orders").await.status, StatusCode::OK);
    assert_eq!(host.get(&detail).await.status, StatusCode::OK);
    assert_eq!(host.get("/orders/export.csv").await.status, StatusCode::OK);
    assert_eq!(marketer.get("/orders").await.status, StatusCode::FORBIDDEN);
    assert_eq!(marketer.get(&detail).await.status, StatusCode::FORBIDDEN);
    assert_eq!(stranger.get(&detail).await.status, StatusCode::NOT_FOUND);

    for who in [&host, &marketer] {
        let cancel = who.post(&format!("{detail}/cancel"), &[]).await;
        assert_eq!(cancel.status, StatusCode::FORBIDDEN);
        let refund = who
            .post(&format!("{detail}/refund"), &[("amount", "49.00")])
            .await;
        assert_eq!(refund.status, StatusCode::FORBIDDEN);
    }
    let cancel = stranger.post(&format!("{detail}/cancel"), &[]).await;
    assert_eq!(cancel.status, StatusCode::NOT_FOUND);
    assert_eq!(status_of(&app, &number).await, "pending", "nothing changed");

    let cancel = sale.owner.post(&format!("{detail}/cancel"), &[]).await;
    assert!(
        cancel.status.is_redirection(),
        "{} {}",
        cancel.status,
        cancel.body
    );
    assert_eq!(status_of(&app, &number).await, "cancelled");
}
