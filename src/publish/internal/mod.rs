//! The internal reports under `internal/`: the panel report ([`panel`]:
//! reviewer agreement with the 0.667 / 0.8 guidance, reviewer severity with
//! its chart, the severity adjustment ([`severity`]), the disputed-case
//! worklist, held entries), one page per lawyer
//! ([`lawyers`]: credit score and its parts, reason codes with evidence, the
//! period's cases, list history) and the inspection report ([`inspection`]).
//! They are for staff and the panel, so they name cases and reviewers;
//! recipients are always masked (privacy rule 2).
//!
//! Each page is a synchronous function from typed rows
//! ([`super::rows`]) and the plan to its HTML and charts;
//! [`write_overviews`] and [`lawyers::write`] only write what they return.

pub mod inspection;
pub mod lawyers;
pub mod panel;
pub mod severity;

use minijinja::Value;

use super::report::{frame, points};
use super::templates::{Obj, Tbl, list, render};
use super::{PublishError, Writer};
use crate::plan::Plan;

/// Writes `internal/style.css`, `internal/panel.html` with its charts in
/// `internal/charts/`, and `internal/inspection.html`.
pub fn write_overviews(
    plan: &Plan,
    panel: &panel::Inputs<'_>,
    inspection: &inspection::Inputs<'_>,
    out: &mut Writer,
) -> Result<(), PublishError> {
    out.write(
        "internal/style.css",
        render("style.css", minijinja::context! {})?,
    )?;
    let (html, charts) = panel::page(plan, panel)?;
    for chart in &charts {
        out.chart("internal/charts", chart)?;
    }
    out.write("internal/panel.html", html)?;
    out.write(
        "internal/inspection.html",
        inspection::page(plan, inspection)?,
    )
}

/// A section of `page.html`.
#[derive(Debug, Default)]
pub struct Section {
    pub id: String,
    pub heading: String,
    pub paragraphs: Vec<String>,
    pub facts: Vec<(String, String)>,
    pub figures: Vec<Value>,
    pub tables: Vec<Tbl>,
}

impl Section {
    pub fn new(id: &str, heading: impl Into<String>) -> Section {
        Section {
            id: id.to_string(),
            heading: heading.into(),
            ..Section::default()
        }
    }

    fn value(&self) -> Value {
        Obj::new()
            .set("id", self.id.clone())
            .set("heading", self.heading.clone())
            .set("paragraphs", list(self.paragraphs.iter().cloned()))
            .set(
                "facts",
                list(
                    self.facts
                        .iter()
                        .map(|(k, v)| Obj::new().set("k", k.clone()).set("v", v.clone()).build()),
                ),
            )
            .set("figures", list(self.figures.iter().cloned()))
            .set("tables", list(self.tables.iter().map(Tbl::value)))
            .build()
    }
}

/// Where an internal page at `depth` folders below the output folder
/// (`internal/` is 1) finds the public report's method section.
pub fn method_href(depth: usize) -> String {
    format!("{}public/index.html#method", "../".repeat(depth))
}

/// Where an internal page at `depth` finds the shared stylesheet
/// `internal/style.css`. The public pages carry theirs inline (each stands
/// alone when saved or forwarded); the internal ones share one file, which
/// at national scale keeps 25,000 copies of it (130 MB) from being written.
pub fn style_href(depth: usize) -> String {
    format!("{}style.css", "../".repeat(depth.saturating_sub(1)))
}

/// Renders `page.html`: the frame, links to the other pages, the sections;
/// `depth` is how many folders below the output folder the page is.
pub fn page(
    plan: &Plan,
    title: &str,
    depth: usize,
    links: &[(String, String)],
    sections: &[Section],
) -> Result<String, PublishError> {
    let ctx = frame(plan, title, true, &method_href(depth))
        .set("style_href", style_href(depth))
        .set(
            "links",
            list(links.iter().map(|(href, label)| {
                Obj::new()
                    .set("href", href.clone())
                    .set("label", label.clone())
                    .build()
            })),
        )
        .set("sections", list(sections.iter().map(Section::value)))
        .build();
    render("page.html", ctx)
}

/// Points with one decimal, "—" for none.
pub fn opt_points(v: Option<f64>) -> String {
    v.map(points).unwrap_or_else(|| "—".into())
}

/// Two decimals, "—" for none.
pub fn opt2(v: Option<f64>) -> String {
    v.map(|x| format!("{x:.2}")).unwrap_or_else(|| "—".into())
}

/// The file name of a lawyer's page (input text never makes a path).
pub fn lawyer_file(lawyer_id: &str) -> String {
    crate::output::id_file_name(lawyer_id, "html")
}
