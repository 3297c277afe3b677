//! Reading what git prints: NUL-separated records of `ls-files`, `ls-tree`
//! and `--name-status`, and the size-prefixed stream of `cat-file --batch`.

use std::io::BufRead;
use std::path::PathBuf;

use super::process::command_line;
use crate::git::entry::{sort_changes, Change, ChangeStatus, Entry};
use crate::git::error::GitError;
use crate::git::object_id::ObjectId;

/// Parses `git ls-files --stage -z`.
pub(super) fn parse_ls_files(output: &[u8], args: &[&str]) -> Result<Vec<Entry>, GitError> {
    let mut entries = Vec::new();
    for record in records(output) {
        // <mode> SP <object> SP <stage> TAB <path>
        let parsed = split_tab(record).and_then(|(meta, path)| {
            let mut fields = meta.split(|&b| b == b' ');
            let mode = parse_mode(fields.next()?)?;
            let id = parse_id(fields.next()?)?;
            let stage = std::str::from_utf8(fields.next()?).ok()?.parse().ok()?;
            Some(Entry {
                path: lossy(path),
                id,
                mode,
                stage,
            })
        });
        entries.push(parsed.ok_or_else(|| bad_record(args, record))?);
    }
    Ok(entries)
}

/// Parses `git ls-tree -r -z`.
pub(super) fn parse_ls_tree(output: &[u8], args: &[&str]) -> Result<Vec<Entry>, GitError> {
    let mut entries = Vec::new();
    for record in records(output) {
        // <mode> SP <type> SP <object> TAB <path>
        let parsed = split_tab(record).and_then(|(meta, path)| {
            let mut fields = meta.split(|&b| b == b' ');
            let mode = parse_mode(fields.next()?)?;
            let id = parse_id(fields.nth(1)?)?;
            Some(Entry {
                path: lossy(path),
                id,
                mode,
                stage: 0,
            })
        });
        entries.push(parsed.ok_or_else(|| bad_record(args, record))?);
    }
    Ok(entries)
}

/// Reads `<id> <type> <size>\n<content>\n` (or `<id> missing\n`) once per id.
pub(super) fn read_batch(
    mut reader: impl BufRead,
    ids: &[ObjectId],
    args: &[&str],
    f: &mut dyn FnMut(usize, Vec<u8>),
) -> Result<(), GitError> {
    let truncated = || GitError::Output {
        command: command_line(args),
        detail: "the output ended early".to_owned(),
    };
    let mut header = Vec::new();
    for (index, &id) in ids.iter().enumerate() {
        header.clear();
        let read = reader
            .read_until(b'\n', &mut header)
            .map_err(|_| truncated())?;
        if read == 0 {
            return Err(truncated());
        }
        let line = trim_newline(&header);
        let mut fields = line.split(|&b| b == b' ');
        let (_, kind, size) = (fields.next(), fields.next(), fields.next());
        let Some(size) = size.and_then(|s| std::str::from_utf8(s).ok()?.parse::<usize>().ok())
        else {
            return Err(match kind {
                Some(b"missing") => GitError::ObjectMissing { id },
                _ => bad_record(args, line),
            });
        };
        let mut content = vec![0; size];
        reader.read_exact(&mut content).map_err(|_| truncated())?;
        let mut newline = [0u8; 1];
        reader.read_exact(&mut newline).map_err(|_| truncated())?;
        if kind != Some(b"blob") {
            return Err(GitError::NotABlob {
                id,
                kind: lossy(kind.unwrap_or_default()),
            });
        }
        f(index, content);
    }
    Ok(())
}

/// Parses `--name-status -z`: a status, then one path, or two for renames and copies.
pub(super) fn parse_name_status(output: &[u8], args: &[&str]) -> Result<Vec<Change>, GitError> {
    let mut fields = records(output);
    let mut changes = Vec::new();
    while let Some(status) = fields.next() {
        let status_text = String::from_utf8_lossy(status);
        let status =
            ChangeStatus::from_letters(&status_text).ok_or_else(|| bad_record(args, status))?;
        let first = fields
            .next()
            .ok_or_else(|| bad_record(args, status_text.as_bytes()))?;
        let change = if matches!(status, ChangeStatus::Renamed | ChangeStatus::Copied) {
            let second = fields.next().ok_or_else(|| bad_record(args, first))?;
            Change {
                status,
                path: lossy(second),
                old_path: Some(lossy(first)),
            }
        } else {
            Change {
                status,
                path: lossy(first),
                old_path: None,
            }
        };
        changes.push(change);
    }
    sort_changes(&mut changes);
    Ok(changes)
}

/// NUL-terminated records, without the empty one after the last NUL.
fn records(output: &[u8]) -> impl Iterator<Item = &[u8]> {
    output.split(|&b| b == 0).filter(|r| !r.is_empty())
}

fn split_tab(record: &[u8]) -> Option<(&[u8], &[u8])> {
    let tab = record.iter().position(|&b| b == b'\t')?;
    Some((&record[..tab], &record[tab + 1..]))
}

fn parse_mode(field: &[u8]) -> Option<u32> {
    u32::from_str_radix(std::str::from_utf8(field).ok()?, 8).ok()
}

pub(super) fn parse_id(field: &[u8]) -> Option<ObjectId> {
    ObjectId::from_hex(std::str::from_utf8(field).ok()?).ok()
}

pub(super) fn trim_newline(bytes: &[u8]) -> &[u8] {
    bytes.strip_suffix(b"\n").unwrap_or(bytes)
}

fn lossy(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

pub(super) fn bad_record(args: &[&str], record: &[u8]) -> GitError {
    GitError::Output {
        command: command_line(args),
        detail: format!(
            "cannot parse `{}`",
            String::from_utf8_lossy(record).escape_debug()
        ),
    }
}

#[cfg(unix)]
pub(super) fn path_from_bytes(bytes: &[u8]) -> PathBuf {
    use std::os::unix::ffi::OsStrExt;
    PathBuf::from(std::ffi::OsStr::from_bytes(bytes))
}

#[cfg(not(unix))]
pub(super) fn path_from_bytes(bytes: &[u8]) -> PathBuf {
    PathBuf::from(String::from_utf8_lossy(bytes).into_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    const ID: &str = "4b825dc642cb6eb9a060e54bf8d69288fbee4904";
    use crate::git::entry::ChangeStatus;

    const ARGS: [&str; 1] = ["test"];

    #[test]
    fn ls_files_records_keep_stage_mode_and_odd_paths() {
        let output = format!("100644 {ID} 2\tdir/a b\n.py\0160000 {ID} 0\tsub\0");
        let entries = parse_ls_files(output.as_bytes(), &ARGS).unwrap();
        assert_eq!(entries.len(), 2);
        assert_eq!(
            (entries[0].path.as_str(), entries[0].stage),
            ("dir/a b\n.py", 2)
        );
        assert_eq!(entries[1].mode, 0o160000);
        let error = parse_ls_files(b"100644 nothex 0\tx\0", &ARGS).unwrap_err();
        assert!(error.to_string().contains("cannot parse"), "{error}");
    }

    #[test]
    fn ls_tree_records_skip_the_type_field() {
        let output = format!("120000 blob {ID}\tlink\0");
        let entries = parse_ls_tree(output.as_bytes(), &ARGS).unwrap();
        assert_eq!(entries[0].path, "link");
        assert_eq!(entries[0].id.to_string(), ID);
        assert_eq!(entries[0].mode, 0o120000);
    }

    #[test]
    fn name_status_reads_renames_with_scores() {
        let output = b"M\0b.py\0R086\0old.py\0new.py\0A\0c.py\0";
        let changes = parse_name_status(output, &ARGS).unwrap();
        assert_eq!(changes.len(), 3);
        assert_eq!(changes[2].status, ChangeStatus::Renamed);
        assert_eq!(changes[2].path, "new.py");
        assert_eq!(changes[2].old_path.as_deref(), Some("old.py"));
    }

    #[test]
    fn truncated_name_status_is_an_error() {
        let error = parse_name_status(b"R100\0only-one\0", &ARGS).unwrap_err();
        assert!(matches!(error, GitError::Output { .. }), "{error}");
        let error = parse_name_status(b"Z\0x\0", &ARGS).unwrap_err();
        assert!(error.to_string().contains("cannot parse `Z`"), "{error}");
    }

    #[test]
    fn batch_output_is_split_by_sizes_not_by_lines() {
        let id = ObjectId::from_hex(ID).unwrap();
        let output = format!("{id} blob 5\na\nb\0c\n{id} blob 0\n\n");
        let mut blobs = Vec::new();
        read_batch(output.as_bytes(), &[id, id], &ARGS, &mut |_, b| {
            blobs.push(b)
        })
        .unwrap();
        assert_eq!(blobs, [b"a\nb\0c".to_vec(), Vec::new()]);
    }

    #[test]
    fn batch_reports_missing_and_non_blob_objects() {
        let id = ObjectId::from_hex(ID).unwrap();
        let missing = format!("{id} missing\n");
        let error = read_batch(missing.as_bytes(), &[id], &ARGS, &mut |_, _| {}).unwrap_err();
        assert!(matches!(error, GitError::ObjectMissing { .. }), "{error}");
        let tree = format!("{id} tree 0\n\n");
        let error = read_batch(tree.as_bytes(), &[id], &ARGS, &mut |_, _| {}).unwrap_err();
        assert_eq!(
            error.to_string(),
            format!("object {id} is a tree, not a blob")
        );
        let error = read_batch(&b""[..], &[id], &ARGS, &mut |_, _| {}).unwrap_err();
        assert!(error.to_string().contains("ended early"), "{error}");
    }
}
