//! Command-line arguments (clap derive). Alembic's own `-c/--config` and
//! `-n/--name` select the configuration, so a team's habits carry over.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand, ValueEnum};

use crate::diagram::DiagramFormat;
use crate::report::OutputFormat;

const AFTER_HELP: &str = "\
Examples:
  migcheck                          check what is staged (the same as `migcheck check`)
  migcheck check --all              lint every migration, not only the changed ones
  migcheck check --worktree         check the files on disk instead of the index
  migcheck check --from-ref origin/main   check a branch in CI (graph at HEAD, changed files)
  migcheck hook install             install the git hooks (keeps the hooks already there)
  migcheck heads --output-format json
  migcheck history -r base:head --verbose
  migcheck status                   is the database behind the checkout? (exit 1 if so)
  migcheck plan                     what `alembic upgrade head` would apply, with findings
  migcheck graph --format mermaid   the revision graph as a picture
  migcheck rule MC101               explain a rule
  git migcheck check -c services/billing/alembic.ini

Configuration:
  [tool.migcheck] in pyproject.toml, or .migcheck.yaml, at the repository root. For each
  file, later layers win: defaults < top-level settings < matching `overrides` entries
  (in order) < command-line flags (--select, --extend-select, --ignore, --strict-heads).
  Suppress a finding with `# migcheck: ignore[MC301] reason` on its line or the line
  above, or `# migcheck: ignore-file[MC301] reason` anywhere in the file.

Exit status:
  0  no finding that fails (warnings allowed)
  1  findings that fail (errors), or a command's negative answer
  2  migcheck could not do its job (usage, configuration, repository)

Colour follows the terminal; NO_COLOR turns it off and CLICOLOR_FORCE on.";

/// Guards Alembic migrations at commit time: the revision graph and lint rules,
/// read statically from the git index.
#[derive(Debug, Parser)]
#[command(name = "migcheck", version, about, after_help = AFTER_HELP)]
pub struct Cli {
    #[command(flatten)]
    pub global: GlobalArgs,

    #[command(subcommand)]
    pub command: Option<Command>,
}

#[derive(Debug, Args, Clone, Default)]
pub struct GlobalArgs {
    /// Alembic configuration file (as `alembic -c`; also `ALEMBIC_CONFIG`); default `alembic.ini`.
    #[arg(short = 'c', long = "config", global = true, value_name = "FILE")]
    pub config: Vec<PathBuf>,

    /// Section of the configuration file (as `alembic -n`).
    #[arg(
        short = 'n',
        long = "name",
        global = true,
        value_name = "SECTION",
        default_value = "alembic"
    )]
    pub name: String,

    /// Read the files on disk instead of the git index.
    #[arg(long, global = true, conflicts_with = "rev")]
    pub worktree: bool,

    /// Read the files of a commit (any revision git understands) instead of the index.
    #[arg(long, global = true, value_name = "REV")]
    pub rev: Option<String>,

    /// Run as if started in DIR (as `git -C`).
    #[arg(short = 'C', global = true, value_name = "DIR")]
    pub directory: Option<PathBuf>,

    /// How to read the repository: libgit2, the `git` command, or libgit2 with the `git` command as fallback.
    #[arg(long, global = true, value_enum, default_value_t = GitBackendArg::Auto, value_name = "BACKEND")]
    pub git_backend: GitBackendArg,

    /// When to use colour.
    #[arg(long, global = true, value_enum, default_value_t = ColorArg::Auto, value_name = "WHEN")]
    pub color: ColorArg,

    /// Read every revision file, neither using nor updating the header cache in `.git/migcheck/`.
    #[arg(
        long,
        global = true,
        env = "MIGCHECK_NO_CACHE",
        value_parser = clap::builder::FalseyValueParser::new()
    )]
    pub no_cache: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum, Default)]
pub enum GitBackendArg {
    #[default]
    Auto,
    Libgit2,
    Cli,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum, Default)]
pub enum ColorArg {
    #[default]
    Auto,
    Always,
    Never,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Check the revision graph and lint the changed migrations (the default).
    #[command(
        after_help = "Examples:\n  migcheck check\n  migcheck check --all --output-format concise\n  migcheck check --select MC1 --ignore multiple-heads\n  migcheck check --from-ref origin/main --output-format github\n  migcheck check --from-ref origin/main --to-ref HEAD --output-format sarif > migcheck.sarif"
    )]
    Check(CheckArgs),

    /// Print the head revisions, as `alembic heads` does.
    #[command(after_help = "Examples:\n  migcheck heads\n  migcheck heads --output-format json")]
    Heads(ListArgs),

    /// Print the revisions from newest to oldest, as `alembic history` does.
    #[command(
        after_help = "Examples:\n  migcheck history\n  migcheck history -r ae10:head --verbose\n  migcheck history -r current:heads --database-url sqlite:///app.db\n  migcheck history --output-format json"
    )]
    History(HistoryArgs),

    /// Compare a database's version table with the heads: up to date, behind, unknown.
    #[command(after_help = STATUS_AFTER_HELP)]
    Status(StatusArgs),

    /// Preview what `alembic upgrade head` would apply to a database, with lint findings.
    #[command(after_help = PLAN_AFTER_HELP)]
    Plan(PlanArgs),

    /// Draw the revision graph (Graphviz DOT or Mermaid).
    #[command(
        after_help = "Examples:\n  migcheck graph --format mermaid\n  migcheck graph --format dot | dot -Tsvg -o migrations.svg"
    )]
    Graph(GraphArgs),

    /// What the git hooks call.
    #[command(subcommand)]
    Hook(HookCommand),

    /// Explain a rule, or list them all.
    #[command(
        after_help = "Examples:\n  migcheck rule MC101\n  migcheck rule multiple-heads\n  migcheck rule --all"
    )]
    Rule(RuleArgs),
}

#[derive(Debug, Args, Default)]
pub struct CheckArgs {
    /// Lint every migration file, not only those the change adds or modifies.
    #[arg(long)]
    pub all: bool,

    /// Output format (default: full on a terminal, concise otherwise).
    #[arg(long, value_enum, value_name = "FORMAT")]
    pub output_format: Option<OutputFormat>,

    /// Rules to run instead of the configured set (codes, names or prefixes such as `MC1`); beats the configuration.
    #[arg(long, value_delimiter = ',', value_name = "RULES")]
    pub select: Option<Vec<String>>,

    /// Rules to run in addition to the configured set.
    #[arg(long, value_delimiter = ',', value_name = "RULES")]
    pub extend_select: Vec<String>,

    /// Rules not to run.
    #[arg(long, value_delimiter = ',', value_name = "RULES")]
    pub ignore: Vec<String>,

    /// Treat several heads as an error.
    #[arg(long)]
    pub strict_heads: bool,

    /// Check a range, as CI does: the graph at `--to-ref`, file rules on the migrations changed
    /// since `--from-ref` (from their merge base), and revisions whose parent is no longer a head there.
    #[arg(long, value_name = "REF")]
    pub from_ref: Option<String>,

    /// The end of the range (default: `HEAD`).
    #[arg(long, value_name = "REF", requires = "from_ref")]
    pub to_ref: Option<String>,
}

#[derive(Debug, Args, Default)]
pub struct ListArgs {
    /// Output format.
    #[arg(long, value_enum, default_value_t = ListFormat::Text, value_name = "FORMAT")]
    pub output_format: ListFormat,
}

const STATUS_AFTER_HELP: &str = "\
The database: --database-url, else the variable named by `database-url-env` in the
configuration ($DATABASE_URL by default), else `sqlalchemy.url` of the Alembic setup.
Relative SQLite paths resolve against the current directory, as for `alembic`.
The version table: `version-table` and `version-table-schema` in the configuration.

Examples:
  migcheck status
  DATABASE_URL=postgresql://app@db.internal/app migcheck status --output-format json

Exit status:
  0  up to date (nothing to apply)
  1  behind, never migrated, at a revision this checkout does not have, or several heads
  2  could not check (no URL, database unreachable, wrong password, timeout)";

const PLAN_AFTER_HELP: &str = "\
Reads only. The database is chosen as for `migcheck status`.

Examples:
  migcheck plan
  migcheck plan --output-format json

Exit status:
  0  nothing to apply, or nothing that fails in what would be applied
  1  an error finding in a pending migration, an unknown revision, or several heads
  2  could not check";

/// Which database to read, and how long to wait for it.
#[derive(Debug, Args, Clone)]
pub struct DatabaseArgs {
    /// SQLAlchemy URL of the database (default: $DATABASE_URL, else `sqlalchemy.url`).
    /// Prefer the environment variable for URLs with a password: command lines are visible to other users.
    #[arg(long, value_name = "URL")]
    pub database_url: Option<String>,

    /// Seconds to wait for the database, connecting included.
    #[arg(long, value_name = "SECONDS", default_value = "5", value_parser = parse_timeout)]
    pub timeout: std::time::Duration,
}

impl Default for DatabaseArgs {
    fn default() -> Self {
        DatabaseArgs {
            database_url: None,
            timeout: std::time::Duration::from_secs(5),
        }
    }
}

fn parse_timeout(text: &str) -> Result<std::time::Duration, String> {
    let seconds: f64 = text
        .trim()
        .parse()
        .map_err(|_| format!("`{text}` is not a number of seconds"))?;
    if !(seconds > 0.0 && seconds <= 3600.0) {
        return Err("the timeout must be more than 0 and at most 3600 seconds".to_string());
    }
    Ok(std::time::Duration::from_secs_f64(seconds))
}

#[derive(Debug, Args, Default)]
pub struct HistoryArgs {
    /// Output format.
    #[arg(long, value_enum, default_value_t = ListFormat::Text, value_name = "FORMAT")]
    pub output_format: ListFormat,

    /// Only the revisions from START up to END, in Alembic's syntax: ids, prefixes,
    /// `base`, `head`, `heads`, `label@head`, and `current` (the database's revisions).
    #[arg(short = 'r', long = "rev-range", value_name = "START:END")]
    pub rev_range: Option<String>,

    /// Print each revision as `alembic history --verbose` does.
    #[arg(short = 'v', long)]
    pub verbose: bool,

    /// Mark the revisions the database is at with `(current)`.
    #[arg(short = 'i', long)]
    pub indicate_current: bool,

    #[command(flatten)]
    pub database: DatabaseArgs,
}

#[derive(Debug, Args, Default)]
pub struct StatusArgs {
    /// Output format.
    #[arg(long, value_enum, default_value_t = ListFormat::Text, value_name = "FORMAT")]
    pub output_format: ListFormat,

    #[command(flatten)]
    pub database: DatabaseArgs,
}

#[derive(Debug, Args, Default)]
pub struct PlanArgs {
    /// Output format.
    #[arg(long, value_enum, default_value_t = ListFormat::Text, value_name = "FORMAT")]
    pub output_format: ListFormat,

    #[command(flatten)]
    pub database: DatabaseArgs,
}

#[derive(Debug, Args)]
pub struct GraphArgs {
    /// Picture format.
    #[arg(long, value_enum, default_value_t = DiagramFormat::Mermaid, value_name = "FORMAT")]
    pub format: DiagramFormat,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum, Default)]
pub enum ListFormat {
    #[default]
    Text,
    Json,
}

#[derive(Debug, Subcommand)]
pub enum HookCommand {
    /// Check the staged migrations; what `.git/hooks/pre-commit` and the pre-commit framework run.
    PreCommit(CheckArgs),

    /// After a branch switch: say when the migration heads moved (never fails the checkout).
    PostCheckout(PostCheckoutArgs),

    /// After a merge or pull: say when the migration heads moved (never fails the merge).
    PostMerge(PostMergeArgs),

    /// Install migcheck's git hooks, keeping (and still running) the hooks already there.
    #[command(
        after_help = "The hooks go where git looks for them: `core.hooksPath` when set, else the hooks folder\n\
of the main repository (shared by its linked worktrees). A hook already there is kept as\n\
`<hook>.migcheck-chained` and runs first; its exit status still counts. Installing twice\n\
changes nothing; `migcheck hook uninstall` puts back exactly what was there.\n\n\
Examples:\n  migcheck hook install\n  migcheck hook install --hook-type pre-commit --repo ../service\n  migcheck hook install --uninstall"
    )]
    Install(InstallArgs),

    /// Remove migcheck's git hooks and put back the hooks they replaced.
    Uninstall(HookTargetArgs),
}

#[derive(Debug, Args, Default, Clone)]
pub struct HookTargetArgs {
    /// The repository (any folder inside it); default: the current one.
    #[arg(long, value_name = "DIR")]
    pub repo: Option<PathBuf>,

    /// Which hooks (default: pre-commit, post-checkout and post-merge).
    #[arg(short = 't', long = "hook-type", value_enum, value_name = "HOOK")]
    pub hook_types: Vec<HookType>,
}

#[derive(Debug, Args, Default)]
pub struct InstallArgs {
    #[command(flatten)]
    pub target: HookTargetArgs,

    /// Remove the hooks instead (the same as `migcheck hook uninstall`).
    #[arg(long)]
    pub uninstall: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum HookType {
    PreCommit,
    PostCheckout,
    PostMerge,
}

/// Where the development database is and what to do when it is behind.
#[derive(Debug, Args, Default, Clone)]
pub struct DevDatabaseArgs {
    /// The development database (default: the variable named by `database-url-env`,
    /// `DATABASE_URL`, else `sqlalchemy.url` of the Alembic configuration).
    #[arg(long, value_name = "URL")]
    pub database_url: Option<String>,

    /// Seconds `alembic upgrade head` may take when auto-migrate is on (reading the database
    /// gets at most 3).
    #[arg(long, default_value_t = 60, value_name = "SECONDS")]
    pub timeout: u64,
}

#[derive(Debug, Args, Default)]
pub struct PostCheckoutArgs {
    /// The commit checked out before (git passes it).
    pub previous: Option<String>,
    /// The commit checked out now (git passes it).
    pub current: Option<String>,
    /// 1 for a branch checkout, 0 for a file checkout (git passes it).
    pub branch_checkout: Option<String>,

    #[command(flatten)]
    pub database: DevDatabaseArgs,
}

#[derive(Debug, Args, Default)]
pub struct PostMergeArgs {
    /// 1 for a squash merge (git passes it).
    pub squash: Option<String>,

    #[command(flatten)]
    pub database: DevDatabaseArgs,
}

#[derive(Debug, Args)]
pub struct RuleArgs {
    /// A rule code (`MC101`) or name (`multiple-heads`).
    #[arg(required_unless_present = "all")]
    pub rule: Option<String>,

    /// List every rule.
    #[arg(long, conflicts_with = "rule")]
    pub all: bool,

    /// Output format for `--all`.
    #[arg(long, value_enum, default_value_t = ListFormat::Text, value_name = "FORMAT")]
    pub output_format: ListFormat,
}
