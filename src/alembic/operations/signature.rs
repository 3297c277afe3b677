//! The positional parameters of Alembic's operations, as `Operations` and
//! `BatchOperations` declare them in Alembic 1.18 (`alembic/operations/base.py`,
//! generated from `ops.py`), so a positional argument is known by name. A batch
//! operation has no `table_name`: the table comes from `batch_alter_table`.

/// The positional parameters of an operation and whether the last one
/// collects the rest (`*columns` of `create_table`).
pub(super) struct Signature {
    pub params: &'static [&'static str],
    pub variadic: bool,
}

const fn fixed(params: &'static [&'static str]) -> Option<Signature> {
    Some(Signature {
        params,
        variadic: false,
    })
}

const fn variadic(params: &'static [&'static str]) -> Option<Signature> {
    Some(Signature {
        params,
        variadic: true,
    })
}

/// The signature of `op.<name>`.
pub(super) fn op_signature(name: &str) -> Option<Signature> {
    match name {
        "add_column" => fixed(&["table_name", "column"]),
        "drop_column" => fixed(&["table_name", "column_name"]),
        "alter_column" => fixed(&["table_name", "column_name"]),
        "create_index" => fixed(&["index_name", "table_name", "columns"]),
        "drop_index" => fixed(&["index_name", "table_name"]),
        "create_foreign_key" => fixed(&[
            "constraint_name",
            "source_table",
            "referent_table",
            "local_cols",
            "remote_cols",
        ]),
        "create_check_constraint" => fixed(&["constraint_name", "table_name", "condition"]),
        "create_unique_constraint" => fixed(&["constraint_name", "table_name", "columns"]),
        "create_primary_key" => fixed(&["constraint_name", "table_name", "columns"]),
        "create_exclude_constraint" => variadic(&["constraint_name", "table_name", "elements"]),
        "drop_constraint" => fixed(&["constraint_name", "table_name", "type_"]),
        "rename_table" => fixed(&["old_table_name", "new_table_name"]),
        "create_table" => variadic(&["table_name", "columns"]),
        "drop_table" => fixed(&["table_name"]),
        "create_table_comment" => fixed(&["table_name", "comment"]),
        "drop_table_comment" => fixed(&["table_name"]),
        "execute" => fixed(&["sqltext"]),
        "bulk_insert" => fixed(&["table", "rows"]),
        _ => None,
    }
}

/// The signature of `batch_op.<name>`.
pub(super) fn batch_signature(name: &str) -> Option<Signature> {
    match name {
        "add_column" => fixed(&["column"]),
        "drop_column" => fixed(&["column_name"]),
        "alter_column" => fixed(&["column_name"]),
        "create_index" => fixed(&["index_name", "columns"]),
        "drop_index" => fixed(&["index_name"]),
        "create_foreign_key" => fixed(&[
            "constraint_name",
            "referent_table",
            "local_cols",
            "remote_cols",
        ]),
        "create_check_constraint" => fixed(&["constraint_name", "condition"]),
        "create_unique_constraint" => fixed(&["constraint_name", "columns"]),
        "create_primary_key" => fixed(&["constraint_name", "columns"]),
        "create_exclude_constraint" => variadic(&["constraint_name", "elements"]),
        "drop_constraint" => fixed(&["constraint_name", "type_"]),
        "create_table_comment" => fixed(&["comment"]),
        "drop_table_comment" => fixed(&[]),
        "execute" => fixed(&["sqltext"]),
        _ => None,
    }
}

/// The parameter naming the table an `op.<name>` works on.
pub(super) fn table_param(name: &str) -> &'static str {
    match name {
        "create_foreign_key" => "source_table",
        "rename_table" => "old_table_name",
        "bulk_insert" => "table",
        _ => "table_name",
    }
}

/// Calls on `op` that are helpers, not operations.
pub(super) fn is_helper(name: &str) -> bool {
    matches!(
        name,
        "get_context"
            | "get_bind"
            | "batch_alter_table"
            | "f"
            | "inline_literal"
            | "implementation_for"
            | "register_operation"
            | "run_async"
    )
}

impl Signature {
    /// The parameter a positional argument at `index` binds to.
    pub(super) fn param(&self, index: usize) -> Option<&'static str> {
        match self.params.get(index) {
            Some(param) => Some(param),
            None if self.variadic => self.params.last().copied(),
            None => None,
        }
    }
}

#[cfg(test)]
mod tests {
    //! The tables above against Alembic's real signatures.
    use super::{batch_signature, op_signature};
    use std::process::Command;

    const NAMES: &[&str] = &[
        "add_column",
        "drop_column",
        "alter_column",
        "create_index",
        "drop_index",
        "create_foreign_key",
        "create_check_constraint",
        "create_unique_constraint",
        "create_primary_key",
        "create_exclude_constraint",
        "drop_constraint",
        "rename_table",
        "create_table",
        "drop_table",
        "create_table_comment",
        "drop_table_comment",
        "execute",
        "bulk_insert",
    ];

    /// `name class p1 p2 *p3` lines for every operation, from Alembic itself.
    fn alembic_signatures() -> String {
        let script = format!(
            "import inspect\n\
             from alembic.operations import Operations, BatchOperations\n\
             for name in {NAMES:?}:\n\
             \x20   for cls in (Operations, BatchOperations):\n\
             \x20       fn = getattr(cls, name, None)\n\
             \x20       if fn is None:\n\
             \x20           print(name, cls.__name__, '-'); continue\n\
             \x20       ps = [p for p in inspect.signature(fn).parameters.values() if p.name != 'self']\n\
             \x20       pos = [('*' if p.kind == p.VAR_POSITIONAL else '') + p.name for p in ps\n\
             \x20              if p.kind in (p.POSITIONAL_OR_KEYWORD, p.POSITIONAL_ONLY, p.VAR_POSITIONAL)]\n\
             \x20       print(name, cls.__name__, *pos)\n"
        );
        let output = Command::new("python3")
            .args(["-c", &script])
            .output()
            .expect("python3 runs");
        assert!(
            output.status.success(),
            "alembic is not importable: {}",
            String::from_utf8_lossy(&output.stderr)
        );
        String::from_utf8(output.stdout).expect("utf-8")
    }

    #[test]
    fn positional_parameters_match_alembic() {
        let mut expected = String::new();
        for name in NAMES {
            for (class, signature) in [
                ("Operations", op_signature(name)),
                ("BatchOperations", batch_signature(name)),
            ] {
                let line = match signature {
                    None => format!("{name} {class} -"),
                    Some(sig) => {
                        let mut params: Vec<String> =
                            sig.params.iter().map(|p| p.to_string()).collect();
                        if sig.variadic {
                            if let Some(last) = params.last_mut() {
                                *last = format!("*{last}");
                            }
                        }
                        format!("{name} {class} {}", params.join(" "))
                    }
                };
                expected.push_str(line.trim_end());
                expected.push('\n');
            }
        }
        similar_asserts(&alembic_signatures(), &expected);
    }

    fn similar_asserts(actual: &str, expected: &str) {
        if actual != expected {
            let diff = similar::TextDiff::from_lines(expected, actual);
            panic!(
                "signatures differ from Alembic's:\n{}",
                diff.unified_diff().header("migcheck", "alembic")
            );
        }
    }
}
