//! Confirming an import and watching it: the confirmation starts the background task and
//! answers at once; the progress page refreshes itself until the import is done or failed,
//! and `…/status` gives the same figures as JSON for scripts and tests.

use askama::Template;
use axum::extract::{Path, State};
use axum::response::{IntoResponse, Redirect, Response};
use axum::{Form, Json};
use serde::{Deserialize, Serialize};

use super::apply;
use super::store::{self, Import, ImportStatus};
use crate::auth::Member;
use crate::auth::roles::EditCatalog;
use crate::error::{Error, Result};
use crate::state::AppState;
use crate::web::{Layout, Section, render};

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct ConfirmForm {
    token: String,
}

/// `POST /catalog/import/confirm`: start writing the staged products; 303 to the progress.
pub async fn confirm(
    State(state): State<AppState>,
    user: Member<EditCatalog>,
    Form(form): Form<ConfirmForm>,
) -> Result<Response> {
    let import = store::by_token(&state.db.pool, user.shop.id, &form.token)
        .await?
        .ok_or_else(|| {
            Error::BadRequest("This preview has expired; upload the file again.".into())
        })?;
    // A second confirmation (double click, another tab) finds it started and only watches.
    if store::start(&state.db.pool, import.id).await? {
        apply::spawn(state.clone(), import.id);
    }
    Ok(Redirect::to(&format!("/catalog/import/{}", import.token)).into_response())
}

/// `GET /catalog/import/{token}/status`
#[derive(Debug, Serialize)]
pub struct ImportStatusJson {
    /// `staged`, `applying`, `rolling_back`, `done` or `failed`.
    pub status: &'static str,
    /// Products written so far (it falls again while a failed import rolls back).
    pub applied: i64,
    pub products: i64,
    pub error: Option<String>,
}

pub async fn status(
    State(state): State<AppState>,
    user: Member<EditCatalog>,
    Path(token): Path<String>,
) -> Result<Json<ImportStatusJson>> {
    let import = store::by_token(&state.db.pool, user.shop.id, &token)
        .await?
        .ok_or(Error::NotFound)?;
    Ok(Json(ImportStatusJson {
        status: import.status.as_str(),
        applied: import.applied,
        products: import.products,
        error: import.error,
    }))
}

#[derive(Template)]
#[template(path = "catalog/import_progress.html")]
struct ProgressPage {
    layout: Layout,
    status: ImportStatus,
    applied: i64,
    products: i64,
    percent: i64,
    error: String,
}

impl ProgressPage {
    fn running(&self) -> bool {
        matches!(
            self.status,
            ImportStatus::Applying | ImportStatus::RollingBack
        )
    }
}

/// The progress page of a confirmed import (shown at its preview address).
pub async fn page(user: &Member<EditCatalog>, import: &Import) -> Result<Response> {
    let layout = Layout::dashboard(user, "Importing products", Section::Catalog).await;
    let percent = (import.applied * 100)
        .checked_div(import.products)
        .unwrap_or(100)
        .clamp(0, 100);
    Ok(render(&ProgressPage {
        layout,
        status: import.status,
        applied: import.applied,
        products: import.products,
        percent,
        error: import.error.clone().unwrap_or_default(),
    }))
}
