//! migcheck against the floor and against Alembic, on generated projects of
//! 100, 1,000, 10,000 and 20,000 revisions committed to temporary git
//! repositories. In one run, side by side, for each size:
//!
//! 1. the floor: read every blob under the versions folder from the index
//!    with git2, and nothing else (a process of its own);
//! 2. `migcheck check --all`, `migcheck check` with one staged revision (what
//!    a commit hook does) and `migcheck heads`, through both git backends,
//!    with the header cache the warm-up run fills and with `--no-cache`;
//! 3. `alembic heads` on the same project.
//!
//! It prints a Markdown table of medians, each command's cost against the
//! floor, Alembic's time against migcheck's, and peak memory.
//!
//! ```sh
//! cargo bench --bench check                    # 100, 1000, 10000, 20000
//! cargo bench --bench check -- 100 1000        # chosen sizes
//! MIGCHECK_BENCH_SIZES=100 cargo bench --bench check
//! cargo bench --bench check -- 10000 --keep /tmp/projects   # keep the repositories
//! ```
//!
//! Other switches: `--runs N` (timed runs per command, after one warm-up),
//! `--no-alembic`; `MIGCHECK_BENCH_PYTHON` names the Python that has Alembic.

mod floor;
mod measure;
mod project;
mod table;

use std::path::{Path, PathBuf};
use std::process::Command;

use measure::{run_once, sample, Sample};
use table::{Row, Table};

const VERSIONS: &str = "migrations/versions/";
const BACKENDS: [&str; 2] = ["libgit2", "cli"];

struct Options {
    sizes: Vec<usize>,
    runs: Option<usize>,
    keep: Option<PathBuf>,
    alembic: bool,
}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    if args.first().map(String::as_str) == Some("--floor") {
        std::process::exit(floor_child(&args[1..]));
    }
    let options = match parse(&args) {
        Ok(options) => options,
        Err(message) => {
            eprintln!("check bench: {message}");
            std::process::exit(2);
        }
    };
    if let Err(message) = run(&options) {
        eprintln!("check bench: {message}");
        std::process::exit(1);
    }
}

/// The floor, in the child process: `--floor DIR`.
fn floor_child(args: &[String]) -> i32 {
    let Some(dir) = args.first() else {
        return 2;
    };
    match floor::read_versions(Path::new(dir), VERSIONS) {
        Ok((files, _)) if files > 0 => 0,
        Ok(_) => {
            eprintln!("no files under {VERSIONS}");
            1
        }
        Err(error) => {
            eprintln!("{error}");
            1
        }
    }
}

fn parse(args: &[String]) -> Result<Options, String> {
    let mut options = Options {
        sizes: Vec::new(),
        runs: std::env::var("MIGCHECK_BENCH_RUNS")
            .ok()
            .and_then(|v| v.parse().ok()),
        keep: None,
        alembic: std::env::var("MIGCHECK_BENCH_ALEMBIC").map_or(true, |v| v != "0"),
    };
    let mut args = args.iter();
    while let Some(arg) = args.next() {
        match arg.as_str() {
            // `cargo bench` passes `--bench` to every bench binary.
            "--bench" => {}
            "--runs" => {
                let value = args.next().ok_or("--runs needs a number")?;
                options.runs = Some(value.parse().map_err(|_| format!("bad --runs `{value}`"))?);
            }
            "--keep" => {
                options.keep = Some(PathBuf::from(args.next().ok_or("--keep needs a folder")?));
            }
            "--no-alembic" => options.alembic = false,
            size => options.sizes.push(parse_size(size)?),
        }
    }
    if options.sizes.is_empty() {
        options.sizes = match std::env::var("MIGCHECK_BENCH_SIZES") {
            Ok(list) => list
                .split([',', ' '])
                .filter(|s| !s.is_empty())
                .map(parse_size)
                .collect::<Result<_, _>>()?,
            Err(_) => vec![100, 1_000, 10_000, 20_000],
        };
    }
    Ok(options)
}

fn parse_size(text: &str) -> Result<usize, String> {
    text.replace('_', "")
        .parse()
        .ok()
        .filter(|&n| n >= 1)
        .ok_or_else(|| format!("`{text}` is not a number of revisions"))
}

/// The environment every measured command gets: no user or system git configuration.
struct Sandbox {
    home: tempfile::TempDir,
}

impl Sandbox {
    fn command(&self, program: &Path, dir: &Path) -> Command {
        let mut command = Command::new(program);
        command
            .current_dir(dir)
            .env_clear()
            .env("PATH", std::env::var_os("PATH").unwrap_or_default())
            .env("HOME", self.home.path())
            .env("LANG", "C.UTF-8")
            .env("GIT_CONFIG_NOSYSTEM", "1")
            .env("GIT_AUTHOR_NAME", "Bench")
            .env("GIT_AUTHOR_EMAIL", "bench@example.com")
            .env("GIT_COMMITTER_NAME", "Bench")
            .env("GIT_COMMITTER_EMAIL", "bench@example.com")
            .env("NO_COLOR", "1");
        command
    }

    fn git(&self, dir: &Path, args: &[&str]) -> Result<String, String> {
        let run = run_once(self.command(Path::new("git"), dir).args(args), true)
            .map_err(|e| format!("git {}: {e}", args.join(" ")))?;
        if run.code != 0 {
            return Err(format!("git {} failed: {}", args.join(" "), run.stderr));
        }
        Ok(run.stdout)
    }
}

/// The Python that has Alembic, and Alembic's version.
fn find_alembic(sandbox: &Sandbox) -> Result<(PathBuf, String), String> {
    let python = std::env::var("MIGCHECK_BENCH_PYTHON").unwrap_or_else(|_| "python3".into());
    let script = "import sys, alembic; print(sys.executable); print(alembic.__version__)";
    let run = run_once(
        sandbox
            .command(Path::new(&python), Path::new("/"))
            .args(["-c", script]),
        true,
    )
    .map_err(|e| format!("{python}: {e}"))?;
    let mut lines = run.stdout.lines();
    match (run.code, lines.next(), lines.next()) {
        (0, Some(executable), Some(version)) => Ok((executable.into(), version.into())),
        _ => Err(format!(
            "{python} cannot import alembic: {}",
            run.stderr.lines().last().unwrap_or_default()
        )),
    }
}

fn run(options: &Options) -> Result<(), String> {
    let migcheck = PathBuf::from(env!("CARGO_BIN_EXE_migcheck"));
    let me = std::env::current_exe().map_err(|e| e.to_string())?;
    let sandbox = Sandbox {
        home: tempfile::tempdir().map_err(|e| e.to_string())?,
    };
    let alembic = if options.alembic {
        match find_alembic(&sandbox) {
            Ok(found) => Some(found),
            Err(why) => {
                eprintln!("alembic heads is left out: {why}");
                None
            }
        }
    } else {
        None
    };
    let git_version = sandbox.git(Path::new("/"), &["--version"])?;
    let mut table = Table::new(machine(
        git_version.trim(),
        alembic.as_ref().map(|(_, v)| v.as_str()),
    ));

    for &size in &options.sizes {
        let temp;
        let dir = match &options.keep {
            Some(keep) => keep.join(format!("project-{size}")),
            None => {
                temp = tempfile::tempdir().map_err(|e| e.to_string())?;
                temp.path().to_path_buf()
            }
        };
        eprintln!("== {size} revisions in {}", dir.display());
        let head = build_repository(&sandbox, &dir, size)?;
        let fast_runs = options.runs.unwrap_or(if size <= 1_000 { 21 } else { 11 });
        let slow_runs = options.runs.unwrap_or(if size <= 1_000 { 5 } else { 3 });

        let (floor, _) = sample(
            "floor",
            &|| {
                let mut command = sandbox.command(&me, &dir);
                command.arg("--floor").arg(&dir);
                command
            },
            0,
            fast_runs,
        )?;
        table.push(Row::floor(size, floor));

        let mut heads_texts = Vec::new();
        for backend in BACKENDS {
            let measure = |args: &[&str], expected: i32| -> Result<(Sample, String), String> {
                let what = format!("migcheck {} --git-backend {backend}", args.join(" "));
                eprintln!("   {what}");
                sample(
                    &what,
                    &|| {
                        let mut command = sandbox.command(&migcheck, &dir);
                        command.args(args).args(["--git-backend", backend]);
                        command
                    },
                    expected,
                    fast_runs,
                )
            };
            let (all, _) = measure(&["check", "--all"], 0)?;
            table.push(Row::migcheck(size, "migcheck check --all", backend, all));
            // The warm-up run fills the header cache, so the timed runs use it.
            let (heads, text) = measure(&["heads"], 0)?;
            heads_texts.push(text);
            table.push(Row::migcheck(size, "migcheck heads", backend, heads));
            let (cold, text) = measure(&["heads", "--no-cache"], 0)?;
            heads_texts.push(text);
            table.push(Row::migcheck(
                size,
                "migcheck heads --no-cache",
                backend,
                cold,
            ));
        }

        if let Some((python, _)) = &alembic {
            eprintln!("   alembic heads");
            let (sample, text) = sample(
                "alembic heads",
                &|| {
                    let mut command = sandbox.command(python, &dir);
                    command.args(["-m", "alembic", "heads"]);
                    command
                },
                0,
                slow_runs,
            )?;
            heads_texts.push(text);
            table.push(Row::alembic(size, sample));
        }
        let expected = format!("{head} (head)\n");
        if let Some(wrong) = heads_texts.iter().find(|text| **text != expected) {
            return Err(format!(
                "heads disagree: expected {expected:?}, got {wrong:?}"
            ));
        }

        // The hook case: one new revision staged on top of the head.
        let next = project::next_revision(size, &head);
        let path = format!("{VERSIONS}{}", next.file_name);
        std::fs::write(dir.join(&path), &next.text).map_err(|e| e.to_string())?;
        sandbox.git(&dir, &["add", &path])?;
        for backend in BACKENDS {
            for (flags, command) in [
                (&[][..], "migcheck check (1 staged)"),
                (&["--no-cache"][..], "migcheck check --no-cache (1 staged)"),
            ] {
                let what = format!("{command} --git-backend {backend}");
                eprintln!("   {what}");
                let (staged, _) = sample(
                    &what,
                    &|| {
                        let mut command = sandbox.command(&migcheck, &dir);
                        command
                            .args(["check", "--git-backend", backend])
                            .args(flags);
                        command
                    },
                    0,
                    fast_runs,
                )?;
                table.push(Row::migcheck(size, command, backend, staged));
            }
        }
        eprint!("{}", table.render_size(size));
    }
    println!("{}", table.render());
    Ok(())
}

/// Writes and commits a project of `size` revisions, packs the repository as
/// a long-lived clone would be, and returns the head revision.
fn build_repository(sandbox: &Sandbox, dir: &Path, size: usize) -> Result<String, String> {
    if dir.exists() {
        std::fs::remove_dir_all(dir).map_err(|e| format!("{}: {e}", dir.display()))?;
    }
    std::fs::create_dir_all(dir).map_err(|e| format!("{}: {e}", dir.display()))?;
    let revisions = project::history(size);
    project::write(dir, &revisions).map_err(|e| format!("{}: {e}", dir.display()))?;
    sandbox.git(dir, &["init", "-q", "-b", "main"])?;
    sandbox.git(dir, &["add", "-A"])?;
    // No automatic gc in the background: the explicit one below packs it all.
    sandbox.git(
        dir,
        &[
            "-c",
            "gc.auto=0",
            "-c",
            "maintenance.auto=false",
            "commit",
            "-q",
            "-m",
            "history",
        ],
    )?;
    sandbox.git(dir, &["gc", "-q"])?;
    revisions
        .last()
        .map(|r| r.id.clone())
        .ok_or_else(|| "no revisions".to_owned())
}

/// One line that says what the numbers were measured on.
fn machine(git: &str, alembic: Option<&str>) -> String {
    let cpuinfo = std::fs::read_to_string("/proc/cpuinfo").unwrap_or_default();
    let model = cpuinfo
        .lines()
        .find_map(|l| l.strip_prefix("model name"))
        .and_then(|l| l.split(':').nth(1))
        .map_or("unknown CPU", str::trim)
        .to_owned();
    let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
    let memory = std::fs::read_to_string("/proc/meminfo")
        .ok()
        .and_then(|m| {
            m.lines()
                .find_map(|l| l.strip_prefix("MemTotal:"))
                .and_then(|v| v.trim().trim_end_matches("kB").trim().parse::<u64>().ok())
        })
        .map_or(String::new(), |kib| {
            format!(", {} GiB RAM", kib / 1024 / 1024)
        });
    let kernel = std::fs::read_to_string("/proc/sys/kernel/osrelease").unwrap_or_default();
    format!(
        "{model}, {cores} cores{memory}, Linux {}, {git}, Alembic {}",
        kernel.trim(),
        alembic.unwrap_or("not measured")
    )
}
