//! Resident memory from `/proc/self` (Linux): the process's peak and a
//! sampling thread for per-stage peaks.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::Duration;

/// How often the sampler reads the resident size.
pub const SAMPLE_EVERY: Duration = Duration::from_millis(10);

/// The process's peak resident set size (`VmHWM`) in bytes: the whole
/// process's peak, as nothing in legalaid resets the kernel's mark.
pub fn peak_rss() -> Option<u64> {
    status_kb("VmHWM:").map(|kb| kb * 1024)
}

/// The current resident set size (`VmRSS`) in bytes.
pub fn current_rss() -> Option<u64> {
    status_kb("VmRSS:").map(|kb| kb * 1024)
}

/// A thread that reads `VmRSS` every [`SAMPLE_EVERY`] and keeps the
/// largest value since the last [`Sampler::new_stage`]; stopped when
/// dropped. A peak between two samples can be missed by up to 10 ms of
/// growth; resetting the kernel's mark instead (`clear_refs`) would
/// corrupt the whole-process peak that `time -v` reports.
#[derive(Debug)]
pub struct Sampler {
    peak: Arc<AtomicU64>,
    stop: Arc<AtomicBool>,
    thread: Option<std::thread::JoinHandle<()>>,
}

impl Sampler {
    /// Starts sampling; `None` where `/proc/self/status` cannot be read.
    pub fn start() -> Option<Sampler> {
        let first = current_rss()?;
        let peak = Arc::new(AtomicU64::new(first));
        let stop = Arc::new(AtomicBool::new(false));
        let (p, s) = (Arc::clone(&peak), Arc::clone(&stop));
        let thread = std::thread::Builder::new()
            .name("rss-sampler".into())
            .spawn(move || {
                while !s.load(Ordering::Relaxed) {
                    if let Some(rss) = current_rss() {
                        p.fetch_max(rss, Ordering::Relaxed);
                    }
                    std::thread::sleep(SAMPLE_EVERY);
                }
            })
            .ok()?;
        Some(Sampler {
            peak,
            stop,
            thread: Some(thread),
        })
    }

    /// Starts a new stage: its peak starts at the current resident size.
    pub fn new_stage(&self) {
        self.peak
            .store(current_rss().unwrap_or(0), Ordering::Relaxed);
    }

    /// The largest resident size seen since the stage began, including
    /// now.
    pub fn stage_peak(&self) -> u64 {
        let now = current_rss().unwrap_or(0);
        self.peak.fetch_max(now, Ordering::Relaxed).max(now)
    }
}

impl Drop for Sampler {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::Relaxed);
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

fn status_kb(key: &str) -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with(key))?;
    line[key.len()..]
        .trim()
        .trim_end_matches("kB")
        .trim()
        .parse()
        .ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_sampling_thread_sees_a_stage_grow() {
        let Some(sampler) = Sampler::start() else {
            return; // not Linux
        };
        sampler.new_stage();
        let block = vec![1u8; 64 << 20];
        std::hint::black_box(&block);
        // What the thread stored (not a fresh reading) catches up with a
        // reading taken before it, which holds the block. Other tests of
        // this process allocate and free at the same time (by more than
        // the block, on a loaded machine), so a fixed margin over the
        // stage's start is not a sound test; a few tries are.
        let caught_up = (0..100).any(|_| {
            let now = current_rss().unwrap_or(u64::MAX);
            std::thread::sleep(SAMPLE_EVERY * 3);
            sampler.peak.load(Ordering::Relaxed) >= now
        });
        assert!(
            caught_up,
            "the sampler's peak never reached the resident size"
        );
        drop(block);
    }
}
