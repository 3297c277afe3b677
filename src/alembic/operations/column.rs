//! `Column(...)` / `sa.Column(...)` calls inside an operation: the column's
//! name, type, nullability and server default, read the way SQLAlchemy's
//! `Column.__init__` takes its arguments (an optional leading name string, then
//! an optional type, then schema items such as `ForeignKey` or `Identity`).

use std::sync::LazyLock;

use regex::Regex;
use ruff_python_ast::{Expr, ExprCall};
use ruff_text_size::{Ranged, TextRange};

use super::value::Literal;

/// One column definition.
#[derive(Debug, Clone, PartialEq)]
pub struct ColumnDef {
    /// The name, when it is a string literal.
    pub name: Option<String>,
    /// The type as written (`sa.String(length=255)`), positional or `type_=`.
    pub type_text: Option<String>,
    /// `nullable=` when it is `True` or `False`.
    pub nullable: Option<bool>,
    /// `nullable=` is passed but is not a literal.
    pub nullable_unknown: bool,
    /// `primary_key=True`.
    pub primary_key: bool,
    /// The value comes from the database without a default: `sa.Identity()`,
    /// `sa.Computed(...)`, or a `Sequence`.
    pub generated: bool,
    pub server_default: Option<ServerDefault>,
    /// The `Column(...)` call.
    pub range: TextRange,
}

impl ColumnDef {
    /// The column is NOT NULL as SQLAlchemy creates it: `nullable=False`, or a
    /// primary key without `nullable=`.
    pub fn is_not_null(&self) -> bool {
        match self.nullable {
            Some(nullable) => !nullable,
            None => self.primary_key && !self.nullable_unknown,
        }
    }
}

/// A `server_default=`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ServerDefault {
    /// The expression as written (`sa.text("now()")`, `"0"`).
    pub text: String,
    pub range: TextRange,
    pub volatility: Volatility,
}

/// How PostgreSQL classes the default's value (`pg_proc.provolatile`), which
/// decides whether `ADD COLUMN ... DEFAULT` rewrites the table.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Volatility {
    /// A constant: a string, a number, `NULL`, `true`, a cast of a constant.
    Constant,
    /// The same value for every row of one statement: `now()`,
    /// `CURRENT_TIMESTAMP`, `current_date`, `transaction_timestamp()`.
    Stable,
    /// A new value for each row: `random()`, `gen_random_uuid()`,
    /// `uuid_generate_v4()`, `clock_timestamp()`, `nextval(...)`, `timeofday()`.
    Volatile,
    /// A function or expression migcheck does not know.
    Unknown,
}

/// PostgreSQL functions marked volatile that appear as column defaults.
const VOLATILE: &[&str] = &[
    "random",
    "gen_random_uuid",
    "uuid_generate_v1",
    "uuid_generate_v1mc",
    "uuid_generate_v4",
    "uuidv4",
    "uuidv7",
    "clock_timestamp",
    "timeofday",
    "nextval",
    "gen_random_bytes",
    "random_normal",
    "setseed",
];

/// Functions and keywords that are stable: one value per statement.
const STABLE: &[&str] = &[
    "now",
    "transaction_timestamp",
    "statement_timestamp",
    "current_timestamp",
    "current_date",
    "current_time",
    "localtimestamp",
    "localtime",
    "current_user",
    "session_user",
    "current_schema",
];

/// A call or an identifier that is neither a string nor a number nor a known keyword.
static CALL: LazyLock<Option<Regex>> =
    LazyLock::new(|| Regex::new(r"[A-Za-z_][A-Za-z0-9_]*\s*\(").ok());

impl Volatility {
    /// Classes the SQL (or Python) text of a server default: a volatile
    /// function called anywhere in it makes it volatile, else a stable
    /// function or keyword makes it stable. Names are whole identifiers,
    /// compared without case.
    pub fn of_text(text: &str) -> Volatility {
        let is = |names: &[&str], word: &str| names.iter().any(|n| word.eq_ignore_ascii_case(n));
        if identifiers(text).any(|(word, after)| is(VOLATILE, word) && is_call(after)) {
            Volatility::Volatile
        } else if identifiers(text).any(|(word, _)| is(STABLE, word)) {
            Volatility::Stable
        } else {
            Volatility::Constant
        }
    }
}

/// Each run of ASCII letters, digits and `_` in `text`, with the text after it.
fn identifiers(text: &str) -> impl Iterator<Item = (&str, &str)> {
    let is_word = |b: u8| b.is_ascii_alphanumeric() || b == b'_';
    let bytes = text.as_bytes();
    let mut at = 0;
    std::iter::from_fn(move || {
        let start = at + bytes.get(at..)?.iter().position(|&b| is_word(b))?;
        let end = bytes[start..]
            .iter()
            .position(|&b| !is_word(b))
            .map_or(bytes.len(), |n| start + n);
        at = end;
        Some((&text[start..end], &text[end..]))
    })
}

/// Whether `after` opens a call: `(`, after any spaces, tabs or line breaks.
fn is_call(after: &str) -> bool {
    after
        .trim_start_matches([' ', '\t', '\n', '\r', '\x0b', '\x0c'])
        .starts_with('(')
}

/// Whether a call builds a column: `Column(...)`, `sa.Column(...)`, `sqlalchemy.Column(...)`.
pub(super) fn is_column_call(call: &ExprCall) -> bool {
    callee_name(call) == Some("Column")
}

/// The last name of a call's function: `Column` for `sa.Column(...)`.
pub(super) fn callee_name(call: &ExprCall) -> Option<&str> {
    match call.func.as_ref() {
        Expr::Name(name) => Some(name.id.as_str()),
        Expr::Attribute(attribute) => Some(attribute.attr.as_str()),
        _ => None,
    }
}

/// Reads a `Column(...)` call.
pub(super) fn read_column(call: &ExprCall, source: &str) -> ColumnDef {
    let text_of = |range: TextRange| source.get(range.to_std_range()).unwrap_or_default();
    let mut name = None;
    let mut type_text = None;
    let mut generated = false;
    let rest = match call.arguments.args.first() {
        Some(Expr::StringLiteral(s)) => {
            name = Some(s.value.to_str().to_string());
            &call.arguments.args[1..]
        }
        _ => &call.arguments.args[..],
    };
    for (index, arg) in rest.iter().enumerate() {
        let schema_item = match arg {
            Expr::Call(inner) => callee_name(inner).filter(|n| {
                matches!(
                    *n,
                    "ForeignKey"
                        | "Sequence"
                        | "Identity"
                        | "Computed"
                        | "FetchedValue"
                        | "DefaultClause"
                        | "CheckConstraint"
                )
            }),
            _ => None,
        };
        match schema_item {
            Some("Sequence" | "Identity" | "Computed") => generated = true,
            Some(_) => {}
            None if index == 0 && !matches!(arg, Expr::Starred(_)) => {
                type_text = Some(text_of(arg.range()).to_string());
            }
            None => {}
        }
    }
    let mut nullable = None;
    let mut nullable_unknown = false;
    let mut primary_key = false;
    let mut server_default = None;
    for keyword in &call.arguments.keywords {
        let Some(arg) = &keyword.arg else { continue };
        let literal = Literal::of(&keyword.value, source);
        match arg.as_str() {
            "name" => {
                if let Some(Literal::Str(value)) = literal {
                    name = Some(value);
                }
            }
            "type_" => type_text = Some(text_of(keyword.value.range()).to_string()),
            "nullable" => match literal.and_then(|l| l.as_bool()) {
                Some(value) => nullable = Some(value),
                None => nullable_unknown = true,
            },
            "primary_key" => primary_key = literal.and_then(|l| l.as_bool()) == Some(true),
            "server_default" if !matches!(literal, Some(Literal::None)) => {
                let text = text_of(keyword.value.range()).to_string();
                server_default = Some(ServerDefault {
                    volatility: server_default_volatility(&keyword.value, &text),
                    text,
                    range: keyword.value.range(),
                });
            }
            _ => {}
        }
    }
    ColumnDef {
        name,
        type_text,
        nullable,
        nullable_unknown,
        primary_key,
        generated,
        server_default,
        range: call.range(),
    }
}

/// A server default is a string (SQL text as a quoted literal), `sa.text("...")`,
/// `sa.func.<name>()` or some other SQL expression.
fn server_default_volatility(expr: &Expr, text: &str) -> Volatility {
    match expr {
        // `server_default="now()"` is quoted by SQLAlchemy: a string constant.
        Expr::StringLiteral(_) | Expr::NumberLiteral(_) | Expr::BooleanLiteral(_) => {
            Volatility::Constant
        }
        _ => {
            let sql = strip_text_call(expr, text);
            match Volatility::of_text(sql) {
                // `sa.func.my_function()`, `sa.text("my_function()")`.
                Volatility::Constant if CALL.as_ref().is_some_and(|re| re.is_match(sql)) => {
                    Volatility::Unknown
                }
                known => known,
            }
        }
    }
}

/// `sa.text("...")` / `text("...")` with a literal string.
fn is_plain_text_call(expr: &Expr) -> bool {
    matches!(expr, Expr::Call(call) if callee_name(call) == Some("text")
        && matches!(call.arguments.args.first(), Some(Expr::StringLiteral(_))))
}

/// The SQL inside `sa.text("...")`, or the whole text otherwise.
fn strip_text_call<'t>(expr: &'t Expr, text: &'t str) -> &'t str {
    match expr {
        Expr::Call(call) if is_plain_text_call(expr) => match call.arguments.args.first() {
            Some(Expr::StringLiteral(s)) => s.value.to_str(),
            _ => text,
        },
        _ => text,
    }
}

#[cfg(test)]
mod tests {
    use super::{read_column, ColumnDef, Volatility};
    use ruff_python_ast::Expr;

    #[test]
    fn function_names_count_only_as_whole_identifiers() {
        for (text, expected) in [
            ("RANDOM()", Volatility::Volatile),
            ("gen_random_uuid\n\t ()", Volatility::Volatile),
            ("1 + nextval('seq')", Volatility::Volatile),
            ("xrandom()", Volatility::Constant),
            ("random_x()", Volatility::Constant),
            ("random", Volatility::Constant),
            ("now() + random()", Volatility::Volatile),
            ("Now()", Volatility::Stable),
            ("current_timestamp", Volatility::Stable),
            ("current_time(0)", Volatility::Stable),
            ("nowhere", Volatility::Constant),
            ("snow()", Volatility::Constant),
            ("é now()", Volatility::Stable),
            ("_now()", Volatility::Constant),
            ("", Volatility::Constant),
        ] {
            assert_eq!(Volatility::of_text(text), expected, "{text:?}");
        }
    }

    fn column(text: &str) -> ColumnDef {
        let parsed = ruff_python_parser::parse_expression(text).expect("valid expression");
        match parsed.expr() {
            Expr::Call(call) => read_column(call, text),
            other => panic!("not a call: {other:?}"),
        }
    }

    #[test]
    fn name_type_and_nullability() {
        let c = column("sa.Column('email', sa.String(255), nullable=False)");
        assert_eq!(c.name.as_deref(), Some("email"));
        assert_eq!(c.type_text.as_deref(), Some("sa.String(255)"));
        assert!(c.is_not_null());
        let c = column("Column(sa.Integer, sa.ForeignKey('users.id'), name='user_id')");
        assert_eq!(c.name.as_deref(), Some("user_id"));
        assert_eq!(c.type_text.as_deref(), Some("sa.Integer"));
        assert!(!c.is_not_null());
        let c = column("sa.Column('id', sa.Integer, primary_key=True)");
        assert!(c.is_not_null());
        let c = column("sa.Column('id', sa.Integer, primary_key=True, nullable=True)");
        assert!(!c.is_not_null());
        let c = column("sa.Column('id', sa.Integer, sa.Identity(), nullable=False)");
        assert!(c.generated);
        let c = column("sa.Column('x', type_=sa.Text(), nullable=flag)");
        assert_eq!(c.type_text.as_deref(), Some("sa.Text()"));
        assert!(!c.is_not_null());
    }

    #[test]
    fn server_default_volatility() {
        let volatility = |text: &str| {
            column(text)
                .server_default
                .map(|d| d.volatility)
                .expect("has a server default")
        };
        for (default, expected) in [
            ("'0'", Volatility::Constant),
            ("'now()'", Volatility::Constant),
            ("sa.text('0')", Volatility::Constant),
            ("sa.text(\"'draft'::text\")", Volatility::Constant),
            ("sa.func.now()", Volatility::Stable),
            ("sa.text('now()')", Volatility::Stable),
            ("text('CURRENT_TIMESTAMP')", Volatility::Stable),
            ("sa.func.current_timestamp()", Volatility::Stable),
            ("sa.text('gen_random_uuid()')", Volatility::Volatile),
            ("sa.func.uuid_generate_v4()", Volatility::Volatile),
            ("sa.text('random()')", Volatility::Volatile),
            ("sa.text('clock_timestamp()')", Volatility::Volatile),
            ("sa.text(\"nextval('s')\")", Volatility::Volatile),
            ("sa.func.my_id()", Volatility::Unknown),
            ("sa.text('my_id()')", Volatility::Unknown),
        ] {
            let text = format!("sa.Column('x', sa.Integer, server_default={default})");
            assert_eq!(volatility(&text), expected, "{default}");
        }
        assert_eq!(
            column("sa.Column('x', server_default=None)").server_default,
            None
        );
    }
}
