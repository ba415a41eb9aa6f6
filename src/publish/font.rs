//! The web font of the public pages (issue 16 #13): with no Chinese font on
//! the reader's machine (or the print server's), a page that names only
//! system fonts shows every character as a box. The public folder therefore
//! carries `fonts/wqy-microhei-subset.ttf`, a subset of the font the charts
//! embed (WenQuanYi Micro Hei, face 0 of `assets/fonts/wqy-microhei.ttc.zst`,
//! Apache-2.0, its licence shipped beside it) holding only the glyphs of the
//! characters the public pages use; the stylesheet names it by
//! `@font-face` after the usual system CJK fonts.
//!
//! The subsetting is allsorts' (a maintained font library), asked for a
//! Unicode `cmap` so that browsers accept the font. The glyph set comes from
//! the public pages only, which hold nothing private (privacy rule 1), and
//! the same pages give the same bytes.

use std::collections::BTreeSet;

use allsorts::binary::read::ReadScope;
use allsorts::font::MatchingPresentation;
use allsorts::font_data::FontData;
use allsorts::subset::{CmapTarget, SubsetProfile, subset};

use super::{PublishError, Writer};

/// The font file, relative to `public/` (the pages that use it are there).
pub const FONT_FILE: &str = "fonts/wqy-microhei-subset.ttf";

/// The font's licence, beside it.
pub const LICENCE_FILE: &str = "fonts/LICENSE-wqy-microhei.txt";

/// The family name the stylesheet's `@font-face` gives the font.
pub const FAMILY: &str = "Legalaid WenQuanYi Micro Hei";

static LICENCE: &str = concat!(
    include_str!("../../assets/fonts/LICENSE-wqy-microhei.txt"),
    "\nChanges: fonts/wqy-microhei-subset.ttf is face 0 of wqy-microhei.ttc reduced \
     by legalaid to the glyphs of the characters its public pages use.\n"
);

/// The characters a set of pages needs glyphs for: every character of
/// their text but controls (line ends).
pub fn characters<'a>(texts: impl IntoIterator<Item = &'a str>) -> BTreeSet<char> {
    texts
        .into_iter()
        .flat_map(str::chars)
        .filter(|c| !c.is_control())
        .collect()
}

fn font_error(e: impl std::fmt::Display) -> PublishError {
    PublishError::Font(e.to_string())
}

/// A subset of the embedded font with the glyphs of `chars` and a Unicode
/// `cmap`, and the characters the font has no glyph for.
pub fn subset_font(chars: &BTreeSet<char>) -> Result<(Vec<u8>, Vec<char>), PublishError> {
    let scope = ReadScope::new(super::charts::embedded_font()?);
    let data = scope.read::<FontData<'_>>().map_err(font_error)?;
    let mut font =
        allsorts::Font::new(data.table_provider(0).map_err(font_error)?).map_err(font_error)?;
    // Glyph 0 (.notdef) is always kept.
    let mut glyphs: BTreeSet<u16> = BTreeSet::from([0]);
    let mut missing = Vec::new();
    for &c in chars {
        match font.lookup_glyph_index(c, MatchingPresentation::NotRequired, None) {
            (0, _) => missing.push(c),
            (g, _) => {
                glyphs.insert(g);
            }
        }
    }
    let glyphs: Vec<u16> = glyphs.into_iter().collect();
    let provider = data.table_provider(0).map_err(font_error)?;
    let bytes = subset(
        &provider,
        &glyphs,
        &SubsetProfile::Minimal,
        CmapTarget::Unicode,
    )
    .map_err(font_error)?;
    Ok((bytes, missing))
}

/// Writes `public/fonts/`: the subset font for the public pages written so
/// far (call it after the last of them) and its licence. Characters the
/// font lacks (none in Chinese or English text) fall back to the reader's
/// fonts; a warning names them.
pub fn write(out: &mut Writer) -> Result<(), PublishError> {
    let mut pages: Vec<String> = Vec::new();
    for rel in out
        .files
        .iter()
        .filter(|f| f.starts_with("public/") && f.ends_with(".html") && !f[7..].contains('/'))
    {
        let path = out.root.join(rel);
        pages.push(std::fs::read_to_string(&path).map_err(|e| PublishError::io(&path, e))?);
    }
    let (bytes, missing) = subset_font(&characters(pages.iter().map(String::as_str)))?;
    if !missing.is_empty() {
        out.warnings.push(format!(
            "the web font has no glyph for {} character(s) of the public pages ({}); readers \
             see them in their own fonts",
            missing.len(),
            missing
                .iter()
                .take(10)
                .map(|c| format!("U+{:04X}", *c as u32))
                .collect::<Vec<_>>()
                .join(" ")
        ));
    }
    out.write(&format!("public/{FONT_FILE}"), bytes)?;
    out.write(&format!("public/{LICENCE_FILE}"), LICENCE)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_subset_holds_the_characters_asked_for_and_is_deterministic() {
        let chars = characters(["法律援助 2025-01-20（称职）", "负面清单"]);
        let (a, missing) = subset_font(&chars).unwrap();
        assert!(missing.is_empty(), "{missing:?}");
        let (b, _) = subset_font(&chars).unwrap();
        assert_eq!(a, b, "same characters, same bytes");
        assert!(a.len() < 40_000, "{} bytes", a.len());
        let scope = ReadScope::new(&a);
        let data = scope.read::<FontData<'_>>().unwrap();
        let mut font = allsorts::Font::new(data.table_provider(0).unwrap()).unwrap();
        for c in chars {
            let (g, _) = font.lookup_glyph_index(c, MatchingPresentation::NotRequired, None);
            assert_ne!(g, 0, "{c}");
        }
        let (g, _) = font.lookup_glyph_index('龘', MatchingPresentation::NotRequired, None);
        assert_eq!(g, 0, "a character not asked for is not there");
    }
}
