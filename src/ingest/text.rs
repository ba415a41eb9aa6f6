//! Length and character checks on every cell, before it is typed (issue 15,
//! defect 6): text that would fail the run late (a 40,000-character firm name
//! in an XLSX cell, a 300-character id in a file name) or reach the outputs
//! as invisible or reordering characters is a row-level reject at ingest,
//! naming the column.
//!
//! | class | columns | at most | characters refused |
//! |---|---|---|---|
//! | id | `*_id`, `supersedes`, `recipient_id_no`, `item`, `matter` | 64 | C0/C1 controls, DEL, bidi controls |
//! | name | every other text, enumeration, date, boolean and points column | 200 | C0/C1 controls, DEL, bidi controls |
//! | list | `;`-lists (`specialties`, `recipient_groups`) | 1,000 | C0/C1 controls, DEL, bidi controls |
//! | free text | `note`, `summary` | 4,000 | C0/C1 controls and DEL except tab, CR and LF |
//!
//! Lengths count characters (Unicode scalar values) of the trimmed cell. The
//! bidi controls are the embeddings, overrides and isolates U+202A–U+202E and
//! U+2066–U+2069; free text may hold them (a note may mix scripts), and every
//! HTML page renders them inert ([`crate::publish::templates`]).

use super::schema::{ColumnSpec, Kind};

/// What a column's text is, for its length and character rules.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TextClass {
    Id,
    Name,
    List,
    Free,
}

impl TextClass {
    /// The class of a contract column.
    pub fn of(column: &ColumnSpec) -> TextClass {
        match (column.name, column.kind) {
            ("note" | "summary", _) => TextClass::Free,
            (_, Kind::List(_)) => TextClass::List,
            ("supersedes" | "recipient_id_no" | "item" | "matter", _) => TextClass::Id,
            (name, Kind::Text) if name.ends_with("_id") => TextClass::Id,
            _ => TextClass::Name,
        }
    }

    /// The most characters a cell of the class may hold.
    pub fn max_chars(self) -> usize {
        match self {
            TextClass::Id => 64,
            TextClass::Name => 200,
            TextClass::List => 1_000,
            TextClass::Free => 4_000,
        }
    }

    fn label(self) -> &'static str {
        match self {
            TextClass::Id => "an id",
            TextClass::Name => "a name or short value",
            TextClass::List => "a list",
            TextClass::Free => "free text",
        }
    }
}

/// Why a cell's text was refused.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TextProblem {
    TooLong {
        chars: usize,
        max: usize,
    },
    BadCharacter {
        ch: char,
        at: usize,
        what: &'static str,
    },
}

/// A bidi embedding, override or isolate.
pub fn is_bidi_control(c: char) -> bool {
    matches!(c, '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}')
}

/// Whether `bytes` hold no byte that may begin a refused character: no
/// control byte, no C1 lead (0xC2) and no lead of the U+2000 block (0xE2),
/// which holds the bidi controls; CJK text passes. Text for which this holds
/// passes the character rules of every class. No early exit, so that the
/// loop runs on whole vectors (ingest asks it of every record).
pub fn has_no_refused_byte(bytes: &[u8]) -> bool {
    bytes.iter().fold(true, |clean, &b| {
        clean & (b >= 0x20) & (b != 0x7F) & (b != 0xC2) & (b != 0xE2)
    })
}

/// Checks a (trimmed) cell's text against its class.
pub fn check(text: &str, class: TextClass) -> Result<(), TextProblem> {
    check_length(text, class)?;
    if has_no_refused_byte(text.as_bytes()) {
        return Ok(());
    }
    for (at, ch) in text.chars().enumerate() {
        let what = if ch.is_control() {
            if class == TextClass::Free && matches!(ch, '\t' | '\r' | '\n') {
                continue;
            }
            "a control character"
        } else if is_bidi_control(ch) && class != TextClass::Free {
            "a bidi control character"
        } else {
            continue;
        };
        return Err(TextProblem::BadCharacter {
            ch,
            at: at + 1,
            what,
        });
    }
    Ok(())
}

/// Checks only the length of a cell's text: all [`check`] needs of a cell
/// whose record passed [`has_no_refused_byte`] whole.
pub fn check_length(text: &str, class: TextClass) -> Result<(), TextProblem> {
    let max = class.max_chars();
    // A character is at least one byte: short texts need no count.
    if text.len() > max {
        let chars = text.chars().count();
        if chars > max {
            return Err(TextProblem::TooLong { chars, max });
        }
    }
    Ok(())
}

/// The reject detail for a refused cell: the column, what was wrong and
/// where, never the text itself (it may be huge or invisible).
pub fn describe(column: &ColumnSpec, class: TextClass, problem: &TextProblem) -> String {
    match problem {
        TextProblem::TooLong { chars, max } => format!(
            "column {} has {chars} characters; {} may have at most {max}",
            column.name,
            class.label()
        ),
        TextProblem::BadCharacter { ch, at, what } => format!(
            "column {} has {what} U+{:04X} at character {at}; not allowed in {}",
            column.name,
            *ch as u32,
            class.label()
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ingest::schema::TABLES;

    #[test]
    fn every_column_has_the_documented_class() {
        let mut ids = Vec::new();
        let mut free = Vec::new();
        let mut lists = Vec::new();
        for t in &TABLES {
            for c in t.columns {
                match TextClass::of(c) {
                    TextClass::Id => ids.push(c.name),
                    TextClass::Free => free.push(c.name),
                    TextClass::List => lists.push(c.name),
                    TextClass::Name => {}
                }
            }
        }
        ids.sort();
        ids.dedup();
        assert_eq!(
            ids,
            [
                "case_id",
                "complaint_id",
                "firm_id",
                "item",
                "lawyer_id",
                "matter",
                "recipient_id_no",
                "review_id",
                "reviewer_id",
                "sanction_id",
                "supersedes"
            ]
        );
        assert_eq!(free, ["note", "summary"]);
        assert_eq!(lists, ["specialties", "recipient_groups"]);
    }

    proptest::proptest! {
        /// Text with no refused byte needs only its length checked, in
        /// every class: the ingest shortcut for plain records.
        #[test]
        fn text_without_refused_bytes_needs_only_its_length_checked(
            text in "[ -~\t\r\n\u{1}\u{7f}\u{85}\u{a0}\u{2014}\u{202a}-\u{202e}\u{2066}-\u{2069}\u{3000}中文]{0,80}"
        ) {
            for class in [TextClass::Id, TextClass::Name, TextClass::List, TextClass::Free] {
                if has_no_refused_byte(text.as_bytes()) {
                    proptest::prop_assert_eq!(check(&text, class), check_length(&text, class));
                }
                let refused = text.chars().any(|c| c.is_control() || is_bidi_control(c));
                proptest::prop_assert!(!(refused && has_no_refused_byte(text.as_bytes())));
            }
        }
    }

    #[test]
    fn lengths_count_characters() {
        assert_eq!(check(&"律".repeat(200), TextClass::Name), Ok(()));
        assert_eq!(
            check(&"律".repeat(201), TextClass::Name),
            Err(TextProblem::TooLong {
                chars: 201,
                max: 200
            })
        );
        assert_eq!(check(&"a".repeat(64), TextClass::Id), Ok(()));
        assert!(check(&"a".repeat(300), TextClass::Id).is_err());
        assert!(check(&"a".repeat(40_000), TextClass::Name).is_err());
        assert_eq!(check(&"a".repeat(4_000), TextClass::Free), Ok(()));
    }

    #[test]
    fn controls_and_bidi_by_class() {
        for class in [TextClass::Id, TextClass::Name, TextClass::List] {
            for bad in [
                "a\0b", "a\u{1}", "a\tb", "a\rb", "a\nb", "a\u{7f}", "a\u{85}b",
            ] {
                assert!(
                    matches!(check(bad, class), Err(TextProblem::BadCharacter { .. })),
                    "{bad:?} {class:?}"
                );
            }
            for bidi in ['\u{202A}', '\u{202E}', '\u{2066}', '\u{2069}'] {
                assert_eq!(
                    check(&format!("L0{bidi}01"), class),
                    Err(TextProblem::BadCharacter {
                        ch: bidi,
                        at: 3,
                        what: "a bidi control character"
                    })
                );
            }
        }
        assert_eq!(check("第一行\r\n第二行\t完", TextClass::Free), Ok(()));
        assert_eq!(check("مرحبا \u{2067}x\u{2069}", TextClass::Free), Ok(()));
        assert!(check("a\0b", TextClass::Free).is_err());
        // ordinary text with the fast path's lead bytes passes
        for fine in ["“引号”—破折号…", "café ©", "L-001", "四川示例律师事务所"]
        {
            assert_eq!(check(fine, TextClass::Name), Ok(()), "{fine}");
        }
    }
}
