//! Small helpers over typed rows: grouping rows by a key, handing out a
//! sorted stream of rows key by key, and the mean and median that published
//! figures use. Aggregates that are published are computed in Rust from
//! rows in a fixed order (never with SQL `avg` over partitions), so the same
//! inputs give the same bytes.

use std::collections::{BTreeMap, VecDeque};

/// Rows grouped by a key, groups in key order, rows in the order given.
pub fn group_by<'a, T>(rows: &'a [T], key: impl Fn(&T) -> &str) -> BTreeMap<String, Vec<&'a T>> {
    let mut out: BTreeMap<String, Vec<&'a T>> = BTreeMap::new();
    for row in rows {
        out.entry(key(row).to_string()).or_default().push(row);
    }
    out
}

/// Rows sorted by a key, read a chunk at a time and handed out key by key:
/// a page per lawyer then holds one lawyer's rows, not the whole table (a
/// million cases at national scale).
pub struct Keyed<T, I, E>
where
    I: Iterator<Item = Result<Vec<T>, E>>,
{
    chunks: I,
    key: fn(&T) -> &str,
    buffered: VecDeque<T>,
}

impl<T, I, E> Keyed<T, I, E>
where
    I: Iterator<Item = Result<Vec<T>, E>>,
{
    /// `chunks` must hand out rows ordered by `key`.
    pub fn new(chunks: I, key: fn(&T) -> &str) -> Self {
        Keyed {
            chunks,
            key,
            buffered: VecDeque::new(),
        }
    }

    /// The rows whose key is `key`. Keys must be asked for in the rows'
    /// order; rows of keys skipped over are dropped.
    pub fn take(&mut self, key: &str) -> Result<Vec<T>, E> {
        let mut out = Vec::new();
        loop {
            while let Some(row) = self.buffered.front() {
                match (self.key)(row).cmp(key) {
                    std::cmp::Ordering::Less => {
                        self.buffered.pop_front();
                    }
                    std::cmp::Ordering::Equal => {
                        out.extend(self.buffered.pop_front());
                    }
                    std::cmp::Ordering::Greater => return Ok(out),
                }
            }
            match self.chunks.next() {
                None => return Ok(out),
                Some(chunk) => self.buffered.extend(chunk?),
            }
        }
    }
}

/// The mean of values in the order given (a fixed order gives fixed bytes).
pub fn mean(values: &[f64]) -> Option<f64> {
    if values.is_empty() {
        None
    } else {
        Some(values.iter().sum::<f64>() / values.len() as f64)
    }
}

/// The median (mean of the two middle values for an even count).
pub fn median(values: &[f64]) -> Option<f64> {
    if values.is_empty() {
        return None;
    }
    let mut v = values.to_vec();
    v.sort_by(f64::total_cmp);
    let n = v.len();
    Some(if n % 2 == 1 {
        v[n / 2]
    } else {
        (v[n / 2 - 1] + v[n / 2]) / 2.0
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Keys asked for in order get exactly their rows, across chunk
    /// boundaries; keys skipped over and keys with no rows give nothing.
    #[test]
    fn keyed_rows_are_handed_out_key_by_key() {
        let rows = [("a", 1), ("b", 2), ("b", 3), ("b", 4), ("d", 5), ("e", 6)];
        let chunks: Vec<Result<Vec<(&str, i64)>, ()>> =
            rows.chunks(2).map(|c| Ok(c.to_vec())).collect();
        let mut keyed = Keyed::new(chunks.into_iter(), |r: &(&str, i64)| r.0);
        let ints = |v: Vec<(&str, i64)>| -> Vec<i64> { v.into_iter().map(|r| r.1).collect() };
        assert_eq!(ints(keyed.take("b").unwrap()), vec![2, 3, 4]);
        assert_eq!(ints(keyed.take("c").unwrap()), Vec::<i64>::new());
        assert_eq!(ints(keyed.take("e").unwrap()), vec![6]);
        assert_eq!(ints(keyed.take("f").unwrap()), Vec::<i64>::new());
    }

    #[test]
    fn group_by_keeps_row_order_within_a_key() {
        let rows = [("b", 1), ("a", 2), ("b", 3)];
        let groups = group_by(&rows, |r| r.0);
        let keys: Vec<&String> = groups.keys().collect();
        assert_eq!(keys, ["a", "b"]);
        assert_eq!(groups["b"], vec![&("b", 1), &("b", 3)]);
    }

    #[test]
    fn mean_and_median() {
        assert_eq!(mean(&[]), None);
        assert_eq!(mean(&[1.0, 2.0, 6.0]), Some(3.0));
        assert_eq!(median(&[5.0, 1.0, 3.0]), Some(3.0));
        assert_eq!(median(&[4.0, 1.0, 3.0, 2.0]), Some(2.5));
    }
}
