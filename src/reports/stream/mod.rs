//! One stream's report: `report::load` assembles it (the viewer side from the stored
//! rollup of an ended stream, else from raw rows; the order side always from the
//! orders), `page` serves it as HTML with the SVG timeline laid out by `chart`, and
//! `live` gives the studio the same figures while the stream is on air.

pub mod chart;
pub mod live;
pub mod page;
pub mod report;
