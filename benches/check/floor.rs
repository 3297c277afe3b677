//! The floor: what any tool that checks the staged migrations must at least
//! do. Open the repository with git2, read the index, and read every blob
//! under the versions folder; nothing else. It runs as its own process (the
//! benchmark re-executes itself) so it pays the same process start-up as the
//! commands it is compared with.

use std::path::Path;

/// Reads every blob under `prefix` in the index; returns (files, bytes).
pub fn read_versions(dir: &Path, prefix: &str) -> Result<(usize, usize), git2::Error> {
    // As migcheck does: packs carry their own checksums.
    git2::opts::strict_hash_verification(false);
    let repo = git2::Repository::open(dir)?;
    let index = repo.index()?;
    let odb = repo.odb()?;
    let mut files = 0;
    let mut bytes = 0;
    for entry in index.iter() {
        if entry.path.starts_with(prefix.as_bytes()) {
            bytes += odb.read(entry.id)?.data().len();
            files += 1;
        }
    }
    Ok((files, bytes))
}
