//! The live room's mails, rendered when the outbox sends them: the bidder's one-time code,
//! and the winner's "you won, pay by" (a runner-up offered a lot its winner did not pay
//! for gets the same, as a second chance). The pay link carries the auction's pay token,
//! so it works from any browser, not only the one the bid came from.

use askama::Template;

use crate::live::store::{auctions, bidders};
use crate::mail::{RenderContext, RenderFuture, Rendered, Renderer};
use crate::money;

pub const CODE: &str = "live.bidder_code";
pub const WON: &str = "live.auction_won";
pub const SECOND_CHANCE: &str = "live.auction_second_chance";

/// What the mail worker renders for each kind the live room queues.
pub const RENDERERS: &[(&str, Renderer)] =
    &[(CODE, code), (WON, won), (SECOND_CHANCE, second_chance)];

/// A short notice: a heading, maybe a code, lines, maybe one link.
#[derive(Debug, Default)]
pub struct Notice {
    pub subject: String,
    pub shop: String,
    pub heading: String,
    pub code: Option<String>,
    pub lines: Vec<String>,
    pub link: Option<(String, String)>,
}

#[derive(Template)]
#[template(path = "mail/live_notice.html")]
struct NoticeHtml<'a> {
    m: &'a Notice,
}

#[derive(Template)]
#[template(path = "mail/live_notice.txt")]
struct NoticeText<'a> {
    m: &'a Notice,
}

fn rendered(m: Notice, to: String) -> anyhow::Result<Option<Rendered>> {
    Ok(Some(Rendered {
        from_name: m.shop.clone(),
        to: vec![to],
        reply_to: None,
        subject: m.subject.clone(),
        text: NoticeText { m: &m }.render()?,
        html: NoticeHtml { m: &m }.render()?,
    }))
}

fn code<'a>(cx: &'a RenderContext<'a>, _shop: i64, id: i64) -> RenderFuture<'a> {
    Box::pin(async move {
        // Used or emptied: there is nothing worth sending any more.
        let Some((shop, email, code, _)) = bidders::mail_of(cx.db, id).await? else {
            return Ok(None);
        };
        let m = Notice {
            subject: format!("{code} is your code to bid at {shop}"),
            shop,
            heading: "Your code to bid".into(),
            code: Some(code),
            lines: vec![
                format!(
                    "Type it where you asked for it. It works for {} minutes.",
                    super::bidders::CODE_MINUTES
                ),
                "If you did not ask to bid, ignore this mail: nothing happens without the code."
                    .into(),
            ],
            link: None,
        };
        rendered(m, email)
    })
}

fn won<'a>(cx: &'a RenderContext<'a>, _shop: i64, id: i64) -> RenderFuture<'a> {
    Box::pin(winner(cx, id, false))
}

fn second_chance<'a>(cx: &'a RenderContext<'a>, _shop: i64, id: i64) -> RenderFuture<'a> {
    Box::pin(winner(cx, id, true))
}

async fn winner(cx: &RenderContext<'_>, id: i64, second: bool) -> anyhow::Result<Option<Rendered>> {
    let (Some(a), Some(c)) = (
        auctions::by_id(cx.db, id).await?,
        auctions::winner_contact(cx.db, id).await?,
    ) else {
        return Ok(None);
    };
    let (Some(price), Some(pay_by), Some(token)) = (a.winner_price, a.pay_by, a.pay_token) else {
        return Ok(None);
    };
    let price = money::format(price, &a.currency);
    let zone = crate::time::zone(&c.time_zone);
    let deadline = crate::time::date_time(pay_by, &zone);
    let base = cx.base_url.trim_end_matches('/');
    let m = Notice {
        subject: if second {
            format!("{} is yours for {price} if you want it", a.title)
        } else {
            format!("You won {} for {price}", a.title)
        },
        heading: if second {
            format!("Second chance: {}", a.title)
        } else {
            format!("You won {}", a.title)
        },
        code: None,
        lines: vec![
            if second {
                format!(
                    "The winner did not pay, so {} offers it to you at your highest bid, {price}.",
                    c.shop_name
                )
            } else {
                format!("Congratulations, {}: your bid of {price} won.", c.name)
            },
            format!("Pay by {deadline}; after that the lot may go to another bidder."),
        ],
        link: Some((
            format!("Pay {price}"),
            format!("{base}/auctions/pay/{token}"),
        )),
        shop: c.shop_name,
    };
    rendered(m, c.email)
}
