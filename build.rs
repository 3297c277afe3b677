//! Stamps the build with a hash of migcheck's sources and manifests, so the
//! header cache written by one build is never read by a build that may read
//! revision files differently (see `src/project/cache.rs`).

use std::path::{Path, PathBuf};

fn main() {
    let root = PathBuf::from(std::env::var_os("CARGO_MANIFEST_DIR").unwrap_or_default());
    let mut files = Vec::new();
    collect(&root.join("src"), &mut files);
    files.sort();
    files.extend(
        ["Cargo.toml", "Cargo.lock"]
            .iter()
            .map(|name| root.join(name))
            .filter(|path| path.is_file()),
    );
    // FNV-1a over each path and content: stable across Rust versions.
    let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
    for path in &files {
        let name = path.strip_prefix(&root).unwrap_or(path);
        let content = std::fs::read(path).unwrap_or_default();
        for byte in name.to_string_lossy().bytes().chain([0]).chain(content) {
            hash ^= u64::from(byte);
            hash = hash.wrapping_mul(0x0100_0000_01b3);
        }
        println!("cargo:rerun-if-changed={}", path.display());
    }
    println!("cargo:rerun-if-changed=src");
    println!("cargo:rustc-env=MIGCHECK_SOURCE_HASH={hash:016x}");
}

fn collect(dir: &Path, files: &mut Vec<PathBuf>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for entry in entries.flatten() {
        let path = entry.path();
        if path.is_dir() {
            collect(&path, files);
        } else if path.extension().is_some_and(|e| e == "rs") {
            files.push(path);
        }
    }
}
