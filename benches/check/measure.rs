//! Timing processes: each command runs once to warm the page cache (and
//! Python's bytecode cache), must succeed, then runs N times; the median wall
//! time and CPU time are kept. Peak memory comes from one more run under
//! `/usr/bin/time`: the `wait4` figure of a child also counts the memory of
//! the process that spawned it (the kernel keeps the high-water mark across
//! `exec`), and this benchmark holds whole generated projects.

use std::io;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

/// What N runs of one command took.
#[derive(Debug, Clone, Copy)]
pub struct Sample {
    pub median: Duration,
    /// Median CPU time (user + system) of the process: less sensitive than
    /// wall time to other work on a shared machine.
    pub cpu: Duration,
    /// Peak resident set size of the process, in KiB, when `/usr/bin/time` can tell.
    pub max_rss_kib: Option<u64>,
}

/// One run: exit code, output, wall time and CPU time.
pub struct Run {
    pub code: i32,
    pub stdout: String,
    pub stderr: String,
    pub elapsed: Duration,
    pub cpu: Duration,
}

/// Runs `command` to completion and reads its CPU time from `wait4`.
pub fn run_once(command: &mut Command, capture: bool) -> io::Result<Run> {
    command.stdin(Stdio::null());
    if capture {
        command.stdout(Stdio::piped()).stderr(Stdio::piped());
    } else {
        command.stdout(Stdio::null()).stderr(Stdio::null());
    }
    let start = Instant::now();
    let mut child = command.spawn()?;
    let mut stdout = String::new();
    let mut stderr = String::new();
    if capture {
        use std::io::Read;
        let err_reader = child.stderr.take().map(|mut err| {
            std::thread::spawn(move || {
                let mut text = String::new();
                let _ = err.read_to_string(&mut text);
                text
            })
        });
        if let Some(mut out) = child.stdout.take() {
            out.read_to_string(&mut stdout)?;
        }
        if let Some(reader) = err_reader {
            stderr = reader.join().unwrap_or_default();
        }
    }
    let pid = child.id() as libc::pid_t;
    let mut status: libc::c_int = 0;
    // SAFETY: an all-zero rusage is a valid value; wait4 fills it.
    let mut usage: libc::rusage = unsafe { std::mem::zeroed() };
    // SAFETY: `pid` is our child, not yet reaped (std never waited for it);
    // both pointers are valid for the call.
    let reaped = unsafe { libc::wait4(pid, &mut status, 0, &mut usage) };
    let elapsed = start.elapsed();
    if reaped != pid {
        return Err(io::Error::last_os_error());
    }
    // `child` is reaped; dropping it does not wait again.
    drop(child);
    let code = if libc::WIFEXITED(status) {
        libc::WEXITSTATUS(status)
    } else {
        -1
    };
    Ok(Run {
        code,
        stdout,
        stderr,
        elapsed,
        cpu: timeval(usage.ru_utime) + timeval(usage.ru_stime),
    })
}

/// Warm-up run (checked for the expected exit code), then `runs` timed runs.
pub fn sample(
    what: &str,
    make: &dyn Fn() -> Command,
    expected_code: i32,
    runs: usize,
) -> Result<(Sample, String), String> {
    let warm = run_once(&mut make(), true).map_err(|e| format!("{what}: {e}"))?;
    if warm.code != expected_code {
        return Err(format!(
            "{what} exited with {} (expected {expected_code})\n--- stdout\n{}--- stderr\n{}",
            warm.code,
            tail(&warm.stdout),
            tail(&warm.stderr)
        ));
    }
    let mut times = Vec::with_capacity(runs);
    let mut cpu = Vec::with_capacity(runs);
    for _ in 0..runs {
        let run = run_once(&mut make(), false).map_err(|e| format!("{what}: {e}"))?;
        if run.code != expected_code {
            return Err(format!("{what} exited with {} on a later run", run.code));
        }
        times.push(run.elapsed);
        cpu.push(run.cpu);
    }
    Ok((
        Sample {
            median: median(times).unwrap_or(warm.elapsed),
            cpu: median(cpu).unwrap_or(warm.cpu),
            max_rss_kib: peak_rss(&make()),
        },
        warm.stdout,
    ))
}

/// The peak resident set size of `command`, in KiB, from `/usr/bin/time`
/// (its own few hundred KiB are the floor of what it can report).
fn peak_rss(command: &Command) -> Option<u64> {
    let time = std::path::Path::new("/usr/bin/time");
    if !time.exists() {
        return None;
    }
    let out = tempfile::NamedTempFile::new().ok()?;
    let mut wrapped = Command::new(time);
    wrapped
        .arg("-f")
        .arg("%M")
        .arg("-o")
        .arg(out.path())
        .arg(command.get_program())
        .args(command.get_args())
        .env_clear();
    for (name, value) in command.get_envs() {
        if let Some(value) = value {
            wrapped.env(name, value);
        }
    }
    if let Some(dir) = command.get_current_dir() {
        wrapped.current_dir(dir);
    }
    run_once(&mut wrapped, false).ok()?;
    std::fs::read_to_string(out.path())
        .ok()?
        .lines()
        .last()?
        .trim()
        .parse()
        .ok()
}

fn median(mut values: Vec<Duration>) -> Option<Duration> {
    values.sort();
    let n = values.len();
    match n {
        0 => None,
        _ if n % 2 == 1 => Some(values[n / 2]),
        _ => Some((values[n / 2 - 1] + values[n / 2]) / 2),
    }
}

fn timeval(value: libc::timeval) -> Duration {
    let seconds = u64::try_from(value.tv_sec).unwrap_or(0);
    let micros = u32::try_from(value.tv_usec).unwrap_or(0);
    Duration::from_secs(seconds) + Duration::from_micros(u64::from(micros))
}

fn tail(text: &str) -> String {
    let lines: Vec<&str> = text.lines().collect();
    let start = lines.len().saturating_sub(20);
    let mut out = lines[start..].join("\n");
    out.push('\n');
    out
}
