//! An order's mails rendered from what the database holds when they are sent: plain text
//! and HTML (askama, `templates/mail/`; the HTML escapes what customers and merchants
//! typed), the shop's name as the sender's, amounts in the order's currency, times in the
//! shop's zone, and links back to the order and its stream.

use askama::Template;

use super::super::domain::OrderStatus;
use super::super::store::{self, Order};
use super::super::{fulfilment, view};
use crate::auth::roles::Role;
use crate::mail::{RenderContext, RenderFuture, Rendered};
use crate::shops::store::Shop;

/// One line of the order as the mail shows it.
#[derive(Debug, Clone)]
pub struct MailLine {
    pub quantity: i64,
    pub title: String,
    pub variant: String,
    pub amount: String,
}

/// What every order mail shows; each template uses its part.
#[derive(Debug, Clone, Default)]
pub struct OrderMail {
    pub subject: String,
    pub shop: String,
    pub number: String,
    pub customer: String,
    pub email: String,
    pub address: String,
    /// When it was paid (or placed), in the shop's zone.
    pub placed: String,
    pub lines: Vec<MailLine>,
    /// "Coupon LIVE10: −€4.90" when a live coupon took something off.
    pub discount: Option<String>,
    pub total: String,
    /// The buyer's confirmation page, or the merchant's order page in the shop's notice.
    pub order_url: String,
    pub stream_url: Option<String>,
    pub stream_title: Option<String>,
    pub carrier: String,
    pub tracking: String,
    pub tracking_url: Option<String>,
    /// When it was fulfilled, in the shop's zone.
    pub shipped: String,
}

macro_rules! mail_template {
    ($name:ident, $path:literal) => {
        #[derive(Template)]
        #[template(path = $path)]
        struct $name<'a> {
            m: &'a OrderMail,
        }
    };
}
mail_template!(ConfirmationHtml, "mail/order_confirmation.html");
mail_template!(ConfirmationText, "mail/order_confirmation.txt");
mail_template!(NoticeHtml, "mail/order_notice.html");
mail_template!(NoticeText, "mail/order_notice.txt");
mail_template!(ShippedHtml, "mail/order_shipped.html");
mail_template!(ShippedText, "mail/order_shipped.txt");

/// Which of the three mails.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Confirmation,
    Notice,
    Shipped,
}

/// Both parts of `kind` for `m`.
pub fn parts(kind: Kind, m: &OrderMail) -> askama::Result<(String, String)> {
    Ok(match kind {
        Kind::Confirmation => (
            ConfirmationText { m }.render()?,
            ConfirmationHtml { m }.render()?,
        ),
        Kind::Notice => (NoticeText { m }.render()?, NoticeHtml { m }.render()?),
        Kind::Shipped => (ShippedText { m }.render()?, ShippedHtml { m }.render()?),
    })
}

pub fn confirmation<'a>(cx: &'a RenderContext<'a>, shop: i64, order: i64) -> RenderFuture<'a> {
    Box::pin(render(cx, shop, order, Kind::Confirmation))
}

pub fn notice<'a>(cx: &'a RenderContext<'a>, shop: i64, order: i64) -> RenderFuture<'a> {
    Box::pin(render(cx, shop, order, Kind::Notice))
}

pub fn shipped<'a>(cx: &'a RenderContext<'a>, shop: i64, order: i64) -> RenderFuture<'a> {
    Box::pin(render(cx, shop, order, Kind::Shipped))
}

async fn render(
    cx: &RenderContext<'_>,
    shop_id: i64,
    order_id: i64,
    kind: Kind,
) -> anyhow::Result<Option<Rendered>> {
    let db = cx.db;
    let (Some(order), Some(shop)) = (
        store::by_id(db, shop_id, order_id).await?,
        crate::shops::store::by_id(db, shop_id).await?,
    ) else {
        return Ok(None);
    };
    let owners: Vec<String> = crate::auth::store::team(db, shop_id)
        .await?
        .into_iter()
        .filter(|m| m.role == Role::Owner)
        .map(|m| m.email)
        .collect();
    let mut m = base(cx, &shop, &order).await?;
    let zone = crate::time::zone(&shop.time_zone);
    if kind == Kind::Shipped {
        let fulfilled = store::timeline(db, shop_id, order_id)
            .await?
            .into_iter()
            .rev()
            .find(|t| t.to_status == OrderStatus::Fulfilled)
            .map_or_else(crate::db::now_ms, |t| t.at);
        m.shipped = crate::time::date_time(fulfilled, &zone);
        m.carrier = order.carrier.clone();
        m.tracking = order.tracking_number.clone();
        m.tracking_url = fulfilment::tracking_url(&order.carrier, &order.tracking_number);
    }
    let (to, reply_to) = match kind {
        Kind::Notice => {
            m.order_url = format!("{}/orders/{}", cx.base_url, order.number);
            m.subject = format!("New order {}: {}", order.number, m.total);
            (owners, None)
        }
        Kind::Confirmation => {
            m.subject = format!("Your order {} at {}", order.number, shop.name);
            (vec![order.email.clone()], owners.into_iter().next())
        }
        Kind::Shipped => {
            m.subject = format!("Your order {} is on its way", order.number);
            (vec![order.email.clone()], owners.into_iter().next())
        }
    };
    if to.iter().all(|t| t.trim().is_empty()) {
        return Ok(None);
    }
    let (text, html) = parts(kind, &m)?;
    Ok(Some(Rendered {
        from_name: shop.name,
        to,
        reply_to,
        subject: m.subject,
        text,
        html,
    }))
}

/// The part every mail shares: the shop, the order, its lines and its links.
async fn base(cx: &RenderContext<'_>, shop: &Shop, order: &Order) -> sqlx::Result<OrderMail> {
    let zone = crate::time::zone(&shop.time_zone);
    let lines = store::lines(cx.db, shop.id, order.id).await?;
    let stream_title = match order.stream_id {
        Some(id) => store::stream_titles(cx.db, shop.id)
            .await?
            .into_iter()
            .find(|(s, _)| *s == id)
            .map(|(_, t)| t),
        None => None,
    };
    Ok(OrderMail {
        shop: shop.name.clone(),
        number: order.number.clone(),
        customer: order.customer_name.clone(),
        email: order.email.clone(),
        address: order.shipping_address.clone(),
        placed: crate::time::date_time(order.paid_at.unwrap_or(order.created_at), &zone),
        lines: lines
            .iter()
            .map(|l| MailLine {
                quantity: l.quantity,
                title: l.title.clone(),
                variant: l.variant_title.clone(),
                amount: l.amount().to_string(),
            })
            .collect(),
        discount: order
            .coupon_code
            .as_ref()
            .map(|code| format!("Coupon {code}: −{}", order.discount)),
        total: order.total.to_string(),
        order_url: format!("{}/checkout/{}/done", cx.base_url, order.token),
        stream_url: view::stream_path(cx.db, order)
            .await?
            .map(|p| format!("{}{p}", cx.base_url)),
        stream_title,
        ..OrderMail::default()
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample() -> OrderMail {
        OrderMail {
            subject: "Your order K7P2QX9M at Anna's Tea".into(),
            shop: "Anna's Tea & Co".into(),
            number: "K7P2QX9M".into(),
            customer: "Bo <script>alert(1)</script>".into(),
            email: "bo@example.com".into(),
            address: "2 Main St\n75001 Paris".into(),
            placed: "7 Dec 2026, 09:12 CET".into(),
            lines: vec![MailLine {
                quantity: 2,
                title: "Linen shirt".into(),
                variant: "M".into(),
                amount: "€98.00".into(),
            }],
            discount: None,
            total: "€98.00".into(),
            order_url: "https://shop.example/checkout/tok/done".into(),
            stream_url: Some("https://shop.example/@anna/flash".into()),
            stream_title: Some("Flash sale".into()),
            carrier: "DHL".into(),
            tracking: "JD0140<b>".into(),
            tracking_url: None,
            shipped: "8 Dec 2026, 10:00 CET".into(),
        }
    }

    #[test]
    fn the_confirmation_has_the_lines_total_and_links_in_both_parts() {
        let (text, html) = parts(Kind::Confirmation, &sample()).unwrap();
        for part in [&text, &html] {
            assert!(part.contains("K7P2QX9M"), "{part}");
            assert!(part.contains("Linen shirt") && part.contains("€98.00"));
            assert!(part.contains("7 Dec 2026, 09:12 CET"));
            assert!(part.contains("https://shop.example/checkout/tok/done"));
            assert!(part.contains("https://shop.example/@anna/flash"));
        }
        assert!(text.contains("2 × Linen shirt (M): €98.00"), "{text}");
        // The plain part is plain: what was typed stays as typed.
        assert!(text.contains("Bo <script>alert(1)</script>"));
    }

    #[test]
    fn a_live_coupon_shows_above_the_total_in_both_parts() {
        let mut m = sample();
        m.discount = Some("Coupon LIVE10: −€9.80".into());
        m.total = "€88.20".into();
        let (text, html) = parts(Kind::Confirmation, &m).unwrap();
        assert!(
            text.contains("Coupon LIVE10: −€9.80\nTotal: €88.20"),
            "{text}"
        );
        assert!(html.contains("Coupon LIVE10: −€9.80"), "{html}");
    }

    #[test]
    fn customer_typed_text_is_escaped_in_the_html_part() {
        let (_, html) = parts(Kind::Confirmation, &sample()).unwrap();
        assert!(!html.contains("<script>"), "{html}");
        assert!(html.contains("Bo &#60;script&#62;") || html.contains("Bo &lt;script&gt;"));
        assert!(
            html.contains("Anna&#39;s Tea &#38; Co") || html.contains("Anna&#x27;s Tea &amp; Co"),
            "{html}"
        );
        let (_, shipped) = parts(Kind::Shipped, &sample()).unwrap();
        assert!(!shipped.contains("JD0140<b>"), "{shipped}");
    }

    #[test]
    fn the_shipping_mail_carries_carrier_tracking_number_and_link() {
        let mut m = sample();
        m.tracking = "JD014600006281234567".into();
        m.tracking_url = fulfilment::tracking_url("DHL", &m.tracking);
        let (text, html) = parts(Kind::Shipped, &m).unwrap();
        let url = m.tracking_url.clone().expect("DHL has a tracking page");
        // In HTML the link's `&` is written as a character reference, as it must be.
        let in_html = url.replace('&', "&#38;");
        for (part, url) in [(&text, &url), (&html, &in_html)] {
            assert!(part.contains("with DHL") && part.contains("JD014600006281234567"));
            assert!(part.contains(url.as_str()), "{part}");
            assert!(part.contains("8 Dec 2026, 10:00 CET"));
        }
    }

    #[test]
    fn the_shop_notice_names_the_customer_and_the_stream() {
        let (text, html) = parts(Kind::Notice, &sample()).unwrap();
        assert!(text.contains("New order K7P2QX9M: €98.00"));
        assert!(text.contains("bo@example.com") && text.contains("Flash sale"));
        assert!(html.contains("bo@example.com"));
    }
}
