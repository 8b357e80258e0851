//! `POST /orders/{number}/refund`: a partial or full refund from the order's page, in two
//! steps that need no script. The first submit checks the amount (more than zero, at most
//! what is left, in the order's currency) and the units to restock, and answers a
//! confirmation page naming the amount ("Refund €12.00 of €89.00 to the customer?");
//! its button submits the same fields again with `confirm=yes`, which refunds through
//! the order's provider (`refunds::give_back`). A refusal re-renders the order's page
//! with what was typed: 422 for the form, 409 when the order cannot be refunded so,
//! 502 when the provider failed (nothing was refunded; the same form can be sent again).

use std::collections::HashMap;

use askama::Template;
use axum::Form;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};

use super::detail::{RefundForm, load, page};
use super::refunds::{self, Ask, Reason, Refused};
use super::store::{Actor, Order};
use crate::auth::Member;
use crate::auth::roles::ManageOrders;
use crate::error::Result;
use crate::money::Money;
use crate::state::AppState;
use crate::web::{Layout, Section, flash, render, render_status};

#[derive(Template)]
#[template(path = "orders/refund_confirm.html")]
struct ConfirmPage {
    layout: Layout,
    number: String,
    question: String,
    button: String,
    amount: String,
    restock: Vec<(i64, String, i64)>,
}

/// The form as typed: `amount`, `restock_{line id}` and `confirm`.
fn typed(form: &HashMap<String, String>) -> RefundForm {
    RefundForm {
        amount: form
            .get("amount")
            .map(|a| a.trim().to_string())
            .unwrap_or_default(),
        restock: form
            .iter()
            .filter_map(|(k, v)| {
                let line = k.strip_prefix("restock_")?.parse::<i64>().ok()?;
                Some((line, v.trim().to_string()))
            })
            .collect(),
        errors: Vec::new(),
    }
}

/// A refund as the form asks for it: the amount and (line id, units) to restock.
type Parsed = (Money, Vec<(i64, i64)>);

/// The amount and units, or the sentences that say what is wrong.
fn parse(order: &Order, form: &RefundForm) -> std::result::Result<Parsed, Vec<String>> {
    let mut errors = Vec::new();
    let amount = if form.amount.is_empty() {
        errors.push("Enter the amount to refund.".to_string());
        None
    } else {
        match Money::parse(&form.amount, order.currency()) {
            Ok(amount) => match refunds::check_amount(order, &amount) {
                Ok(()) => Some(amount),
                Err(refusal) => {
                    errors.push(refusal.0);
                    None
                }
            },
            Err(sentence) => {
                errors.push(sentence);
                None
            }
        }
    };
    let mut restock = Vec::new();
    for (&line, units) in &form.restock {
        match units.parse::<i64>() {
            Ok(n) if n >= 0 => restock.push((line, n)),
            _ => {
                errors.push("Enter how many units go back on the shelf, 0 or more.".into());
                break;
            }
        }
    }
    restock.sort_unstable();
    match amount {
        Some(amount) if errors.is_empty() => Ok((amount, restock)),
        _ => Err(errors),
    }
}

pub async fn refund(
    State(state): State<AppState>,
    user: Member<ManageOrders>,
    Path(number): Path<String>,
    Form(form): Form<HashMap<String, String>>,
) -> Result<Response> {
    let order = load(&state, user.shop.id, &number).await?;
    let mut typed = typed(&form);
    let again = |status: StatusCode, mut typed: RefundForm, sentence: String| {
        typed.errors = vec![sentence];
        (status, typed)
    };
    if !refunds::refundable(&order) {
        let (status, typed) = again(
            StatusCode::CONFLICT,
            typed,
            "Only a paid order with money left to refund can be refunded.".into(),
        );
        return Ok(render_status(
            status,
            &page(&state, &user, order, typed).await?,
        ));
    }
    let (amount, restock) = match parse(&order, &typed) {
        Ok(parsed) => parsed,
        Err(errors) => {
            typed.errors = errors;
            let page = page(&state, &user, order, typed).await?;
            return Ok(render_status(StatusCode::UNPROCESSABLE_ENTITY, &page));
        }
    };
    if form.get("confirm").map(String::as_str) != Some("yes") {
        let question = format!("Refund {amount} of {} to the customer?", order.total);
        let lines = super::store::lines(&state.db.pool, order.shop_id, order.id).await?;
        let confirm = ConfirmPage {
            layout: Layout::dashboard(&user, format!("Refund order {number}"), Section::Orders)
                .await,
            number,
            question,
            button: format!("Yes, refund {amount}"),
            amount: amount.decimal(),
            restock: restock
                .iter()
                .filter(|(_, units)| *units > 0)
                .map(|&(id, units)| {
                    let title = lines
                        .iter()
                        .find(|l| l.id == id)
                        .map(|l| l.title.clone())
                        .unwrap_or_default();
                    (id, title, units)
                })
                .collect(),
        };
        return Ok(render(&confirm));
    }
    let ask = Ask {
        amount: amount.clone(),
        restock,
        reason: Reason::Merchant,
        actor: Actor::User(user.id),
    };
    match refunds::give_back(&state.db, &state.stripe, &order, &ask).await? {
        Ok(_) => {}
        Err(refused) => {
            let status = match refused {
                Refused::Refused(_) => StatusCode::CONFLICT,
                Refused::Provider(_) => StatusCode::BAD_GATEWAY,
            };
            let (status, typed) = again(status, typed, refused.sentence().to_string());
            let fresh = load(&state, user.shop.id, &number).await?;
            return Ok(render_status(
                status,
                &page(&state, &user, fresh, typed).await?,
            ));
        }
    }
    state.orders.hints.raised();
    if let Some(fresh) = super::store::by_id(&state.db.pool, user.shop.id, order.id).await? {
        super::ticker::emit(&state, &fresh, "refunded");
    }
    flash(
        &user.session,
        "success",
        format!("Refunded {amount} on order {number}."),
    )
    .await;
    Ok(Redirect::to(&format!("/orders/{number}")).into_response())
}
