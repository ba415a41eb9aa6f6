//! The privacy and safety rules of `publication.md` that are decided cell by
//! cell: masking recipients in internal reports (rule 2), small-cell and
//! complementary suppression of public counts and rates (rule 3), and
//! neutralising formula-like text in CSV and XLSX (rule 4). HTML escaping
//! (rule 4) is the template engine's auto-escaping, and the same escaping
//! function for the tables built in Rust (`templates::Tbl::html`); keeping identifying data
//! out of `public/` (rule 1) is done by never reading it for public pages,
//! and by [`Identifiers`] for the one free text that is published (a
//! sanction's `summary`).

use std::collections::{BTreeSet, HashMap};

use super::rows::IdentifierRow;

/// A recipient's name as its first character and one `*` per further
/// character: 张三丰 → 张**.
pub fn mask_name(name: &str) -> String {
    let mut chars = name.trim().chars();
    match chars.next() {
        None => String::new(),
        Some(first) => {
            let mut out = first.to_string();
            out.extend(chars.map(|_| '*'));
            out
        }
    }
}

/// An identity number as its first 3 and last 4 characters with one `*` for
/// each character between; a number of 7 characters or fewer is all `*`
/// (nothing of it could be kept without showing all of it).
pub fn mask_id_no(id: &str) -> String {
    let chars: Vec<char> = id.trim().chars().collect();
    let n = chars.len();
    if n <= 7 {
        return "*".repeat(n);
    }
    let mut out: String = chars[..3].iter().collect();
    out.push_str(&"*".repeat(n - 7));
    out.extend(&chars[n - 4..]);
    out
}

/// Formula-like text and its CSV form: the one rule of `crate::xlsx`,
/// shared by every CSV and XLSX writer but `rejected/`.
pub use crate::xlsx::{formula_like as is_formula_like, neutralise_csv as csv_text};

/// A count or rate as published: its value, suppressed ("—"), or not
/// applicable (blank).
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Shown {
    Value(u64),
    Suppressed,
    NotApplicable,
}

impl Shown {
    pub fn value(self) -> Option<u64> {
        match self {
            Shown::Value(v) => Some(v),
            _ => None,
        }
    }
}

/// A table of counts, rows × columns, with optional row totals (one per row,
/// the sum of its cells) and column totals (one per column, plus the grand
/// total when both are present). `None` cells do not apply (a grade that a
/// case type's rubric does not have) and take no part in any sum.
#[derive(Debug, Clone, PartialEq)]
pub struct Grid {
    pub cells: Vec<Vec<Option<u64>>>,
    pub row_totals: bool,
    pub col_totals: bool,
}

/// A [`Grid`] as published.
#[derive(Debug, Clone, PartialEq)]
pub struct SuppressedGrid {
    pub cells: Vec<Vec<Shown>>,
    /// One per row when the grid has row totals, else empty.
    pub row_totals: Vec<Shown>,
    /// One per column when the grid has column totals, else empty.
    pub col_totals: Vec<Shown>,
    /// When the grid has both.
    pub grand_total: Option<Shown>,
}

/// An additive line of a grid: its cells and the position of its total.
type Line = (Vec<(usize, usize)>, (usize, usize));

/// A position in a grid including its totals: `(grid, row, column)`, where
/// row = the number of rows is the column-totals row and column = the number
/// of columns is the row-totals column.
pub type Cell = (usize, usize, usize);

impl Grid {
    /// Applies the small-cell rule with complementary suppression to this
    /// grid alone; see [`suppress_linked`].
    pub fn suppress(&self, min_cell: u64) -> SuppressedGrid {
        suppress_linked(std::slice::from_ref(self), &[], min_cell).remove(0)
    }

    fn n_rows(&self) -> usize {
        self.cells.len()
    }

    fn n_cols(&self) -> usize {
        self.cells.first().map_or(0, Vec::len)
    }

    /// Values with totals: row `r` holds the column totals, column `c` the
    /// row totals; `None` where nothing applies.
    fn full(&self) -> Vec<Vec<Option<u64>>> {
        let (r, c) = (self.n_rows(), self.n_cols());
        let mut value = vec![vec![None::<u64>; c + 1]; r + 1];
        for (i, row) in self.cells.iter().enumerate() {
            for (j, v) in row.iter().enumerate() {
                value[i][j] = *v;
            }
        }
        if self.row_totals {
            for (i, row) in self.cells.iter().enumerate() {
                value[i][c] = Some(row.iter().flatten().sum());
            }
        }
        if self.col_totals {
            for j in 0..c {
                value[r][j] = Some(self.cells.iter().filter_map(|row| row[j]).sum());
            }
            if self.row_totals {
                value[r][c] = Some(self.cells.iter().flatten().flatten().sum());
            }
        }
        value
    }

    /// The additive lines: each row (with its total) when the grid has row
    /// totals, each column when it has column totals; the totals row and
    /// column are lines too when the grid has both.
    fn lines(&self) -> Vec<Line> {
        let (r, c) = (self.n_rows(), self.n_cols());
        let mut lines = Vec::new();
        if self.row_totals {
            let rows = if self.col_totals { r + 1 } else { r };
            for i in 0..rows {
                lines.push(((0..c).map(|j| (i, j)).collect(), (i, c)));
            }
        }
        if self.col_totals {
            let cols = if self.row_totals { c + 1 } else { c };
            for j in 0..cols {
                lines.push(((0..r).map(|i| (i, j)).collect(), (r, j)));
            }
        }
        lines
    }
}

/// Applies the small-cell rule to several grids whose figures are linked
/// (the same count shown in two tables, e.g. reviewed cases per case type in
/// the headline and as the row total of the grade table).
///
/// Every count from 1 to `min_cell - 1` (cells and totals alike) is
/// suppressed. Then, until nothing changes: every row or column with a total
/// and exactly one suppressed member (a cell or the total) gets a second
/// suppressed cell, so that the first cannot be recovered by subtraction —
/// the smallest other non-zero cell of that line, ties by position (a zero
/// would hide nothing: x + 0 = total), or the line's total when it has no
/// such cell; and a figure suppressed in one table is suppressed wherever it
/// is linked. Zero is never suppressed for itself.
pub fn suppress_linked(
    grids: &[Grid],
    links: &[(Cell, Cell)],
    min_cell: u64,
) -> Vec<SuppressedGrid> {
    let small = |v: u64| v >= 1 && v < min_cell;
    let values: Vec<Vec<Vec<Option<u64>>>> = grids.iter().map(Grid::full).collect();
    let lines: Vec<_> = grids.iter().map(Grid::lines).collect();
    let mut hidden: Vec<Vec<Vec<bool>>> = values
        .iter()
        .map(|v| {
            v.iter()
                .map(|row| row.iter().map(|x| x.is_some_and(small)).collect())
                .collect()
        })
        .collect();
    loop {
        let mut changed = false;
        for (g, grid_lines) in lines.iter().enumerate() {
            let (value, hide) = (&values[g], &mut hidden[g]);
            for (members, total) in grid_lines {
                let cells: Vec<(usize, usize)> = members
                    .iter()
                    .copied()
                    .filter(|&(i, j)| value[i][j].is_some())
                    .collect();
                let n_hidden = cells.iter().filter(|&&(i, j)| hide[i][j]).count()
                    + usize::from(hide[total.0][total.1]);
                if n_hidden != 1 {
                    continue;
                }
                let pick = cells
                    .iter()
                    .copied()
                    .filter(|&(i, j)| !hide[i][j] && value[i][j].unwrap_or(0) > 0)
                    .min_by_key(|&(i, j)| value[i][j]);
                let (i, j) = pick.unwrap_or(*total);
                if !hide[i][j] {
                    hide[i][j] = true;
                    changed = true;
                }
            }
        }
        for &((g1, i1, j1), (g2, i2, j2)) in links {
            let either = hidden[g1][i1][j1] || hidden[g2][i2][j2];
            for (g, i, j) in [(g1, i1, j1), (g2, i2, j2)] {
                if either && !hidden[g][i][j] && values[g][i][j].is_some() {
                    hidden[g][i][j] = true;
                    changed = true;
                }
            }
        }
        if !changed {
            break;
        }
    }
    grids
        .iter()
        .enumerate()
        .map(|(g, grid)| {
            let (r, c) = (grid.n_rows(), grid.n_cols());
            let shown = |i: usize, j: usize| match values[g][i][j] {
                None => Shown::NotApplicable,
                Some(_) if hidden[g][i][j] => Shown::Suppressed,
                Some(v) => Shown::Value(v),
            };
            SuppressedGrid {
                cells: (0..r)
                    .map(|i| (0..c).map(|j| shown(i, j)).collect())
                    .collect(),
                row_totals: if grid.row_totals {
                    (0..r).map(|i| shown(i, c)).collect()
                } else {
                    Vec::new()
                },
                col_totals: if grid.col_totals {
                    (0..c).map(|j| shown(r, j)).collect()
                } else {
                    Vec::new()
                },
                grand_total: (grid.row_totals && grid.col_totals).then(|| shown(r, c)),
            }
        })
        .collect()
}

/// A share or mean as published: shown only when it rests on at least
/// `min_cell` cases and neither its numerator nor its denominator count is
/// suppressed (either could otherwise be recovered from it).
pub fn rate_shown(numerator: Shown, denominator: Shown, n: u64, min_cell: u64) -> bool {
    n >= min_cell
        && !matches!(numerator, Shown::Suppressed)
        && !matches!(denominator, Shown::Suppressed)
}

/// Which of the few free texts a publication may show (the sanctions'
/// `summary`) contain an identifying value of the inputs: a recipient's name
/// or identity number, a case id or a reviewer's name (publication.md,
/// privacy rule 1).
///
/// The search runs the other way round from the obvious one, because the
/// values are millions (three per case) and the texts a few hundred: the
/// texts' substrings of each byte length a value has are indexed (once per
/// length, lazily), and the values stream past them, one hash lookup each,
/// with nothing of them kept (issue 13: collecting them into sets was a fifth
/// of publication's time and a third of its memory at a million cases).
#[derive(Debug, Clone, Default)]
pub struct Identifiers {
    /// Each searched text (trimmed) and whether a value was found in it.
    searched: HashMap<String, bool>,
}

/// The kinds of `mart_report_identifiers` a published text must not hold.
const SEARCHED_KINDS: [&str; 4] = [
    "case_id",
    "recipient_name",
    "recipient_id_no",
    "reviewer_name",
];

impl Identifiers {
    /// Searches `texts` for every value of `rows` (`mart_report_identifiers`
    /// rows, a batch at a time), values trimmed, empty ones left out.
    pub fn search<E>(
        texts: impl IntoIterator<Item = String>,
        rows: impl IntoIterator<Item = Result<Vec<IdentifierRow>, E>>,
    ) -> Result<Identifiers, E> {
        let texts: Vec<String> = texts
            .into_iter()
            .map(|t| t.trim().to_string())
            .filter(|t| !t.is_empty())
            .collect::<BTreeSet<_>>()
            .into_iter()
            .collect();
        let mut found = vec![false; texts.len()];
        let longest = texts.iter().map(String::len).max().unwrap_or(0);
        // Byte length → substring → the texts that hold it.
        let mut by_len: HashMap<usize, HashMap<&str, Vec<usize>>> = HashMap::new();
        for batch in rows {
            for row in batch? {
                if !SEARCHED_KINDS.contains(&row.kind.as_str()) {
                    continue;
                }
                let Some(value) = row
                    .value
                    .as_deref()
                    .map(str::trim)
                    .filter(|v| !v.is_empty())
                else {
                    continue;
                };
                if value.len() > longest {
                    continue;
                }
                let index = by_len
                    .entry(value.len())
                    .or_insert_with(|| substrings_of_len(&texts, value.len()));
                for &t in index.get(value).into_iter().flatten() {
                    found[t] = true;
                }
            }
        }
        Ok(Identifiers {
            searched: texts.into_iter().zip(found).collect(),
        })
    }

    /// Whether `text` contains a recipient's name or identity number, a case
    /// id or a reviewer's name: the test a sanction summary must pass to be
    /// published. A text that was not searched counts as containing one
    /// (withheld, never shown unchecked).
    pub fn found_in(&self, text: &str) -> bool {
        let found = self.searched.get(text.trim()).copied();
        debug_assert!(found.is_some(), "a text that was not searched: {text:?}");
        found.unwrap_or(true)
    }
}

/// Every substring of `texts` that is `len` bytes long and starts and ends
/// on a character boundary, with the texts that hold it.
fn substrings_of_len(texts: &[String], len: usize) -> HashMap<&str, Vec<usize>> {
    let mut index: HashMap<&str, Vec<usize>> = HashMap::new();
    for (t, text) in texts.iter().enumerate() {
        for (start, _) in text.char_indices() {
            let Some(sub) = text.get(start..start + len) else {
                continue;
            };
            let holders = index.entry(sub).or_default();
            if holders.last() != Some(&t) {
                holders.push(t);
            }
        }
    }
    index
}

#[cfg(test)]
mod tests {
    use super::*;
    use Shown::{NotApplicable as NA, Suppressed as S, Value as V};

    #[test]
    fn names_and_id_numbers_are_masked() {
        assert_eq!(mask_name("张三丰"), "张**");
        assert_eq!(mask_name("张三"), "张*");
        assert_eq!(mask_name("欧阳娜娜"), "欧***");
        assert_eq!(mask_name(" 李 "), "李");
        assert_eq!(mask_name(""), "");
        assert_eq!(mask_id_no("510104199001011234"), "510***********1234");
        assert_eq!(mask_id_no("51010419900101123X"), "510***********123X");
        assert_eq!(mask_id_no("12345678"), "123*5678");
        assert_eq!(mask_id_no("1234567"), "*******");
        assert_eq!(mask_id_no(""), "");
    }

    #[test]
    fn formula_like_text_is_neutralised_and_numbers_are_not() {
        for t in [
            "=1+1",
            "+SUM(A1)",
            "-2+3",
            "@cmd",
            "\tx",
            "\rx",
            "=HYPERLINK(\"x\")",
            "-",
        ] {
            assert!(is_formula_like(t), "{t:?}");
            assert_eq!(csv_text(t), format!("'{t}"));
        }
        for t in ["-3.5", "+7", "12", "0.25", "张三", "", "a=b", " =x"] {
            assert!(!is_formula_like(t), "{t:?}");
            assert_eq!(csv_text(t), t);
        }
        for t in ["-3.", "-.5", "--3", "-3.5e2", "-1,000"] {
            assert!(is_formula_like(t), "{t:?}");
        }
    }

    fn grid(rows: &[&[u64]], row_totals: bool, col_totals: bool) -> Grid {
        Grid {
            cells: rows
                .iter()
                .map(|r| r.iter().map(|v| Some(*v)).collect())
                .collect(),
            row_totals,
            col_totals,
        }
    }

    #[test]
    fn small_cells_are_suppressed_and_zero_is_shown() {
        let g = grid(&[&[0, 11, 10, 1]], false, false).suppress(11);
        assert_eq!(g.cells, vec![vec![V(0), V(11), S, S]]);
        assert!(g.row_totals.is_empty() && g.grand_total.is_none());
        // A threshold of 5 keeps 5 to 10.
        let g = grid(&[&[4, 5, 10]], false, false).suppress(5);
        assert_eq!(g.cells, vec![vec![S, V(5), V(10)]]);
    }

    #[test]
    fn a_lone_suppressed_cell_gets_the_smallest_other_nonzero_cell_of_its_row() {
        // district × grade with row totals: 5 would be 100 - 40 - 30 - 20.
        let g = grid(&[&[40, 30, 20, 5, 0]], true, false).suppress(11);
        assert_eq!(g.cells, vec![vec![V(40), V(30), S, S, V(0)]]);
        assert_eq!(g.row_totals, vec![V(95)]);
        // Ties go to the first in order.
        let g = grid(&[&[20, 20, 3]], true, false).suppress(11);
        assert_eq!(g.cells, vec![vec![S, V(20), S]]);
    }

    #[test]
    fn complementary_suppression_follows_columns_and_the_totals_row() {
        // Three districts × two grades, with row and column totals.
        //            A    B  | total
        // d1        30    4  |   34
        // d2        25   20  |   45
        // d3        12   15  |   27
        // total     67   39  |  106
        let g = grid(&[&[30, 4], &[25, 20], &[12, 15]], true, true).suppress(11);
        // 4 is primary; row d1 then needs 30 hidden; column B needs its
        // smallest other (15), column A the smallest other (12); row d3 now
        // has both hidden, row d2 none: stable.
        assert_eq!(
            g.cells,
            vec![vec![S, S], vec![V(25), V(20)], vec![S, S]],
            "{g:?}"
        );
        assert_eq!(g.row_totals, vec![V(34), V(45), V(27)]);
        assert_eq!(g.col_totals, vec![V(67), V(39)]);
        assert_eq!(g.grand_total, Some(V(106)));
        assert_no_line_has_one_hidden(&g);
    }

    #[test]
    fn a_small_total_is_suppressed_and_protected_like_a_cell() {
        // Column totals only (headline: closed and reviewed by case type).
        //              closed reviewed
        // criminal      200     7
        // civil         300    50
        // admin          12     3
        let g = grid(&[&[200, 7], &[300, 50], &[12, 3]], false, true).suppress(11);
        assert_eq!(
            g.cells,
            vec![vec![V(200), S], vec![V(300), V(50)], vec![V(12), S]]
        );
        assert_eq!(g.col_totals, vec![V(512), V(60)]);
        // A single row whose total is the only small value.
        let g = grid(&[&[0, 0, 9]], true, false).suppress(11);
        assert_eq!(g.cells, vec![vec![V(0), V(0), S]]);
        assert_eq!(g.row_totals, vec![S]);
        // A complementary cell whose line has only zeros left hides the total.
        let g = grid(&[&[20, 5], &[0, 30]], true, true).suppress(11);
        assert_no_line_has_one_hidden(&g);
        assert_eq!(g.cells[0], vec![S, S]);
    }

    #[test]
    fn not_applicable_cells_take_no_part() {
        let g = Grid {
            cells: vec![
                vec![Some(30), None, Some(4)],
                vec![Some(12), Some(40), Some(40)],
            ],
            row_totals: true,
            col_totals: false,
        }
        .suppress(11);
        assert_eq!(g.cells, vec![vec![S, NA, S], vec![V(12), V(40), V(40)]]);
    }

    #[test]
    fn a_figure_suppressed_in_one_table_is_suppressed_where_it_is_linked() {
        // Headline: closed and reviewed per case type, column totals.
        let headline = grid(&[&[200, 60], &[300, 50], &[40, 30]], false, true);
        // Grades per case type with row totals (= reviewed) and column totals.
        let grades = grid(&[&[30, 25, 5], &[20, 20, 10], &[15, 15, 0]], true, true);
        let links: Vec<(Cell, Cell)> = (0..3)
            .map(|t| ((0, t, 1), (1, t, 3)))
            .chain(std::iter::once(((0, 3, 1), (1, 3, 3))))
            .collect();
        let alone = headline.suppress(11);
        assert!(alone.cells.iter().flatten().all(|s| matches!(s, V(_))));
        let out = suppress_linked(&[headline, grades], &links, 11);
        // Grades: 5 and 10 are small; their rows and column force more
        // cells; nothing forces a row total here, so the headline is
        // unchanged, and what is hidden is consistent across the link.
        for t in 0..3 {
            assert_eq!(
                matches!(out[0].cells[t][1], S),
                matches!(out[1].row_totals[t], S),
                "{out:?}"
            );
        }
        assert_no_line_has_one_hidden(&out[1]);
        // Force it: a small row total in the grade table hides the headline
        // figure, and the headline column then needs a complement.
        let headline = grid(&[&[200, 60], &[300, 50], &[40, 9]], false, true);
        let grades = grid(&[&[30, 25, 5], &[20, 20, 10], &[4, 5, 0]], true, true);
        let out = suppress_linked(&[headline, grades], &links, 11);
        assert_eq!(out[0].cells[2][1], S);
        assert_eq!(out[1].row_totals[2], S);
        let hidden_reviewed = out[0].cells.iter().filter(|r| r[1] == S).count();
        assert!(hidden_reviewed >= 2, "{out:?}");
        for t in 0..3 {
            assert_eq!(
                out[0].cells[t][1] == S,
                out[1].row_totals[t] == S,
                "{out:?}"
            );
        }
    }

    #[test]
    fn rates_need_eleven_cases_and_visible_parts() {
        assert!(rate_shown(V(5), V(20), 20, 11));
        assert!(!rate_shown(V(5), V(10), 10, 11));
        assert!(!rate_shown(S, V(20), 20, 11));
        assert!(!rate_shown(V(12), S, 40, 11));
    }

    /// No row or column with a visible total has exactly one hidden member.
    fn assert_no_line_has_one_hidden(g: &SuppressedGrid) {
        let hidden = |s: &Shown| matches!(s, Shown::Suppressed);
        for (i, row) in g.cells.iter().enumerate() {
            if let Some(t) = g.row_totals.get(i) {
                let n = row.iter().filter(|s| hidden(s)).count() + usize::from(hidden(t));
                assert_ne!(n, 1, "row {i}: {g:?}");
            }
        }
        for (j, t) in g.col_totals.iter().enumerate() {
            let n = g.cells.iter().filter(|r| hidden(&r[j])).count() + usize::from(hidden(t));
            assert_ne!(n, 1, "column {j}: {g:?}");
        }
    }

    fn search(texts: &[&str], rows: &[(&str, Option<&str>)]) -> Identifiers {
        let rows: Vec<IdentifierRow> = rows
            .iter()
            .map(|(kind, value)| IdentifierRow {
                kind: kind.to_string(),
                value: value.map(str::to_string),
            })
            .collect();
        // Two batches, as a mart streams them.
        let (a, b) = rows.split_at(rows.len() / 2);
        Identifiers::search(
            texts.iter().map(|t| t.to_string()),
            [Ok::<_, ()>(a.to_vec()), Ok(b.to_vec())],
        )
        .unwrap()
    }

    #[test]
    fn identifiers_are_read_by_kind_trimmed_and_found_in_text() {
        let texts = [
            "案件C-1",
            "经查向张三丰收取",
            " 张三 ",
            "good",
            "收费C-12",
            "李评",
            "C-",
        ];
        let ids = search(
            &texts,
            &[
                ("case_id", Some(" C-1 ")),
                ("recipient_name", Some("张三丰")),
                ("recipient_id_no", Some("")),
                ("reviewer_name", Some("李评")),
                ("note", None),
                ("note", Some("good")),
                ("case_id", Some("C-123")),
            ],
        );
        assert!(ids.found_in("案件C-1"));
        assert!(ids.found_in("经查向张三丰收取"));
        assert!(!ids.found_in("张三"), "a part of a name is not the name");
        assert!(ids.found_in("收费C-12"), "C-1 is in C-12");
        assert!(ids.found_in("李评"), "a whole text");
        assert!(!ids.found_in("C-"), "longer values are not in a short text");
        assert!(!ids.found_in("good"), "notes are not searched");
    }

    proptest::proptest! {
        /// The search finds exactly what `str::contains` finds, whatever the
        /// texts and values (CJK and ASCII, any lengths).
        #[test]
        fn the_search_finds_what_contains_finds(
            texts in proptest::collection::vec("[a-c张三丰 ]{0,12}", 0..6),
            values in proptest::collection::vec("[a-c张三丰]{1,4}", 0..12),
        ) {
            let rows: Vec<(&str, Option<&str>)> =
                values.iter().map(|v| ("recipient_name", Some(v.as_str()))).collect();
            let text_refs: Vec<&str> = texts.iter().map(String::as_str).collect();
            let ids = search(&text_refs, &rows);
            for t in texts.iter().filter(|t| !t.trim().is_empty()) {
                let expected = values.iter().any(|v| t.trim().contains(v.as_str()));
                proptest::prop_assert_eq!(ids.found_in(t), expected, "{:?} in {:?}", values, t);
            }
        }
    }
}
