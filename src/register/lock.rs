//! One run or register command at a time per register: an advisory lock
//! (`flock`) on a file beside the register, `<register>.lock`, held for the
//! whole run or command. A second one waits, told who holds it, up to the
//! pipeline's `[register] lock_wait_seconds`, then fails with
//! [`RegisterError::Busy`] — never with SQLite's "database is locked". The
//! kernel releases the lock when its holder exits or is killed, so a crash
//! never leaves the register locked. The file is never deleted (deleting a
//! lock file lets two processes lock two different files).
//!
//! The lock file holds its holder's pid, command and start time, for the
//! message of whoever waits; it is only ever read for that message.

use std::fs::{File, OpenOptions};
use std::io::{Read, Seek, SeekFrom, Write};
use std::os::fd::AsRawFd;
use std::os::unix::fs::OpenOptionsExt;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use super::RegisterError;

/// The default of `[register] lock_wait_seconds`.
pub const DEFAULT_WAIT_SECONDS: u64 = 600;

/// The lock file of a register: `<register>.lock`.
pub fn lock_path(register: &Path) -> PathBuf {
    let mut name = register.as_os_str().to_os_string();
    name.push(".lock");
    PathBuf::from(name)
}

/// The held lock of a register; released when dropped (or the process ends).
#[derive(Debug)]
pub struct RegisterLock {
    file: File,
    path: PathBuf,
}

impl RegisterLock {
    /// Takes the lock of `register` for `command` (e.g. `run`), waiting up to
    /// `wait` while another process holds it; `on_wait` is called once, with
    /// who holds it, when waiting begins. Creates the register's folder.
    pub fn acquire(
        register: &Path,
        command: &str,
        wait: Duration,
        on_wait: &mut dyn FnMut(&str),
    ) -> Result<RegisterLock, RegisterError> {
        let path = lock_path(register);
        let io = |source| RegisterError::Io {
            path: path.clone(),
            source,
        };
        if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
            std::fs::create_dir_all(dir).map_err(io)?;
        }
        let mut file = OpenOptions::new()
            .read(true)
            .write(true)
            .create(true)
            .truncate(false)
            .mode(0o600)
            .open(&path)
            .map_err(io)?;
        let started = Instant::now();
        let mut told = false;
        loop {
            // SAFETY: flock on a file descriptor this function owns.
            let r = unsafe { libc::flock(file.as_raw_fd(), libc::LOCK_EX | libc::LOCK_NB) };
            if r == 0 {
                break;
            }
            let e = std::io::Error::last_os_error();
            match e.raw_os_error() {
                Some(libc::EWOULDBLOCK) => {}
                Some(libc::EINTR) => continue,
                _ => return Err(io(e)),
            }
            let holder = holder(&mut file);
            if started.elapsed() >= wait {
                return Err(RegisterError::Busy {
                    path: register.to_path_buf(),
                    holder,
                    waited: wait.as_secs(),
                });
            }
            if !told {
                on_wait(&format!(
                    "another run holds the register {} {holder}; waiting up to {} s",
                    register.display(),
                    wait.as_secs()
                ));
                told = true;
            }
            std::thread::sleep(
                Duration::from_millis(50).min(wait.saturating_sub(started.elapsed())),
            );
        }
        let text = format!(
            "since {} (pid {}: legalaid {command})\n",
            chrono::Utc::now().format("%Y-%m-%d %H:%M:%S UTC"),
            std::process::id(),
        );
        file.set_len(0).map_err(io)?;
        file.seek(SeekFrom::Start(0)).map_err(io)?;
        file.write_all(text.as_bytes()).map_err(io)?;
        Ok(RegisterLock { file, path })
    }

    /// The lock file.
    pub fn path(&self) -> &Path {
        &self.path
    }
}

impl Drop for RegisterLock {
    fn drop(&mut self) {
        // Closing the file releases the lock too; unlocking first makes the
        // release explicit.
        // SAFETY: flock on the file descriptor this lock owns.
        unsafe { libc::flock(self.file.as_raw_fd(), libc::LOCK_UN) };
    }
}

/// Who holds the lock, as its holder wrote it: "since … (pid …: legalaid …)".
fn holder(file: &mut File) -> String {
    let mut text = String::new();
    let _ = file.seek(SeekFrom::Start(0));
    let _ = file.take(200).read_to_string(&mut text);
    let text = text.trim();
    if text.is_empty() {
        "(a process that has not yet said who it is)".to_string()
    } else {
        text.to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_second_holder_waits_then_fails_naming_the_first() {
        let dir = tempfile::tempdir().unwrap();
        let register = dir.path().join("state/r.sqlite");
        let first = RegisterLock::acquire(&register, "run", Duration::ZERO, &mut |_| {}).unwrap();
        let mut said = Vec::new();
        let err = RegisterLock::acquire(&register, "note", Duration::from_millis(120), &mut |m| {
            said.push(m.to_string())
        })
        .unwrap_err();
        let text = err.to_string();
        assert!(
            text.contains("another run holds the register")
                && text.contains(&format!("(pid {}: legalaid run)", std::process::id()))
                && text.contains(" since "),
            "{text}"
        );
        assert_eq!(said.len(), 1, "{said:?}");
        drop(first);
        RegisterLock::acquire(&register, "note", Duration::ZERO, &mut |_| {}).unwrap();
        // The lock file is private and stays.
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(lock_path(&register))
            .unwrap()
            .permissions()
            .mode();
        assert_eq!(mode & 0o777, 0o600);
    }
}
