//! How long each stage of a run took and how much memory it held: wall
//! time per stage and per SQL model, and per-stage peaks from
//! [`crate::memory::Sampler`].

use std::time::{Duration, Instant};

use crate::memory;

/// One stage of a run: its name, wall time and the process's peak resident
/// memory during the stage (Linux only; `None` elsewhere).
#[derive(Debug, Clone)]
pub struct StageTiming {
    pub stage: &'static str,
    pub wall: Duration,
    /// Peak resident set size in bytes while the stage ran.
    pub peak_rss: Option<u64>,
}

/// Stage names, wall times and peak memory of one run, in order. Each
/// stage's peak comes from a thread that samples the resident set size
/// ([`memory::Sampler`]); the kernel's own peak mark (`VmHWM`, what
/// `getrusage` and `/usr/bin/time -v` report) is never reset, so it stays the
/// whole run's peak.
#[derive(Debug, Default)]
pub struct Timings {
    pub stages: Vec<StageTiming>,
    sampler: Option<memory::Sampler>,
}

/// Wall time of each SQL model of a run, in run order.
#[derive(Debug, Default, Clone)]
pub struct ModelTimings(pub Vec<(&'static str, Duration)>);

impl Timings {
    /// Timings with a memory sampler running (Linux; elsewhere no peaks).
    pub fn sampled() -> Timings {
        Timings {
            stages: Vec::new(),
            sampler: memory::Sampler::start(),
        }
    }

    pub(crate) fn time<T>(&mut self, stage: &'static str, f: impl FnOnce() -> T) -> T {
        let start = self.start();
        let out = f();
        self.stop(stage, start);
        out
    }

    /// Starts a stage: the sampler's stage peak starts again from the
    /// current resident size.
    pub(crate) fn start(&self) -> Instant {
        if let Some(s) = &self.sampler {
            s.new_stage();
        }
        Instant::now()
    }

    pub(crate) fn stop(&mut self, stage: &'static str, start: Instant) {
        self.stages.push(StageTiming {
            stage,
            wall: start.elapsed(),
            peak_rss: self.sampler.as_ref().map(memory::Sampler::stage_peak),
        });
    }
}
