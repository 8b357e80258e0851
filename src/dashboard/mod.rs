//! The merchant's home page: the shop at a glance and the getting-started list.

use askama::Template;
use axum::Router;
use axum::extract::State;
use axum::response::Response;
use axum::routing::get;

use crate::auth::roles::{AnyMember, EditCatalog, ManageShop, ManageStreams, UseStudio};
use crate::auth::{Member, store as auth_store};
use crate::error::Result;
use crate::state::AppState;
use crate::web::{Layout, Section, render};

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/", get(home))
        .route("/studio", get(crate::media::studio::index))
}

/// One step of the getting-started list.
pub struct Step {
    pub title: &'static str,
    pub text: &'static str,
    pub href: &'static str,
    pub done: bool,
    pub allowed: bool,
}

#[derive(Template)]
#[template(path = "dashboard/home.html")]
struct HomePage {
    layout: Layout,
    shop_name: String,
    public_url: String,
    role: &'static str,
    team_size: usize,
    steps: Vec<Step>,
}

async fn home(State(state): State<AppState>, user: Member<AnyMember>) -> Result<Response> {
    let team = auth_store::team(&state.db.pool, user.shop.id).await?;
    let invites = auth_store::pending_invites(&state.db.pool, user.shop.id).await?;
    let progress = progress(&state.db.pool, user.shop.id).await?;
    let steps = vec![
        Step {
            title: "Add the products you will demo",
            text: "Title, price, photos and stock. Shoppers buy them from the stream.",
            href: "/catalog",
            done: progress.products > 0,
            allowed: user.can::<EditCatalog>(),
        },
        Step {
            title: "Schedule your first stream",
            text: "Pick a time, feature a few products, share the link.",
            href: "/streams",
            done: progress.streams > 0,
            allowed: user.can::<ManageStreams>(),
        },
        Step {
            title: "Invite your team",
            text: "Hosts run the studio; marketers read the reports.",
            href: "/settings/team",
            done: team.len() > 1 || !invites.is_empty(),
            allowed: user.can::<ManageShop>(),
        },
        Step {
            title: "Go live from the studio",
            text: "Your browser's camera, or OBS with the stream key.",
            href: "/studio",
            done: progress.went_live > 0,
            allowed: user.can::<UseStudio>(),
        },
    ];
    let page = HomePage {
        layout: Layout::dashboard(&user, "Home", Section::Home).await,
        shop_name: user.shop.name.clone(),
        public_url: format!("{}/@{}", state.config.base_url(), user.shop.slug),
        role: user.role.as_str(),
        team_size: team.len(),
        steps,
    };
    Ok(render(&page))
}

/// What the shop has done so far, for the getting-started list.
struct Progress {
    products: i64,
    streams: i64,
    went_live: i64,
}

async fn progress(db: &sqlx::AnyPool, shop_id: i64) -> sqlx::Result<Progress> {
    let count = |sql: &'static str| async move {
        sqlx::query_scalar::<_, i64>(sql)
            .bind(shop_id)
            .fetch_one(db)
            .await
    };
    Ok(Progress {
        products: count(
            "SELECT COUNT(*) FROM products WHERE shop_id = $1 AND status <> 'archived'",
        )
        .await?,
        streams: count("SELECT COUNT(*) FROM streams WHERE shop_id = $1").await?,
        went_live: count(
            "SELECT COUNT(*) FROM streams WHERE shop_id = $1 AND started_at IS NOT NULL",
        )
        .await?,
    })
}
