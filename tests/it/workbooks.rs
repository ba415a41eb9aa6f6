//! Workbooks a reviewer can use (issue 16 #12): the inspection workbook and
//! the eligibility roster carry a title row (what, period, as-of) above the
//! header, their district sheets come in the pinyin order of the HTML page,
//! shares are percentages that stay numbers, widths count a Chinese
//! character as two, and every table sheet prints on A4 landscape fitted to
//! the page width with its header repeated. The format details calamine
//! does not show are read from the workbook's XML.

use std::io::Read;
use std::path::Path;

use calamine::{Data, Reader, Xlsx, open_workbook};

use crate::fixture::*;

/// The text of one part of a workbook (`xl/styles.xml`, ...).
fn part(path: &Path, name: &str) -> String {
    let mut zip = zip::ZipArchive::new(std::fs::File::open(path).unwrap()).unwrap();
    let mut text = String::new();
    zip.by_name(name)
        .unwrap_or_else(|e| panic!("{}: {name}: {e}", path.display()))
        .read_to_string(&mut text)
        .unwrap();
    text
}

/// The width of column `col` (1-based) in a sheet's XML (a `<col>` element
/// may span several columns of one width).
fn column_width(sheet_xml: &str, col: usize) -> f64 {
    let attr = |tag: &str, name: &str| -> String {
        let key = format!(" {name}=\"");
        let at = tag.find(&key).unwrap() + key.len();
        tag[at..at + tag[at..].find('"').unwrap()].to_string()
    };
    sheet_xml
        .split("<col ")
        .skip(1)
        .map(|t| &t[..t.find("/>").unwrap()])
        .map(|t| format!(" {t}"))
        .find(|t| {
            let min: usize = attr(t, "min").parse().unwrap();
            let max: usize = attr(t, "max").parse().unwrap();
            (min..=max).contains(&col)
        })
        .map(|t| attr(&t, "width").parse().unwrap())
        .unwrap_or_else(|| panic!("no width for column {col}"))
}

/// Display width: a Chinese character counts two.
fn wide(text: &str) -> usize {
    text.chars().map(|c| if c.is_ascii() { 1 } else { 2 }).sum()
}

#[test]
fn inspection_workbooks_have_a_title_pinyin_order_percentages_and_a_print_setup() {
    let f = Fixture::valid();
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    f.write(d);
    let o = legalaid(&["run", "pipeline.toml", "--as-of", "2024-12-31"], d);
    assert!(o.status.success(), "{}", stderr(&o));
    let path = d.join("out/internal/inspection.xlsx");
    let mut wb: Xlsx<_> = open_workbook(&path).unwrap();
    let names = wb.sheet_names();
    let firms_at = names.iter().position(|n| n == "律所汇总").unwrap();
    let districts = &names[..firms_at];
    assert!(districts.len() >= 2, "{names:?}");

    // The district sheets in the order of the HTML page's sections: by
    // pinyin (锦江 before 武侯, though 武 sorts first by code point).
    let html = std::fs::read_to_string(d.join("out/internal/inspection.html")).unwrap();
    let mut in_html: Vec<(usize, &String)> = districts
        .iter()
        .map(|n| (html.find(&format!("<h2>{n}</h2>")).unwrap(), n))
        .collect();
    in_html.sort();
    let in_html: Vec<&String> = in_html.into_iter().map(|(_, n)| n).collect();
    assert_eq!(districts.iter().collect::<Vec<_>>(), in_html);
    let keys: Vec<String> = districts
        .iter()
        .map(|n| legalaid::publish::lists::collation_key(n, false))
        .collect();
    assert!(keys.is_sorted(), "{districts:?}");
    assert!(!districts.is_sorted(), "the fixture tells the orders apart");

    // A title row above the header, with the period and the as-of.
    let tables: Vec<String> = names[..firms_at + 2].to_vec();
    assert_eq!(tables[firms_at + 1], "合规提示");
    let header_row = legalaid::xlsx::HEADER_ROW as usize;
    for sheet in &tables {
        let range = wb.worksheet_range(sheet).unwrap();
        let rows: Vec<&[Data]> = range.rows().collect();
        let title = rows[0][0].to_string();
        assert!(
            title.contains("2024-01-01") && title.contains("数据截至 2024-12-31"),
            "{sheet}: {title}"
        );
        assert!(rows[0][1..].iter().all(|c| *c == Data::Empty), "{sheet}");
        let header: Vec<String> = rows[header_row].iter().map(|c| c.to_string()).collect();
        assert!(
            header.contains(&"执业证号".to_string()) || header.contains(&"律师事务所".to_string()),
            "{sheet}: {header:?}"
        );
    }

    // Shares: numbers from 0 to 1 shown as percentages.
    let firms = wb.worksheet_range("律所汇总").unwrap();
    let rows: Vec<&[Data]> = firms.rows().collect();
    let header: Vec<String> = rows[header_row].iter().map(|c| c.to_string()).collect();
    let share = header.iter().position(|h| h == "称职占比").unwrap();
    let firm = header.iter().position(|h| h == "律师事务所").unwrap();
    for r in &rows[header_row + 1..] {
        match r[share] {
            Data::Float(v) => assert!((0.0..=1.0).contains(&v), "{v}"),
            ref other => panic!("a share is {other:?}"),
        }
    }
    assert!(part(&path, "xl/styles.xml").contains("formatCode=\"0.0%\""));

    // Widths: the law-firm column holds its longest name, a Chinese
    // character counting two.
    let longest = rows[header_row + 1..]
        .iter()
        .map(|r| wide(&r[firm].to_string()))
        .max()
        .unwrap();
    let firms_xml = part(&path, &format!("xl/worksheets/sheet{}.xml", firms_at + 1));
    let width = column_width(&firms_xml, firm + 1);
    assert!(
        width >= longest as f64 && width <= longest as f64 + 4.0,
        "{width} for {longest}"
    );

    // Print: landscape, one page wide, the header row repeated.
    let workbook_xml = part(&path, "xl/workbook.xml");
    for (i, sheet) in tables.iter().enumerate() {
        let xml = part(&path, &format!("xl/worksheets/sheet{}.xml", i + 1));
        assert!(xml.contains("orientation=\"landscape\""), "{sheet}");
        assert!(xml.contains("fitToPage=\"1\""), "{sheet}");
        assert!(xml.contains("fitToHeight=\"0\""), "{sheet}");
        let titles = format!("'{sheet}'!$2:$2");
        let plain = format!("{sheet}!$2:$2");
        assert!(
            workbook_xml.contains(&titles) || workbook_xml.contains(&plain),
            "{sheet}: no repeated header row in {workbook_xml}"
        );
    }

    // The roster likewise.
    let roster = d.join("out/internal/eligibility.xlsx");
    let mut wb: Xlsx<_> = open_workbook(&roster).unwrap();
    let name = wb.sheet_names()[0].clone();
    let range = wb.worksheet_range(&name).unwrap();
    let rows: Vec<&[Data]> = range.rows().collect();
    assert!(rows[0][0].to_string().contains("数据截至 2024-12-31"));
    assert!(
        rows[header_row]
            .iter()
            .any(|c| *c == Data::String("执业证号".into())),
        "{:?}",
        rows[header_row]
    );
    assert!(part(&roster, "xl/worksheets/sheet1.xml").contains("orientation=\"landscape\""));
}
