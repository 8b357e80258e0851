//! The role and tenant matrix: each role reaches exactly the pages its role admits,
//! and another shop's rows answer 404.

use reqwest::StatusCode;

use crate::helpers::{Browser, TestApp, email, spawn_app};

/// A shop with one member of each role, each in their own browser.
struct Team {
    owner: Browser,
    host: Browser,
    marketer: Browser,
}

async fn team(app: &TestApp, slug: &str) -> Team {
    let owner = app.browser();
    owner.sign_up(slug, &email("owner")).await;
    let host = app.browser();
    host.accept_invite(&owner.invite(&email("host"), "host").await, "Hal Host")
        .await;
    let marketer = app.browser();
    marketer
        .accept_invite(
            &owner.invite(&email("marketer"), "marketer").await,
            "Mia Marketer",
        )
        .await;
    Team {
        owner,
        host,
        marketer,
    }
}

const OK: StatusCode = StatusCode::OK;
const NO: StatusCode = StatusCode::FORBIDDEN;

#[tokio::test]
async fn each_role_opens_only_the_pages_its_role_admits() {
    let app = spawn_app().await;
    let t = team(&app, "matrix-shop").await;

    // (page, owner, host, marketer)
    let matrix = [
        ("/", OK, OK, OK),
        ("/account/password", OK, OK, OK),
        ("/catalog", OK, OK, OK),
        ("/streams", OK, OK, OK),
        ("/studio", OK, OK, NO),
        ("/orders", OK, OK, NO),
        ("/reports", OK, NO, OK),
        ("/settings", OK, NO, NO),
        ("/settings/team", OK, NO, NO),
    ];
    for (path, owner, host, marketer) in matrix {
        for (who, browser, expected) in [
            ("owner", &t.owner, owner),
            ("host", &t.host, host),
            ("marketer", &t.marketer, marketer),
        ] {
            let page = browser.get(path).await;
            assert_eq!(page.status, expected, "{who} GET {path}");
            if expected == NO {
                assert!(
                    page.contains("Not allowed"),
                    "{who} GET {path} shows the 403 page"
                );
            }
        }
    }
}

#[tokio::test]
async fn navigation_shows_each_role_only_its_sections() {
    let app = spawn_app().await;
    let t = team(&app, "nav-shop").await;
    let nav = |page: crate::helpers::Page| page.texts("nav.mainnav a");

    assert_eq!(
        nav(t.owner.get("/").await),
        [
            "Catalogue",
            "Streams",
            "Studio",
            "Orders",
            "Reports",
            "Settings"
        ]
    );
    assert_eq!(
        nav(t.host.get("/").await),
        ["Catalogue", "Streams", "Studio", "Orders"]
    );
    assert_eq!(
        nav(t.marketer.get("/").await),
        ["Catalogue", "Streams", "Reports"]
    );
}

#[tokio::test]
async fn a_marketer_and_a_host_cannot_change_settings_or_the_team() {
    let app = spawn_app().await;
    let t = team(&app, "readonly-shop").await;
    let settings = [
        ("name", "Hacked"),
        ("slug", "readonly-shop"),
        ("currency", "EUR"),
        ("time_zone", "UTC"),
    ];

    for (who, browser) in [("host", &t.host), ("marketer", &t.marketer)] {
        assert_eq!(
            browser.post("/settings", &settings).await.status,
            NO,
            "{who} saves settings"
        );
        assert_eq!(
            browser
                .post(
                    "/settings/team/invites",
                    &[("email", "x@example.com"), ("role", "owner")]
                )
                .await
                .status,
            NO,
            "{who} invites"
        );
    }
    let name: String = sqlx::query_scalar("SELECT name FROM shops")
        .fetch_one(app.db())
        .await
        .unwrap();
    assert_eq!(name, "Shop readonly-shop");
    let invites: i64 =
        sqlx::query_scalar("SELECT COUNT(*) FROM invites WHERE email = 'x@example.com'")
            .fetch_one(app.db())
            .await
            .unwrap();
    assert_eq!(invites, 0);
}

#[tokio::test]
async fn another_shops_members_and_invitations_answer_404() {
    let app = spawn_app().await;
    let a = team(&app, "shop-a").await;
    let b = app.browser();
    b.sign_up("shop-b", &email("b-owner")).await;
    b.invite(&email("pending"), "host").await;

    let a_host: i64 = sqlx::query_scalar(
        "SELECT m.user_id FROM memberships m JOIN shops s ON s.id = m.shop_id WHERE s.slug = 'shop-a' AND m.role = 'host'",
    )
    .fetch_one(app.db())
    .await
    .unwrap();
    let b_invite: i64 = sqlx::query_scalar(
        "SELECT i.id FROM invites i JOIN shops s ON s.id = i.shop_id WHERE s.slug = 'shop-b' AND i.accepted_at IS NULL",
    )
    .fetch_one(app.db())
    .await
    .unwrap();

    // Shop B's owner reaches for shop A's host; shop A's owner for shop B's invitation.
    assert_eq!(
        b.post(
            &format!("/settings/team/members/{a_host}/role"),
            &[("role", "owner")]
        )
        .await
        .status,
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        b.post(&format!("/settings/team/members/{a_host}/remove"), &[])
            .await
            .status,
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        b.post(&format!("/settings/team/members/{a_host}/reset-link"), &[])
            .await
            .status,
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        a.owner
            .post(&format!("/settings/team/invites/{b_invite}/revoke"), &[])
            .await
            .status,
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        b.post("/shops/switch", &[("shop_id", "1")]).await.status,
        StatusCode::NOT_FOUND
    );

    let role: String = sqlx::query_scalar("SELECT role FROM memberships WHERE user_id = $1")
        .bind(a_host)
        .fetch_one(app.db())
        .await
        .unwrap();
    assert_eq!(role, "host");
    assert!(!b.get("/settings/team").await.contains("Hal Host"));
}

#[tokio::test]
async fn a_person_in_two_shops_switches_between_them() {
    let app = spawn_app().await;
    let a = app.browser();
    let both = email("both");
    a.sign_up("first-one", &email("a")).await;
    let link = a.invite(&both, "host").await;
    let person = app.browser();
    person.sign_up("own-shop", &both).await;
    // Accepting with an existing account asks for that account's password.
    let path = format!("/invites/{}", link.rsplit('/').next().unwrap());
    assert!(
        person
            .get(&path)
            .await
            .contains("already have a Showfloor account")
    );
    let wrong = person.post(&path, &[("password", "not my password")]).await;
    assert_eq!(wrong.status, StatusCode::UNPROCESSABLE_ENTITY);
    let joined = person
        .post(&path, &[("password", crate::helpers::PASSWORD)])
        .await;
    assert_eq!(joined.status, StatusCode::SEE_OTHER);
    assert!(person.get("/").await.contains("Shop first-one"));

    let own_id: i64 = sqlx::query_scalar("SELECT id FROM shops WHERE slug = 'own-shop'")
        .fetch_one(app.db())
        .await
        .unwrap();
    let switched = person
        .post("/shops/switch", &[("shop_id", &own_id.to_string())])
        .await;
    assert_eq!(switched.status, StatusCode::SEE_OTHER);
    let home = person.get("/").await;
    assert!(home.contains("Shop own-shop"));
    assert!(home.contains("You are owner"));
}
