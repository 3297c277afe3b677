//! What a command works on: the repository (or a plain folder), the snapshot
//! the files are read from (index, work tree or a commit), migcheck's settings
//! and the Alembic setups found in it.

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use anyhow::{bail, Context, Result};

use crate::alembic::discovery::{self, AlembicProject, DiscoveryOptions};
use crate::config::{self, Settings};
use crate::git::{
    BackendChoice, Change, ChangeStatus, GitError, ObjectId, Repository, Snapshot, SnapshotKind,
};
use crate::project::{load_project, read_docstrings, HeaderCache, LoadOptions, PathSet, Project};
use crate::report::Sources;

use super::args::{GitBackendArg, GlobalArgs};

pub struct Workspace {
    pub repo: Option<Repository>,
    /// Where files come from inside the repository.
    kind: SnapshotKind,
    /// The folder read when there is no repository (`--worktree` outside git).
    directory: PathBuf,
    pub settings: Settings,
    pub projects: Vec<AlembicProject>,
    /// Use the header cache in the git directory (not with `--no-cache`).
    cache: bool,
}

impl Workspace {
    /// Opens the repository around the current (or `-C`) directory, reads the
    /// settings and finds the Alembic setups, all from the chosen snapshot.
    pub fn open(global: &GlobalArgs) -> Result<Workspace> {
        let cwd = match &global.directory {
            Some(dir) => dir.clone(),
            None => std::env::current_dir().context("cannot read the current directory")?,
        };
        let backend = match global.git_backend {
            GitBackendArg::Auto => BackendChoice::Auto,
            GitBackendArg::Libgit2 => BackendChoice::Libgit2,
            GitBackendArg::Cli => BackendChoice::Cli,
        };
        let repo = match Repository::open(&cwd, backend) {
            Ok(repo) => Some(repo),
            Err(GitError::NotARepository { .. }) if global.worktree => None,
            Err(error) => return Err(error.into()),
        };
        let kind = if global.worktree {
            SnapshotKind::Worktree
        } else if let Some(rev) = &global.rev {
            SnapshotKind::Rev(rev.clone())
        } else {
            SnapshotKind::Index
        };
        let root = repo
            .as_ref()
            .and_then(Repository::workdir)
            .map(Path::to_path_buf)
            .unwrap_or_else(|| cwd.clone());
        let mut workspace = Workspace {
            repo,
            kind,
            directory: cwd.clone(),
            settings: Settings::default(),
            projects: Vec::new(),
            cache: !global.no_cache,
        };
        let snapshot = workspace.snapshot()?;
        let settings = config::load(&snapshot)?;
        let options = DiscoveryOptions {
            config: global
                .config
                .iter()
                .map(|path| repo_relative(&root, &cwd, path))
                .collect::<Result<_>>()?,
            name: Some(global.name.clone()),
            alembic_config_env: std::env::var_os("ALEMBIC_CONFIG")
                .filter(|value| !value.is_empty())
                .map(|value| repo_relative(&root, &cwd, Path::new(&value)))
                .transpose()?,
            projects: settings.projects.clone(),
            working_dir: None,
            repo_root: Some(root.to_string_lossy().replace('\\', "/")),
        };
        let projects = discovery::discover(&snapshot, &options)?;
        drop(snapshot);
        workspace.settings = settings;
        workspace.projects = projects;
        Ok(workspace)
    }

    /// A view of the files being checked.
    pub fn snapshot(&self) -> Result<Snapshot<'_>> {
        Ok(match &self.repo {
            Some(repo) => repo.snapshot(self.kind.clone())?,
            None => Snapshot::directory(&self.directory),
        })
    }

    /// Paths the change being checked adds, modifies or renames: the index
    /// against `HEAD` (or against the empty tree before the first commit).
    pub fn changed_paths(&self) -> Result<PathSet> {
        let Some(repo) = &self.repo else {
            return Ok(PathSet::default());
        };
        // Only migrations are read in full for being changed: the index is
        // compared with `HEAD` in the version locations alone.
        let prefixes: Vec<&str> = self
            .projects
            .iter()
            .flat_map(|p| p.version_locations.iter().map(String::as_str))
            .collect();
        let changes = match &self.kind {
            SnapshotKind::Index if prefixes.is_empty() => Vec::new(),
            SnapshotKind::Index => repo.staged_changes_under(&prefixes)?,
            SnapshotKind::Worktree => worktree_changes(repo, &prefixes)?,
            SnapshotKind::Rev(rev) => commit_changes(repo, rev)?,
        };
        Ok(paths_to_lint(changes))
    }

    /// Loads every Alembic setup.
    pub fn load(&self, changed: &PathSet, all: bool) -> Result<Vec<Project>> {
        self.load_setups(&self.projects, changed, all)
    }

    /// Loads the given Alembic setups, reading through the header cache when
    /// the files come from git objects (the index or a commit).
    pub fn load_setups(
        &self,
        setups: &[AlembicProject],
        changed: &PathSet,
        all: bool,
    ) -> Result<Vec<Project>> {
        let cache = match &self.repo {
            Some(repo) if self.cache && self.kind != SnapshotKind::Worktree => {
                Some(HeaderCache::open(repo.git_dir()))
            }
            _ => None,
        };
        let options = LoadOptions {
            changed,
            all,
            overrides: &self.settings.revisions,
            cache: cache.as_ref(),
        };
        let snapshot = self.snapshot()?;
        let projects = setups
            .iter()
            .map(|alembic| {
                load_project(&snapshot, alembic.clone(), &options)
                    .with_context(|| format!("cannot read the migrations of `{}`", alembic.name))
            })
            .collect::<Result<Vec<Project>>>()?;
        if let Some(cache) = cache {
            cache.save();
        }
        Ok(projects)
    }

    /// Loads every Alembic setup with the docstring of every migration, for
    /// the commands that show every message (`history`, `graph`): files are
    /// read in full one at a time and only their docstrings are kept.
    pub fn load_with_docstrings(&self) -> Result<Vec<Project>> {
        let mut projects = self.load(&PathSet::default(), false)?;
        let snapshot = self.snapshot()?;
        for project in &mut projects {
            read_docstrings(&snapshot, project).with_context(|| {
                format!("cannot read the migrations of `{}`", project.alembic.name)
            })?;
        }
        Ok(projects)
    }

    /// Reads the texts findings quote: the files read in full while loading
    /// as they were read, the others from the snapshot.
    pub fn source_reader<'a>(&'a self, projects: &'a [Project]) -> SourceReader<'a> {
        SourceReader {
            loaded: projects
                .iter()
                .flat_map(|project| &project.migrations)
                .filter_map(|m| Some((m.path.as_str(), m.parsed.as_ref()?.source.text())))
                .collect(),
            snapshot: self.snapshot().ok(),
        }
    }

    /// The texts of `paths`, as [`Workspace::source_reader`] reads them.
    pub fn sources<'a>(
        &self,
        projects: &[Project],
        paths: impl IntoIterator<Item = &'a str>,
    ) -> Sources {
        let mut sources = Sources::default();
        self.source_reader(projects).add(&mut sources, paths);
        sources
    }
}

/// See [`Workspace::source_reader`].
pub struct SourceReader<'a> {
    loaded: HashMap<&'a str, &'a str>,
    snapshot: Option<Snapshot<'a>>,
}

impl SourceReader<'_> {
    /// Adds the texts of `paths` that `sources` lacks and can be read as UTF-8.
    pub fn add<'p>(&self, sources: &mut Sources, paths: impl IntoIterator<Item = &'p str>) {
        for path in paths {
            if sources.contains(path) {
                continue;
            }
            if let Some(text) = self.loaded.get(path) {
                sources.insert(path, *text);
            } else if let Some(Ok(Some(bytes))) = self.snapshot.as_ref().map(|s| s.read(path)) {
                if let Ok(text) = String::from_utf8(bytes) {
                    sources.insert(path, text);
                }
            }
        }
    }
}

/// The paths of changes that leave a file to lint: added, modified, renamed,
/// copied or retyped (not deleted, not unmerged).
pub(super) fn paths_to_lint(changes: Vec<Change>) -> PathSet {
    changes
        .into_iter()
        .filter(|change| {
            matches!(
                change.status,
                ChangeStatus::Added
                    | ChangeStatus::Modified
                    | ChangeStatus::Renamed
                    | ChangeStatus::Copied
                    | ChangeStatus::TypeChanged
            )
        })
        .map(|change| change.path)
        .collect()
}

/// Changes on disk against `HEAD`: what is staged, plus files whose content
/// on disk differs from the index or that the index does not have.
fn worktree_changes(repo: &Repository, prefixes: &[&str]) -> Result<Vec<Change>> {
    let mut changes = repo.staged_changes()?;
    let Some(root) = repo.workdir() else {
        return Ok(changes);
    };
    if prefixes.is_empty() {
        return Ok(changes);
    }
    let index: HashMap<String, ObjectId> = repo
        .index_entries(prefixes)?
        .into_iter()
        .filter(|entry| entry.stage == 0 && entry.kind().has_blob())
        .map(|entry| (entry.path, entry.id))
        .collect();
    let on_disk = Snapshot::directory(root).list(prefixes)?;
    let tracked: Vec<(&String, &ObjectId)> = on_disk
        .iter()
        .filter_map(|entry| index.get_key_value(&entry.path))
        .collect();
    let ids: Vec<ObjectId> = tracked.iter().map(|(_, id)| **id).collect();
    let staged: HashMap<&String, Vec<u8>> = tracked
        .iter()
        .map(|(path, _)| *path)
        .zip(repo.read_blobs(&ids)?)
        .collect();
    for entry in &on_disk {
        let status = match staged.get(&entry.path) {
            None => ChangeStatus::Added,
            Some(bytes) => {
                let on_disk = std::fs::read(root.join(&entry.path)).unwrap_or_default();
                if on_disk == *bytes {
                    continue;
                }
                ChangeStatus::Modified
            }
        };
        changes.push(Change {
            status,
            path: entry.path.clone(),
            old_path: None,
        });
    }
    Ok(changes)
}

/// What a commit changed against its first parent (everything, for a root commit).
fn commit_changes(repo: &Repository, rev: &str) -> Result<Vec<Change>> {
    let parent = format!("{rev}^");
    match repo.resolve_commit(&parent) {
        Ok(_) => Ok(repo.range_changes(&parent, rev)?),
        Err(_) => Ok(repo
            .tree_entries(rev, &[])?
            .into_iter()
            .map(|entry| Change {
                status: ChangeStatus::Added,
                path: entry.path,
                old_path: None,
            })
            .collect()),
    }
}

/// A path given on the command line (relative to the current directory) as a
/// repository-relative path with `/`.
fn repo_relative(root: &Path, cwd: &Path, path: &Path) -> Result<String> {
    let absolute: PathBuf = if path.is_absolute() {
        path.to_path_buf()
    } else {
        cwd.join(path)
    };
    let normalized = normalize(&absolute);
    let root = normalize(&std::fs::canonicalize(root).unwrap_or_else(|_| root.to_path_buf()));
    let normalized = match std::fs::canonicalize(normalized.parent().unwrap_or(&normalized)) {
        Ok(parent) => parent.join(normalized.file_name().unwrap_or_default()),
        Err(_) => normalized,
    };
    let Ok(relative) = normalized.strip_prefix(&root) else {
        bail!(
            "`{}` is outside the repository at `{}`",
            path.display(),
            root.display()
        );
    };
    Ok(relative
        .components()
        .map(|c| c.as_os_str().to_string_lossy())
        .collect::<Vec<_>>()
        .join("/"))
}

fn normalize(path: &Path) -> PathBuf {
    let mut out = PathBuf::new();
    for component in path.components() {
        match component {
            std::path::Component::ParentDir => {
                out.pop();
            }
            std::path::Component::CurDir => {}
            other => out.push(other.as_os_str()),
        }
    }
    out
}
