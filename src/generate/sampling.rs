//! Random draws and date arithmetic shared by the generator's parts.
//!
//! Everything random in the generator goes through a [`GenRng`] (ChaCha8,
//! seeded from the user's seed, one independent stream per part of the data
//! set), so a seed fixes every byte of the output. `rand` only gives uniform
//! draws; the normal, weighted and cumulative draws the generator needs are
//! here, written out so that their results never change with a dependency
//! upgrade. Dates are `chrono::NaiveDate`, written as `YYYY-MM-DD`.

use chrono::{Datelike, NaiveDate, TimeDelta};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

/// The generator's random number generator.
pub(crate) type GenRng = ChaCha8Rng;

/// Independent streams of one seed, one per part of the data set, so that a
/// change in how one table is drawn leaves the others as they were.
pub(crate) mod stream {
    pub const FIRMS: u64 = 1;
    pub const LAWYERS: u64 = 2;
    pub const REVIEWERS: u64 = 3;
    pub const SANCTIONS: u64 = 4;
    pub const CASES: u64 = 5;
}

/// The generator for one part of the data set.
pub(crate) fn rng_for(seed: u64, stream: u64) -> GenRng {
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    rng.set_stream(stream);
    rng
}

/// A normal draw (Box–Muller).
pub(crate) fn normal(rng: &mut GenRng, mean: f64, sd: f64) -> f64 {
    let u1 = 1.0 - rng.random::<f64>(); // (0, 1]: the logarithm stays finite
    let u2 = rng.random::<f64>();
    mean + sd * (-2.0 * u1.ln()).sqrt() * (std::f64::consts::TAU * u2).cos()
}

/// True with probability `p` (any `p`; below 0 never, above 1 always).
pub(crate) fn chance(rng: &mut GenRng, p: f64) -> bool {
    rng.random::<f64>() < p
}

/// A uniform integer in `lo..=hi`.
pub(crate) fn between(rng: &mut GenRng, lo: i64, hi: i64) -> i64 {
    rng.random_range(lo..=hi)
}

/// One value of a small table of `(value, weight)` pairs.
pub(crate) fn weighted<T: Copy>(rng: &mut GenRng, table: &[(T, u32)]) -> T {
    let total: u32 = table.iter().map(|&(_, w)| w).sum();
    let mut x = rng.random_range(0..total.max(1));
    for &(value, w) in table {
        if x < w {
            return value;
        }
        x -= w;
    }
    table[table.len() - 1].0
}

/// One element of a non-empty slice, uniformly.
pub(crate) fn pick<T: Copy>(rng: &mut GenRng, items: &[T]) -> T {
    items[rng.random_range(0..items.len())]
}

/// Cumulative weights over a large pool: O(log n) weighted draws.
#[derive(Debug, Clone)]
pub(crate) struct Cumulative {
    totals: Vec<f64>,
}

impl Cumulative {
    /// From non-negative weights; an all-zero pool draws uniformly.
    pub fn new(weights: impl IntoIterator<Item = f64>) -> Self {
        let mut sum = 0.0;
        let mut totals: Vec<f64> = weights
            .into_iter()
            .map(|w| {
                sum += w.max(0.0);
                sum
            })
            .collect();
        if sum <= 0.0 {
            totals = (1..=totals.len()).map(|i| i as f64).collect();
        }
        Cumulative { totals }
    }

    /// One index, with probability proportional to its weight.
    pub fn draw(&self, rng: &mut GenRng) -> usize {
        let total = *self.totals.last().expect("a non-empty pool");
        let x = rng.random::<f64>() * total;
        self.totals
            .partition_point(|&t| t <= x)
            .min(self.totals.len() - 1)
    }
}

/// `d` plus `n` days (n may be negative).
pub(crate) fn add_days(d: NaiveDate, n: i64) -> NaiveDate {
    d + TimeDelta::days(n)
}

/// Whole days from `a` to `b`.
pub(crate) fn days_between(a: NaiveDate, b: NaiveDate) -> i64 {
    (b - a).num_days()
}

/// A uniform date in `from..=to`.
pub(crate) fn date_between(rng: &mut GenRng, from: NaiveDate, to: NaiveDate) -> NaiveDate {
    let span = days_between(from, to).max(0);
    add_days(from, between(rng, 0, span))
}

/// `d` moved by whole calendar years, 29 February becoming 28 February.
pub(crate) fn add_years(d: NaiveDate, years: i32) -> NaiveDate {
    let y = d.year() + years;
    d.with_year(y)
        .or_else(|| NaiveDate::from_ymd_opt(y, d.month(), 28))
        .expect("a date within chrono's range")
}

/// The date `y-m-d`, which the caller knows to exist.
pub(crate) fn ymd(y: i32, m: u32, d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, d).expect("a valid calendar date")
}

/// `YYYY-MM-DD`.
pub(crate) fn date_text(d: NaiveDate) -> String {
    format!("{:04}-{:02}-{:02}", d.year(), d.month(), d.day())
}

/// `YYYY-MM-DD`, or the empty string when there is no date.
pub(crate) fn opt_date_text(d: Option<NaiveDate>) -> String {
    d.map(date_text).unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn streams_are_reproducible_and_distinct() {
        let a: Vec<u64> = (0..4)
            .map({
                let mut r = rng_for(7, 1);
                move |_| r.random()
            })
            .collect();
        let b: Vec<u64> = (0..4)
            .map({
                let mut r = rng_for(7, 1);
                move |_| r.random()
            })
            .collect();
        let c: Vec<u64> = (0..4)
            .map({
                let mut r = rng_for(7, 2);
                move |_| r.random()
            })
            .collect();
        assert_eq!(a, b);
        assert_ne!(a, c);
    }

    #[test]
    fn normal_has_about_the_right_moments() {
        let mut rng = rng_for(1, 0);
        let xs: Vec<f64> = (0..20_000).map(|_| normal(&mut rng, 2.0, 3.0)).collect();
        let mean = xs.iter().sum::<f64>() / xs.len() as f64;
        let var = xs.iter().map(|x| (x - mean).powi(2)).sum::<f64>() / xs.len() as f64;
        assert!((mean - 2.0).abs() < 0.1, "{mean}");
        assert!((var.sqrt() - 3.0).abs() < 0.1, "{var}");
    }

    #[test]
    fn cumulative_respects_weights_and_skips_zero() {
        let c = Cumulative::new([0.0, 1.0, 3.0]);
        let mut rng = rng_for(3, 0);
        let mut counts = [0u32; 3];
        for _ in 0..8_000 {
            counts[c.draw(&mut rng)] += 1;
        }
        assert_eq!(counts[0], 0);
        assert!(counts[2] > 2 * counts[1], "{counts:?}");
    }

    #[test]
    fn leap_day_anniversary_is_28_february() {
        assert_eq!(add_years(ymd(2024, 2, 29), 1), ymd(2025, 2, 28));
        assert_eq!(date_text(ymd(2024, 3, 5)), "2024-03-05");
        assert_eq!(opt_date_text(None), "");
    }
}
