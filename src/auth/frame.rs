//! The dashboard frame of a signed-in member. `web` draws the frame and knows no
//! roles; here `CurrentUser` tells it who is signed in and which sections their role
//! opens, from the same permissions the routes admit, so the navigation never links
//! a page that answers 403.

use super::roles::{
    ManageShop, Permission, UseStudio, ViewCatalog, ViewOrders, ViewReports, ViewStreams,
};
use super::{CurrentUser, Role};
use crate::web::{Layout, OtherShop, Section, SignedIn};

impl Layout {
    /// The dashboard frame for `user`, with `section` highlighted. (Written here rather
    /// than in `web::layout` because only auth knows what a role may open.)
    pub async fn dashboard(
        user: &CurrentUser,
        title: impl Into<String>,
        section: Section,
    ) -> Layout {
        Layout::signed_in(&user.session, title, section, signed_in(user)).await
    }
}

fn signed_in(user: &CurrentUser) -> SignedIn {
    SignedIn {
        name: user.name.clone(),
        shop_name: user.shop.name.clone(),
        shop_slug: user.shop.slug.clone(),
        role: user.role.as_str(),
        sections: Section::ALL
            .into_iter()
            .filter(|s| may_open(user.role, *s))
            .collect(),
        other_shops: user
            .other_shops
            .iter()
            .map(|shop| OtherShop {
                id: shop.id,
                name: shop.name.clone(),
            })
            .collect(),
    }
}

/// Whether `role` admits the pages of `section` (the permission each section's list
/// page asks for).
fn may_open(role: Role, section: Section) -> bool {
    fn has<P: Permission>(role: Role) -> bool {
        P::ROLES.contains(&role)
    }
    match section {
        Section::Catalog => has::<ViewCatalog>(role),
        Section::Streams => has::<ViewStreams>(role),
        Section::Studio => has::<UseStudio>(role),
        Section::Orders => has::<ViewOrders>(role),
        Section::Reports => has::<ViewReports>(role),
        Section::Settings => has::<ManageShop>(role),
        Section::Home | Section::Account | Section::Public => true,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn linked(role: Role) -> Vec<Section> {
        let linked = [
            Section::Catalog,
            Section::Streams,
            Section::Studio,
            Section::Orders,
            Section::Reports,
            Section::Settings,
        ];
        linked.into_iter().filter(|s| may_open(role, *s)).collect()
    }

    #[test]
    fn each_role_is_shown_the_sections_its_routes_admit() {
        use Section::*;
        assert_eq!(
            linked(Role::Owner),
            [Catalog, Streams, Studio, Orders, Reports, Settings]
        );
        assert_eq!(linked(Role::Host), [Catalog, Streams, Studio, Orders]);
        assert_eq!(linked(Role::Marketer), [Catalog, Streams, Reports]);
    }
}
