//! The merchant's home page: the shop at a glance and the getting-started list.
//! What the list reads of the shop is in `store`.

mod store;

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
    let progress = store::progress(&state.db.pool, user.shop.id).await?;
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
