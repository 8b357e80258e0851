//! The one way reports answer with CSV: a header row of stable column names, the rows,
//! `text/csv` as an attachment named `filename`. Cells go through the shared writer
//! (`web::csv`), which neutralises formula-like text and leaves numbers as numbers.

use axum::response::Response;

use crate::error::Result;
use crate::web::csv::CsvWriter;

pub fn csv_response(
    filename: &str,
    header_row: &[&str],
    rows: Vec<Vec<String>>,
) -> Result<Response> {
    let mut out = CsvWriter::with_header(header_row)?;
    for row in rows {
        out.row(&row)?;
    }
    Ok(out.into_attachment(filename)?)
}
