//! The HTML templates of `reports/`, embedded in the binary, and the small
//! value builders the report code fills them with.
//!
//! Templates are rendered with minijinja, which HTML-escapes every value in
//! a template whose name ends in `.html` (privacy rule 4: every text from
//! the inputs is escaped). No template marks a value `safe`; the stylesheet
//! is included as its own `.css` template, which is not escaped. Tables are
//! the one piece of HTML built in Rust ([`Tbl::html`], for speed: a lawyer
//! page has hundreds of cells), escaped with minijinja's own [`HtmlEscape`];
//! a property test holds them byte-identical to the template macro they
//! replaced. Undefined
//! values are errors, so a misspelt key fails the tests instead of printing
//! nothing.

use std::collections::BTreeMap;

use minijinja::syntax::SyntaxConfig;
use minijinja::{Environment, HtmlEscape, UndefinedBehavior, Value};

use super::PublishError;

/// Every template, by name.
pub const TEMPLATES: &[(&str, &str)] = &[
    ("style.css", include_str!("../../reports/style.css")),
    ("base.html", include_str!("../../reports/base.html")),
    ("macros.html", include_str!("../../reports/macros.html")),
    ("index.html", include_str!("../../reports/index.html")),
    ("list.html", include_str!("../../reports/list.html")),
    ("page.html", include_str!("../../reports/page.html")),
];

/// The template environment.
pub fn environment() -> Environment<'static> {
    let mut env = Environment::new();
    env.set_undefined_behavior(UndefinedBehavior::Strict);
    env.set_syntax(
        SyntaxConfig::builder()
            .trim_blocks(true)
            .lstrip_blocks(true)
            .build()
            .expect("a valid syntax"),
    );
    for (name, source) in TEMPLATES {
        env.add_template(name, source)
            .expect("the embedded templates parse");
    }
    env
}

/// Renders a template with a context.
pub fn render(name: &str, ctx: Value) -> Result<String, PublishError> {
    static ENV: std::sync::OnceLock<Environment<'static>> = std::sync::OnceLock::new();
    let env = ENV.get_or_init(environment);
    let template = env
        .get_template(name)
        .map_err(|e| PublishError::Template(format!("{name}: {e}")))?;
    let mut html = template
        .render(ctx)
        .map_err(|e| PublishError::Template(format!("{name}: {e:#}")))?;
    if !html.ends_with('\n') {
        html.push('\n');
    }
    Ok(inert_bidi(html))
}

/// Defence in depth (issue 15): ingest refuses bidi controls in ids and
/// names, but free text may hold them. In a page each embedding, override or
/// isolate (U+202A–U+202E, U+2066–U+2069) is shown as its code point,
/// `[U+202E]`, so none can reorder the text around it. (A character
/// reference such as `&#x202E;` would not do: the browser decodes it into
/// the same control.) The templates themselves hold none.
pub fn inert_bidi(html: String) -> String {
    // Every such control is encoded as 0xE2 and two more bytes, and 0xE2
    // only ever starts a character: a byte search finds the candidates
    // without decoding the page (decoding every character of every page
    // was 3 % of publication at 1 M cases).
    let bidi_at = |i: usize| {
        html[i..]
            .chars()
            .next()
            .filter(|&c| crate::ingest::text::is_bidi_control(c))
    };
    let mut controls = memchr::memchr_iter(0xE2, html.as_bytes())
        .filter_map(|i| bidi_at(i).map(|c| (i, c)))
        .peekable();
    if controls.peek().is_none() {
        return html;
    }
    let mut out = String::with_capacity(html.len() + 16);
    let mut copied = 0;
    for (i, c) in controls {
        out.push_str(&html[copied..i]);
        out.push_str(&format!("[U+{:04X}]", c as u32));
        copied = i + c.len_utf8();
    }
    out.push_str(&html[copied..]);
    out
}

/// A map value built key by key.
#[derive(Debug, Clone, Default)]
pub struct Obj(BTreeMap<String, Value>);

impl Obj {
    pub fn new() -> Obj {
        Obj::default()
    }

    pub fn set(mut self, key: &str, value: impl Into<Value>) -> Obj {
        self.0.insert(key.to_string(), value.into());
        self
    }

    pub fn build(self) -> Value {
        Value::from_object(self.0)
    }
}

impl From<Obj> for Value {
    fn from(o: Obj) -> Value {
        o.build()
    }
}

/// A list value.
pub fn list<T: Into<Value>>(items: impl IntoIterator<Item = T>) -> Value {
    Value::from_iter(items)
}

/// One table cell: its text and, optionally, a link (a relative path made
/// by the report code, never by input text).
#[derive(Debug, Clone, PartialEq)]
pub struct TblCell {
    pub text: String,
    pub href: Option<String>,
}

impl From<String> for TblCell {
    fn from(text: String) -> TblCell {
        TblCell { text, href: None }
    }
}

/// The widest atom in display columns (a Chinese character counting two):
/// a name of up to nine characters (a law firm's short name).
pub const ATOM_WIDTH: usize = 18;

/// A column with a cell wider than this holds running text.
pub const LONG_WIDTH: usize = 40;

/// A cell that must never break across lines: no space, and either at most
/// [`ATOM_WIDTH`] wide (a name, a district, a date) or an ASCII token of up
/// to 20 characters (a licence or a masked identity number).
pub fn is_atom(text: &str) -> bool {
    is_atom_of_width(text, crate::xlsx::display_width(text))
}

/// [`is_atom`] for a text whose display width is known.
fn is_atom_of_width(text: &str, width: usize) -> bool {
    !text.chars().any(char::is_whitespace)
        && (width <= ATOM_WIDTH || (text.is_ascii() && text.len() <= 20))
}

/// A table for the `table` macro: columns (label, right-aligned?), rows of
/// text cells, the first cell of each row a row header.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Tbl {
    pub caption: String,
    pub columns: Vec<(String, bool)>,
    pub rows: Vec<(Vec<TblCell>, &'static str)>,
    pub footnote: String,
    /// Whether the first cell of a row is its header (default true).
    pub plain_rows: bool,
}

impl Tbl {
    pub fn new(columns: Vec<(String, bool)>) -> Tbl {
        Tbl {
            columns,
            ..Tbl::default()
        }
    }

    pub fn caption(mut self, caption: impl Into<String>) -> Tbl {
        self.caption = caption.into();
        self
    }

    pub fn footnote(mut self, note: impl Into<String>) -> Tbl {
        self.footnote = note.into();
        self
    }

    pub fn plain(mut self) -> Tbl {
        self.plain_rows = true;
        self
    }

    pub fn row(&mut self, cells: Vec<String>) {
        self.rows
            .push((cells.into_iter().map(TblCell::from).collect(), ""));
    }

    /// A row whose cells may link somewhere.
    pub fn linked_row(&mut self, cells: Vec<TblCell>) {
        self.rows.push((cells, ""));
    }

    pub fn total_row(&mut self, cells: Vec<String>) {
        self.rows
            .push((cells.into_iter().map(TblCell::from).collect(), "total"));
    }

    /// Whether any cell shows a suppressed figure.
    pub fn withholds(&self) -> bool {
        self.rows
            .iter()
            .any(|(cells, _)| cells.iter().any(|c| c.text.starts_with('—')))
    }

    pub fn is_empty(&self) -> bool {
        self.rows.is_empty()
    }

    /// How column `j` lays out (issue 16 #9): `num` for figures
    /// (right-aligned, never broken); `keep` for a text column whose every
    /// cell is a short atom ([`is_atom`]: a person's name, a date, a licence
    /// number, a district), which never breaks; `long` for a column with
    /// running text (a cell wider than [`LONG_WIDTH`]), which gets room to
    /// wrap into a few lines instead of a narrow stack; `text` for other
    /// text wider than an atom (a firm, a summary), which wraps but keeps a
    /// few characters to a line; otherwise none.
    pub fn column_class(&self, j: usize) -> &'static str {
        if self.columns.get(j).is_some_and(|c| c.1) {
            return "num";
        }
        // One pass: the widest cell and whether every cell is an atom.
        let (mut widest, mut all_atoms) = (None, true);
        for text in self
            .rows
            .iter()
            .filter_map(|(cells, _)| cells.get(j))
            .map(|c| c.text.as_str())
            .filter(|t| !t.is_empty())
        {
            let width = crate::xlsx::display_width(text);
            widest = widest.max(Some(width));
            all_atoms = all_atoms && is_atom_of_width(text, width);
        }
        match widest {
            None => "",
            Some(w) if w > LONG_WIDTH => "long",
            Some(_) if all_atoms => "keep",
            Some(w) if w > ATOM_WIDTH => "text",
            Some(_) => "",
        }
    }

    /// The table for a template: its HTML, built here and marked safe, so
    /// a template shows it with `{{ tbl }}`. Every text (caption, heads,
    /// cells, links, footnote) goes through minijinja's own escaping
    /// ([`HtmlEscape`]), so it is escaped exactly as a template would escape
    /// it (privacy rule 4). Built in Rust because a lawyer page holds
    /// hundreds of cells, and a template macro per cell was most of the
    /// cost of publication at national scale (issue 13).
    pub fn value(&self) -> Value {
        Value::from_safe_string(self.html())
    }

    /// The table's HTML: a `table-wrap` block with caption, heads, rows
    /// (the first cell a row head unless [`Tbl::plain`]) and footnote.
    pub fn html(&self) -> String {
        use std::fmt::Write;
        let classes: Vec<&str> = (0..self.columns.len())
            .map(|j| self.column_class(j))
            .collect();
        let class_attr = |class: &str| {
            if class.is_empty() {
                String::new()
            } else {
                format!(" class=\"{}\"", HtmlEscape(class))
            }
        };
        // A cell's opening tag depends on its column only: built once per
        // column, not once per cell (a lawyer page has hundreds of cells).
        let cell_opens: Vec<String> = classes
            .iter()
            .map(|class| format!("<td{}>", class_attr(class)))
            .collect();
        let mut out = String::with_capacity(256 + 64 * self.rows.len() * self.columns.len());
        out.push_str("<div class=\"table-wrap\">\n<table>\n");
        if !self.caption.is_empty() {
            let _ = writeln!(out, "<caption>{}</caption>", HtmlEscape(&self.caption));
        }
        out.push_str("<thead>\n<tr>");
        for ((label, _), class) in self.columns.iter().zip(&classes) {
            let _ = write!(out, "<th scope=\"col\"{}>", class_attr(class));
            push_escaped(&mut out, label);
            out.push_str("</th>");
        }
        out.push_str("</tr>\n</thead>\n<tbody>\n");
        for (cells, row_class) in &self.rows {
            match *row_class {
                "" => out.push_str("<tr>"),
                class => {
                    let _ = write!(out, "<tr{}>", class_attr(class));
                }
            }
            for (j, cell) in cells.iter().enumerate() {
                let close = if j == 0 && !self.plain_rows {
                    out.push_str("<th scope=\"row\">");
                    "</th>"
                } else {
                    out.push_str(cell_opens.get(j).map_or("<td>", String::as_str));
                    "</td>"
                };
                match cell.href.as_deref().filter(|h| !h.is_empty()) {
                    Some(href) => {
                        out.push_str("<a href=\"");
                        push_escaped(&mut out, href);
                        out.push_str("\">");
                        push_escaped(&mut out, &cell.text);
                        out.push_str("</a>");
                    }
                    None => push_escaped(&mut out, &cell.text),
                }
                out.push_str(close);
            }
            out.push_str("</tr>\n");
        }
        out.push_str("</tbody>\n</table>\n</div>\n");
        if !self.footnote.is_empty() {
            let _ = writeln!(
                out,
                "<p class=\"footnote\">{}</p>",
                HtmlEscape(&self.footnote)
            );
        }
        out
    }
}

/// Appends `text` escaped exactly as minijinja's [`HtmlEscape`] escapes it
/// (privacy rule 4). Most cells (ids, dates, figures, names) hold none of
/// the six characters it escapes and are copied as they are, without the
/// formatting machinery.
fn push_escaped(out: &mut String, text: &str) {
    use std::fmt::Write;
    let escaped = |b: &u8| matches!(b, b'<' | b'>' | b'&' | b'"' | b'\'' | b'/');
    if text.as_bytes().iter().any(escaped) {
        let _ = write!(out, "{}", HtmlEscape(text));
    } else {
        out.push_str(text);
    }
}

/// Column helpers: a text column and a number column.
pub fn text_col(label: impl Into<String>) -> (String, bool) {
    (label.into(), false)
}

pub fn num_col(label: impl Into<String>) -> (String, bool) {
    (label.into(), true)
}

/// A cell linking to `href`.
pub fn link(text: impl Into<String>, href: impl Into<String>) -> TblCell {
    TblCell {
        text: text.into(),
        href: Some(href.into()),
    }
}

/// A figure for the `figure` macro: the chart's PNG shown, its SVG linked.
pub fn figure(folder: &str, chart: &super::charts::Chart) -> Value {
    let (w, h) = chart.size();
    Obj::new()
        .set("png", format!("{folder}/{}.png", chart.stem))
        .set("svg", format!("{folder}/{}.svg", chart.stem))
        .set("alt", chart.title.clone())
        .set("caption", chart.title.clone())
        .set("width", w)
        .set("height", h)
        .build()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_template_parses_and_escapes_html() {
        let env = environment();
        for (name, _) in TEMPLATES {
            env.get_template(name).unwrap();
        }
        let out = env
            .render_named_str(
                "test.html",
                "{{ t }}",
                Obj::new()
                    .set("t", {
                        let mut t = Tbl::new(vec![text_col("<b>"), num_col("n")]);
                        t.row(vec!["<script>alert(1)</script>".into(), "&".into()]);
                        t.value()
                    })
                    .build(),
            )
            .unwrap();
        assert!(!out.contains("<script>"), "{out}");
        assert!(out.contains("&lt;script&gt;"), "{out}");
        assert!(out.contains("&amp;"), "{out}");
        assert!(out.contains("&lt;b&gt;"), "{out}");
    }

    /// The `table` macro the templates used before [`Tbl::html`] (issue
    /// 13): the reference the Rust table must match byte for byte.
    const TABLE_MACRO: &str = r#"{% macro m_cell(cell) %}{% if cell.href %}<a href="{{ cell.href }}">{{ cell.text }}</a>{% else %}{{ cell.text }}{% endif %}{% endmacro %}
{% macro table(tbl) %}
<div class="table-wrap">
<table>
{% if tbl.caption %}
<caption>{{ tbl.caption }}</caption>
{% endif %}
<thead>
<tr>{% for c in tbl.columns %}<th scope="col"{% if c.class %} class="{{ c.class }}"{% endif %}>{{ c.label }}</th>{% endfor %}</tr>
</thead>
<tbody>
{% for row in tbl.rows %}
<tr{% if row.class %} class="{{ row.class }}"{% endif %}>{% for cell in row.cells %}{% if loop.first and tbl.row_headers %}<th scope="row">{{ m_cell(cell) }}</th>{% else %}{% set class = tbl.columns[loop.index0].class %}<td{% if class %} class="{{ class }}"{% endif %}>{{ m_cell(cell) }}</td>{% endif %}{% endfor %}</tr>
{% endfor %}
</tbody>
</table>
</div>
{% if tbl.footnote %}
<p class="footnote">{{ tbl.footnote }}</p>
{% endif %}
{% endmacro %}
"#;

    /// A table as the old macro read it.
    fn macro_value(t: &Tbl) -> Value {
        Obj::new()
            .set("caption", t.caption.clone())
            .set("footnote", t.footnote.clone())
            .set("row_headers", !t.plain_rows)
            .set(
                "columns",
                list(t.columns.iter().enumerate().map(|(j, (label, _))| {
                    Obj::new()
                        .set("label", label.clone())
                        .set("class", t.column_class(j))
                        .build()
                })),
            )
            .set(
                "rows",
                list(t.rows.iter().map(|(cells, class)| {
                    Obj::new()
                        .set(
                            "cells",
                            list(cells.iter().map(|c| {
                                Obj::new()
                                    .set("text", c.text.clone())
                                    .set("href", c.href.clone())
                                    .build()
                            })),
                        )
                        .set("class", *class)
                        .build()
                })),
            )
            .build()
    }

    fn by_macro(t: &Tbl) -> String {
        let mut env = environment();
        env.add_template("ref_macros.html", TABLE_MACRO).unwrap();
        env.render_named_str(
            "ref.html",
            "{% import 'ref_macros.html' as m %}{{ m.table(t) }}",
            Obj::new().set("t", macro_value(t)).build(),
        )
        .unwrap()
    }

    fn by_rust(t: &Tbl) -> String {
        environment()
            .render_named_str("t.html", "{{ t }}", Obj::new().set("t", t.value()).build())
            .unwrap()
    }

    proptest::proptest! {
        /// Text with or without characters to escape comes out as
        /// minijinja escapes it.
        #[test]
        fn pushed_text_is_escaped_as_minijinja_escapes_it(text in "(\\PC|[<>&\"'/=])*") {
            let mut out = String::from("x");
            push_escaped(&mut out, &text);
            proptest::prop_assert_eq!(out, format!("x{}", HtmlEscape(&text)));
        }

        /// Any table, with captions, links, footnotes, total rows and text
        /// that needs escaping, comes out as the old macro wrote it.
        #[test]
        fn the_rust_table_is_the_macro_table(
            columns in proptest::collection::vec(("[a-z<>&\"'/ 名]{0,6}", proptest::bool::ANY), 1..5),
            rows in proptest::collection::vec(
                (proptest::collection::vec(("[a-z0-9<>&\"'/ .名—]{0,50}", proptest::option::of("[a-z/.<\"]{0,8}")), 0..6),
                 proptest::bool::ANY),
                0..5),
            caption in "[a-z<&]{0,4}",
            footnote in "[a-z>\"]{0,4}",
            plain in proptest::bool::ANY,
        ) {
            let mut t = Tbl::new(columns).caption(caption).footnote(footnote);
            if plain {
                t = t.plain();
            }
            let width = t.columns.len();
            for (cells, total) in rows {
                // The macro looks a cell's column up, so a row is at most
                // as wide as the heads (as every table in the code is).
                let cells: Vec<TblCell> = cells
                    .into_iter()
                    .take(width)
                    .map(|(text, href)| TblCell { text, href })
                    .collect();
                if total {
                    t.rows.push((cells, "total"));
                } else {
                    t.linked_row(cells);
                }
            }
            proptest::prop_assert_eq!(by_rust(&t), by_macro(&t));
        }
    }

    #[test]
    fn names_and_dates_never_break_and_running_text_gets_room() {
        let mut t = Tbl::new(vec![
            text_col("姓名"),
            text_col("日期"),
            text_col("依据"),
            text_col("律所"),
            num_col("n"),
            text_col("空"),
        ]);
        t.row(vec![
            "彭金德".into(),
            "2025-01-20".into(),
            "N4：回溯期内受到公开谴责或更重的处分，或在评估日仍有处分在执行期内".into(),
            "四川省成都市云辰律师事务所".into(),
            "3".into(),
            String::new(),
        ]);
        t.row(vec![
            "司马婷".into(),
            String::new(),
            "N1".into(),
            "某所".into(),
            "4".into(),
            String::new(),
        ]);
        let classes: Vec<&str> = (0..6).map(|j| t.column_class(j)).collect();
        assert_eq!(classes, ["keep", "keep", "long", "text", "num", ""]);
        assert!(is_atom("15101200911099070"));
        assert!(is_atom("四川云辰律师事务所"));
        assert!(!is_atom("83.35 (B)"));
        assert!(!is_atom("四川省成都市云辰律师事务所"));
        let out = environment()
            .render_named_str(
                "t.html",
                "{{ t }}",
                Obj::new().set("t", t.plain().value()).build(),
            )
            .unwrap();
        assert!(
            out.contains("<th scope=\"col\" class=\"keep\">姓名</th>"),
            "{out}"
        );
        assert!(out.contains("<td class=\"keep\">彭金德</td>"), "{out}");
        assert!(out.contains("<td class=\"keep\">2025-01-20</td>"), "{out}");
        assert!(out.contains("<td class=\"num\">3</td>"), "{out}");
        assert!(out.contains("<td></td>"), "{out}");
    }

    #[test]
    fn the_stylesheet_is_included_unescaped() {
        let env = environment();
        let out = env
            .get_template("base.html")
            .unwrap()
            .render(
                Obj::new()
                    .set("html_lang", "zh-CN")
                    .set("robots", "index")
                    .set("page_title", "标题")
                    .set("subtitle", "")
                    .set("footer", "")
                    .set("method_href", "#method")
                    .set("method_pointer", "")
                    .set("internal", false)
                    .set("t", Obj::new().build())
                    .build(),
            )
            .unwrap();
        assert!(out.contains("@media print"), "{out}");
        assert!(out.contains("main, .page-header"));
        assert!(!out.contains("&gt;") && !out.contains("&quot;"), "{out}");
    }

    #[test]
    fn bidi_controls_are_rendered_inert() {
        for (name, source) in TEMPLATES {
            assert!(
                !source.chars().any(crate::ingest::text::is_bidi_control),
                "{name}"
            );
        }
        let ctx = Obj::new()
            .set("t", {
                let mut t = Tbl::new(vec![text_col("name")]);
                t.row(vec!["律师\u{202E}甲\u{2066}".into()]);
                t.value()
            })
            .build();
        let env = environment();
        let raw = env.render_named_str("t.html", "{{ t }}", ctx).unwrap();
        let out = inert_bidi(raw);
        assert!(
            !out.chars().any(crate::ingest::text::is_bidi_control),
            "{out}"
        );
        assert!(out.contains("律师[U+202E]甲[U+2066]"), "{out}");
        assert_eq!(inert_bidi("plain 文本".into()), "plain 文本");
    }

    proptest::proptest! {
        /// The byte search gives what replacing character by character
        /// gives, among other characters that start with 0xE2 (U+2014, U+2026,
        /// U+2060, U+2029).
        #[test]
        fn bidi_byte_search_matches_char_by_char(
            text in "[a-z律\u{2014}\u{2026}\u{2060}\u{2029}\u{202A}-\u{202E}\u{2066}-\u{2069}]{0,40}"
        ) {
            let by_char: String = text
                .chars()
                .map(|c| match crate::ingest::text::is_bidi_control(c) {
                    true => format!("[U+{:04X}]", c as u32),
                    false => c.to_string(),
                })
                .collect();
            proptest::prop_assert_eq!(inert_bidi(text), by_char);
        }
    }

    #[test]
    fn no_template_marks_anything_safe() {
        for (name, source) in TEMPLATES {
            assert!(
                !source.contains("|safe") && !source.contains("| safe"),
                "{name}"
            );
            assert!(!source.contains("autoescape"), "{name}");
        }
    }
}
