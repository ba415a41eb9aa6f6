//! Work shared between the machine's cores: every core takes the next few
//! items of a slice as it gets free, the results come back in the slice's
//! order. Used where a run does the same independent work for tens of
//! thousands of items of uneven cost (lawyer pages, hashing the outputs):
//! cutting the slice into one fixed chunk per core left a core idle while
//! the other finished a chunk of heavier items.

use std::sync::atomic::{AtomicUsize, Ordering};

/// How many items a worker takes at a time: few enough that the cores
/// finish together, enough that claiming costs nothing beside an item.
const CLAIM: usize = 4;

/// `f` applied to every item of `items`, on every core (this thread is one
/// of them); results in order.
pub fn map<T: Sync, R: Send>(items: &[T], f: impl Fn(&T) -> R + Sync) -> Vec<R> {
    let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
    let workers = cores.min(items.len().div_ceil(CLAIM));
    if workers <= 1 {
        return items.iter().map(f).collect();
    }
    let next = AtomicUsize::new(0);
    let work = || {
        let mut done = Vec::new();
        loop {
            let start = next.fetch_add(CLAIM, Ordering::Relaxed);
            if start >= items.len() {
                return done;
            }
            let end = (start + CLAIM).min(items.len());
            done.extend((start..end).map(|i| (i, f(&items[i]))));
        }
    };
    let parts: Vec<Vec<(usize, R)>> = std::thread::scope(|scope| {
        let others: Vec<_> = (1..workers).map(|_| scope.spawn(work)).collect();
        let mine = work();
        others
            .into_iter()
            .map(|h| {
                h.join()
                    .unwrap_or_else(|panic| std::panic::resume_unwind(panic))
            })
            .chain(std::iter::once(mine))
            .collect()
    });
    let mut slots: Vec<Option<R>> = std::iter::repeat_with(|| None).take(items.len()).collect();
    for (i, r) in parts.into_iter().flatten() {
        slots[i] = Some(r);
    }
    slots
        .into_iter()
        .map(|r| r.expect("every item is taken by exactly one worker"))
        .collect()
}

#[cfg(test)]
mod tests {
    #[test]
    fn results_keep_the_items_order() {
        let items: Vec<u32> = (0..1001).collect();
        let squares = super::map(&items, |i| i * i);
        assert_eq!(squares, items.iter().map(|i| i * i).collect::<Vec<_>>());
        assert!(super::map(&[] as &[u32], |i| *i).is_empty());
        assert_eq!(super::map(&[7u32], |i| i + 1), vec![8]);
    }

    #[test]
    fn uneven_items_are_each_mapped_once() {
        use std::sync::atomic::{AtomicUsize, Ordering};
        let calls = AtomicUsize::new(0);
        // Heavy items first: with one fixed chunk per core they would all
        // fall to the first core.
        let items: Vec<u64> = (0..203)
            .map(|i| if i < 20 { 200_000 } else { 10 })
            .collect();
        let sums = super::map(&items, |&n| {
            calls.fetch_add(1, Ordering::Relaxed);
            (0..n).fold(0u64, |a, b| a.wrapping_add(b * b))
        });
        assert_eq!(calls.load(Ordering::Relaxed), items.len());
        let expected: Vec<u64> = items
            .iter()
            .map(|&n| (0..n).fold(0u64, |a, b| a.wrapping_add(b * b)))
            .collect();
        assert_eq!(sums, expected);
    }

    #[test]
    fn a_panicking_item_panics_the_caller() {
        let items: Vec<u32> = (0..100).collect();
        let caught = std::panic::catch_unwind(|| {
            super::map(&items, |&i| {
                assert!(i != 57, "item 57");
                i
            })
        });
        assert!(caught.is_err());
    }
}
