//! The one way reports answer with CSV: a header row of stable column names, the rows,
//! `text/csv` as an attachment named `filename`.

use axum::http::header;
use axum::response::{IntoResponse, Response};

use crate::error::{Error, Result};

pub fn csv_response(
    filename: &str,
    header_row: &[&str],
    rows: Vec<Vec<String>>,
) -> Result<Response> {
    let mut out = csv::Writer::from_writer(Vec::new());
    let fail = |e: csv::Error| Error::Internal(e.into());
    out.write_record(header_row).map_err(fail)?;
    for row in rows {
        out.write_record(&row).map_err(fail)?;
    }
    let body = out
        .into_inner()
        .map_err(|e| Error::Internal(anyhow::anyhow!("csv: {e}")))?;
    Ok((
        [
            (header::CONTENT_TYPE, "text/csv; charset=utf-8".to_string()),
            (
                header::CONTENT_DISPOSITION,
                format!("attachment; filename=\"{filename}\""),
            ),
        ],
        body,
    )
        .into_response())
}
