//! Charts drawn with plotters, each written as PNG and SVG from one
//! description ([`Chart`]), so the two always agree.
//!
//! Chinese text must render on a machine with no CJK font installed, so the
//! PNGs are drawn with WenQuanYi Micro Hei embedded in the binary
//! (`assets/fonts/`, Apache-2.0) and registered with plotters' `ab_glyph`
//! backend under [`FAMILY`]. That name is a CSS font-family list ending in the
//! generic `sans-serif`, and plotters writes it verbatim into every SVG
//! `<text>`, so an SVG viewer picks the first CJK font it has. Colours are
//! the Okabe–Ito palette, which stays distinguishable with the common forms
//! of colour blindness; every bar also carries its value as text, so no
//! reading depends on colour alone. A suppressed value (small-cell rule) is
//! never drawn as a bar: its place shows "—".

use std::path::Path;
use std::sync::OnceLock;

use plotters::coord::Shift;
use plotters::coord::ranged1d::{DefaultFormatting, KeyPointHint, Ranged};
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};

use super::PublishError;

/// The font-family list every chart names; the embedded font is registered
/// under exactly this name.
pub const FAMILY: &str = "WenQuanYi Micro Hei, Noto Sans CJK SC, Source Han Sans SC, PingFang SC, Microsoft YaHei, sans-serif";

/// WenQuanYi Micro Hei 0.2.0-beta (face 0 of the collection is used),
/// stored zstd-compressed: raw, its 5.18 MB put the shipped binary over
/// 100 MB (issue 13); compressed it is 1.70 MB. Made with
/// `zstd -19 wqy-microhei.ttc`; `zstd -d` gives back the unmodified file.
static FONT_ZSTD: &[u8] = include_bytes!("../../assets/fonts/wqy-microhei.ttc.zst");

/// The embedded font, decompressed once per process (a few milliseconds).
pub(crate) fn embedded_font() -> Result<&'static [u8], PublishError> {
    static FONT: OnceLock<Option<Vec<u8>>> = OnceLock::new();
    FONT.get_or_init(|| zstd::decode_all(FONT_ZSTD).ok())
        .as_deref()
        .ok_or_else(|| {
            PublishError::Chart("the embedded chart font could not be decompressed".into())
        })
}

/// Registers the embedded font with plotters, once per process.
pub fn register_font() -> Result<(), PublishError> {
    static DONE: OnceLock<bool> = OnceLock::new();
    let font = embedded_font()?;
    let ok = *DONE.get_or_init(|| {
        let normal = plotters::style::register_font(FAMILY, FontStyle::Normal, font).is_ok();
        let bold = plotters::style::register_font(FAMILY, FontStyle::Bold, font).is_ok();
        normal && bold
    });
    if ok {
        Ok(())
    } else {
        Err(PublishError::Chart(
            "the embedded chart font could not be read".into(),
        ))
    }
}

/// Okabe–Ito colours.
pub mod palette {
    use plotters::style::RGBColor;
    pub const BLUE: RGBColor = RGBColor(0x00, 0x72, 0xB2);
    pub const SKY_BLUE: RGBColor = RGBColor(0x56, 0xB4, 0xE9);
    pub const BLUISH_GREEN: RGBColor = RGBColor(0x00, 0x9E, 0x73);
    pub const ORANGE: RGBColor = RGBColor(0xE6, 0x9F, 0x00);
    pub const VERMILLION: RGBColor = RGBColor(0xD5, 0x5E, 0x00);
    pub const REDDISH_PURPLE: RGBColor = RGBColor(0xCC, 0x79, 0xA7);
    pub const YELLOW: RGBColor = RGBColor(0xF0, 0xE4, 0x42);
    pub const BLACK: RGBColor = RGBColor(0x00, 0x00, 0x00);
    /// Series colours in order of use.
    pub const SERIES: [RGBColor; 7] = [
        BLUE,
        SKY_BLUE,
        BLUISH_GREEN,
        ORANGE,
        REDDISH_PURPLE,
        YELLOW,
        VERMILLION,
    ];
}

const INK: RGBColor = RGBColor(0x22, 0x22, 0x22);
const GRID: RGBColor = RGBColor(0xDD, 0xDD, 0xDD);
const MUTED: RGBColor = RGBColor(0x55, 0x55, 0x55);

/// One bar: its value (`None` when suppressed or missing) and the text
/// written at its end ("—" for a suppressed one).
#[derive(Debug, Clone, PartialEq)]
pub struct Bar {
    pub value: Option<f64>,
    pub label: String,
}

/// A series of bars, one per category.
#[derive(Debug, Clone, PartialEq)]
pub struct Series {
    pub name: String,
    pub colour: RGBColor,
    pub bars: Vec<Bar>,
}

/// Vertical bars, grouped by category when there are several series.
#[derive(Debug, Clone, PartialEq)]
pub struct Bars {
    pub categories: Vec<String>,
    pub series: Vec<Series>,
    pub x_desc: String,
    pub y_desc: String,
    pub y_max: f64,
    /// Whether to draw the legend (several series).
    pub legend: bool,
}

/// Horizontal bars, one per category, first category at the top.
#[derive(Debug, Clone, PartialEq)]
pub struct HBars {
    pub categories: Vec<String>,
    pub bars: Vec<Bar>,
    /// Colour of each bar.
    pub colours: Vec<RGBColor>,
    pub x_desc: String,
    pub y_desc: String,
    pub x_range: (f64, f64),
    /// Vertical reference lines with their labels.
    pub reference: Vec<(f64, String)>,
    /// An interval drawn as a whisker across each bar (empty: none).
    pub intervals: Vec<Option<(f64, f64)>>,
}

/// Lines over categories (periods), one per series; gaps where `None`.
#[derive(Debug, Clone, PartialEq)]
pub struct Lines {
    pub categories: Vec<String>,
    pub series: Vec<(String, RGBColor, Vec<Option<f64>>)>,
    pub x_desc: String,
    pub y_desc: String,
    pub y_range: (f64, f64),
}

#[derive(Debug, Clone, PartialEq)]
pub enum Kind {
    Bars(Bars),
    /// Several bar charts stacked, each with its own title.
    Panels(Vec<(String, Bars)>),
    HBars(HBars),
    Lines(Lines),
}

/// A chart: its file name (without extension), title, the caption giving
/// period and source, and what it draws.
#[derive(Debug, Clone, PartialEq)]
pub struct Chart {
    pub stem: String,
    pub title: String,
    pub caption: String,
    /// A note above the caption (e.g. the suppression rule), may be empty.
    pub note: String,
    pub kind: Kind,
}

impl Chart {
    /// Canvas size in pixels.
    pub fn size(&self) -> (u32, u32) {
        let h = match &self.kind {
            Kind::Bars(_) | Kind::Lines(_) => 640,
            Kind::Panels(p) => 150 + 300 * p.len() as u32,
            Kind::HBars(b) => 210 + 30 * b.categories.len().max(3) as u32,
        };
        (1200, h)
    }

    /// Writes `<stem>.png` and `<stem>.svg` into `dir`; returns their file
    /// names.
    pub fn write(&self, dir: &Path) -> Result<[String; 2], PublishError> {
        register_font()?;
        std::fs::create_dir_all(dir).map_err(|e| PublishError::io(dir, e))?;
        let png = format!("{}.png", self.stem);
        let svg = format!("{}.svg", self.stem);
        let png_path = dir.join(&png);
        {
            let root = BitMapBackend::new(&png_path, self.size()).into_drawing_area();
            draw(&root, self).map_err(|e| self.error(e))?;
            root.present().map_err(|e| self.error(e))?;
        }
        let svg_path = dir.join(&svg);
        std::fs::write(&svg_path, self.svg()?).map_err(|e| PublishError::io(&svg_path, e))?;
        Ok([png, svg])
    }

    /// The SVG text.
    pub fn svg(&self) -> Result<String, PublishError> {
        register_font()?;
        let mut out = String::new();
        {
            let root = SVGBackend::with_string(&mut out, self.size()).into_drawing_area();
            draw(&root, self).map_err(|e| self.error(e))?;
            root.present().map_err(|e| self.error(e))?;
        }
        Ok(out)
    }

    /// The PNG's pixels (RGB, row by row), for tests.
    pub fn rgb(&self) -> Result<Vec<u8>, PublishError> {
        register_font()?;
        let (w, h) = self.size();
        let mut buf = vec![0u8; (w * h * 3) as usize];
        {
            let root = BitMapBackend::with_buffer(&mut buf, (w, h)).into_drawing_area();
            draw(&root, self).map_err(|e| self.error(e))?;
            root.present().map_err(|e| self.error(e))?;
        }
        Ok(buf)
    }

    /// Every text the chart draws (title, caption, axis descriptions,
    /// category and series names, bar labels), for glyph checks.
    pub fn texts(&self) -> Vec<String> {
        let mut chart = self.clone();
        let mut out: Vec<String> = chart.texts_mut().into_iter().map(|t| t.clone()).collect();
        out.retain(|t| !t.is_empty());
        out
    }

    /// Every text the chart draws, to edit in place.
    fn texts_mut(&mut self) -> Vec<&mut String> {
        let mut out = vec![&mut self.title, &mut self.caption, &mut self.note];
        fn bars<'a>(b: &'a mut Bars, out: &mut Vec<&'a mut String>) {
            out.extend(b.categories.iter_mut());
            out.push(&mut b.x_desc);
            out.push(&mut b.y_desc);
            for s in &mut b.series {
                out.push(&mut s.name);
                out.extend(s.bars.iter_mut().map(|b| &mut b.label));
            }
        }
        match &mut self.kind {
            Kind::Bars(b) => bars(b, &mut out),
            Kind::Panels(p) => {
                for (title, b) in p {
                    bars(b, &mut out);
                    out.push(title);
                }
            }
            Kind::HBars(b) => {
                out.extend(b.categories.iter_mut());
                out.extend(b.bars.iter_mut().map(|b| &mut b.label));
                out.extend(b.reference.iter_mut().map(|r| &mut r.1));
                out.push(&mut b.x_desc);
                out.push(&mut b.y_desc);
            }
            Kind::Lines(l) => {
                out.extend(l.categories.iter_mut());
                out.extend(l.series.iter_mut().map(|s| &mut s.0));
                out.push(&mut l.x_desc);
                out.push(&mut l.y_desc);
            }
        }
        out
    }

    /// The chart as drawn: full-width brackets and quotes become their
    /// half-width forms. A CJK font draws "（" at the right of a full em and
    /// "）" at its left, so a label like "A级（≥ 90）" shows gaps a browser
    /// would trim but a chart's text drawing does not (issue 16 #13).
    fn typeset(&self) -> Chart {
        let mut chart = self.clone();
        for text in chart.texts_mut() {
            if text.contains(['（', '）', '“', '”', '‘', '’']) {
                *text = compact_punctuation(text);
            }
        }
        chart
    }

    fn error(&self, e: impl std::fmt::Display) -> PublishError {
        PublishError::Chart(format!("{}: {e}", self.stem))
    }
}

/// Renders one line of text alone on a white canvas (RGB pixels), for the
/// test that labels are drawn as glyphs, not as missing-glyph boxes.
pub fn render_text(text: &str, size: f64, (w, h): (u32, u32)) -> Result<Vec<u8>, PublishError> {
    register_font()?;
    let mut buf = vec![0u8; (w * h * 3) as usize];
    {
        let root = BitMapBackend::with_buffer(&mut buf, (w, h)).into_drawing_area();
        let fail = |e: DrawingAreaErrorKind<_>| PublishError::Chart(e.to_string());
        root.fill(&WHITE).map_err(fail)?;
        root.draw_text(text, &font(size).color(&BLACK), (4, 4))
            .map_err(fail)?;
        root.present().map_err(fail)?;
    }
    Ok(buf)
}

/// `text` with full-width brackets and curly quotes in half-width forms.
pub fn compact_punctuation(text: &str) -> String {
    text.chars()
        .map(|c| match c {
            '（' => '(',
            '）' => ')',
            '“' | '”' => '"',
            '‘' | '’' => '\'',
            c => c,
        })
        .collect()
}

fn font(size: f64) -> TextStyle<'static> {
    TextStyle::from((FAMILY, size).into_font()).color(&INK)
}

type DrawResult<DB> = Result<(), DrawingAreaErrorKind<<DB as DrawingBackend>::ErrorType>>;

fn draw<DB: DrawingBackend>(root: &DrawingArea<DB, Shift>, chart: &Chart) -> DrawResult<DB> {
    let chart = &chart.typeset();
    root.fill(&WHITE)?;
    let (_, h) = root.dim_in_pixel();
    let h = h as i32;
    root.draw_text(
        &chart.title,
        &TextStyle::from((FAMILY, 30.0, FontStyle::Bold).into_font()).color(&INK),
        (24, 18),
    )?;
    if !chart.note.is_empty() {
        root.draw_text(&chart.note, &font(16.0).color(&MUTED), (24, h - 58))?;
    }
    root.draw_text(&chart.caption, &font(16.0).color(&MUTED), (24, h - 32))?;
    let body = root.margin(64, 70, 12, 28);
    match &chart.kind {
        Kind::Bars(b) => bars(&body, b, None),
        Kind::Panels(panels) => {
            let areas = body.split_evenly((panels.len().max(1), 1));
            for (area, (title, b)) in areas.iter().zip(panels) {
                bars(area, b, Some(title))?;
            }
            Ok(())
        }
        Kind::HBars(b) => hbars(&body, b),
        Kind::Lines(l) => lines(&body, l),
    }
}

/// A category axis: categories at 0, 1, … n − 1, ticks only there.
struct Categories(usize);

impl Ranged for Categories {
    type FormatOption = DefaultFormatting;
    type ValueType = f64;

    fn map(&self, v: &f64, limit: (i32, i32)) -> i32 {
        let (lo, hi) = (-0.5, self.0 as f64 - 0.5);
        let share = (v - lo) / (hi - lo);
        limit.0 + (share * f64::from(limit.1 - limit.0)).round() as i32
    }

    fn key_points<H: KeyPointHint>(&self, hint: H) -> Vec<f64> {
        if hint.weight().allow_light_points() {
            Vec::new()
        } else {
            (0..self.0).map(|i| i as f64).collect()
        }
    }

    fn range(&self) -> std::ops::Range<f64> {
        -0.5..self.0 as f64 - 0.5
    }
}

fn category_label(categories: &[String], x: f64) -> String {
    let i = x.round();
    if (x - i).abs() > 1e-6 || i < 0.0 {
        return String::new();
    }
    categories.get(i as usize).cloned().unwrap_or_default()
}

fn bars<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    b: &Bars,
    title: Option<&str>,
) -> DrawResult<DB> {
    let n = b.categories.len().max(1);
    let mut builder = ChartBuilder::on(area);
    builder
        .x_label_area_size(56)
        .y_label_area_size(84)
        .margin_top(10);
    if let Some(t) = title {
        builder.caption(t, font(22.0));
    }
    let mut cc = builder.build_cartesian_2d(Categories(n), 0.0..b.y_max)?;
    let cats = &b.categories;
    let fmt_x = |x: &f64| category_label(cats, *x);
    let fmt_y = |y: &f64| format_tick(*y);
    cc.configure_mesh()
        .disable_x_mesh()
        .bold_line_style(GRID)
        .light_line_style(TRANSPARENT)
        .axis_style(MUTED)
        .y_labels(6)
        .x_label_formatter(&fmt_x)
        .y_label_formatter(&fmt_y)
        .x_desc(b.x_desc.as_str())
        .y_desc(b.y_desc.as_str())
        .label_style(font(18.0))
        .axis_desc_style(font(18.0))
        .draw()?;
    let m = b.series.len().max(1) as f64;
    let width = 0.8 / m;
    for (k, s) in b.series.iter().enumerate() {
        let colour = s.colour;
        let x0 = |i: usize| i as f64 - 0.4 + k as f64 * width;
        cc.draw_series(s.bars.iter().enumerate().filter_map(|(i, bar)| {
            bar.value.map(|v| {
                Rectangle::new(
                    [(x0(i) + width * 0.06, 0.0), (x0(i) + width * 0.94, v)],
                    colour.filled(),
                )
            })
        }))?
        .label(s.name.as_str())
        .legend(move |(x, y)| Rectangle::new([(x, y - 7), (x + 14, y + 7)], colour.filled()));
        let label_size = if m > 3.0 { 13.0 } else { 16.0 };
        cc.draw_series(s.bars.iter().enumerate().map(|(i, bar)| {
            Text::new(
                bar.label.clone(),
                (x0(i) + width / 2.0, bar.value.unwrap_or(0.0)),
                font(label_size).pos(Pos::new(HPos::Center, VPos::Bottom)),
            )
        }))?;
    }
    if b.legend {
        cc.configure_series_labels()
            .position(SeriesLabelPosition::UpperRight)
            .background_style(WHITE.mix(0.9))
            .border_style(GRID)
            .label_font(font(16.0))
            .draw()?;
    }
    Ok(())
}

fn hbars<DB: DrawingBackend>(area: &DrawingArea<DB, Shift>, b: &HBars) -> DrawResult<DB> {
    let n = b.categories.len().max(1);
    // First category at the top: category i sits at y = n - 1 - i.
    let labels: Vec<String> = b.categories.iter().rev().cloned().collect();
    let (lo, hi) = b.x_range;
    let mut cc = ChartBuilder::on(area)
        .x_label_area_size(56)
        .y_label_area_size(150)
        .margin_top(10)
        .margin_right(24)
        .build_cartesian_2d(lo..hi, Categories(n))?;
    let fmt_y = |y: &f64| category_label(&labels, *y);
    let fmt_x = |x: &f64| format_tick(*x);
    cc.configure_mesh()
        .disable_y_mesh()
        .bold_line_style(GRID)
        .light_line_style(TRANSPARENT)
        .axis_style(MUTED)
        .x_labels(8)
        .y_label_formatter(&fmt_y)
        .x_label_formatter(&fmt_x)
        .x_desc(b.x_desc.as_str())
        .y_desc(b.y_desc.as_str())
        .label_style(font(16.0))
        .axis_desc_style(font(18.0))
        .draw()?;
    let y = |i: usize| (n - 1 - i) as f64;
    let base = if lo <= 0.0 && 0.0 <= hi { 0.0 } else { lo };
    cc.draw_series(b.bars.iter().enumerate().filter_map(|(i, bar)| {
        let colour = b.colours.get(i).copied().unwrap_or(palette::BLUE);
        bar.value
            .map(|v| Rectangle::new([(base, y(i) - 0.32), (v, y(i) + 0.32)], colour.filled()))
    }))?;
    for (i, interval) in b.intervals.iter().enumerate() {
        let Some((from, to)) = *interval else {
            continue;
        };
        let (from, to) = (from.max(lo), to.min(hi));
        let cap =
            |x: f64| PathElement::new(vec![(x, y(i) - 0.2), (x, y(i) + 0.2)], INK.stroke_width(2));
        cc.draw_series([
            PathElement::new(vec![(from, y(i)), (to, y(i))], INK.stroke_width(2)),
            cap(from),
            cap(to),
        ])?;
    }
    for (x, label) in &b.reference {
        let x = *x;
        cc.draw_series(std::iter::once(PathElement::new(
            vec![(x, -0.5), (x, n as f64 - 0.5)],
            MUTED.stroke_width(2),
        )))?;
        cc.draw_series(std::iter::once(Text::new(
            label.clone(),
            (x, n as f64 - 0.5),
            font(15.0).pos(Pos::new(HPos::Center, VPos::Bottom)),
        )))?;
    }
    cc.draw_series(b.bars.iter().enumerate().map(|(i, bar)| {
        let v = bar.value.unwrap_or(base);
        let (anchor, dx) = if v < base {
            (HPos::Right, -(hi - lo) * 0.006)
        } else {
            (HPos::Left, (hi - lo) * 0.006)
        };
        Text::new(
            bar.label.clone(),
            (v + dx, y(i)),
            font(15.0).pos(Pos::new(anchor, VPos::Center)),
        )
    }))?;
    Ok(())
}

fn lines<DB: DrawingBackend>(area: &DrawingArea<DB, Shift>, l: &Lines) -> DrawResult<DB> {
    let n = l.categories.len().max(1);
    let (lo, hi) = l.y_range;
    let mut cc = ChartBuilder::on(area)
        .x_label_area_size(56)
        .y_label_area_size(84)
        .margin_top(10)
        .margin_right(24)
        .build_cartesian_2d(Categories(n), lo..hi)?;
    let cats = &l.categories;
    let fmt_x = |x: &f64| category_label(cats, *x);
    let fmt_y = |y: &f64| format_tick(*y);
    cc.configure_mesh()
        .disable_x_mesh()
        .bold_line_style(GRID)
        .light_line_style(TRANSPARENT)
        .axis_style(MUTED)
        .x_label_formatter(&fmt_x)
        .y_label_formatter(&fmt_y)
        .x_desc(l.x_desc.as_str())
        .y_desc(l.y_desc.as_str())
        .label_style(font(18.0))
        .axis_desc_style(font(18.0))
        .draw()?;
    for (name, colour, values) in &l.series {
        let colour = *colour;
        let points: Vec<(f64, f64)> = values
            .iter()
            .enumerate()
            .filter_map(|(i, v)| v.map(|v| (i as f64, v)))
            .collect();
        cc.draw_series(LineSeries::new(points.clone(), colour.stroke_width(3)))?
            .label(name.as_str())
            .legend(move |(x, y)| {
                PathElement::new(vec![(x, y), (x + 18, y)], colour.stroke_width(3))
            });
        cc.draw_series(points.iter().map(|&p| Circle::new(p, 5, colour.filled())))?;
    }
    cc.configure_series_labels()
        .position(SeriesLabelPosition::LowerRight)
        .background_style(WHITE.mix(0.9))
        .border_style(GRID)
        .label_font(font(16.0))
        .draw()?;
    Ok(())
}

/// Axis numbers without noise: integers as integers, else one decimal.
fn format_tick(v: f64) -> String {
    if (v - v.round()).abs() < 1e-9 {
        format!("{}", v.round() as i64)
    } else {
        format!("{v:.1}")
    }
}

/// A y-axis maximum a little above `max`, on a round number.
pub fn nice_max(max: f64) -> f64 {
    if max <= 0.0 {
        return 1.0;
    }
    let padded = max * 1.15;
    let magnitude = 10f64.powf(padded.log10().floor());
    let step = [0.1, 0.2, 0.25, 0.5, 1.0]
        .into_iter()
        .map(|s| s * magnitude)
        .find(|s| (padded / s).ceil() <= 10.0)
        .unwrap_or(magnitude);
    (padded / step).ceil() * step
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_embedded_font_decompresses_to_the_unmodified_upstream_file() {
        use sha2::{Digest, Sha256};
        let font = embedded_font().expect("the embedded font decompresses");
        assert_eq!(font.len(), 5_177_387);
        // SHA-256 of wqy-microhei.ttc from Debian's fonts-wqy-microhei
        // 0.2.0-beta-3.1, the file its licence (assets/fonts/) names.
        assert_eq!(
            hex::encode(Sha256::digest(font)),
            "2420e8078af796b19a3f6ef13de527a1a91c1e7171eea115926c614ced1009b3"
        );
    }

    #[test]
    fn nice_maxima() {
        assert_eq!(nice_max(0.0), 1.0);
        assert!(nice_max(87.0) >= 87.0 * 1.15 - 1e-9);
        assert!(nice_max(87.0) <= 120.0);
        assert!(nice_max(3.0) >= 3.45);
        assert!(nice_max(1234.0) >= 1234.0);
    }

    #[test]
    fn category_labels_only_at_integers() {
        let cats = vec!["刑事".to_string(), "民事".to_string()];
        assert_eq!(category_label(&cats, 0.0), "刑事");
        assert_eq!(category_label(&cats, 1.0), "民事");
        assert_eq!(category_label(&cats, 0.5), "");
        assert_eq!(category_label(&cats, 2.0), "");
        assert_eq!(category_label(&cats, -1.0), "");
    }

    #[test]
    fn charts_draw_full_width_brackets_and_quotes_half_width() {
        let chart = Chart {
            stem: "t".into(),
            title: "“信用”等级".into(),
            caption: "评查期（2024年）".into(),
            note: String::new(),
            kind: Kind::HBars(HBars {
                categories: vec!["A级（≥ 90）".into(), "B级（80–90）".into()],
                bars: vec![
                    Bar {
                        value: Some(3.0),
                        label: "3".into(),
                    },
                    Bar {
                        value: Some(4.0),
                        label: "4".into(),
                    },
                ],
                colours: vec![palette::BLUE, palette::BLUE],
                x_desc: "律师人数（人）".into(),
                y_desc: String::new(),
                x_range: (0.0, 5.0),
                reference: vec![],
                intervals: vec![],
            }),
        };
        let svg = chart.svg().unwrap();
        for drawn in [
            "A级(≥ 90)",
            "B级(80–90)",
            "律师人数(人)",
            "评查期(2024年)",
            "&quot;信用&quot;等级",
        ] {
            assert!(svg.contains(drawn), "{drawn} in {svg}");
        }
        assert!(!svg.contains(['（', '）', '“', '”']), "{svg}");
        // The chart's own texts (which tables and alt texts reuse) keep them.
        assert!(chart.texts().contains(&"A级（≥ 90）".to_string()));
        // Drawn half-width, the label is narrower by the two half-em gaps.
        let ink = |text: &str| {
            let (w, h) = (400, 40);
            let px = render_text(text, 20.0, (w, h)).unwrap();
            (0..w as usize)
                .filter(|x| (0..h as usize).any(|y| px[(y * w as usize + x) * 3] < 128))
                .max()
                .unwrap()
        };
        assert!(
            ink("A级（≥ 90）B") >= ink(&compact_punctuation("A级（≥ 90）B")) + 15,
            "{} vs {}",
            ink("A级（≥ 90）B"),
            ink(&compact_punctuation("A级（≥ 90）B"))
        );
    }
}
