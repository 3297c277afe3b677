//! "Did you mean": the existing revision a wrong reference most likely meant.

use crate::project::Project;

/// The revision `wrong` most likely meant: a file name whose stem starts with
/// the id (someone pasted the file name), a unique id that `wrong` is a prefix of
/// or that is a prefix of `wrong`, or the one id within two edits.
pub fn similar_revision<'a>(project: &'a Project, wrong: &str) -> Option<&'a str> {
    let ids = || project.migrations.iter().filter_map(|m| m.id());
    let wrong = wrong.trim();
    if wrong.is_empty() {
        return None;
    }
    // `ae1027a6acf_add_users` (a file stem) or `ae1027a6acf_add_users.py`.
    if let Some(found) = project.migrations.iter().find(|m| {
        let name = m.path.rsplit('/').next().unwrap_or(&m.path);
        name == wrong || name.strip_suffix(".py") == Some(wrong)
    }) {
        if let Some(id) = found.id() {
            return Some(id);
        }
    }
    let unique = |mut candidates: Vec<&'a str>| {
        candidates.sort_unstable();
        candidates.dedup();
        (candidates.len() == 1).then(|| candidates[0])
    };
    if let Some(id) = unique(
        ids()
            .filter(|id| id.starts_with(wrong) || (wrong.starts_with(id) && id.len() >= 4))
            .collect(),
    ) {
        return Some(id);
    }
    if wrong.len() >= 6 {
        if let Some(id) = unique(ids().filter(|id| within_two_edits(id, wrong)).collect()) {
            return Some(id);
        }
    }
    None
}

fn within_two_edits(a: &str, b: &str) -> bool {
    let a: Vec<char> = a.chars().collect();
    let b: Vec<char> = b.chars().collect();
    if a.len().abs_diff(b.len()) > 2 {
        return false;
    }
    let mut previous: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.iter().enumerate() {
        let mut current = vec![i + 1; b.len() + 1];
        for (j, cb) in b.iter().enumerate() {
            let substitution = previous[j] + usize::from(ca != cb);
            current[j + 1] = substitution.min(previous[j + 1] + 1).min(current[j] + 1);
        }
        previous = current;
    }
    previous[b.len()] <= 2
}

#[cfg(test)]
mod tests {
    use super::within_two_edits;

    #[test]
    fn edit_distance() {
        assert!(within_two_edits("ae1027a6acf", "ae1027a6acf"));
        assert!(within_two_edits("ae1027a6acf", "ae1027a6ac"));
        assert!(within_two_edits("ae1027a6acf", "ae1072a6acf"));
        assert!(!within_two_edits("ae1027a6acf", "ff1027a6bcd"));
    }
}
