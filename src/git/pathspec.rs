//! Path prefixes that limit a listing to some directories or files, matched by
//! whole path components as git pathspecs are: `migrations` matches
//! `migrations/env.py` and a file named `migrations`, not `migrations_old/x.py`.

/// A normalised set of prefixes. No prefixes, or an empty one, selects every path.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Prefixes {
    /// `None` selects everything.
    prefixes: Option<Vec<String>>,
}

impl Prefixes {
    pub(crate) fn new(prefixes: &[&str]) -> Prefixes {
        if prefixes.is_empty() {
            return Prefixes { prefixes: None };
        }
        // A prefix that climbs out of the root (`..`) matches nothing.
        let normalised: Vec<String> = prefixes.iter().filter_map(|p| normalise(p)).collect();
        if normalised.iter().any(String::is_empty) {
            return Prefixes { prefixes: None };
        }
        let mut kept: Vec<String> = Vec::new();
        let mut sorted = normalised;
        sorted.sort();
        sorted.dedup();
        // Drop prefixes inside another one: `a` already covers `a/b`.
        for prefix in sorted {
            if !kept.iter().any(|k| covers(k, &prefix)) {
                kept.push(prefix);
            }
        }
        Prefixes {
            prefixes: Some(kept),
        }
    }

    /// True when every path is selected.
    pub(crate) fn is_all(&self) -> bool {
        self.prefixes.is_none()
    }

    /// True when no path can match (every prefix left the root).
    pub(crate) fn is_none(&self) -> bool {
        self.prefixes.as_ref().is_some_and(Vec::is_empty)
    }

    /// The prefixes, or an empty slice when every path is selected.
    pub(crate) fn as_slice(&self) -> &[String] {
        self.prefixes.as_deref().unwrap_or(&[])
    }

    pub(crate) fn matches(&self, path: &str) -> bool {
        match &self.prefixes {
            None => true,
            Some(prefixes) => prefixes.iter().any(|p| covers(p, path)),
        }
    }
}

/// True when `path` is `prefix` or lies below it.
fn covers(prefix: &str, path: &str) -> bool {
    path.strip_prefix(prefix)
        .is_some_and(|rest| rest.is_empty() || rest.starts_with('/'))
}

/// Drops `./` in front, repeated and trailing `/`, and `.` components; `None`
/// for a prefix with a `..` component.
pub(crate) fn normalise(prefix: &str) -> Option<String> {
    let parts: Vec<&str> = prefix
        .split('/')
        .filter(|part| !part.is_empty() && *part != ".")
        .collect();
    (!parts.contains(&"..")).then(|| parts.join("/"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn prefixes_match_whole_components() {
        let prefixes = Prefixes::new(&["migrations"]);
        assert!(prefixes.matches("migrations"));
        assert!(prefixes.matches("migrations/versions/a.py"));
        assert!(!prefixes.matches("migrations_old/a.py"));
        assert!(!prefixes.matches("app/migrations/a.py"));
    }

    #[test]
    fn empty_prefix_or_no_prefix_selects_everything() {
        assert!(Prefixes::new(&[]).is_all());
        assert!(Prefixes::new(&["a", ""]).is_all());
        assert!(Prefixes::new(&["./"]).is_all());
        assert!(Prefixes::new(&[""]).matches("anything/at/all"));
    }

    #[test]
    fn prefixes_are_normalised_and_nested_ones_dropped() {
        let prefixes =
            Prefixes::new(&["./db/migrations/", "db//migrations/versions", "alembic.ini"]);
        assert_eq!(prefixes.as_slice(), ["alembic.ini", "db/migrations"]);
        assert!(prefixes.matches("db/migrations/versions/x.py"));
        assert!(prefixes.matches("alembic.ini"));
        assert!(!prefixes.matches("alembic.ini.bak"));
    }

    #[test]
    fn prefixes_leaving_the_root_match_nothing() {
        let prefixes = Prefixes::new(&["../outside", "a/../../b"]);
        assert!(!prefixes.is_all());
        assert!(prefixes.is_none());
        assert!(!prefixes.matches("outside"));
        assert!(!prefixes.matches("b"));
    }
}
