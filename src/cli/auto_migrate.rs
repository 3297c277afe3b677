//! Running `alembic upgrade head` for a developer after a checkout or merge,
//! when the repository opts in: the real `alembic` from `PATH`, in the top of
//! the work tree, its output appended to `.git/migcheck/auto-migrate.log`,
//! killed when it outlives the timeout. Nothing here fails the git command
//! that ran the hook: every outcome is a line to print.

use std::fs::{self, File, OpenOptions};
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use anyhow::{Context, Result};

/// Whether this repository asked for automatic upgrades: `auto-migrate = true`
/// in the configuration, or `AUTO_MIGRATE=true` together with
/// `ENVIRONMENT=development` in the environment.
pub fn opted_in(configured: bool) -> bool {
    let env = |name: &str| std::env::var(name).unwrap_or_default().to_ascii_lowercase();
    configured
        || (matches!(env("AUTO_MIGRATE").as_str(), "true" | "1" | "yes")
            && env("ENVIRONMENT") == "development")
}

/// The log of automatic upgrades in a git directory.
pub fn log_path(git_dir: &Path) -> PathBuf {
    git_dir.join("migcheck").join("auto-migrate.log")
}

/// Runs `alembic <args>` in `root`, appending its output to the log under
/// `git_dir`; returns the line that says how it went.
pub fn run(
    root: &Path,
    git_dir: &Path,
    args: &[String],
    why: &str,
    timeout: Duration,
) -> Result<String> {
    let log = log_path(git_dir);
    if let Some(folder) = log.parent() {
        fs::create_dir_all(folder)
            .with_context(|| format!("cannot create {}", folder.display()))?;
    }
    let mut file = OpenOptions::new()
        .create(true)
        .append(true)
        .open(&log)
        .with_context(|| format!("cannot open {}", log.display()))?;
    let command_line = format!("alembic {}", args.join(" "));
    writeln!(file, "== {} {why}\n$ {command_line}", utc_timestamp())
        .with_context(|| format!("cannot write {}", log.display()))?;
    let started = Instant::now();
    let outcome = run_logged(root, args, &file, timeout);
    let elapsed = started.elapsed().as_secs_f64();
    let (line, footer) = match outcome {
        Ok(Finished::Exited(0)) => (
            format!("ran `{command_line}`: done ({elapsed:.1}s)"),
            format!("exit status 0 after {elapsed:.1}s"),
        ),
        Ok(Finished::Exited(code)) => (
            format!("`{command_line}` failed with exit status {code}"),
            format!("exit status {code} after {elapsed:.1}s"),
        ),
        Ok(Finished::Signalled) => (
            format!("`{command_line}` was stopped by a signal"),
            format!("stopped by a signal after {elapsed:.1}s"),
        ),
        Ok(Finished::TimedOut) => (
            format!(
                "`{command_line}` took longer than {}s and was stopped",
                timeout.as_secs()
            ),
            format!("stopped after the {}s timeout", timeout.as_secs()),
        ),
        Err(error) => (
            format!("could not run `{command_line}`: {error}"),
            format!("could not start: {error}"),
        ),
    };
    writeln!(file, "{footer}\n").with_context(|| format!("cannot write {}", log.display()))?;
    Ok(format!("{line}; log: {}", log.display()))
}

enum Finished {
    Exited(i32),
    Signalled,
    TimedOut,
}

fn run_logged(
    root: &Path,
    args: &[String],
    log: &File,
    timeout: Duration,
) -> std::io::Result<Finished> {
    let mut child = Command::new("alembic")
        .args(args)
        .current_dir(root)
        .stdin(Stdio::null())
        .stdout(log.try_clone()?)
        .stderr(log.try_clone()?)
        .spawn()?;
    let deadline = Instant::now() + timeout;
    loop {
        if let Some(status) = child.try_wait()? {
            return Ok(status.code().map_or(Finished::Signalled, Finished::Exited));
        }
        if Instant::now() >= deadline {
            let _ = child.kill();
            let _ = child.wait();
            return Ok(Finished::TimedOut);
        }
        std::thread::sleep(Duration::from_millis(20));
    }
}

/// `2024-05-01T12:00:00Z`, from the system clock.
fn utc_timestamp() -> String {
    let seconds = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_secs());
    format_utc(seconds)
}

fn format_utc(seconds: u64) -> String {
    let days = (seconds / 86_400) as i64;
    let rest = seconds % 86_400;
    // Howard Hinnant's civil-from-days.
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1_460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    format!(
        "{year:04}-{month:02}-{day:02}T{:02}:{:02}:{:02}Z",
        rest / 3_600,
        rest % 3_600 / 60,
        rest % 60
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn timestamps_are_utc_dates() {
        assert_eq!(format_utc(0), "1970-01-01T00:00:00Z");
        assert_eq!(format_utc(951_782_400), "2000-02-29T00:00:00Z");
        assert_eq!(format_utc(1_700_000_000), "2023-11-14T22:13:20Z");
    }
}
