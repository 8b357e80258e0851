//! The page frame: title, navigation for the signed-in member, flash messages and
//! the CSRF token every form carries. The frame knows no roles: for a signed-in page
//! it is handed a [`SignedIn`] (name, shop, the sections they may open), which `auth`
//! fills from its `CurrentUser` (`Layout::dashboard`, in `auth/frame.rs`).

use serde::{Deserialize, Serialize};
use tower_sessions::Session;

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

impl Section {
    pub const ALL: [Section; 9] = [
        Section::Home,
        Section::Catalog,
        Section::Streams,
        Section::Studio,
        Section::Orders,
        Section::Reports,
        Section::Settings,
        Section::Account,
        Section::Public,
    ];
}

/// A section that has a link in the navigation.
struct NavEntry {
    href: &'static str,
    label: &'static str,
    section: Section,
}

/// The navigation, in order. Home is the logo; the account pages are in the user menu.
const NAV: &[NavEntry] = &[
    NavEntry {
        href: "/catalog",
        label: "Catalogue",
        section: Section::Catalog,
    },
    NavEntry {
        href: "/streams",
        label: "Streams",
        section: Section::Streams,
    },
    NavEntry {
        href: "/studio",
        label: "Studio",
        section: Section::Studio,
    },
    NavEntry {
        href: "/orders",
        label: "Orders",
        section: Section::Orders,
    },
    NavEntry {
        href: "/reports",
        label: "Reports",
        section: Section::Reports,
    },
    NavEntry {
        href: "/settings",
        label: "Settings",
        section: Section::Settings,
    },
];

/// What the frame shows of the signed-in member, filled by whoever knows them (`auth`).
pub struct SignedIn {
    pub name: String,
    pub shop_name: String,
    pub shop_slug: String,
    /// Their role in this shop, as the user menu names it ("owner").
    pub role: &'static str,
    /// The sections they may open; the navigation links only these, so nobody is shown
    /// a link that answers 403.
    pub sections: Vec<Section>,
    /// Other shops this person belongs to, for the switcher.
    pub other_shops: Vec<OtherShop>,
}

/// A shop in the switcher.
pub struct OtherShop {
    pub id: i64,
    pub name: String,
}

/// One navigation link.
pub struct NavItem {
    pub href: &'static str,
    pub label: &'static str,
    pub current: bool,
}

/// The signed-in member as `templates/base.html` shows them.
pub struct NavUser {
    pub name: String,
    pub shop_name: String,
    pub shop_slug: String,
    pub role: &'static str,
    pub nav: Vec<NavItem>,
    pub other_shops: Vec<OtherShop>,
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
        Layout::frame(session, title.into(), None).await
    }

    /// The dashboard frame for `member`, with `section` highlighted. Pages call
    /// `Layout::dashboard(&user, …)`, which fills `member` from the signed-in user.
    pub async fn signed_in(
        session: &Session,
        title: impl Into<String>,
        section: Section,
        member: SignedIn,
    ) -> Layout {
        let nav = NAV
            .iter()
            .filter(|entry| member.sections.contains(&entry.section))
            .map(|entry| NavItem {
                href: entry.href,
                label: entry.label,
                current: entry.section == section,
            })
            .collect();
        let initial = member
            .name
            .chars()
            .next()
            .unwrap_or('?')
            .to_uppercase()
            .to_string();
        let user = NavUser {
            name: member.name,
            shop_name: member.shop_name,
            shop_slug: member.shop_slug,
            role: member.role,
            nav,
            other_shops: member.other_shops,
            initial,
        };
        Layout::frame(session, title.into(), Some(user)).await
    }

    async fn frame(session: &Session, title: String, user: Option<NavUser>) -> Layout {
        Layout {
            title,
            csrf: csrf::token(session).await,
            flashes: take_flashes(session).await,
            user,
            css: assets::url("app.css"),
            js: assets::url("app.js"),
            icon: assets::url("favicon.svg"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_linked_section_appears_once_and_home_is_the_logo() {
        for section in Section::ALL {
            let links = NAV.iter().filter(|e| e.section == section).count();
            let expected = usize::from(!matches!(
                section,
                Section::Home | Section::Account | Section::Public
            ));
            assert_eq!(links, expected, "{section:?}");
        }
    }
}
