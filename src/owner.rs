//! Which process owns a scratch or staging folder, so that the next start
//! can sweep the folders of runs that died and never those of a run still
//! going; and the test-only crash points.
//!
//! A folder's name ends in its owner's tag, `<pid>-<start>-<nonce>`: the
//! process id, the process's start time in clock ticks since boot (so a
//! reused pid does not keep a dead run's folder alive) and a random nonce (so
//! two folders of one process never share a name).

use std::path::Path;

/// The tag of this process: `<pid>-<start>-<nonce>`.
pub fn tag() -> String {
    let pid = std::process::id();
    format!(
        "{pid}-{}-{:08x}",
        start_time(pid).unwrap_or(0),
        rand::random::<u32>()
    )
}

/// The process start time of `pid` in clock ticks since boot (field 22 of
/// `/proc/<pid>/stat`); `None` when the process does not exist or there is
/// no `/proc`.
fn start_time(pid: u32) -> Option<u64> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    // The command name (field 2) is in parentheses and may hold spaces.
    let after = &stat[stat.rfind(')')? + 1..];
    after.split_whitespace().nth(19)?.parse().ok()
}

/// Whether the process named by `tag` (as written by [`tag`]) still runs.
/// A tag that does not parse is treated as alive: never swept.
pub fn is_alive(tag: &str) -> bool {
    let mut parts = tag.splitn(3, '-');
    let (Some(pid), Some(start)) = (parts.next(), parts.next()) else {
        return true;
    };
    let (Ok(pid), Ok(start)) = (pid.parse::<u32>(), start.parse::<u64>()) else {
        return true;
    };
    if Path::new("/proc/self/stat").exists() {
        return start_time(pid).is_some_and(|s| start == 0 || s == start);
    }
    // Without /proc: signal 0 tells whether the pid exists.
    let Ok(pid) = libc::pid_t::try_from(pid) else {
        return true;
    };
    // SAFETY: kill with signal 0 sends nothing; it only checks the pid.
    let r = unsafe { libc::kill(pid, 0) };
    r == 0 || std::io::Error::last_os_error().raw_os_error() != Some(libc::ESRCH)
}

/// The environment variable that names a crash point (tests only).
pub const ABORT_AT: &str = "LEGALAID_TEST_ABORT_AT";

/// A named point of the run where a crash test makes the process abort
/// (`LEGALAID_TEST_ABORT_AT=<name>`), as `kill -9` would at that moment.
/// Inert unless the variable names this point. The points, in run order:
/// `after_ingest`, `after_register` (the register's transaction written,
/// not committed), `before_commit` (outputs staged, publication journal
/// written), `after_commit` (register committed, outputs not yet swapped),
/// `during_swap` (the output folder swapped, the old one not yet renamed
/// aside), `before_cleanup` (the old output folder not yet removed).
pub fn crash_point(name: &str) {
    if std::env::var_os(ABORT_AT).is_some_and(|v| v == name) {
        std::process::abort();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn this_process_is_alive_and_a_dead_one_is_not() {
        let me = tag();
        assert!(is_alive(&me), "{me}");
        // A start time that does not match: the pid was reused.
        let pid = std::process::id();
        assert!(!is_alive(&format!("{pid}-1-00000000")));
        // A pid beyond pid_max never exists.
        assert!(!is_alive("2147483647-5-00000000"));
        assert!(is_alive("not-a-tag"));
    }
}
