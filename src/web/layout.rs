//! The page frame: title, navigation for the signed-in member, flash messages and
//! the CSRF token every form carries.

use serde::{Deserialize, Serialize};
use tower_sessions::Session;

use crate::auth::{CurrentUser, Role};
use crate::web::{assets, csrf};

const FLASH_KEY: &str = "flash";

/// A one-time message shown on the next page (after a redirect).
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Flash {
    /// `success`, `info` or `error`: the CSS class of the banner.
    pub kind: String,
    pub text: String,
    /// A secret or shareable link shown with a copy button (invitations, reset links).
    #[serde(default)]
    pub link: Option<String>,
}

/// Queue a flash message for the next page this session renders.
pub async fn flash(session: &Session, kind: &str, text: impl Into<String>) {
    push(session, kind, text.into(), None).await
}

/// Queue a flash message carrying a link to copy.
pub async fn flash_link(session: &Session, kind: &str, text: impl Into<String>, link: String) {
    push(session, kind, text.into(), Some(link)).await
}

async fn push(session: &Session, kind: &str, text: String, link: Option<String>) {
    let mut list: Vec<Flash> = session
        .get(FLASH_KEY)
        .await
        .ok()
        .flatten()
        .unwrap_or_default();
    list.push(Flash {
        kind: kind.to_string(),
        text,
        link,
    });
    if let Err(err) = session.insert(FLASH_KEY, list).await {
        tracing::warn!(error = %err, "could not store flash message");
    }
}

async fn take_flashes(session: &Session) -> Vec<Flash> {
    session
        .remove(FLASH_KEY)
        .await
        .ok()
        .flatten()
        .unwrap_or_default()
}

/// The dashboard section a page belongs to, for the highlighted navigation item.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Section {
    Home,
    Catalog,
    Streams,
    Studio,
    Orders,
    Reports,
    Settings,
    Account,
    Public,
}

/// One navigation link, shown only to roles that may open it.
pub struct NavItem {
    pub href: &'static str,
    pub label: &'static str,
    pub current: bool,
}

/// The signed-in member as the frame shows them.
pub struct NavUser {
    pub name: String,
    pub shop_name: String,
    pub shop_slug: String,
    pub role: &'static str,
    pub nav: Vec<NavItem>,
    /// Other shops this person belongs to (switcher), as (id, name).
    pub other_shops: Vec<(i64, String)>,
    /// First letter of the name, for the avatar.
    pub initial: String,
}

/// Everything `templates/base.html` needs.
pub struct Layout {
    pub title: String,
    pub csrf: String,
    pub flashes: Vec<Flash>,
    pub user: Option<NavUser>,
    pub css: &'static str,
    pub js: &'static str,
    pub icon: &'static str,
}

impl Layout {
    /// The frame for a visitor who is not signed in (sign-in, sign-up, reset pages).
    pub async fn public(session: &Session, title: impl Into<String>) -> Layout {
        Layout {
            title: title.into(),
            csrf: csrf::token(session).await,
            flashes: take_flashes(session).await,
            user: None,
            css: assets::url("app.css"),
            js: assets::url("app.js"),
            icon: assets::url("favicon.svg"),
        }
    }

    /// The dashboard frame for a signed-in member.
    pub async fn dashboard(
        user: &CurrentUser,
        title: impl Into<String>,
        section: Section,
    ) -> Layout {
        let nav = NAV
            .iter()
            .filter(|(_, _, s, roles)| roles.contains(&user.role) && *s != Section::Home)
            .map(|(href, label, s, _)| NavItem {
                href,
                label,
                current: *s == section,
            })
            .collect();
        Layout {
            title: title.into(),
            csrf: csrf::token(&user.session).await,
            flashes: take_flashes(&user.session).await,
            user: Some(NavUser {
                name: user.name.clone(),
                shop_name: user.shop.name.clone(),
                shop_slug: user.shop.slug.clone(),
                role: user.role.as_str(),
                nav,
                other_shops: user.other_shops.clone(),
                initial: user
                    .name
                    .chars()
                    .next()
                    .unwrap_or('?')
                    .to_uppercase()
                    .to_string(),
            }),
            css: assets::url("app.css"),
            js: assets::url("app.js"),
            icon: assets::url("favicon.svg"),
        }
    }
}

use Role::{Host, Marketer, Owner};

/// The navigation, with the roles that see each entry (the same roles the routes admit).
const NAV: &[(&str, &str, Section, &[Role])] = &[
    ("/", "Home", Section::Home, &[Owner, Host, Marketer]),
    (
        "/catalog",
        "Catalogue",
        Section::Catalog,
        &[Owner, Host, Marketer],
    ),
    (
        "/streams",
        "Streams",
        Section::Streams,
        &[Owner, Host, Marketer],
    ),
    ("/studio", "Studio", Section::Studio, &[Owner, Host]),
    ("/orders", "Orders", Section::Orders, &[Owner, Host]),
    ("/reports", "Reports", Section::Reports, &[Owner, Marketer]),
    ("/settings", "Settings", Section::Settings, &[Owner]),
];
