//! The one CSV writer every export uses, and the rule that keeps a spreadsheet from
//! running what a shopper typed.
//!
//! Spreadsheets treat a cell starting with `=`, `+`, `-` or `@` (and, per OWASP, a tab or
//! carriage return) as a formula: an order e-mail typed as `=HYPERLINK(…)@evil.test` would
//! run on the merchant's machine. So every cell goes through [`neutralise`]: such a cell
//! (and a cell already starting with `'`, so the rule can be undone) gets a leading `'`,
//! which spreadsheets read as "this is text".
//!
//! Numbers are data, not formulas: a cell that is a plain decimal number (`-5`, `-12.50`,
//! `+3`) goes out as it is, so a negative stock adjustment or refund stays a number the
//! spreadsheet can sum. Everything else is neutralised whatever its column, because one rule
//! applied to every cell cannot forget a column. [`restore`] is the exact inverse for imports:
//! `restore(neutralise(x)) == x` for every `x`, so a catalogue exported and imported again is
//! unchanged. The price is that a hand-made file whose cell truly starts with `'` loses that
//! one quote on import, as it would when typed into a spreadsheet.

use axum::http::header;
use axum::response::{IntoResponse, Response};

/// A cell as it is written to a CSV file: formula-like text gets a leading `'`.
pub fn neutralise(cell: &str) -> std::borrow::Cow<'_, str> {
    let risky = cell.starts_with(['=', '+', '-', '@', '\t', '\r', '\'']);
    if risky && !is_plain_number(cell) {
        format!("'{cell}").into()
    } else {
        cell.into()
    }
}

/// A cell as read back from a CSV file: undoes [`neutralise`].
pub fn restore(cell: &str) -> &str {
    cell.strip_prefix('\'').unwrap_or(cell)
}

/// `-5`, `+3`, `12.50`: an optional sign, digits, at most one decimal point with digits after.
fn is_plain_number(cell: &str) -> bool {
    let unsigned = cell.strip_prefix(['-', '+']).unwrap_or(cell);
    let (whole, fraction) = match unsigned.split_once('.') {
        Some((w, f)) => (w, Some(f)),
        None => (unsigned, None),
    };
    let digits = |s: &str| !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit());
    digits(whole) && fraction.is_none_or(digits)
}

/// Failure to produce CSV; only an I/O error of the in-memory buffer, so never expected.
#[derive(Debug, thiserror::Error)]
#[error("csv: {0}")]
pub struct CsvError(String);

/// Rows written through the `csv` crate (quoting, escaping) with every cell neutralised.
pub struct CsvWriter {
    out: ::csv::Writer<Vec<u8>>,
}

impl CsvWriter {
    /// A writer whose first row is `header` (column names are ours and never neutralised).
    pub fn with_header(header: &[&str]) -> Result<CsvWriter, CsvError> {
        let mut out = ::csv::Writer::from_writer(Vec::new());
        out.write_record(header)
            .map_err(|e| CsvError(e.to_string()))?;
        Ok(CsvWriter { out })
    }

    /// One data row; each cell passes through [`neutralise`].
    pub fn row<I, S>(&mut self, cells: I) -> Result<(), CsvError>
    where
        I: IntoIterator<Item = S>,
        S: AsRef<str>,
    {
        let cells: Vec<String> = cells
            .into_iter()
            .map(|c| neutralise(c.as_ref()).into_owned())
            .collect();
        self.out
            .write_record(&cells)
            .map_err(|e| CsvError(e.to_string()))
    }

    /// The file's bytes.
    pub fn finish(self) -> Result<Vec<u8>, CsvError> {
        self.out.into_inner().map_err(|e| CsvError(e.to_string()))
    }

    /// The file as a `text/csv` download named `filename`.
    pub fn into_attachment(self, filename: &str) -> Result<Response, CsvError> {
        Ok(attachment(filename, self.finish()?))
    }
}

/// A `text/csv` body offered for download as `filename`.
pub fn attachment(filename: &str, body: Vec<u8>) -> Response {
    // Filenames are built from slugs and dates; quotes are dropped so the header stays valid.
    let name: String = filename
        .chars()
        .filter(|c| *c != '"' && !c.is_control())
        .collect();
    (
        [
            (header::CONTENT_TYPE, "text/csv; charset=utf-8".to_string()),
            (
                header::CONTENT_DISPOSITION,
                format!("attachment; filename=\"{name}\""),
            ),
        ],
        body,
    )
        .into_response()
}

impl From<CsvError> for crate::error::Error {
    fn from(e: CsvError) -> Self {
        crate::error::Error::Internal(anyhow::anyhow!(e))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formula_like_cells_get_a_leading_quote() {
        for cell in [
            "=1+1@evil.test",
            "+cmd",
            "-2+3",
            "@SUM(A1)",
            "\tx",
            "\rx",
            "=HYPERLINK(\"x\")",
        ] {
            assert_eq!(neutralise(cell), format!("'{cell}"), "{cell:?}");
        }
        assert_eq!(neutralise("anna@example.com"), "anna@example.com");
        assert_eq!(neutralise(""), "");
    }

    #[test]
    fn plain_numbers_stay_numbers() {
        for cell in ["-5", "-12.50", "+3", "0", "172.00"] {
            assert_eq!(neutralise(cell), cell);
        }
        for cell in ["-5x", "-.5", "-5.", "-", "+", "-1e5"] {
            assert_eq!(neutralise(cell), format!("'{cell}"), "{cell:?}");
        }
    }

    #[test]
    fn restore_undoes_neutralise_exactly() {
        for cell in [
            "=x",
            "'=x",
            "''",
            "'",
            "'Tis the season",
            "-5",
            "-5x",
            "plain",
            "",
            "@",
        ] {
            assert_eq!(restore(&neutralise(cell)), cell, "{cell:?}");
        }
    }

    #[test]
    fn the_writer_neutralises_cells_but_not_the_header() {
        let mut w = CsvWriter::with_header(&["email", "total"]).unwrap();
        w.row(["=1+1@evil.test", "-4.00"]).unwrap();
        let text = String::from_utf8(w.finish().unwrap()).unwrap();
        assert_eq!(text, "email,total\n'=1+1@evil.test,-4.00\n");
    }
}
