//! `showfloor demo`: a ready-made shop (products with photos, a scheduled stream) so a
//! newcomer sees a living dashboard at once.
//! Idempotent: a second run finds the shop and prints the same login.

use crate::auth::{Role, password::NewPassword, store as auth_store};
use crate::config::Config;
use crate::shops::store as shops;
use crate::text::Email;

pub const DEMO_SLUG: &str = "demo-boutique";
pub const DEMO_EMAIL: &str = "owner@demo.showfloor.test";
/// Printed on purpose: this account exists to be signed in to by whoever runs the demo.
pub const DEMO_PASSWORD: &str = "showfloor-demo";

pub async fn run(config: &Config) -> anyhow::Result<()> {
    let db = crate::open_database(config).await?;
    let pool = &db.pool;
    let created = if shops::by_slug(pool, DEMO_SLUG).await?.is_none() {
        let hash = NewPassword::parse(DEMO_PASSWORD, DEMO_PASSWORD)?
            .hash()
            .await?;
        let email = Email::parse(DEMO_EMAIL)?;
        let mut tx = pool.begin().await?;
        let shop_id = shops::insert(
            &mut *tx,
            &shops::NewShop {
                slug: DEMO_SLUG,
                name: "Demo Boutique",
                currency: "EUR",
                time_zone: "Europe/Paris",
            },
        )
        .await?;
        let user_id = match auth_store::login_by_email(&mut *tx, &email).await? {
            Some(user) => user.id,
            None => auth_store::insert_user(&mut *tx, &email, "Demo Owner", &hash).await?,
        };
        auth_store::insert_membership(&mut *tx, shop_id, user_id, Role::Owner).await?;
        tx.commit().await?;
        true
    } else {
        false
    };
    let shop = shops::by_slug(pool, DEMO_SLUG)
        .await?
        .ok_or_else(|| anyhow::anyhow!("the demo shop disappeared"))?;
    // Each step changes nothing when its data is already there.
    crate::catalog::demo::seed_demo(pool, &config.data_dir, shop.id).await?;
    let base = config.base_url();
    let stream = crate::streams::demo::seed_demo(&db, shop.id, &base).await?;
    println!(
        "{} demo shop \"Demo Boutique\".",
        if created { "Created the" } else { "Found the" }
    );
    println!("dashboard: {base}/login");
    println!("email: {DEMO_EMAIL}");
    println!("password: {DEMO_PASSWORD}");
    println!("stream page: {}", stream.public_url);
    println!(
        "WHIP URL (OBS → Settings → Stream → WHIP): {}",
        stream.whip_url
    );
    match (&stream.key, &stream.hint) {
        (Some(key), _) => println!("stream key (shown once, keep it): {key}"),
        (None, Some(hint)) => println!("stream key: {hint}"),
        (None, None) => println!("stream key: rotate it on the stream's page in the dashboard"),
    }
    println!(
        "Start the server with `cargo run --release` (same data folder), sign in, and go live from the Studio."
    );
    Ok(())
}
