//! Property test: random corruptions of a valid data set never lose a row
//! (read = accepted + rejected for every table), and every accepted row is
//! well-formed (checked by re-validating the accepted rows alone: no rejects).

use proptest::prelude::*;

use crate::fixture::*;

/// A corruption: table index, row pick, column pick, replacement value.
fn corruption() -> impl Strategy<Value = (usize, usize, usize, String)> {
    let values = prop_oneof![
        Just(String::new()),
        Just("2024-02-30".to_string()),
        Just("NA".to_string()),
        Just("-1".to_string()),
        Just("99".to_string()),
        Just("L001".to_string()),
        Just("C999".to_string()),
        Just("是".to_string()),
        Just("=cmd|' /C calc'!A0".to_string()),
        "[a-z0-9\\-]{0,6}",
    ];
    (0usize..7, any::<usize>(), any::<usize>(), values)
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 12, failure_persistence: None, ..ProptestConfig::default() })]

    #[test]
    fn nothing_is_lost_and_accepted_rows_are_clean(corruptions in proptest::collection::vec(corruption(), 1..6)) {
        let mut f = Fixture::valid();
        f.pipeline_extra = "[ingest]\nmax_reject_ratio = 1.0\n".into();
        for (t, row, column, value) in &corruptions {
            let sheet = &mut f.tables[*t].1;
            if sheet.rows.is_empty() { continue; }
            let r = row % sheet.rows.len();
            let c = column % sheet.header.len();
            sheet.rows[r][c] = value.clone();
        }
        let (out, dir) = validate(&f);
        prop_assert!(out.status.success(), "{}", stderr(&out));
        let text = stdout(&out);
        // Keep only the accepted rows of each table and validate again.
        let mut clean = f.clone();
        for (table, sheet) in &mut clean.tables {
            let rejects = read_rejects(&dir.path().join("rej").join(format!("{table}.csv")));
            let line: Vec<u64> = text.lines().find(|l| l.split_whitespace().next() == Some(table.as_str()))
                .unwrap().split_whitespace().skip(1).take(3).map(|n| n.parse().unwrap()).collect();
            prop_assert_eq!(line[0], line[1] + line[2], "table {}", table);
            prop_assert_eq!(line[0], sheet.rows.len() as u64);
            prop_assert_eq!(rejects.len() as u64, line[2]);
            let rejected_rows: Vec<usize> = rejects.iter().map(|r| r["source_row"].parse::<usize>().unwrap() - 2).collect();
            sheet.rows = sheet.rows.iter().enumerate().filter(|(i, _)| !rejected_rows.contains(i)).map(|(_, r)| r.clone()).collect();
        }
        let (out, dir2) = validate(&clean);
        prop_assert!(out.status.success(), "{}", stderr(&out));
        for t in TABLES {
            let rejects = read_rejects(&dir2.path().join("rej").join(format!("{t}.csv")));
            prop_assert!(rejects.is_empty(), "accepted rows of {} rejected on re-validation: {:?}", t, rejects);
        }
    }
}
