//! Marking an order fulfilled: the carrier (a list of common ones, or another by name) and
//! the tracking number, checked into a `Shipment`; the tracking page of known carriers;
//! the form as the order page and its 422 page show it (`templates/orders/_fulfil_form.html`).

use askama::Template;
use axum::http::StatusCode;
use axum::response::Response;
use serde::Deserialize;

use super::store::Order;
use crate::auth::Member;
use crate::auth::roles::ManageOrders;
use crate::web::{Layout, Section, render_status};

/// Common carriers and their public tracking page (`{}` is the tracking number).
pub const CARRIERS: &[(&str, Option<&str>)] = &[
    (
        "DHL",
        Some(
            "https://www.dhl.com/global-en/home/tracking/tracking-parcel.html?submit=1&tracking-id={}",
        ),
    ),
    ("UPS", Some("https://www.ups.com/track?tracknum={}")),
    ("FedEx", Some("https://www.fedex.com/fedextrack/?trknbr={}")),
    (
        "USPS",
        Some("https://tools.usps.com/go/TrackConfirmAction?tLabels={}"),
    ),
    (
        "La Poste",
        Some("https://www.laposte.fr/outils/suivre-vos-envois?code={}"),
    ),
    (
        "Colissimo",
        Some("https://www.laposte.fr/outils/suivre-vos-envois?code={}"),
    ),
    (
        "Royal Mail",
        Some("https://www.royalmail.com/track-your-item#/tracking-results/{}"),
    ),
    (
        "DPD",
        Some("https://tracking.dpd.de/status/en_US/parcel/{}"),
    ),
    ("GLS", Some("https://gls-group.com/track/{}")),
    ("PostNL", None),
    (
        "Canada Post",
        Some("https://www.canadapost-postescanada.ca/track-reperage/en#/search?searchFor={}"),
    ),
    (
        "Australia Post",
        Some("https://auspost.com.au/mypost/track/details/{}"),
    ),
];

/// The choice that asks for the carrier's name.
pub const OTHER: &str = "Other";

/// Longest tracking number accepted (the longest in use are around 40).
pub const TRACKING_MAX: usize = 64;
const CARRIER_MAX: usize = 60;

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct FulfilForm {
    /// One of `CARRIERS`, `OTHER`, or empty (handed over without a carrier).
    pub carrier: String,
    /// The carrier's name when `carrier` is `OTHER`.
    pub carrier_other: String,
    pub tracking_number: String,
}

/// What the form came to: the carrier's name and the tracking number, both may be empty.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Shipment {
    pub carrier: String,
    pub tracking: String,
}

/// The form as typed, the choices and the one sentence saying what to fix.
pub struct FulfilView {
    pub form: FulfilForm,
    /// The field the sentence is about (`aria-invalid`), empty when none.
    pub field: &'static str,
    pub error: String,
}

/// The form alone, with what was typed and what to fix: the 422 answer.
#[derive(Template)]
#[template(path = "orders/fulfil.html")]
struct FulfilPage {
    layout: Layout,
    order: Order,
    fulfil: FulfilView,
}

/// 422: the form again with what was typed and the sentence for `field`.
pub async fn refused(
    user: &Member<ManageOrders>,
    order: Order,
    form: FulfilForm,
    (field, error): (&'static str, String),
) -> Response {
    let page = FulfilPage {
        layout: Layout::dashboard(
            user,
            format!("Fulfil order {}", order.number),
            Section::Orders,
        )
        .await,
        order,
        fulfil: FulfilView { form, field, error },
    };
    render_status(StatusCode::UNPROCESSABLE_ENTITY, &page)
}

impl FulfilView {
    pub fn new() -> FulfilView {
        FulfilView {
            form: FulfilForm::default(),
            field: "",
            error: String::new(),
        }
    }

    pub fn carriers(&self) -> impl Iterator<Item = &'static str> {
        CARRIERS.iter().map(|(name, _)| *name)
    }

    /// Whether `choice` is the carrier typed (the "Other" choice for an unknown name).
    pub fn chosen(&self, choice: &str) -> bool {
        let typed = self.form.carrier.trim();
        if choice == OTHER {
            typed == OTHER
        } else {
            typed.eq_ignore_ascii_case(choice)
        }
    }
}

impl Default for FulfilView {
    fn default() -> FulfilView {
        FulfilView::new()
    }
}

/// A refusal's sentence, naming the field it is about.
pub fn parse(form: &FulfilForm) -> Result<Shipment, (&'static str, String)> {
    let choice = form.carrier.trim();
    let carrier = match CARRIERS
        .iter()
        .find(|(name, _)| name.eq_ignore_ascii_case(choice))
    {
        Some((name, _)) => name.to_string(),
        None if choice == OTHER => {
            let name = form.carrier_other.trim();
            if name.is_empty() {
                let message = "Name the carrier, or choose one from the list.";
                return Err(("carrier_other", message.into()));
            }
            name.to_string()
        }
        // A name sent without the list (an older form, a script): taken as typed.
        None => choice.to_string(),
    };
    if carrier.chars().count() > CARRIER_MAX || carrier.chars().any(char::is_control) {
        let message = format!("Keep the carrier's name to {CARRIER_MAX} printable characters.");
        return Err(("carrier_other", message));
    }
    let tracking = form.tracking_number.trim();
    if tracking.chars().any(char::is_control) {
        let message =
            "A tracking number cannot contain tabs, line breaks or other control characters.";
        return Err(("tracking_number", message.into()));
    }
    if tracking.chars().count() > TRACKING_MAX {
        let message = format!(
            "A tracking number has at most {TRACKING_MAX} characters; this one has {}.",
            tracking.chars().count()
        );
        return Err(("tracking_number", message));
    }
    Ok(Shipment {
        carrier,
        tracking: tracking.to_string(),
    })
}

/// The carrier's tracking page for this number, for carriers that have a public one and
/// numbers made of letters, digits and dashes (anything else is not put in a URL).
pub fn tracking_url(carrier: &str, tracking: &str) -> Option<String> {
    if tracking.is_empty()
        || !tracking
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-')
    {
        return None;
    }
    let (_, page) = CARRIERS
        .iter()
        .find(|(name, _)| name.eq_ignore_ascii_case(carrier.trim()))?;
    page.map(|p| p.replace("{}", tracking))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn form(carrier: &str, other: &str, tracking: &str) -> FulfilForm {
        FulfilForm {
            carrier: carrier.into(),
            carrier_other: other.into(),
            tracking_number: tracking.into(),
        }
    }

    #[test]
    fn a_listed_carrier_and_a_tracking_number_make_a_shipment() {
        let shipment = parse(&form("dhl", "", " JD0146 ")).unwrap();
        assert_eq!(shipment.carrier, "DHL");
        assert_eq!(shipment.tracking, "JD0146");
        assert_eq!(parse(&form("", "", "")).unwrap().carrier, "");
        assert_eq!(
            parse(&form(OTHER, "Chronopost", "X1")).unwrap().carrier,
            "Chronopost"
        );
    }

    #[test]
    fn bad_tracking_numbers_and_unnamed_carriers_are_refused_with_a_sentence() {
        let long = "1".repeat(65);
        assert_eq!(
            parse(&form("UPS", "", &long)).unwrap_err().0,
            "tracking_number"
        );
        assert!(parse(&form("UPS", "", &"1".repeat(64))).is_ok());
        let (field, message) = parse(&form("UPS", "", "AB\u{7}12")).unwrap_err();
        assert_eq!(field, "tracking_number");
        assert!(message.ends_with('.'));
        assert!(parse(&form("UPS", "", "AB\n12")).is_err());
        assert_eq!(
            parse(&form(OTHER, " ", "1")).unwrap_err().0,
            "carrier_other"
        );
    }

    #[test]
    fn known_carriers_link_to_their_tracking_page() {
        assert_eq!(
            tracking_url("UPS", "1Z999AA10123456784").as_deref(),
            Some("https://www.ups.com/track?tracknum=1Z999AA10123456784")
        );
        assert_eq!(tracking_url("Chronopost", "X1"), None);
        assert_eq!(tracking_url("PostNL", "3S123"), None);
        // Nothing that could change the URL's meaning is put in it.
        assert_eq!(tracking_url("UPS", "1Z&x=<y>"), None);
        assert_eq!(tracking_url("UPS", ""), None);
    }
}
