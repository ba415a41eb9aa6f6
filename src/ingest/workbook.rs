//! Opening a workbook with calamine, bounded (issue 15). The reader is
//! chosen by the file's content, not its extension (calamine's
//! `open_workbook_auto` tries every reader on an unknown or upper-case
//! extension, so a `.XLSX` holding an OpenDocument sheet reached the ODS
//! reader unchecked).
//!
//! - XLSX and XLSB sheets are streamed cell by cell
//!   ([`super::source`]'s `sheet_cells`): memory follows the cells present.
//! - XLS and ODS have no cell-by-cell reader in calamine 0.38: opening one
//!   builds every sheet's dense range at once. Before calamine sees the file,
//!   [`check_xls`] and [`check_ods`] work out, from the file, what those
//!   ranges will hold, and refuse it, naming the sheet, when the sheets'
//!   bounding boxes together pass [`MAX_RANGE_CELLS`] cells or their text
//!   (repeated cells copy it) passes [`MAX_WORKBOOK_TEXT`] bytes. The XLS
//!   check also refuses what made calamine's compound-file reader loop or
//!   reserve without bound: a cyclic or out-of-range sector chain, a
//!   `Dimensions` record past the cap.

use std::fs::File;
use std::io::{BufReader, Read};
use std::path::Path;

/// Cells the dense ranges of a workbook's sheets may span together: 4
/// million, about 128 MB of calamine's cells (and as much again for the
/// formula ranges of XLS and ODS). The score-sheet workbooks are a few
/// thousand cells; an input table of 65,536 rows (an XLS sheet's most) by 64
/// columns fits.
pub const MAX_RANGE_CELLS: u64 = 4 << 20;

/// Bytes of cell text an XLS or ODS workbook may expand to in calamine's
/// ranges (a repeated cell, or a shared string used by many cells, is one
/// copy each): 256 MiB.
pub const MAX_WORKBOOK_TEXT: u64 = 256 << 20;

/// What a workbook file is, by its first bytes and, for a zip, its parts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Xls,
    Xlsx,
    Xlsb,
    Ods,
}

const CFB_SIGNATURE: &[u8; 8] = b"\xD0\xCF\x11\xE0\xA1\xB1\x1A\xE1";

/// Whether the file starts like an OLE compound file (an `.xls`).
pub fn is_compound_file(path: &Path) -> bool {
    let mut head = [0u8; 8];
    File::open(path)
        .and_then(|mut f| f.read_exact(&mut head))
        .is_ok()
        && &head == CFB_SIGNATURE
}

/// The kind of workbook `path` holds; `Err` when it is none.
pub fn kind(path: &Path) -> Result<Kind, String> {
    if is_compound_file(path) {
        return Ok(Kind::Xls);
    }
    let file = File::open(path).map_err(|e| format!("cannot open: {e}"))?;
    let archive = zip::ZipArchive::new(BufReader::new(file))
        .map_err(|e| format!("not a readable workbook: {e}"))?;
    let has = |name: &str| {
        archive
            .file_names()
            .any(|n| n.is_ok_and(|n| n.eq_ignore_ascii_case(name)))
    };
    Ok(if has("xl/workbook.bin") {
        Kind::Xlsb
    } else if has("content.xml") && !has("xl/workbook.xml") {
        Kind::Ods
    } else {
        Kind::Xlsx
    })
}

/// Opens a workbook with the reader its content calls for, after the
/// checks above. The error is a message for a file-level error naming the
/// workbook.
pub fn open(path: &Path) -> Result<calamine::Sheets<BufReader<File>>, String> {
    let unreadable = |e: &dyn std::fmt::Display| format!("not a readable workbook: {e}");
    Ok(match kind(path)? {
        Kind::Xls => {
            let bytes = std::fs::read(path).map_err(|e| format!("cannot read: {e}"))?;
            check_xls(&bytes)?;
            drop(bytes);
            calamine::Sheets::Xls(calamine::open_workbook(path).map_err(|e| unreadable(&e))?)
        }
        Kind::Xlsx => {
            calamine::Sheets::Xlsx(calamine::open_workbook(path).map_err(|e| unreadable(&e))?)
        }
        Kind::Xlsb => {
            calamine::Sheets::Xlsb(calamine::open_workbook(path).map_err(|e| unreadable(&e))?)
        }
        Kind::Ods => {
            let file = File::open(path).map_err(|e| format!("cannot open: {e}"))?;
            let mut archive =
                zip::ZipArchive::new(BufReader::new(file)).map_err(|e| unreadable(&e))?;
            let content = archive.by_name("content.xml").map_err(|e| unreadable(&e))?;
            check_ods(BufReader::new(content))?;
            drop(archive);
            calamine::Sheets::Ods(calamine::open_workbook(path).map_err(|e| unreadable(&e))?)
        }
    })
}

/// Adds up what a workbook's dense ranges will take, sheet by sheet.
struct Budget {
    cells: u64,
    text: u64,
    /// [`MAX_WORKBOOK_TEXT`], or less in a test.
    max_text: u64,
}

impl Default for Budget {
    fn default() -> Budget {
        Budget {
            cells: 0,
            text: 0,
            max_text: MAX_WORKBOOK_TEXT,
        }
    }
}

impl Budget {
    fn add(
        &mut self,
        sheet: &str,
        cells: u64,
        text: u64,
        stray: Option<(u64, u64)>,
    ) -> Result<(), String> {
        self.cells = self.cells.saturating_add(cells);
        self.text = self.text.saturating_add(text);
        if self.cells > MAX_RANGE_CELLS {
            let at = stray.map_or(String::new(), |(r, c)| {
                format!(
                    " (a stray cell such as the one in row {}, column {}?)",
                    r + 1,
                    c + 1
                )
            });
            return Err(format!(
                "sheet `{sheet}`: its cells spread over {cells} cells (rows × columns), more than \
                 a workbook may span ({MAX_RANGE_CELLS} cells in all its sheets){at}; the \
                 workbook is refused unread. Save the data alone (or as .xlsx or .csv)"
            ));
        }
        if self.text > self.max_text {
            return Err(format!(
                "sheet `{sheet}`: its cells repeat {text} bytes of text, more than a workbook \
                 may hold ({} bytes); the workbook is refused unread",
                self.max_text
            ));
        }
        Ok(())
    }
}

// ---------------------------------------------------------------------------
// XLS: an OLE compound file holding the BIFF `Workbook` stream.

const ENDOFCHAIN: u32 = 0xFFFF_FFFE;
const RESERVED_SECTORS: u32 = 0xFFFF_FFFA;
const DIFSECT: u32 = 0xFFFF_FFFC;

fn le16(b: &[u8], at: usize) -> Option<u16> {
    Some(u16::from_le_bytes(b.get(at..at + 2)?.try_into().ok()?))
}

fn le32(b: &[u8], at: usize) -> Option<u32> {
    Some(u32::from_le_bytes(b.get(at..at + 4)?.try_into().ok()?))
}

fn le64(b: &[u8], at: usize) -> Option<u64> {
    Some(u64::from_le_bytes(b.get(at..at + 8)?.try_into().ok()?))
}

/// The sectors of a compound file, read the way calamine reads them.
struct Compound<'a> {
    body: &'a [u8],
    size: usize,
    maxid: usize,
}

impl Compound<'_> {
    /// Sector `id`; shorter at the end of the file, as calamine reads it.
    fn sector(&self, id: u32) -> Result<&[u8], String> {
        let id = id as usize;
        if id > self.maxid {
            return Err(format!("sector {id} lies past the end of the file"));
        }
        let start = (id * self.size).min(self.body.len());
        let end = (start + self.size).min(self.body.len());
        Ok(&self.body[start..end])
    }

    /// A sector chain, at most `len` bytes. calamine follows a chain
    /// without looking for loops: a cyclic chain of the directory (read to
    /// its end) grows without bound, so a chain is refused once it is
    /// longer than the file has sectors.
    fn chain(&self, mut id: u32, fats: &[u32], len: usize, what: &str) -> Result<Vec<u8>, String> {
        let mut out = Vec::new();
        let mut steps = 0usize;
        while id != ENDOFCHAIN {
            steps += 1;
            if steps > self.maxid + 1 {
                return Err(format!("the {what} sector chain loops"));
            }
            let sector = self.sector(id)?;
            let take = sector.len().min(len - out.len());
            out.extend_from_slice(&sector[..take]);
            if out.len() >= len {
                break;
            }
            id = *fats.get(id as usize).ok_or_else(|| {
                format!("the {what} sector chain points past the allocation table")
            })?;
        }
        Ok(out)
    }
}

/// calamine's mini-stream chain: 64-byte sectors inside the root's stream.
fn mini_chain(
    ministream: &[u8],
    minifat: &[u32],
    mut id: u32,
    len: usize,
) -> Result<Vec<u8>, String> {
    let mut out = Vec::new();
    let mut steps = 0usize;
    while id != ENDOFCHAIN {
        steps += 1;
        if steps > ministream.len() / 64 + 1 {
            return Err("the mini-stream sector chain loops".to_string());
        }
        let start = id as usize * 64;
        let sector = ministream
            .get(start..start + 64)
            .ok_or("a mini-stream sector lies outside the mini stream")?;
        let take = sector.len().min(len - out.len());
        out.extend_from_slice(&sector[..take]);
        if out.len() >= len {
            break;
        }
        id = *minifat
            .get(id as usize)
            .ok_or("the mini-stream sector chain points past its allocation table")?;
    }
    Ok(out)
}

/// The `Workbook` (or BIFF5 `Book`) stream of a compound file, as calamine
/// finds it.
fn workbook_stream(file: &[u8]) -> Result<Vec<u8>, String> {
    let malformed = |what: &str| format!("not a readable workbook: {what}");
    if file.len() < 512 || &file[..8] != CFB_SIGNATURE {
        return Err(malformed("no compound-file header"));
    }
    let version = le16(file, 26).unwrap_or(0);
    let size = match le16(file, 30) {
        Some(9) => 512,
        Some(12) => 4096,
        _ => return Err(malformed("bad sector size")),
    };
    if file.len() < size {
        return Err(malformed("the file ends inside its header"));
    }
    let body = &file[size..];
    // calamine numbers sectors over the whole file's length.
    let cf = Compound {
        body,
        size,
        maxid: file.len() / size,
    };
    let dir_start = le32(file, 48).unwrap_or(ENDOFCHAIN);
    let mini_fat_start = le32(file, 60).unwrap_or(ENDOFCHAIN);
    let mini_fat_len = le32(file, 64).unwrap_or(0) as usize;
    let mut difat_id = le32(file, 68).unwrap_or(ENDOFCHAIN);
    let mut difat: Vec<u32> = file[76..512]
        .chunks_exact(4)
        .map(|c| u32::from_le_bytes(c.try_into().unwrap()))
        .collect();
    let mut steps = 0usize;
    while difat_id < RESERVED_SECTORS {
        steps += 1;
        if steps > cf.maxid + 1 {
            return Err(malformed("the allocation table's chain loops"));
        }
        difat.extend(
            cf.sector(difat_id)?
                .chunks_exact(4)
                .map(|c| u32::from_le_bytes(c.try_into().unwrap())),
        );
        difat_id = difat
            .pop()
            .ok_or_else(|| malformed("empty allocation table"))?;
    }
    let mut fats = Vec::new();
    for id in difat.into_iter().filter(|id| *id < DIFSECT) {
        fats.extend(
            cf.sector(id)?
                .chunks_exact(4)
                .map(|c| u32::from_le_bytes(c.try_into().unwrap())),
        );
    }
    let dirs = cf.chain(dir_start, &fats, usize::MAX, "directory")?;
    let dirs: Vec<(String, u32, usize)> = dirs
        .chunks_exact(128)
        .map(|d| {
            let units: Vec<u16> = d[..64]
                .chunks_exact(2)
                .map(|c| u16::from_le_bytes([c[0], c[1]]))
                .collect();
            let mut name = String::from_utf16_lossy(&units);
            if let Some(l) = name.find('\0') {
                name.truncate(l);
            }
            let start = le32(d, 116).unwrap_or(ENDOFCHAIN);
            let len = if size == 512 {
                le32(d, 120).unwrap_or(0) as u64
            } else {
                le64(d, 120).unwrap_or(0)
            };
            (name, start, usize::try_from(len).unwrap_or(usize::MAX))
        })
        .collect();
    if dirs.is_empty() || (version != 3 && dirs[0].1 == ENDOFCHAIN) {
        return Err(malformed("empty root directory"));
    }
    // calamine reads the mini stream (the root entry's chain) and its
    // allocation table whenever the header declares one, needed or not.
    let (ministream, minifat) = if mini_fat_len > 0 {
        let ministream = cf.chain(dirs[0].1, &fats, dirs[0].2, "mini-stream")?;
        let minifat = cf.chain(
            mini_fat_start,
            &fats,
            mini_fat_len.saturating_mul(size),
            "mini allocation table",
        )?;
        let minifat: Vec<u32> = minifat
            .chunks_exact(4)
            .map(|c| u32::from_le_bytes(c.try_into().unwrap()))
            .collect();
        (ministream, minifat)
    } else {
        (Vec::new(), Vec::new())
    };
    let find = |name: &str| dirs.iter().find(|d| d.0.eq_ignore_ascii_case(name));
    let Some(&(_, start, len)) = find("Workbook").or_else(|| find("Book")) else {
        return Err(malformed("no Workbook stream"));
    };
    if len < 4096 {
        mini_chain(&ministream, &minifat, start, len)
    } else {
        cf.chain(start, &fats, len, "Workbook stream")
    }
}

/// BIFF records as calamine iterates them: CONTINUE records (0x003C) belong
/// to the record before them.
fn biff_records(stream: &[u8]) -> impl Iterator<Item = (u16, &[u8], Vec<&[u8]>)> {
    let mut rest = stream;
    std::iter::from_fn(move || {
        let typ = le16(rest, 0)?;
        let len = le16(rest, 2)? as usize;
        let data = rest.get(4..4 + len)?;
        rest = &rest[4 + len..];
        let mut cont = Vec::new();
        while le16(rest, 0) == Some(0x003C) {
            let l = le16(rest, 2)? as usize;
            cont.push(rest.get(4..4 + l)?);
            rest = &rest[4 + l..];
        }
        Some((typ, data, cont))
    })
}

/// The character counts of the shared strings (SST), read as calamine reads
/// them; `None` when calamine would fail on the record (then it refuses the
/// workbook itself).
fn sst_lengths(data: &[u8], cont: &[&[u8]]) -> Option<Vec<u64>> {
    let mut parts = cont.iter();
    let mut cur = data.get(8..)?;
    let mut next = || parts.next().copied();
    let mut out = Vec::new();
    loop {
        // calamine: `while !data.is_empty() || continue_record()`, and an
        // empty record part is an empty string.
        if cur.is_empty() {
            match next() {
                Some(c) => cur = c,
                None => return Some(out),
            }
            if cur.is_empty() {
                out.push(0);
                continue;
            }
        }
        if cur.len() < 3 {
            return None;
        }
        let cch = le16(cur, 0)? as usize;
        let flags = cur[2];
        cur = &cur[3..];
        let mut high = flags & 1 != 0;
        let mut runs = 0usize;
        let mut ext = 0usize;
        if flags & 0x8 != 0 {
            runs = le16(cur, 0)? as usize;
            cur = &cur[2..];
        }
        if flags & 0x4 != 0 {
            ext = le32(cur, 0)? as i32 as usize;
            cur = &cur[4..];
        }
        let mut left = cch;
        while left > 0 {
            let width = if high { 2 } else { 1 };
            let n = left.min(cur.len() / width);
            cur = &cur[n * width..];
            left -= n;
            if left > 0 {
                let c = next()?;
                high = *c.first()? & 1 != 0;
                cur = &c[1..];
            }
        }
        let mut skip = runs.saturating_mul(4).saturating_add(ext);
        while skip > 0 {
            if cur.is_empty() {
                cur = next()?;
                continue;
            }
            let n = skip.min(cur.len());
            cur = &cur[n..];
            skip -= n;
        }
        out.push(cch as u64);
    }
}

/// UTF-8 bytes calamine may make of one byte (or one character) of XLS
/// text: a single-byte character is widened to UTF-16 and decoded with the
/// workbook's code page, two characters of up to three bytes at worst.
const TEXT_PER_BYTE: u64 = 6;

/// Refuses an XLS workbook whose sheets calamine could not hold within the
/// caps (see the module), from the BIFF records calamine reads: every
/// sheet's `Dimensions` record (calamine reserves that many cells) and the
/// bounding box of its cells, and the text its cells hold (a shared string
/// once per cell that uses it, and each formula's text, which calamine
/// renders from tokens when it opens the file: a five-byte reference to a
/// defined name becomes the name, up to 255 characters).
pub fn check_xls(file: &[u8]) -> Result<(), String> {
    check_xls_within(file, MAX_WORKBOOK_TEXT)
}

fn check_xls_within(file: &[u8], max_text: u64) -> Result<(), String> {
    let stream = workbook_stream(file)?;
    let mut sheets: Vec<(usize, String)> = Vec::new();
    let mut sst: Vec<u64> = Vec::new();
    // Characters of the longest defined name (a built-in one is a code
    // calamine spells out, e.g. `_xlnm.Print_Titles`).
    let mut longest_name = 20u64;
    for (typ, data, cont) in biff_records(&stream) {
        match typ {
            0x0085 => {
                let pos = le32(data, 0).unwrap_or(u32::MAX) as usize;
                // The name (a short string after six bytes), for messages.
                let name = data
                    .get(8..)
                    .map(|n| {
                        let wide = data.get(7).is_some_and(|f| f & 1 != 0);
                        let cch = data.get(6).copied().unwrap_or(0) as usize;
                        if wide {
                            let units: Vec<u16> = n
                                .chunks_exact(2)
                                .take(cch)
                                .map(|c| u16::from_le_bytes([c[0], c[1]]))
                                .collect();
                            String::from_utf16_lossy(&units)
                        } else {
                            n.iter().take(cch).map(|&b| b as char).collect()
                        }
                    })
                    .unwrap_or_default();
                sheets.push((pos, name));
            }
            0x00FC => sst = sst_lengths(data, &cont).unwrap_or_default(),
            0x0018 => longest_name = longest_name.max(data.get(3).copied().unwrap_or(0) as u64),
            0x000A => break,
            _ => {}
        }
    }
    // The most UTF-8 bytes one formula token can become: a defined name
    // (5 bytes) or a sheet name (31 characters, from 7 bytes) and its
    // operator or separator.
    let longest_sheet = sheets
        .iter()
        .map(|(_, n)| n.chars().count() as u64)
        .max()
        .unwrap_or(0);
    let per_token = 3 * longest_name.max(longest_sheet) + 8;
    let mut budget = Budget {
        max_text,
        ..Budget::default()
    };
    for (pos, name) in sheets {
        let Some(sheet) = stream.get(pos..) else {
            continue;
        };
        // Bounding box of the cells, calamine's `Dimensions` reservation,
        // and the text copied from shared strings (3 UTF-8 bytes a
        // character at most).
        let (mut rows, mut cols) = ((u32::MAX, 0u32), (u32::MAX, 0u32));
        let mut far = None;
        let mut reserve = 0u64;
        let mut text = 0u64;
        let mut seen_bof = false;
        let mut depth = 0usize;
        let mut cell = |r: u32, c: u32| {
            rows = (rows.0.min(r), rows.1.max(r));
            cols = (cols.0.min(c), cols.1.max(c));
        };
        for (typ, data, _) in biff_records(sheet) {
            if depth > 0 {
                match typ {
                    0x0809 => depth += 1,
                    0x000A => depth -= 1,
                    _ => {}
                }
                continue;
            }
            let at = || Some((le16(data, 0)? as u32, le16(data, 2)? as u32));
            match typ {
                0x0809 if seen_bof => depth += 1,
                0x0809 => seen_bof = true,
                0x0200 => {
                    // calamine: rows × columns of the record, in u32 that
                    // wraps (a first row past the last one is 4 billion).
                    let (rf, rl, mut cf, cl) = match data.len() {
                        10 => (
                            le16(data, 0).unwrap() as u32,
                            le16(data, 2).unwrap() as u32,
                            le16(data, 4).unwrap() as u32,
                            le16(data, 6).unwrap() as u32,
                        ),
                        14 | 16 => (
                            le32(data, 0).unwrap(),
                            le32(data, 4).unwrap(),
                            le16(data, 8).unwrap() as u32,
                            le16(data, 10).unwrap() as u32,
                        ),
                        _ => continue,
                    };
                    if 0xFF < cf || cl < cf {
                        cf = 0;
                    }
                    let (start, end) = if rl >= 1 && cl >= 1 {
                        ((rf, cf), (rl - 1, cl - 1))
                    } else {
                        ((rf, cf), (rf, cf))
                    };
                    let r = end.0.wrapping_sub(start.0).wrapping_add(1) as u64;
                    let c = end.1.wrapping_sub(start.1).wrapping_add(1) as u64;
                    reserve = reserve.max(r.saturating_mul(c));
                }
                0x0203 | 0x0204 | 0x00D6 | 0x0205 | 0x027E | 0x0006 => {
                    if let Some((r, c)) = at() {
                        cell(r, c);
                        far = Some((r as u64, c as u64)).max(far);
                    }
                    if matches!(typ, 0x0204 | 0x00D6) {
                        text = text.saturating_add(TEXT_PER_BYTE * data.len() as u64);
                    }
                    if typ == 0x0006 {
                        // The formula's tokens follow 20 bytes of cell and
                        // cached value. The most text a token byte makes is
                        // a defined name's (5 bytes); operators and
                        // functions stay within `TEXT_PER_BYTE` and it.
                        let tokens = data.len().saturating_sub(20) as u64;
                        text = text.saturating_add(
                            TEXT_PER_BYTE * tokens + tokens.div_ceil(5) * per_token,
                        );
                    }
                }
                0x0207 => text = text.saturating_add(TEXT_PER_BYTE * data.len() as u64),
                0x00FD => {
                    if let Some((r, c)) = at() {
                        cell(r, c);
                        far = Some((r as u64, c as u64)).max(far);
                        let i = le32(data, 6).unwrap_or(u32::MAX) as usize;
                        text = text.saturating_add(sst.get(i).map_or(0, |n| TEXT_PER_BYTE * n));
                    }
                }
                0x00BD if data.len() >= 6 => {
                    // MulRk: one row, consecutive columns.
                    let (r, c) = at().unwrap();
                    let n = ((data.len() - 6) / 6).max(1) as u32;
                    cell(r, c);
                    cell(r, c.saturating_add(n - 1));
                    far = Some((r as u64, (c + n - 1) as u64)).max(far);
                }
                0x000A => break,
                _ => {}
            }
        }
        let area = if rows.0 == u32::MAX {
            0
        } else {
            (rows.1 - rows.0 + 1) as u64 * (cols.1 - cols.0 + 1) as u64
        };
        if reserve > MAX_RANGE_CELLS {
            return Err(format!(
                "sheet `{name}`: its Dimensions record declares {reserve} cells (rows × \
                 columns), more than a workbook may span ({MAX_RANGE_CELLS} cells); the workbook \
                 is refused unread"
            ));
        }
        budget.add(&name, area, text, far)?;
    }
    Ok(())
}

// ---------------------------------------------------------------------------
// ODS: `content.xml` in a zip.

/// One XML tag of `content.xml` as the scan sees it.
struct Tag {
    /// The name, without `<`, `/` and attributes.
    name: Vec<u8>,
    closing: bool,
    /// `<x/>`: calamine expands it to a start and an end.
    empty: bool,
    /// The attributes, key and raw value.
    attrs: Vec<(Vec<u8>, Vec<u8>)>,
    /// Bytes the tag took in the file.
    len: u64,
}

/// A streaming scan of XML tags: markup only, text skipped (counted in the
/// offsets). Comments, CDATA, processing instructions and declarations are
/// skipped whole, as the XML reader does.
struct Tags<R> {
    input: R,
    buf: Vec<u8>,
    offset: u64,
}

impl<R: std::io::BufRead> Tags<R> {
    fn byte(&mut self) -> Result<Option<u8>, String> {
        let mut b = [0u8];
        match self.input.read(&mut b) {
            Ok(0) => Ok(None),
            Ok(_) => {
                self.offset += 1;
                Ok(Some(b[0]))
            }
            Err(e) => Err(format!("not a readable workbook: {e}")),
        }
    }

    /// Skips to just after `end`.
    fn skip_past(&mut self, end: &[u8]) -> Result<(), String> {
        let mut window: Vec<u8> = Vec::with_capacity(end.len());
        while let Some(b) = self.byte()? {
            if window.len() == end.len() {
                window.remove(0);
            }
            window.push(b);
            if window == end {
                return Ok(());
            }
        }
        Ok(())
    }

    fn next(&mut self) -> Result<Option<Tag>, String> {
        loop {
            // Skip text to the next `<`.
            let skipped = {
                let buf = self.input.fill_buf().map_err(|e| e.to_string())?;
                if buf.is_empty() {
                    return Ok(None);
                }
                match buf.iter().position(|&b| b == b'<') {
                    Some(i) => (i, true),
                    None => (buf.len(), false),
                }
            };
            self.input.consume(skipped.0);
            self.offset += skipped.0 as u64;
            if !skipped.1 {
                continue;
            }
            let start = self.offset;
            self.input.consume(1);
            self.offset += 1;
            self.buf.clear();
            // The tag up to its unquoted `>`.
            let mut quote = None;
            loop {
                let Some(b) = self.byte()? else {
                    return Ok(None);
                };
                if self.buf.is_empty() && b == b'!' {
                    break;
                }
                match (quote, b) {
                    (None, b'"' | b'\'') => quote = Some(b),
                    (Some(q), _) if q == b => quote = None,
                    (None, b'>') => break,
                    _ => {}
                }
                self.buf.push(b);
                if self.buf == b"?" {
                    break;
                }
            }
            if self.buf.is_empty() {
                // `<!`: a comment, CDATA or a declaration.
                let mut head = Vec::new();
                for _ in 0..7 {
                    match self.byte()? {
                        Some(b) => head.push(b),
                        None => return Ok(None),
                    }
                    if head == b"--" {
                        self.skip_past(b"-->")?;
                        break;
                    }
                    if head == b"[CDATA[" {
                        self.skip_past(b"]]>")?;
                        break;
                    }
                }
                if head != b"--" && head != b"[CDATA[" {
                    self.skip_past(b">")?;
                }
                continue;
            }
            if self.buf == b"?" {
                self.skip_past(b"?>")?;
                continue;
            }
            let raw = std::mem::take(&mut self.buf);
            let closing = raw.first() == Some(&b'/');
            let body = if closing { &raw[1..] } else { &raw[..] };
            let empty = body.last() == Some(&b'/');
            let body = if empty { &body[..body.len() - 1] } else { body };
            let name_end = body
                .iter()
                .position(|b| b.is_ascii_whitespace())
                .unwrap_or(body.len());
            let tag = Tag {
                name: body[..name_end].to_vec(),
                closing,
                empty,
                attrs: attributes(&body[name_end..]),
                len: self.offset - start,
            };
            self.buf = raw;
            return Ok(Some(tag));
        }
    }
}

/// `key="value"` pairs (either quote, spaces around `=`).
fn attributes(mut s: &[u8]) -> Vec<(Vec<u8>, Vec<u8>)> {
    let mut out = Vec::new();
    loop {
        s = s.trim_ascii_start();
        let Some(eq) = s.iter().position(|&b| b == b'=') else {
            return out;
        };
        let key = s[..eq].trim_ascii().to_vec();
        s = s[eq + 1..].trim_ascii_start();
        let Some(&q @ (b'"' | b'\'')) = s.first() else {
            return out;
        };
        let Some(end) = s[1..].iter().position(|&b| b == q) else {
            return out;
        };
        out.push((key, s[1..1 + end].to_vec()));
        s = &s[end + 2..];
    }
}

impl Tag {
    fn is(&self, name: &str) -> bool {
        self.name == name.as_bytes()
    }

    /// A repeat count (`table:number-…-repeated`, `text:c`): the largest
    /// given, 1 when none. A value calamine would decode (an entity) or
    /// not parse is refused here.
    fn count(&self, key: &str) -> Result<u64, String> {
        let mut n = None;
        for (k, v) in &self.attrs {
            if k == key.as_bytes() {
                let v = std::str::from_utf8(v)
                    .ok()
                    .and_then(|v| v.parse::<u64>().ok())
                    .ok_or_else(|| {
                        format!("not a readable workbook: `{key}` is not a plain number")
                    })?;
                n = Some(n.unwrap_or(0).max(v));
            }
        }
        Ok(n.unwrap_or(1))
    }

    /// Whether the tag's bytes were exactly `raw` (an end tag with no
    /// space before its `>`, the only form the checks above trust).
    fn raw_is(&self, raw: &str) -> bool {
        self.len == raw.len() as u64 && self.is(&raw[2..raw.len() - 1])
    }

    /// Whether calamine reads the cell's content as its text (the order of
    /// its attributes decides, as in calamine's `get_datatype`).
    fn is_read_as_text(&self) -> bool {
        let (mut set, mut string, mut error, mut empty_string) = (false, false, false, false);
        for (k, v) in &self.attrs {
            match k.as_slice() {
                b"office:value"
                | b"office:date-value"
                | b"office:time-value"
                | b"office:boolean-value"
                    if !set =>
                {
                    set = true
                }
                b"office:string-value" if !set => {
                    set = true;
                    empty_string = v.is_empty();
                }
                b"office:value-type" if !set => string = v == b"string",
                b"calcext:value-type" => error = v == b"error",
                _ => {}
            }
        }
        (!set && string) || (error && empty_string)
    }

    /// Whether calamine keeps the cell: it has a value, a type or a formula.
    fn has_content(&self) -> bool {
        self.attrs.iter().any(|(k, _)| {
            k.starts_with(b"office:") && k != b"office:annotation"
                || k.starts_with(b"calcext:")
                || k == b"table:formula"
        })
    }
}

/// Calamine's sheet limits for ODS (rows and columns are capped, not
/// refused).
const ODS_MAX_ROWS: u64 = 1_048_576;
const ODS_MAX_COLUMNS: u64 = 16_384;

/// Refuses an OpenDocument spreadsheet whose tables calamine could not hold
/// within the caps (see the module), from `content.xml`: per table the
/// bounding box of the cells with content, rows and columns repeated as
/// calamine repeats them, and the bytes each kept cell copies (its markup
/// and text, plus `text:s` runs of spaces), times its repeats.
pub fn check_ods(content: impl std::io::BufRead) -> Result<(), String> {
    let mut tags = Tags {
        input: content,
        buf: Vec::new(),
        offset: 0,
    };
    let mut budget = Budget::default();
    // The table being read: its name and rows so far.
    let mut table: Option<(String, Vec<RowCost>)> = None;
    // The row being read: repeats, columns so far, width, text.
    let mut row: Option<(u64, u64, u64, u64)> = None;
    // The cell being read.
    let mut cell: Option<OpenCell> = None;
    // Whether a table is open: calamine reads a table until its end tag and
    // never stops at the end of the file (a truncated `content.xml` made it
    // loop forever; found by the fuzz harness).
    let mut table_open: Option<String> = None;
    let mut total_rows = 0u64;
    let finish_table =
        |budget: &mut Budget, (name, rows): (String, Vec<RowCost>)| -> Result<(), String> {
            let kept: Vec<usize> = (0..rows.len()).filter(|&i| rows[i].1 > 0).collect();
            let (Some(&first), Some(&last)) = (kept.first(), kept.last()) else {
                return Ok(());
            };
            let width = rows.iter().map(|r| r.1).max().unwrap_or(0);
            let (mut height, mut text, mut far_row) = (0u64, 0u64, 0u64);
            for (i, (repeats, _, t)) in rows.iter().enumerate() {
                if i < first {
                    far_row += repeats;
                }
                if (first..=last).contains(&i) {
                    height = height.saturating_add(*repeats);
                    // The row as read, then its copies.
                    text = text.saturating_add(t.saturating_mul(repeats.saturating_add(1)));
                }
            }
            let cells = height.saturating_mul(width);
            budget.add(&name, cells, text, Some((far_row + height - 1, width - 1)))
        };
    while let Some(tag) = tags.next()? {
        if let Some(open) = cell.as_mut() {
            if tag.is("text:s") && !tag.closing {
                open.spaces = open.spaces.saturating_add(tag.count("text:c")?);
            }
            if open.annotation {
                // calamine skips to the annotation's end, past any cell end.
                if tag.closing && tag.raw_is("</office:annotation>") {
                    open.annotation = false;
                }
                continue;
            }
            if open.string && tag.is("office:annotation") && !tag.closing && !tag.empty {
                open.annotation = true;
                continue;
            }
            let is_cell = tag.is("table:table-cell") || tag.is("table:covered-table-cell");
            let ends = if open.string {
                // calamine reads a text cell's events to the first end of a
                // cell, and `<table:table-cell/>` is a start and an end to it.
                is_cell && (tag.closing || tag.empty)
            } else {
                // It skips any other cell to its end tag, counting nested
                // elements of the same name.
                let same = tag.is(if open.covered {
                    "table:covered-table-cell"
                } else {
                    "table:table-cell"
                });
                if same && !tag.closing && !tag.empty {
                    open.depth += 1;
                }
                if same && tag.closing && open.depth > 0 {
                    open.depth -= 1;
                    continue;
                }
                same && tag.closing
            };
            if !ends {
                continue;
            }
            // Its text is at most its bytes in the file (markup, text and
            // attribute values) plus the spaces `text:s` stands for.
            let open = cell.take().unwrap();
            let text = (tags.offset - open.start).saturating_add(open.spaces);
            end_cell(&mut row, open.repeats, open.kept, text);
            continue;
        }
        if tag.closing && tag.raw_is("</table:table>") {
            table_open = None;
        }
        if tag.closing {
            if tag.is("table:table-row") {
                if let (Some((_, rows)), Some((repeats, _, width, text))) =
                    (table.as_mut(), row.take())
                {
                    rows.push((repeats, width, text));
                }
            } else if tag.is("table:table") {
                row = None;
                if let Some(t) = table.take() {
                    finish_table(&mut budget, t)?;
                }
            }
            continue;
        }
        if tag.is("table:table") {
            // calamine reads a table only from a start tag with a name;
            // any other it passes like any element outside a table.
            if !tag.attrs.iter().any(|(k, _)| k == b"table:name") {
                continue;
            }
            if let Some(t) = table.take() {
                finish_table(&mut budget, t)?;
            }
            let name = tag
                .attrs
                .iter()
                .find(|(k, _)| k == b"table:name")
                .map(|(_, v)| String::from_utf8_lossy(v).into_owned())
                .unwrap_or_default();
            table = Some((name.clone(), Vec::new()));
            total_rows = 0;
            if tag.empty {
                finish_table(&mut budget, table.take().unwrap())?;
            } else {
                table_open = Some(name);
            }
        } else if tag.is("table:table-row") && table.is_some() {
            // Outside a table calamine ignores rows and cells (it only looks
            // for a table's start): a fuzz find opened a text cell in a
            // stray row there, which hid the table's start from this scan,
            // and the table's damaged end tag made calamine loop for ever.
            let repeats = tag
                .count("table:number-rows-repeated")?
                .min(ODS_MAX_ROWS.saturating_sub(total_rows));
            total_rows += repeats;
            row = Some((repeats, 0, 0, 0));
            if tag.empty
                && let (Some((_, rows)), Some((repeats, _, width, text))) =
                    (table.as_mut(), row.take())
            {
                rows.push((repeats, width, text));
            }
        } else if (tag.is("table:table-cell") || tag.is("table:covered-table-cell"))
            && row.is_some()
        {
            // Outside a row calamine ignores a cell's tags but not what is
            // inside it: a row there is read (and repeated) as any row. Two
            // fuzz finds hid a row repeated a million times, and a table
            // start, in such a cell.
            let repeats = tag.count("table:number-columns-repeated")?;
            let kept = tag.has_content();
            if tag.empty {
                end_cell(&mut row, repeats, kept, tag.len);
            } else {
                cell = Some(OpenCell {
                    repeats,
                    kept,
                    start: tags.offset - tag.len,
                    spaces: 0,
                    string: tag.is_read_as_text(),
                    annotation: false,
                    covered: tag.is("table:covered-table-cell"),
                    depth: 0,
                });
            }
        }
    }
    if let Some(t) = table.take() {
        finish_table(&mut budget, t)?;
    }
    if let Some(name) = table_open.or_else(|| cell.map(|_| String::new())) {
        return Err(format!(
            "not a readable workbook: its content ends inside sheet `{name}` (a cut-off or \
             damaged file); it is refused unread"
        ));
    }
    Ok(())
}

/// A row of a table as calamine will hold it: its repeats, its width in
/// columns (to its last kept cell) and the text bytes of one copy.
type RowCost = (u64, u64, u64);

/// A cell of `content.xml` being scanned.
struct OpenCell {
    repeats: u64,
    kept: bool,
    /// Where its start tag began.
    start: u64,
    /// The spaces its `text:s` elements stand for.
    spaces: u64,
    /// calamine reads its content as text (and skips annotations whole).
    string: bool,
    /// Inside an `office:annotation` that calamine skips to its end.
    annotation: bool,
    /// A `table:covered-table-cell`, not a `table:table-cell`.
    covered: bool,
    /// Elements of its own name open inside it (a cell not read as text).
    depth: u64,
}

/// A cell ends: it moves the row's column on by its repeats (capped as
/// calamine caps them); a kept cell widens the row and adds its text once a
/// column.
fn end_cell(row: &mut Option<(u64, u64, u64, u64)>, repeats: u64, kept: bool, text: u64) {
    if let Some((_, columns, width, row_text)) = row.as_mut() {
        let repeats = repeats.min(ODS_MAX_COLUMNS.saturating_sub(*columns));
        *columns += repeats;
        if kept && repeats > 0 {
            *width = *columns;
            *row_text = row_text.saturating_add(text.saturating_mul(repeats));
        }
    }
}

/// Small workbooks in the formats no writer of ours produces, for the tests
/// and the fuzz harness's seeds: just enough of each format for calamine.
#[cfg(test)]
pub(crate) mod build {
    use std::io::Write;

    fn record(out: &mut Vec<u8>, typ: u16, data: &[u8]) {
        out.extend(typ.to_le_bytes());
        out.extend((data.len() as u16).to_le_bytes());
        out.extend(data);
    }

    /// An XLS (BIFF8 in a version-3 compound file) with one sheet of text
    /// cells ((row, column, text), 0-based); `dimensions` overrides the
    /// sheet's `Dimensions` record (first row, last row + 1).
    pub fn xls(sheet: &str, cells: &[(u16, u16, &str)], dimensions: Option<(u32, u32)>) -> Vec<u8> {
        xls_with(sheet, cells, dimensions, &[], &[])
    }

    /// [`xls`] with extra records: `globals` after the sheet's `BoundSheet`
    /// record, `sheet_records` after its cells.
    pub fn xls_with(
        sheet: &str,
        cells: &[(u16, u16, &str)],
        dimensions: Option<(u32, u32)>,
        globals: &[(u16, Vec<u8>)],
        sheet_records: &[(u16, Vec<u8>)],
    ) -> Vec<u8> {
        let mut stream = Vec::new();
        let bof = |dt: u16| {
            let mut b = Vec::new();
            b.extend(0x0600u16.to_le_bytes());
            b.extend(dt.to_le_bytes());
            b.extend([0u8; 12]);
            b
        };
        record(&mut stream, 0x0809, &bof(0x0005));
        let at = stream.len() + 4;
        let mut bound = vec![0u8; 4];
        let name: Vec<u16> = sheet.encode_utf16().collect();
        bound.extend([0, 0, name.len() as u8, 1]);
        bound.extend(name.iter().flat_map(|u| u.to_le_bytes()));
        record(&mut stream, 0x0085, &bound);
        for (typ, data) in globals {
            record(&mut stream, *typ, data);
        }
        record(&mut stream, 0x000A, &[]);
        let pos = stream.len() as u32;
        stream[at..at + 4].copy_from_slice(&pos.to_le_bytes());
        record(&mut stream, 0x0809, &bof(0x0010));
        let rows = cells.iter().map(|c| c.0 as u32 + 1).max().unwrap_or(0);
        let cols = cells.iter().map(|c| c.1 + 1).max().unwrap_or(0);
        let (first, last) = dimensions.unwrap_or((0, rows));
        let mut dims = Vec::new();
        dims.extend(first.to_le_bytes());
        dims.extend(last.to_le_bytes());
        dims.extend(0u16.to_le_bytes());
        dims.extend(cols.to_le_bytes());
        dims.extend(0u16.to_le_bytes());
        record(&mut stream, 0x0200, &dims);
        for (r, c, text) in cells {
            let units: Vec<u16> = text.encode_utf16().collect();
            let mut label = Vec::new();
            label.extend(r.to_le_bytes());
            label.extend(c.to_le_bytes());
            label.extend(0u16.to_le_bytes());
            label.extend((units.len() as u16).to_le_bytes());
            label.push(1); // UTF-16
            label.extend(units.iter().flat_map(|u| u.to_le_bytes()));
            record(&mut stream, 0x0204, &label);
        }
        for (typ, data) in sheet_records {
            record(&mut stream, *typ, data);
        }
        record(&mut stream, 0x000A, &[]);
        // Padded past 4,096 bytes: a stream in ordinary sectors.
        stream.resize(stream.len().max(4096).div_ceil(512) * 512, 0);
        let sectors = stream.len() / 512;
        assert!(sectors <= 126);
        let mut file = vec![0u8; 512];
        file[..8].copy_from_slice(super::CFB_SIGNATURE);
        file[24..26].copy_from_slice(&0x003Eu16.to_le_bytes());
        file[26..28].copy_from_slice(&3u16.to_le_bytes());
        file[28..30].copy_from_slice(&0xFFFEu16.to_le_bytes());
        file[30..32].copy_from_slice(&9u16.to_le_bytes());
        file[32..34].copy_from_slice(&6u16.to_le_bytes());
        file[44..48].copy_from_slice(&1u32.to_le_bytes()); // one FAT sector
        file[48..52].copy_from_slice(&1u32.to_le_bytes()); // directory at 1
        file[56..60].copy_from_slice(&4096u32.to_le_bytes());
        file[60..64].copy_from_slice(&super::ENDOFCHAIN.to_le_bytes());
        file[68..72].copy_from_slice(&super::ENDOFCHAIN.to_le_bytes());
        for i in 0..109 {
            let v: u32 = if i == 0 { 0 } else { u32::MAX };
            file[76 + 4 * i..80 + 4 * i].copy_from_slice(&v.to_le_bytes());
        }
        // Sector 0: the FAT.
        let mut fat = vec![0xFFFF_FFFDu32, super::ENDOFCHAIN];
        for i in 0..sectors {
            fat.push(if i + 1 == sectors {
                super::ENDOFCHAIN
            } else {
                (i + 3) as u32
            });
        }
        fat.resize(128, u32::MAX);
        file.extend(fat.iter().flat_map(|v| v.to_le_bytes()));
        // Sector 1: the directory (root, Workbook, two unused).
        let entry = |name: &str, kind: u8, child: u32, start: u32, size: u32| {
            let mut e = vec![0u8; 128];
            let units: Vec<u16> = name.encode_utf16().chain([0]).collect();
            for (i, u) in units.iter().enumerate() {
                e[2 * i..2 * i + 2].copy_from_slice(&u.to_le_bytes());
            }
            e[64..66].copy_from_slice(&(2 * units.len() as u16).to_le_bytes());
            e[66] = kind;
            e[67] = 1;
            e[68..72].copy_from_slice(&u32::MAX.to_le_bytes());
            e[72..76].copy_from_slice(&u32::MAX.to_le_bytes());
            e[76..80].copy_from_slice(&child.to_le_bytes());
            e[116..120].copy_from_slice(&start.to_le_bytes());
            e[120..124].copy_from_slice(&size.to_le_bytes());
            e
        };
        file.extend(entry("Root Entry", 5, 1, super::ENDOFCHAIN, 0));
        file.extend(entry("Workbook", 2, u32::MAX, 2, stream.len() as u32));
        file.extend([0u8; 256]);
        file.extend(stream);
        file
    }

    fn zip(parts: &[(&str, Vec<u8>)]) -> Vec<u8> {
        let mut out = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
        let stored = zip::write::SimpleFileOptions::default()
            .compression_method(zip::CompressionMethod::Stored);
        for (name, data) in parts {
            out.start_file(*name, stored).unwrap();
            out.write_all(data).unwrap();
        }
        out.finish().unwrap().into_inner()
    }

    /// An OpenDocument spreadsheet whose `content.xml` body (the rows of
    /// table `sheet`) is given as XML.
    pub fn ods(sheet: &str, rows_xml: &str) -> Vec<u8> {
        let content = format!(
            "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\
             <office:document-content \
             xmlns:office=\"urn:oasis:names:tc:opendocument:xmlns:office:1.0\" \
             xmlns:table=\"urn:oasis:names:tc:opendocument:xmlns:table:1.0\" \
             xmlns:text=\"urn:oasis:names:tc:opendocument:xmlns:text:1.0\">\
             <office:body><office:spreadsheet><table:table table:name=\"{sheet}\">{rows_xml}\
             </table:table></office:spreadsheet></office:body></office:document-content>"
        );
        let manifest = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\
             <manifest:manifest xmlns:manifest=\"urn:oasis:names:tc:opendocument:xmlns:manifest:1.0\">\
             <manifest:file-entry manifest:full-path=\"/\" \
             manifest:media-type=\"application/vnd.oasis.opendocument.spreadsheet\"/>\
             <manifest:file-entry manifest:full-path=\"content.xml\" manifest:media-type=\"text/xml\"/>\
             </manifest:manifest>";
        zip(&[
            (
                "mimetype",
                b"application/vnd.oasis.opendocument.spreadsheet".to_vec(),
            ),
            ("META-INF/manifest.xml", manifest.as_bytes().to_vec()),
            ("content.xml", content.into_bytes()),
        ])
    }

    /// An ODS row of string cells.
    pub fn ods_row(cells: &[&str]) -> String {
        let mut row = String::from("<table:table-row>");
        for c in cells {
            row.push_str(&format!(
                "<table:table-cell office:value-type=\"string\"><text:p>{c}</text:p></table:table-cell>"
            ));
        }
        row.push_str("</table:table-row>");
        row
    }

    fn xlsb_record(out: &mut Vec<u8>, typ: u16, data: &[u8]) {
        if typ < 0x80 {
            out.push(typ as u8);
        } else {
            out.push((typ & 0x7F) as u8 | 0x80);
            out.push((typ >> 7) as u8);
        }
        let mut len = data.len();
        loop {
            let b = (len & 0x7F) as u8;
            len >>= 7;
            if len == 0 {
                out.push(b);
                break;
            }
            out.push(b | 0x80);
        }
        out.extend(data);
    }

    fn wide(s: &str) -> Vec<u8> {
        let units: Vec<u16> = s.encode_utf16().collect();
        let mut out = (units.len() as u32).to_le_bytes().to_vec();
        out.extend(units.iter().flat_map(|u| u.to_le_bytes()));
        out
    }

    /// An XLSB with one sheet of text cells ((row, column, text), 0-based,
    /// in row order).
    pub fn xlsb(sheet: &str, cells: &[(u32, u32, &str)]) -> Vec<u8> {
        let mut book = Vec::new();
        let mut bundle = vec![0u8; 8];
        bundle.extend(wide("rId1"));
        bundle.extend(wide(sheet));
        xlsb_record(&mut book, 0x009C, &bundle);
        xlsb_record(&mut book, 0x0090, &[]);
        xlsb_record(&mut book, 0x009D, &[]);
        let mut ws = Vec::new();
        let last = cells.last().map_or((0, 0), |c| (c.0, c.1));
        let mut dims = Vec::new();
        for v in [0, last.0, 0, last.1] {
            dims.extend(v.to_le_bytes());
        }
        xlsb_record(&mut ws, 0x0094, &dims);
        xlsb_record(&mut ws, 0x0091, &[]);
        let mut row = None;
        for (r, c, text) in cells {
            if row != Some(*r) {
                xlsb_record(&mut ws, 0x0000, &r.to_le_bytes());
                row = Some(*r);
            }
            let mut cell = c.to_le_bytes().to_vec();
            cell.extend([0u8; 4]);
            cell.extend(wide(text));
            xlsb_record(&mut ws, 0x0006, &cell);
        }
        xlsb_record(&mut ws, 0x0092, &[]);
        let rels = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\
            <Relationships xmlns=\"http://schemas.openxmlformats.org/package/2006/relationships\">\
            <Relationship Id=\"rId1\" Type=\"http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet\" \
            Target=\"worksheets/sheet1.bin\"/></Relationships>";
        zip(&[
            ("xl/workbook.bin", book),
            ("xl/_rels/workbook.bin.rels", rels.as_bytes().to_vec()),
            ("xl/worksheets/sheet1.bin", ws),
        ])
    }
}

#[cfg(test)]
mod tests {
    use super::build;
    use crate::ingest::schema::Table;
    use crate::ingest::source;

    const HEADER: [&str; 3] = ["lawyer_id", "name", "law_firm"];

    /// Reads `bytes` saved as `name` as the lawyers table, as ingest does
    /// (the archive check, then the reader): the header and the records, or
    /// the file-level error's message.
    fn read(name: &str, bytes: &[u8]) -> Result<(Vec<String>, Vec<Vec<String>>), String> {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join(name);
        std::fs::write(&path, bytes).unwrap();
        source::check_workbook_size(&path, 1 << 30).map_err(|e| e.message)?;
        let src = source::open(
            &path,
            Table::Lawyers.spec(),
            crate::config::Encoding::Utf8,
            None,
        )
        .map_err(|e| {
            assert_eq!(e.path, path, "the error names the workbook");
            e.message
        })?;
        let records = src.records.map(|r| r.unwrap().cells).collect();
        Ok((src.header, records))
    }

    fn xls_cells<'a>(extra: &[(u16, u16, &'a str)]) -> Vec<(u16, u16, &'a str)> {
        let mut cells = vec![
            (0, 0, "lawyer_id"),
            (0, 1, "name"),
            (0, 2, "law_firm"),
            (1, 0, "L001"),
            (1, 1, "测试甲"),
            (1, 2, "示例所"),
        ];
        cells.extend_from_slice(extra);
        cells
    }

    #[test]
    fn an_xls_workbook_is_read() {
        // It failed before: the archive size check took every .xls for a
        // broken zip.
        let bytes = build::xls("名册", &xls_cells(&[]), None);
        assert!(super::check_xls(&bytes).is_ok());
        let (header, records) = read("lawyers.xls", &bytes).unwrap();
        assert_eq!(header, HEADER);
        assert_eq!(records, vec![vec!["L001", "测试甲", "示例所"]]);
    }

    /// calamine builds an XLS sheet's dense range when it opens the file:
    /// one cell at IV65536 beside A1 made 16.7 million cells (0.5 GB), and
    /// a `Dimensions` record of 4 billion rows made it reserve terabytes (an
    /// abort), from a workbook of 5 kB. Both are refused unread, naming the
    /// sheet.
    #[test]
    fn an_xls_sheet_past_the_cell_cap_is_refused_naming_it() {
        let far = build::xls("名册", &xls_cells(&[(65_535, 255, "x")]), Some((0, 3)));
        let err = read("lawyers.xls", &far).unwrap_err();
        assert!(
            err.contains("sheet `名册`") && err.contains("row 65536, column 256"),
            "{err}"
        );
        let huge = build::xls("名册", &xls_cells(&[]), Some((0, u32::MAX)));
        let err = read("lawyers.xls", &huge).unwrap_err();
        assert!(
            err.contains("sheet `名册`") && err.contains("Dimensions"),
            "{err}"
        );
        // A first row past the last wraps round in calamine: 4 billion rows.
        let wrapped = build::xls("名册", &xls_cells(&[]), Some((7, 3)));
        assert!(
            read("lawyers.xls", &wrapped)
                .unwrap_err()
                .contains("Dimensions")
        );
    }

    /// A directory sector chain that points back at itself made calamine's
    /// compound-file reader grow its buffer until an allocation failed (an
    /// abort; seen under a 6 GB address-space limit).
    #[test]
    fn an_xls_with_a_looping_sector_chain_is_refused() {
        let mut bytes = build::xls("名册", &xls_cells(&[]), None);
        // FAT entry 1 (the directory's sector) → 1.
        bytes[512 + 4..512 + 8].copy_from_slice(&1u32.to_le_bytes());
        let err = super::check_xls(&bytes).unwrap_err();
        assert!(err.contains("loops"), "{err}");
        assert!(read("lawyers.xls", &bytes).is_err());
    }

    #[test]
    fn ods_and_xlsb_files_are_read_under_their_own_extensions() {
        // Before, only a name ending in .xlsx reached these readers: a
        // `.ods` or `.xlsb` input was refused as an unknown file type.
        let ods = build::ods("名册", &ods_rows(""));
        let cells: Vec<(u32, u32, &str)> = xls_cells(&[])
            .into_iter()
            .map(|(r, c, t)| (u32::from(r), u32::from(c), t))
            .collect();
        let xlsb = build::xlsb("Sheet1", &cells);
        for (name, bytes) in [
            ("lawyers.ods", &ods),
            ("lawyers.xlsb", &xlsb),
            ("lawyers.ODS", &ods),
        ] {
            let (header, records) = read(name, bytes).unwrap_or_else(|e| panic!("{name}: {e}"));
            assert_eq!(header, HEADER, "{name}");
            assert_eq!(records, vec![vec!["L001", "测试甲", "示例所"]], "{name}");
        }
    }

    /// calamine renders every formula of an XLS to text when it opens the
    /// file, and a five-byte reference to a defined name becomes the name:
    /// ten formula cells of 1,000 references to a 255-character name are
    /// 2.5 MB of text from a 64 kB file. The check counts it (at a 1 MiB cap
    /// here; the real cap is 256 MiB): before, formula text was not counted.
    #[test]
    fn an_xls_whose_formulas_name_a_long_defined_name_is_counted() {
        let name = "N".repeat(255);
        let mut lbl = vec![0u8, 0, 0, 255, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0];
        lbl.extend(name.as_bytes());
        let references = 1_000;
        let mut rgce = Vec::new();
        for i in 0..references {
            rgce.push(0x23); // PtgName, the first defined name
            rgce.extend(1u32.to_le_bytes());
            if i > 0 {
                rgce.push(0x03); // PtgAdd
            }
        }
        let formula = |row: u16| {
            let mut f = Vec::new();
            f.extend(row.to_le_bytes());
            f.extend(0u16.to_le_bytes());
            f.extend(0u16.to_le_bytes());
            f.extend(0f64.to_le_bytes());
            f.extend(0u16.to_le_bytes());
            f.extend(0u32.to_le_bytes());
            f.extend((rgce.len() as u16).to_le_bytes());
            f.extend(&rgce);
            (0x0006, f)
        };
        let formulas: Vec<(u16, Vec<u8>)> = (1..=10).map(formula).collect();
        let bytes = build::xls_with("名册", &xls_cells(&[]), None, &[(0x0018, lbl)], &formulas);
        assert!(bytes.len() < 70_000);
        // What calamine makes of it.
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("lawyers.xls");
        std::fs::write(&path, &bytes).unwrap();
        let mut wb: calamine::Xls<_> = calamine::open_workbook(&path).unwrap();
        use calamine::Reader;
        let text: usize = wb
            .worksheet_formula("名册")
            .unwrap()
            .used_cells()
            .map(|(_, _, f)| f.len())
            .sum();
        assert!(
            text >= 10 * references * 255,
            "calamine rendered {text} bytes"
        );
        let err = super::check_xls_within(&bytes, 1 << 20).unwrap_err();
        assert!(err.contains("名册") && err.contains("text"), "{err}");
        // The same sheet without the formulas passes.
        let plain = build::xls_with("名册", &xls_cells(&[]), None, &[], &[]);
        assert!(super::check_xls_within(&plain, 1 << 20).is_ok());
    }

    fn ods_rows(extra: &str) -> String {
        format!(
            "{}{}{extra}",
            build::ods_row(&HEADER),
            build::ods_row(&["L001", "测试甲", "示例所"])
        )
    }

    #[test]
    fn an_ods_sheet_saved_as_xlsx_is_read_with_spreadsheet_padding() {
        // What LibreOffice writes after the data: empty cells and rows
        // repeated to the sheet's edge.
        let padding = "<table:table-row table:number-rows-repeated=\"1048574\">\
             <table:table-cell table:number-columns-repeated=\"1024\"/></table:table-row>";
        let bytes = build::ods("Sheet1", &ods_rows(padding));
        let (header, records) = read("lawyers.XLSX", &bytes).unwrap();
        assert_eq!(header, HEADER);
        assert_eq!(records, vec![vec!["L001", "测试甲", "示例所"]]);
    }

    /// calamine's ODS reader copies a repeated cell once a column and a
    /// repeated row once a row, up to 100 million cells, and a `text:s`
    /// element's count of spaces into the text: a few hundred bytes of XML
    /// made gigabytes. Reached through calamine's guess on an upper-case
    /// extension before; refused unread now, naming the sheet.
    #[test]
    fn an_ods_sheet_past_the_caps_is_refused_naming_it() {
        let repeated = "<table:table-row table:number-rows-repeated=\"1000\">\
             <table:table-cell table:number-columns-repeated=\"16384\" office:value-type=\"float\" \
             office:value=\"1\"/></table:table-row>";
        let err = read("lawyers.XLSX", &build::ods("名册", &ods_rows(repeated))).unwrap_err();
        assert!(
            err.contains("sheet `名册`") && err.contains("cells"),
            "{err}"
        );
        let spaces = "<table:table-row><table:table-cell office:value-type=\"string\">\
             <text:p>a<text:s text:c=\"300000000\"/>b</text:p></table:table-cell></table:table-row>";
        let err = read("lawyers.XLSX", &build::ods("名册", &ods_rows(spaces))).unwrap_err();
        assert!(
            err.contains("sheet `名册`") && err.contains("bytes of text"),
            "{err}"
        );
        // One string repeated across a row, the row repeated: little XML,
        // gigabytes of copies.
        let long = "x".repeat(100_000);
        let copies = format!(
            "<table:table-row table:number-rows-repeated=\"100\"><table:table-cell \
             table:number-columns-repeated=\"100\" office:value-type=\"string\" \
             office:string-value=\"{long}\"/></table:table-row>"
        );
        let err = read("lawyers.XLSX", &build::ods("名册", &ods_rows(&copies))).unwrap_err();
        assert!(err.contains("bytes of text"), "{err}");
    }

    /// The scan reads markup as the XML reader does: a comment, CDATA or a
    /// `>` inside a quoted attribute value hides no element and ends no tag.
    #[test]
    fn the_ods_scan_is_not_fooled_by_comments_or_quoted_brackets() {
        let body = |cell_attrs: &str| {
            format!(
                "<table:table table:name=\"S\"><!-- </table:table-row></table:table> -->\
                 <table:table-row table:number-rows-repeated=\"1000\">\
                 <table:table-cell table:number-columns-repeated=\"16384\" {cell_attrs}/>\
                 <![CDATA[</table:table-row>]]></table:table-row></table:table>"
            )
        };
        let kept = body("office:string-value=\"a>b\" office:value-type=\"string\"");
        let err = super::check_ods(kept.as_bytes()).unwrap_err();
        assert!(
            err.contains("sheet `S`") && err.contains("16384000 cells"),
            "{err}"
        );
        // The same box of empty cells (a style only) costs nothing.
        let empty = body("table:style-name=\"a>b\"");
        assert!(super::check_ods(empty.as_bytes()).is_ok());
    }

    /// Found by the 10-million-input fuzz run (session 7), minimised: a
    /// cell start outside any row, which calamine ignores, hid from the scan
    /// what followed it. Behind one, a row repeated 1,048,576 times holding
    /// 16 kB of spaces made calamine clone 17 GB (the run was killed for
    /// memory at 23 GB); behind another, the table's own start, so a
    /// table cut off at its end went unnoticed and calamine looped for ever.
    #[test]
    fn a_cell_outside_any_row_hides_nothing_from_the_ods_scan() {
        let stray = "<table:table-cell office:value-type=\"string\">";
        let repeated = format!(
            "{}{stray}<table:table-row table:number-rows-repeated=\"1048576\">\
             <table:table-cell table:number-columns-repeated=\"2\" office:value-type=\"float\" \
             office:value=\"1.5\"/><table:table-cell office:value-type=\"string\">\
             <text:p>a<text:s text:c=\"16384\"/>b</text:p></table:table-cell></table:table-row>",
            build::ods_row(&HEADER)
        );
        let err = read("lawyers.XLSX", &build::ods("名册", &repeated)).unwrap_err();
        assert!(
            err.contains("名册") && err.contains("bytes of text"),
            "{err}"
        );
        let cut = format!(
            "<office:document-content>{stray}<office:body><office:spreadsheet>\
             <table:table table:name=\"名册\">{}</table:table-row>",
            build::ods_row(&HEADER)
        );
        let err = super::check_ods(cut.as_bytes()).unwrap_err();
        assert!(err.contains("ends inside sheet `名册`"), "{err}");
        // Nor does a row outside any table open anything (the fuzz run of
        // session 8 hung on this: a stray row and text cell before the
        // table, whose end tag was damaged).
        let stray_row = format!(
            "<office:document-content></table:table-row><table:table-row>{stray}<text:p>乙             </text:p><office:body><office:spreadsheet><table:table table:name=\"名册\">{}\
             </tabletable></office:spreadsheet></office:body></office:document-content>",
            build::ods_row(&HEADER)
        );
        let err = super::check_ods(stray_row.as_bytes()).unwrap_err();
        assert!(err.contains("ends inside sheet `名册`"), "{err}");
        // A table start without a name is not a table to calamine.
        let nameless = "<table:table><table:table-row table:number-rows-repeated=\"1048576\">\
             <table:table-cell office:value-type=\"string\"><text:p>a<text:s text:c=\"4096\"/>\
             </text:p></table:table-cell></table:table-row>";
        assert!(super::check_ods(nameless.as_bytes()).is_ok());
        // A text cell ends at an empty cell element, as calamine reads it;
        // a cell not read as text skips nested cells to its own end.
        let nested = "<table:table table:name=\"S\"><table:table-row>\
             <table:table-cell office:value-type=\"string\"><table:table-cell/>\
             <table:table-row table:number-rows-repeated=\"1048576\">\
             <table:table-cell office:value-type=\"string\"><text:p>a<text:s text:c=\"4096\"/>\
             </text:p></table:table-cell></table:table-row></table:table-row></table:table>";
        assert!(
            super::check_ods(nested.as_bytes()).is_err(),
            "a row behind an empty cell"
        );
    }

    /// Found by the fuzz harness: calamine reads an ODS table until its end
    /// tag and an annotation in a text cell until the annotation's end, and
    /// at the end of the file it waits forever. A `content.xml` cut off (or
    /// with the end tag damaged) inside either made the run hang; it is
    /// refused unread now.
    #[test]
    fn an_ods_cut_off_inside_a_table_or_an_annotation_is_refused() {
        let rows = ods_rows("");
        let bytes = build::ods("名册", &rows);
        assert!(read("lawyers.XLSX", &bytes).is_ok());
        let damaged = |content: String| {
            let cut = bytes.clone();
            let mut archive = zip::ZipArchive::new(std::io::Cursor::new(cut)).unwrap();
            let mut out = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
            let stored = zip::write::SimpleFileOptions::default()
                .compression_method(zip::CompressionMethod::Stored);
            for i in 0..archive.len() {
                let mut part = archive.by_index(i).unwrap();
                let mut data = Vec::new();
                std::io::Read::read_to_end(&mut part, &mut data).unwrap();
                let name = part.name().unwrap().to_string();
                if name == "content.xml" {
                    data = content.clone().into_bytes();
                }
                out.start_file(name.as_str(), stored).unwrap();
                std::io::Write::write_all(&mut out, &data).unwrap();
            }
            out.finish().unwrap().into_inner()
        };
        let full = {
            let mut archive = zip::ZipArchive::new(std::io::Cursor::new(bytes.clone())).unwrap();
            let mut text = String::new();
            std::io::Read::read_to_string(&mut archive.by_name("content.xml").unwrap(), &mut text)
                .unwrap();
            text
        };
        // The table's end tag damaged (as the harness's input had it).
        let err = read(
            "lawyers.XLSX",
            &damaged(full.replace("</table:table>", "</table:tabl\u{0}e>")),
        )
        .unwrap_err();
        assert!(err.contains("ends inside sheet `名册`"), "{err}");
        // An annotation opened in a text cell and never closed.
        let annotated = full.replacen(
            "<text:p>L001</text:p>",
            "<text:p>L001</text:p><office:annotation><text:p>note</text:p>",
            1,
        );
        let err = read("lawyers.XLSX", &damaged(annotated)).unwrap_err();
        assert!(err.contains("ends inside"), "{err}");
        // A closed annotation is fine.
        let closed = full.replacen(
            "<text:p>L001</text:p>",
            "<text:p>L001</text:p><office:annotation><text:p>note</text:p></office:annotation>",
            1,
        );
        assert!(read("lawyers.XLSX", &damaged(closed)).is_ok());
    }

    /// An XLSB sheet went through calamine's dense range: one cell at
    /// XFD1048576 beside A1 is 17 billion cells (an abort). It is streamed
    /// cell by cell now; the stray cell costs nothing.
    #[test]
    fn an_xlsb_sheet_is_streamed_and_a_far_cell_costs_nothing() {
        let bytes = build::xlsb(
            "Sheet1",
            &[
                (0, 0, "lawyer_id"),
                (0, 1, "name"),
                (0, 2, "law_firm"),
                (1, 0, "L001"),
                (1, 1, "测试甲"),
                (1, 2, "示例所"),
                (1_048_575, 16_383, "x"),
            ],
        );
        let (header, records) = read("lawyers.XLSX", &bytes).unwrap();
        assert_eq!(header, HEADER);
        assert_eq!(records, vec![vec!["L001", "测试甲", "示例所"]]);
    }
}
