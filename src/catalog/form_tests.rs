//! Unit tests of the product form's shared field parser.

use super::*;

fn shop() -> Shop {
    Shop {
        id: 1,
        slug: "s".into(),
        name: "S".into(),
        currency: "EUR".into(),
        time_zone: "Europe/Paris".into(),
        created_at: 0,
    }
}

fn typed<'a>(price: &'a str, compare_at: &'a str, currency: &'a str) -> TypedFields<'a> {
    TypedFields {
        title: "Mug",
        price,
        compare_at_price: compare_at,
        currency,
        ..TypedFields::default()
    }
}

fn refused(t: &TypedFields<'_>, settings: &CatalogSettings) -> Vec<&'static str> {
    match parse_fields(t, &shop(), settings) {
        Ok(_) => Vec::new(),
        Err(errors) => errors.into_iter().map(|e| e.field).collect(),
    }
}

#[test]
fn the_compare_at_price_must_be_above_the_price() {
    let settings = CatalogSettings::default();
    assert_eq!(
        refused(&typed("10", "10", ""), &settings),
        ["compare_at_price"]
    );
    assert_eq!(
        refused(&typed("10", "9.99", ""), &settings),
        ["compare_at_price"]
    );
    let ok = parse_fields(&typed("10", "12.50", ""), &shop(), &settings).unwrap();
    assert_eq!((ok.price, ok.compare_at_price), (1000, Some(1250)));
    assert_eq!(ok.slug, None, "no slug typed: the caller derives one");
    assert_eq!(ok.status, Status::Draft);
}

#[test]
fn another_currency_needs_the_setting() {
    let mut settings = CatalogSettings::default();
    assert!(refused(&typed("10", "", "eur"), &settings).is_empty());
    assert_eq!(refused(&typed("10", "", "USD"), &settings), ["currency"]);
    settings.allow_currency_override = true;
    let ok = parse_fields(&typed("10", "", "usd"), &shop(), &settings).unwrap();
    assert_eq!(ok.currency, "USD");
    assert_eq!(refused(&typed("10", "", "XYZ1"), &settings), ["currency"]);
}

#[test]
fn every_refused_field_is_named() {
    let t = TypedFields {
        title: "",
        price: "-4",
        status: "sold",
        ..TypedFields::default()
    };
    let fields = refused(&t, &CatalogSettings::default());
    assert_eq!(fields, ["title", "price", "status"]);
}
