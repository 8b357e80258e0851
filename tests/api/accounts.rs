//! Sign-up, sign-in, sessions, CSRF, password changes and resets, invitations.

use reqwest::StatusCode;

use crate::helpers::{PASSWORD, email, spawn_app};

#[tokio::test]
async fn a_merchant_signs_up_and_lands_on_their_dashboard() {
    let app = spawn_app().await;
    let anna = app.browser();

    let page = anna.sign_up("anna-tea", &email("anna")).await;
    assert_eq!(page.location(), "/");

    let home = anna.get("/").await;
    assert_eq!(home.status, StatusCode::OK);
    assert!(home.contains("Shop anna-tea"));
    assert!(home.contains("Welcome to Showfloor!"));
    assert!(
        home.texts("nav.mainnav a")
            .contains(&"Settings".to_string())
    );
}

#[tokio::test]
async fn sign_up_rejects_bad_fields_beside_each_field_and_keeps_what_was_typed() {
    let app = spawn_app().await;
    let visitor = app.browser();

    let page = visitor
        .post(
            "/signup",
            &[
                ("shop_name", "Tea <b>Shop</b>"),
                ("shop_slug", "no spaces allowed"),
                ("currency", "ABC"),
                ("time_zone", "Mars/Olympus"),
                ("name", ""),
                ("email", "not-an-email"),
                ("password", "short"),
                ("password_confirm", "short"),
            ],
        )
        .await;

    assert_eq!(page.status, StatusCode::UNPROCESSABLE_ENTITY);
    let errors = page.texts(".field-error");
    assert!(
        errors.iter().any(|e| e.contains("letters a–z")),
        "{errors:?}"
    );
    assert!(errors.iter().any(|e| e.contains("ISO 4217")), "{errors:?}");
    assert!(errors.iter().any(|e| e.contains("time zone")), "{errors:?}");
    assert!(errors.iter().any(|e| e.contains("your name")), "{errors:?}");
    assert!(
        errors.iter().any(|e| e.contains("e-mail address like")),
        "{errors:?}"
    );
    assert!(
        errors.iter().any(|e| e.contains("at least 10")),
        "{errors:?}"
    );
    // What was typed comes back, escaped, and passwords do not.
    assert_eq!(
        page.input_value("shop_name").as_deref(),
        Some("Tea <b>Shop</b>")
    );
    assert!(
        page.contains("Tea &#60;b&#62;Shop&#60;/b&#62;")
            || page.contains("Tea &lt;b&gt;Shop&lt;/b&gt;")
    );
    assert_eq!(page.input_value("email").as_deref(), Some("not-an-email"));
    assert_eq!(page.input_value("password"), None);
    let shops: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM shops")
        .fetch_one(app.db())
        .await
        .unwrap();
    assert_eq!(shops, 0);
}

#[tokio::test]
async fn mismatched_password_confirmation_is_refused() {
    let app = spawn_app().await;
    let page = app
        .browser()
        .post(
            "/signup",
            &[
                ("shop_name", "Tea"),
                ("shop_slug", "tea-shop"),
                ("currency", "EUR"),
                ("time_zone", "UTC"),
                ("name", "Anna"),
                ("email", "anna@example.com"),
                ("password", PASSWORD),
                ("password_confirm", "correct horse batterz"),
            ],
        )
        .await;
    assert_eq!(page.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        page.texts(".field-error")
            .iter()
            .any(|e| e.contains("do not match"))
    );
}

#[tokio::test]
async fn a_taken_shop_address_suggests_the_next_free_one() {
    let app = spawn_app().await;
    app.browser().sign_up("tea-house", &email("first")).await;

    let second = app.browser();
    let page = second
        .post(
            "/signup",
            &[
                ("shop_name", "Tea House"),
                ("shop_slug", "tea-house"),
                ("currency", "USD"),
                ("time_zone", "America/New_York"),
                ("name", "Bob"),
                ("email", &email("second")),
                ("password", PASSWORD),
                ("password_confirm", PASSWORD),
            ],
        )
        .await;

    assert_eq!(page.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(page.contains("tea-house-2"), "{}", page.body);
    assert_eq!(page.input_value("name").as_deref(), Some("Bob"));
}

#[tokio::test]
async fn an_e_mail_can_own_only_one_account() {
    let app = spawn_app().await;
    let address = email("dup");
    app.browser().sign_up("first-shop", &address).await;

    let page = app
        .browser()
        .post(
            "/signup",
            &[
                ("shop_name", "Second"),
                ("shop_slug", "second-shop"),
                ("currency", "EUR"),
                ("time_zone", "UTC"),
                ("name", "Dup"),
                ("email", &address.to_uppercase()),
                ("password", PASSWORD),
                ("password_confirm", PASSWORD),
            ],
        )
        .await;
    assert_eq!(page.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(page.texts("#email-error")[0].contains("already exists"));
}

#[tokio::test]
async fn sign_in_rotates_the_session_id_and_sign_out_ends_the_session() {
    let app = spawn_app().await;
    let address = email("rot");
    app.browser().sign_up("rotation", &address).await;

    let browser = app.browser();
    let form = browser.get("/login").await;
    let before = session_cookie(&form.headers).expect("anonymous session for the form's token");
    let signed_in = browser.sign_in(&address, PASSWORD).await;
    assert_eq!(signed_in.status, StatusCode::SEE_OTHER);
    let after = session_cookie(&signed_in.headers).expect("new session cookie at sign-in");
    assert_ne!(before, after, "the session id must change at sign-in");
    assert_eq!(browser.get("/").await.status, StatusCode::OK);

    let out = browser.post("/logout", &[]).await;
    assert_eq!(out.location(), "/login");
    let home = browser.get("/").await;
    assert_eq!(home.status, StatusCode::SEE_OTHER);
    assert_eq!(home.location(), "/login");
}

fn session_cookie(headers: &reqwest::header::HeaderMap) -> Option<String> {
    headers
        .get_all("set-cookie")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find(|v| v.starts_with("showfloor_session="))
        .map(|v| v.split(';').next().unwrap_or_default().to_string())
}

#[tokio::test]
async fn the_session_cookie_is_http_only_and_same_site_lax() {
    let app = spawn_app().await;
    let page = app.browser().get("/login").await;
    let cookie = page
        .headers
        .get("set-cookie")
        .unwrap()
        .to_str()
        .unwrap()
        .to_string();
    assert!(cookie.contains("HttpOnly"), "{cookie}");
    assert!(cookie.contains("SameSite=Lax"), "{cookie}");
    assert!(
        !cookie.contains("Secure"),
        "plain http base URL: no Secure flag ({cookie})"
    );
}

#[tokio::test]
async fn a_signed_out_visitor_is_sent_to_sign_in_and_back_to_the_page_they_wanted() {
    let app = spawn_app().await;
    let address = email("next");
    app.browser().sign_up("next-shop", &address).await;

    let browser = app.browser();
    let page = browser.get("/settings/team").await;
    assert_eq!(page.status, StatusCode::SEE_OTHER);
    assert_eq!(page.location(), "/login");
    let signed_in = browser.sign_in(&address, PASSWORD).await;
    assert_eq!(signed_in.location(), "/settings/team");
}

#[tokio::test]
async fn a_wrong_password_is_refused_with_a_message_and_the_e_mail_kept() {
    let app = spawn_app().await;
    let address = email("wrong");
    app.browser().sign_up("wrong-pass", &address).await;

    let browser = app.browser();
    let page = browser.sign_in(&address, "not the password").await;
    assert_eq!(page.status, StatusCode::UNAUTHORIZED);
    assert!(page.texts(".form-error")[0].contains("do not match"));
    assert_eq!(page.input_value("email").as_deref(), Some(address.as_str()));
    let unknown = browser
        .sign_in("nobody@example.com", "not the password")
        .await;
    assert_eq!(unknown.status, StatusCode::UNAUTHORIZED);
    assert_eq!(
        unknown.texts(".form-error"),
        page.texts(".form-error"),
        "same answer for unknown accounts"
    );
}

#[tokio::test]
async fn sign_in_is_rate_limited_per_account_with_a_clear_message() {
    let app = spawn_app().await;
    let address = email("limit");
    app.browser().sign_up("limited", &address).await;

    let attacker = app.browser();
    for _ in 0..5 {
        let page = attacker.sign_in(&address, "guess guess guess").await;
        assert_eq!(page.status, StatusCode::UNAUTHORIZED);
    }
    let throttled = attacker.sign_in(&address, PASSWORD).await;
    assert_eq!(throttled.status, StatusCode::TOO_MANY_REQUESTS);
    assert!(
        throttled.texts(".form-error")[0].contains("Too many sign-in attempts for this account")
    );
    assert!(throttled.headers.get("retry-after").is_some());

    // Another account from the same address is not locked by this one.
    let other = email("other");
    app.browser().sign_up("other-shop", &other).await;
    assert_eq!(
        app.browser().sign_in(&other, PASSWORD).await.status,
        StatusCode::SEE_OTHER
    );
}

#[tokio::test]
async fn a_form_without_a_valid_csrf_token_gets_the_403_page_and_changes_nothing() {
    let app = spawn_app().await;
    let owner = app.browser();
    owner.sign_up("csrf-shop", &email("csrf")).await;
    let settings = [
        ("name", "Renamed"),
        ("slug", "csrf-shop"),
        ("currency", "EUR"),
        ("time_zone", "UTC"),
    ];

    let missing = owner.post_raw("/settings", &settings).await;
    assert_eq!(missing.status, StatusCode::FORBIDDEN);
    assert!(missing.contains("This form has expired or did not come from this site"));

    let mut forged = settings.to_vec();
    forged.push(("csrf_token", "forged-token"));
    assert_eq!(
        owner.post_raw("/settings", &forged).await.status,
        StatusCode::FORBIDDEN
    );

    let name: String = sqlx::query_scalar("SELECT name FROM shops")
        .fetch_one(app.db())
        .await
        .unwrap();
    assert_eq!(name, "Shop csrf-shop");

    let genuine = owner.post("/settings", &settings).await;
    assert_eq!(genuine.status, StatusCode::SEE_OTHER);
    let name: String = sqlx::query_scalar("SELECT name FROM shops")
        .fetch_one(app.db())
        .await
        .unwrap();
    assert_eq!(name, "Renamed");
}

#[tokio::test]
async fn the_sign_in_form_itself_needs_its_csrf_token() {
    let app = spawn_app().await;
    let address = email("login-csrf");
    app.browser().sign_up("login-csrf", &address).await;
    let browser = app.browser();
    browser.get("/login").await;
    let page = browser
        .post_raw("/login", &[("email", &address), ("password", PASSWORD)])
        .await;
    assert_eq!(page.status, StatusCode::FORBIDDEN);
}

#[tokio::test]
async fn a_session_survives_a_server_restart() {
    let mut app = spawn_app().await;
    let mut owner = app.browser();
    owner.sign_up("restart-shop", &email("restart")).await;

    app.restart().await;
    owner.base = app.base();

    let home = owner.get("/").await;
    assert_eq!(home.status, StatusCode::OK, "still signed in after restart");
    assert!(home.contains("Shop restart-shop"));
}

#[tokio::test]
async fn changing_the_password_signs_out_other_sessions_but_not_this_one() {
    let app = spawn_app().await;
    let address = email("change");
    let laptop = app.browser();
    laptop.sign_up("change-pass", &address).await;
    let phone = app.browser();
    assert_eq!(
        phone.sign_in(&address, PASSWORD).await.status,
        StatusCode::SEE_OTHER
    );

    let wrong = laptop
        .post(
            "/account/password",
            &[
                ("current_password", "nope nope nope"),
                ("password", "a brand new secret"),
                ("password_confirm", "a brand new secret"),
            ],
        )
        .await;
    assert_eq!(wrong.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(wrong.texts("#current_password-error")[0].contains("not your current password"));

    let done = laptop
        .post(
            "/account/password",
            &[
                ("current_password", PASSWORD),
                ("password", "a brand new secret"),
                ("password_confirm", "a brand new secret"),
            ],
        )
        .await;
    assert_eq!(done.status, StatusCode::SEE_OTHER);
    assert_eq!(laptop.get("/").await.status, StatusCode::OK);
    assert_eq!(
        phone.get("/").await.status,
        StatusCode::SEE_OTHER,
        "the other session is signed out"
    );
    assert_eq!(
        app.browser().sign_in(&address, PASSWORD).await.status,
        StatusCode::UNAUTHORIZED
    );
    assert_eq!(
        app.browser()
            .sign_in(&address, "a brand new secret")
            .await
            .status,
        StatusCode::SEE_OTHER
    );
}

#[tokio::test]
async fn a_reset_link_from_the_owner_works_once_and_signs_out_old_sessions() {
    let app = spawn_app().await;
    let owner = app.browser();
    owner.sign_up("reset-shop", &email("owner")).await;
    let host_email = email("host");
    let link = owner.invite(&host_email, "host").await;
    let host = app.browser();
    host.accept_invite(&link, "Hal Host").await;
    let host_id: i64 = sqlx::query_scalar("SELECT id FROM users WHERE email = $1")
        .bind(&host_email)
        .fetch_one(app.db())
        .await
        .unwrap();

    let made = owner
        .post(&format!("/settings/team/members/{host_id}/reset-link"), &[])
        .await;
    assert_eq!(made.status, StatusCode::SEE_OTHER);
    let reset = owner
        .get("/settings/team")
        .await
        .flash_link()
        .expect("reset link shown");
    let path = format!("/password/reset/{}", reset.rsplit('/').next().unwrap());

    let stranger = app.browser();
    let form = stranger.get(&path).await;
    assert_eq!(form.status, StatusCode::OK);
    assert!(form.contains(&host_email));
    let short = stranger
        .post(
            &path,
            &[("password", "short"), ("password_confirm", "short")],
        )
        .await;
    assert_eq!(short.status, StatusCode::UNPROCESSABLE_ENTITY);
    let done = stranger
        .post(
            &path,
            &[
                ("password", "fresh password 123"),
                ("password_confirm", "fresh password 123"),
            ],
        )
        .await;
    assert_eq!(done.status, StatusCode::SEE_OTHER);
    assert_eq!(done.location(), "/login");

    assert_eq!(
        host.get("/").await.status,
        StatusCode::SEE_OTHER,
        "old session signed out"
    );
    assert_eq!(
        app.browser()
            .sign_in(&host_email, "fresh password 123")
            .await
            .status,
        StatusCode::SEE_OTHER
    );
    let again = stranger.get(&path).await;
    assert_eq!(again.status, StatusCode::BAD_REQUEST);
    assert!(again.contains("expired or was already used"));
}

#[tokio::test]
async fn forgot_password_answers_the_same_for_unknown_accounts_and_issues_a_token_for_known_ones() {
    let app = spawn_app().await;
    let address = email("forgot");
    app.browser().sign_up("forgot-shop", &address).await;
    let visitor = app.browser();

    let known = visitor
        .post("/password/forgot", &[("email", &address)])
        .await;
    let unknown = visitor
        .post("/password/forgot", &[("email", "nobody@example.com")])
        .await;
    assert_eq!(known.status, StatusCode::OK);
    assert_eq!(unknown.status, StatusCode::OK);
    assert!(known.contains("one-time reset link has been issued"));
    assert!(unknown.contains("one-time reset link has been issued"));
    let tokens: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM password_resets")
        .fetch_one(app.db())
        .await
        .unwrap();
    assert_eq!(tokens, 1);

    let bad = visitor.post("/password/forgot", &[("email", "nope")]).await;
    assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);
}

#[tokio::test]
async fn an_owner_invites_a_marketer_who_joins_with_that_role_once() {
    let app = spawn_app().await;
    let owner = app.browser();
    owner.sign_up("invite-shop", &email("owner")).await;
    let address = email("mia");

    let link = owner.invite(&address, "marketer").await;
    let team = owner.get("/settings/team").await;
    assert!(team.contains(&address), "pending invitation listed");

    let mia = app.browser();
    let landing = mia
        .get(&format!("/invites/{}", link.rsplit('/').next().unwrap()))
        .await;
    assert!(landing.contains("Join Shop invite-shop"));
    assert!(landing.contains("marketer"));
    mia.accept_invite(&link, "Mia Marketer").await;
    let home = mia.get("/").await;
    assert_eq!(home.status, StatusCode::OK);
    assert!(home.contains("You are marketer"));

    let reuse = app
        .browser()
        .get(&format!("/invites/{}", link.rsplit('/').next().unwrap()))
        .await;
    assert_eq!(reuse.status, StatusCode::BAD_REQUEST);
    let members: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM memberships")
        .fetch_one(app.db())
        .await
        .unwrap();
    assert_eq!(members, 2);
}

#[tokio::test]
async fn a_revoked_invitation_no_longer_works() {
    let app = spawn_app().await;
    let owner = app.browser();
    owner.sign_up("revoke-shop", &email("owner")).await;
    let link = owner.invite(&email("late"), "host").await;
    let id: i64 = sqlx::query_scalar("SELECT id FROM invites")
        .fetch_one(app.db())
        .await
        .unwrap();

    assert_eq!(
        owner
            .post(&format!("/settings/team/invites/{id}/revoke"), &[])
            .await
            .status,
        StatusCode::SEE_OTHER
    );
    let page = app
        .browser()
        .get(&format!("/invites/{}", link.rsplit('/').next().unwrap()))
        .await;
    assert_eq!(page.status, StatusCode::BAD_REQUEST);
}

#[tokio::test]
async fn the_last_owner_cannot_demote_themselves() {
    let app = spawn_app().await;
    let owner = app.browser();
    owner.sign_up("last-owner", &email("owner")).await;
    let id: i64 = sqlx::query_scalar("SELECT id FROM users")
        .fetch_one(app.db())
        .await
        .unwrap();
    let page = owner
        .post(
            &format!("/settings/team/members/{id}/role"),
            &[("role", "host")],
        )
        .await;
    assert_eq!(page.status, StatusCode::CONFLICT);
    assert!(page.contains("at least one owner"));
}

#[tokio::test]
async fn settings_changes_are_validated_and_saved() {
    let app = spawn_app().await;
    let owner = app.browser();
    owner.sign_up("settings-shop", &email("owner")).await;
    app.browser().sign_up("taken-slug", &email("other")).await;

    let bad = owner
        .post(
            "/settings",
            &[
                ("name", ""),
                ("slug", "taken-slug"),
                ("currency", "EUR"),
                ("time_zone", "Europe/Paris"),
            ],
        )
        .await;
    assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(bad.texts("#name-error")[0].contains("name"));

    let taken = owner
        .post(
            "/settings",
            &[
                ("name", "Fine"),
                ("slug", "taken-slug"),
                ("currency", "EUR"),
                ("time_zone", "Europe/Paris"),
            ],
        )
        .await;
    assert_eq!(taken.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(taken.texts("#slug-error")[0].contains("Another shop"));

    let ok = owner
        .post(
            "/settings",
            &[
                ("name", "Fine Tea"),
                ("slug", "fine-tea"),
                ("currency", "JPY"),
                ("time_zone", "Asia/Tokyo"),
            ],
        )
        .await;
    assert_eq!(ok.status, StatusCode::SEE_OTHER);
    let page = owner.get("/settings").await;
    assert_eq!(page.input_value("name").as_deref(), Some("Fine Tea"));
    assert!(page.contains("<option value=\"JPY\" selected>"));
}

#[tokio::test]
async fn the_getting_started_list_ticks_off_what_the_shop_has_done() {
    let app = spawn_app().await;
    let owner = app.browser();
    owner.sign_up("progress-shop", &email("owner")).await;
    let done = |page: &crate::helpers::Page| page.texts("ol.checklist li.done strong");
    assert!(done(&owner.get("/").await).is_empty());

    let shop_id: i64 = sqlx::query_scalar("SELECT id FROM shops")
        .fetch_one(app.db())
        .await
        .unwrap();
    let tea = crate::fixtures::NewProduct::new("tea", "Tea", 500);
    crate::fixtures::product(app.db(), shop_id, tea).await;
    owner.invite(&email("host"), "host").await;
    assert_eq!(
        done(&owner.get("/").await),
        ["Add the products you will demo", "Invite your team"]
    );
}
