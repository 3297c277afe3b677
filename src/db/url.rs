//! Database URLs in SQLAlchemy's syntax, parsed the way `sqlalchemy.engine.make_url`
//! does: `dialect[+driver]://user:password@host:port/database?query`, with
//! percent-decoding of the user, password and database, `[...]` around IPv6 hosts and
//! a query string read like Python's `parse_qsl` (blank values dropped, `+` is a space,
//! repeated keys kept). The password never leaves this module in text meant for people:
//! `Display` and `Debug` show `***`, and parse errors never quote the URL.

use std::fmt;
use std::path::{Path, PathBuf};
use std::sync::LazyLock;

use percent_encoding::{percent_decode_str, utf8_percent_encode, AsciiSet, NON_ALPHANUMERIC};
use regex::Regex;

use super::DbError;

/// The pattern of `sqlalchemy.engine.url._parse_url`, anchored at both ends: SQLAlchemy
/// silently drops text the pattern does not reach (`[::1]x`), migcheck rejects it.
/// `WORD` stands for the characters of `\w`.
const URL_PATTERN_SOURCE: &str = r"(?x)^
        (?P<name>[WORD+]+)://
        (?:
            (?P<username>[^:/]*)
            (?::(?P<password>[^@]*))?
        @)?
        (?:
            (?:
                \[(?P<ipv6host>[^/?]+)\] |
                (?P<ipv4host>[^/:?]+)
            )?
            (?::(?P<port>[^/?]*))?
        )?
        (?:/(?P<database>[^?]*))?
        (?:\?(?P<query>.*))?
        $";

static URL_PATTERN: LazyLock<Result<Regex, regex::Error>> =
    LazyLock::new(|| Regex::new(&URL_PATTERN_SOURCE.replace("WORD", r"\w")));

/// The same pattern for a URL of ASCII characters, where Python's `\w` matches
/// exactly `[A-Za-z0-9_]`: it compiles without Unicode's word tables (about a
/// millisecond of every check that reads `sqlalchemy.url` for its dialect).
static ASCII_URL_PATTERN: LazyLock<Result<Regex, regex::Error>> =
    LazyLock::new(|| Regex::new(&URL_PATTERN_SOURCE.replace("WORD", "A-Za-z0-9_")));

/// Which database engine a URL names, from the part of the dialect before `+`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    /// `postgresql` (SQLAlchemy's name) or `postgres` (common in `DATABASE_URL`s;
    /// SQLAlchemy itself rejects it).
    Postgres,
    /// `mysql` or `mariadb`.
    Mysql,
    /// Any other dialect (`mssql`, `oracle`, a third-party one).
    Other,
}

/// A password that prints as `***` in both `Display` and `Debug`.
#[derive(Clone, PartialEq, Eq)]
pub struct Password(String);

impl Password {
    /// The password itself, for the driver only.
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for Password {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("***")
    }
}

impl fmt::Display for Password {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("***")
    }
}

/// A parsed database URL.
///
/// Relative SQLite paths are kept as written. Alembic (through SQLAlchemy's
/// `os.path.abspath`) resolves them against the working directory of the process that
/// runs `alembic`, not against the directory of `alembic.ini`; [`DatabaseUrl::with_base_dir`]
/// lets the caller say which directory that is, and without it the process's own working
/// directory is used.
#[derive(Clone, PartialEq, Eq)]
pub struct DatabaseUrl {
    drivername: String,
    username: Option<String>,
    password: Option<Password>,
    host: Option<String>,
    port: Option<u16>,
    database: Option<String>,
    query: Vec<(String, String)>,
    base_dir: Option<PathBuf>,
}

/// Query keys whose values are secrets and print as `***`.
const SECRET_QUERY_KEYS: &[&str] = &["password", "sslpassword"];

impl DatabaseUrl {
    /// Parses a URL as SQLAlchemy's `make_url` does. SQLite URLs are also checked the way
    /// SQLAlchemy's SQLite dialect checks them: no user, password, host or port.
    pub fn parse(text: &str) -> Result<Self, DbError> {
        let invalid = |reason: &str| DbError::InvalidUrl {
            reason: reason.to_owned(),
        };
        let pattern = if text.is_ascii() {
            &ASCII_URL_PATTERN
        } else {
            &URL_PATTERN
        };
        let pattern = pattern
            .as_ref()
            .map_err(|_| invalid("the URL pattern failed to compile"))?;
        let Some(caps) = pattern.captures(text) else {
            return Err(invalid(
                "expected `dialect[+driver]://user:password@host:port/database` \
                 (or `sqlite:///path.db`)",
            ));
        };
        let group = |name: &str| caps.name(name).map(|m| m.as_str());
        let drivername = group("name").unwrap_or_default().to_owned();
        let port = match group("port") {
            None => None,
            Some(port) => Some(port.parse::<u16>().map_err(|_| {
                invalid("the port after the host is not a number between 0 and 65535")
            })?),
        };
        let url = DatabaseUrl {
            username: group("username").map(unquote),
            password: group("password").map(|p| Password(unquote(p))),
            host: group("ipv4host")
                .or_else(|| group("ipv6host"))
                .map(str::to_owned),
            port,
            database: group("database").map(unquote),
            query: group("query").map(parse_qsl).unwrap_or_default(),
            base_dir: None,
            drivername,
        };
        if url.backend() == Backend::Sqlite
            && (url.username.as_deref().is_some_and(|u| !u.is_empty())
                || url.password.as_ref().is_some_and(|p| !p.0.is_empty())
                || url.host.is_some()
                || url.port.is_some())
        {
            return Err(invalid(
                "a SQLite URL has no user, password, host or port: use \
                 `sqlite:///relative/path.db`, `sqlite:////absolute/path.db` or `sqlite://`",
            ));
        }
        Ok(url)
    }

    /// The directory relative SQLite paths resolve against (see the type's docs).
    pub fn with_base_dir(mut self, base_dir: impl Into<PathBuf>) -> Self {
        self.base_dir = Some(base_dir.into());
        self
    }

    /// `dialect[+driver]` as written.
    pub fn drivername(&self) -> &str {
        &self.drivername
    }

    /// The dialect, without the driver.
    pub fn dialect(&self) -> &str {
        self.drivername
            .split_once('+')
            .map_or(self.drivername.as_str(), |(dialect, _)| dialect)
    }

    /// The driver after `+`, if any (`psycopg2`, `asyncpg`, `pymysql`).
    pub fn driver(&self) -> Option<&str> {
        self.drivername
            .split('+')
            .nth(1)
            .filter(|driver| !driver.is_empty())
    }

    pub fn backend(&self) -> Backend {
        match self.dialect() {
            "sqlite" => Backend::Sqlite,
            "postgresql" | "postgres" => Backend::Postgres,
            "mysql" | "mariadb" => Backend::Mysql,
            _ => Backend::Other,
        }
    }

    pub fn username(&self) -> Option<&str> {
        self.username.as_deref()
    }

    pub fn password(&self) -> Option<&Password> {
        self.password.as_ref()
    }

    /// The host, without the brackets of an IPv6 address.
    pub fn host(&self) -> Option<&str> {
        self.host.as_deref()
    }

    pub fn port(&self) -> Option<u16> {
        self.port
    }

    /// The database (for SQLite, the file path), percent-decoded.
    pub fn database(&self) -> Option<&str> {
        self.database.as_deref()
    }

    /// The query parameters in order, decoded; a repeated key appears once per value.
    pub fn query(&self) -> &[(String, String)] {
        &self.query
    }

    /// Every value of one query key.
    pub fn query_values<'a>(&'a self, key: &'a str) -> impl Iterator<Item = &'a str> + 'a {
        self.query
            .iter()
            .filter(move |(k, _)| k == key)
            .map(|(_, v)| v.as_str())
    }

    /// The last value of one query key (what libpq keeps when a keyword repeats).
    pub fn query_value(&self, key: &str) -> Option<&str> {
        self.query
            .iter()
            .rev()
            .find(|(k, _)| k == key)
            .map(|(_, v)| v.as_str())
    }

    /// The directory given by [`DatabaseUrl::with_base_dir`].
    pub fn base_dir(&self) -> Option<&Path> {
        self.base_dir.as_deref()
    }

    /// Every secret the URL holds (the password and secret query values), so error
    /// messages from a driver can be scrubbed of them.
    pub(crate) fn secrets(&self) -> Vec<&str> {
        let query_secrets = self
            .query
            .iter()
            .filter(|(k, _)| SECRET_QUERY_KEYS.contains(&k.as_str()))
            .map(|(_, v)| v.as_str());
        self.password
            .iter()
            .map(|p| p.expose())
            .chain(query_secrets)
            .filter(|s| !s.is_empty())
            .collect()
    }
}

/// Rendered as SQLAlchemy's `URL.render_as_string(hide_password=True)`; the query keys
/// are sorted and secret query values hidden too.
impl fmt::Display for DatabaseUrl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}://", self.drivername)?;
        if let Some(username) = &self.username {
            f.write_str(&quote(username, USERINFO_SAFE))?;
            if self.password.is_some() {
                f.write_str(":***")?;
            }
            f.write_str("@")?;
        }
        if let Some(host) = &self.host {
            if host.contains(':') {
                write!(f, "[{host}]")?;
            } else {
                f.write_str(host)?;
            }
        }
        if let Some(port) = self.port {
            write!(f, ":{port}")?;
        }
        if let Some(database) = &self.database {
            write!(f, "/{}", quote(database, DATABASE_SAFE))?;
        }
        if !self.query.is_empty() {
            let mut pairs: Vec<_> = self.query.iter().collect();
            pairs.sort_by(|a, b| a.0.cmp(&b.0));
            for (i, (key, value)) in pairs.into_iter().enumerate() {
                let value = if SECRET_QUERY_KEYS.contains(&key.as_str()) {
                    "***".to_owned()
                } else {
                    quote_plus(value)
                };
                let sep = if i == 0 { '?' } else { '&' };
                write!(f, "{sep}{}={value}", quote_plus(key))?;
            }
        }
        Ok(())
    }
}

impl fmt::Debug for DatabaseUrl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_tuple("DatabaseUrl")
            .field(&self.to_string())
            .finish()
    }
}

/// Python's `urllib.parse.quote` leaves letters, digits and `_.-~` alone.
const PY_ALWAYS_SAFE: &AsciiSet = &NON_ALPHANUMERIC
    .remove(b'_')
    .remove(b'.')
    .remove(b'-')
    .remove(b'~');
/// `quote(username, safe=" +")`.
const USERINFO_SAFE: &AsciiSet = &PY_ALWAYS_SAFE.remove(b' ').remove(b'+');
/// `quote(database, safe=" +/")`.
const DATABASE_SAFE: &AsciiSet = &USERINFO_SAFE.remove(b'/');

fn quote(text: &str, safe: &'static AsciiSet) -> String {
    utf8_percent_encode(text, safe).to_string()
}

/// Python's `quote_plus`: spaces become `+`, everything else outside the safe set is
/// percent-encoded.
fn quote_plus(text: &str) -> String {
    text.split(' ')
        .map(|part| quote(part, PY_ALWAYS_SAFE))
        .collect::<Vec<_>>()
        .join("+")
}

/// Python's `unquote`: `%XX` decoded as UTF-8 (invalid bytes replaced), malformed
/// escapes kept as written.
fn unquote(text: &str) -> String {
    percent_decode_str(text).decode_utf8_lossy().into_owned()
}

/// Python's `parse_qsl(query, keep_blank_values=False)`.
fn parse_qsl(query: &str) -> Vec<(String, String)> {
    query
        .split('&')
        .filter_map(|pair| {
            let (key, value) = pair.split_once('=')?;
            if value.is_empty() {
                return None;
            }
            Some((
                unquote(&key.replace('+', " ")),
                unquote(&value.replace('+', " ")),
            ))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(text: &str) -> DatabaseUrl {
        match DatabaseUrl::parse(text) {
            Ok(url) => url,
            Err(err) => panic!("{text}: {err}"),
        }
    }

    fn parse_err(text: &str) -> String {
        match DatabaseUrl::parse(text) {
            Ok(url) => panic!("{text} parsed as {url:?}"),
            Err(err) => err.to_string(),
        }
    }

    #[test]
    fn full_postgres_url() {
        let url =
            parse("postgresql+psycopg2://scott:tiger@db.example.com:5433/app?sslmode=disable");
        assert_eq!(url.drivername(), "postgresql+psycopg2");
        assert_eq!(url.dialect(), "postgresql");
        assert_eq!(url.driver(), Some("psycopg2"));
        assert_eq!(url.backend(), Backend::Postgres);
        assert_eq!(url.username(), Some("scott"));
        assert_eq!(url.password().map(Password::expose), Some("tiger"));
        assert_eq!(url.host(), Some("db.example.com"));
        assert_eq!(url.port(), Some(5433));
        assert_eq!(url.database(), Some("app"));
        assert_eq!(url.query_value("sslmode"), Some("disable"));
    }

    #[test]
    fn ascii_and_unicode_urls_read_alike() {
        // An ASCII URL goes through the pattern without Unicode word tables,
        // any other through Python's `\w`: the parts come out the same.
        let ascii = parse("postgresql+psycopg2://scott:tiger@db:5433/app");
        let unicode = parse("postgresql+psycopg2://scött:tïger@db:5433/äpp");
        assert_eq!(ascii.drivername(), unicode.drivername());
        assert_eq!(ascii.port(), unicode.port());
        assert_eq!(unicode.username(), Some("scött"));
        assert_eq!(unicode.database(), Some("äpp"));
        // Python's `\w` takes letters beyond ASCII in the dialect name.
        assert!(DatabaseUrl::parse("pöstgres://h/d").is_ok_and(|u| u.drivername() == "pöstgres"));
        assert!(DatabaseUrl::parse("pg-sql://h/d").is_err());
    }

    #[test]
    fn every_postgres_and_mysql_spelling_names_its_backend() {
        for (text, backend, driver) in [
            ("postgresql://h/d", Backend::Postgres, None),
            ("postgres://h/d", Backend::Postgres, None),
            (
                "postgresql+psycopg2://h/d",
                Backend::Postgres,
                Some("psycopg2"),
            ),
            (
                "postgresql+psycopg://h/d",
                Backend::Postgres,
                Some("psycopg"),
            ),
            (
                "postgresql+asyncpg://h/d",
                Backend::Postgres,
                Some("asyncpg"),
            ),
            ("mysql+pymysql://h/d", Backend::Mysql, Some("pymysql")),
            ("mysql://h/d", Backend::Mysql, None),
            ("mariadb://h/d", Backend::Mysql, None),
            (
                "mariadb+mariadbconnector://h/d",
                Backend::Mysql,
                Some("mariadbconnector"),
            ),
            ("sqlite+pysqlite:///a.db", Backend::Sqlite, Some("pysqlite")),
            (
                "sqlite+aiosqlite:///a.db",
                Backend::Sqlite,
                Some("aiosqlite"),
            ),
            ("mssql+pyodbc://h/d", Backend::Other, Some("pyodbc")),
        ] {
            let url = parse(text);
            assert_eq!(url.backend(), backend, "{text}");
            assert_eq!(url.driver(), driver, "{text}");
        }
    }

    #[test]
    fn percent_encoded_password_with_at_colon_and_slash() {
        let url = parse("postgresql://us%40er:p%40ss%3Aw%2Ford%25@localhost/db");
        assert_eq!(url.username(), Some("us@er"));
        assert_eq!(url.password().map(Password::expose), Some("p@ss:w/ord%"));
        assert_eq!(url.host(), Some("localhost"));
        assert_eq!(url.database(), Some("db"));
        assert_eq!(url.to_string(), "postgresql://us%40er:***@localhost/db");
    }

    #[test]
    fn raw_colon_and_slash_in_password_are_kept() {
        // SQLAlchemy's pattern: the password runs to the `@`, `:` and `/` included.
        let url = parse("postgresql://user:pa:ss/wd@host:5432/db");
        assert_eq!(url.username(), Some("user"));
        assert_eq!(url.password().map(Password::expose), Some("pa:ss/wd"));
        assert_eq!(url.host(), Some("host"));
        assert_eq!(url.port(), Some(5432));
    }

    #[test]
    fn raw_at_in_password_ends_it_as_sqlalchemy_does() {
        let url = parse("postgresql://user:p@ss@host/db");
        assert_eq!(url.password().map(Password::expose), Some("p"));
        assert_eq!(url.host(), Some("ss@host"));
    }

    #[test]
    fn user_without_password_and_empty_password() {
        let url = parse("postgresql://user@host/db");
        assert_eq!(url.username(), Some("user"));
        assert!(url.password().is_none());
        assert_eq!(url.to_string(), "postgresql://user@host/db");
        let url = parse("postgresql://user:@host/db");
        assert_eq!(url.password().map(Password::expose), Some(""));
        assert_eq!(url.to_string(), "postgresql://user:***@host/db");
    }

    #[test]
    fn ipv6_hosts() {
        let url = parse("postgresql://u:p@[::1]:5432/db");
        assert_eq!(url.host(), Some("::1"));
        assert_eq!(url.port(), Some(5432));
        assert_eq!(url.to_string(), "postgresql://u:***@[::1]:5432/db");
        let url = parse("postgresql://[2001:db8::7]/db");
        assert_eq!(url.host(), Some("2001:db8::7"));
        assert_eq!(url.port(), None);
    }

    #[test]
    fn sqlite_paths() {
        let url = parse("sqlite:///relative/app.db");
        assert_eq!(url.database(), Some("relative/app.db"));
        assert_eq!(url.host(), None);
        let url = parse("sqlite:////abs/path/app.db");
        assert_eq!(url.database(), Some("/abs/path/app.db"));
        let url = parse("sqlite://");
        assert_eq!(url.database(), None);
        let url = parse("sqlite:///:memory:");
        assert_eq!(url.database(), Some(":memory:"));
        let url = parse("sqlite:///with space.db");
        assert_eq!(url.database(), Some("with space.db"));
        assert_eq!(url.to_string(), "sqlite:///with space.db");
    }

    #[test]
    fn sqlite_with_a_host_is_rejected_as_sqlalchemy_does() {
        let err = parse_err("sqlite://relative.db");
        assert!(err.contains("sqlite:///relative/path.db"), "{err}");
        parse_err("sqlite://user:secret@/x.db");
    }

    #[test]
    fn query_string_is_read_like_parse_qsl() {
        let url = parse(
            "postgresql://h/d?host=%2Fsock%2Fdir&application_name=my+app&empty=&flag&a=1&a=2",
        );
        assert_eq!(url.query_value("host"), Some("/sock/dir"));
        assert_eq!(url.query_value("application_name"), Some("my app"));
        assert_eq!(url.query_value("empty"), None);
        assert_eq!(url.query_value("flag"), None);
        assert_eq!(url.query_values("a").collect::<Vec<_>>(), ["1", "2"]);
        assert_eq!(url.query_value("a"), Some("2"));
        assert_eq!(
            url.to_string(),
            "postgresql://h/d?a=1&a=2&application_name=my+app&host=%2Fsock%2Fdir"
        );
    }

    #[test]
    fn no_host_and_socket_dir_in_query() {
        let url = parse("postgresql://user:pw@/db?host=/var/run/postgresql");
        assert_eq!(url.host(), None);
        assert_eq!(url.database(), Some("db"));
        assert_eq!(url.query_value("host"), Some("/var/run/postgresql"));
        let url = parse("postgresql:///db");
        assert_eq!(url.username(), None);
        assert_eq!(url.host(), None);
        assert_eq!(url.database(), Some("db"));
    }

    #[test]
    fn bad_urls_are_errors() {
        for text in [
            "",
            "not a url",
            "postgresql:/host/db",
            "://host/db",
            "postgresql://host:abc/db",
            "postgresql://host:/db",
            "postgresql://host:70000/db",
            "postgresql://[::1]x/db",
            "postgresql://h/d?x=1\ny",
        ] {
            parse_err(text);
        }
    }

    #[test]
    fn password_never_appears_in_display_debug_or_errors() {
        let secret = "S3cr3t-p@ss";
        let url = parse("postgresql://user:S3cr3t-p%40ss@host/db?password=S3cr3t-p%40ss");
        assert_eq!(url.password().map(Password::expose), Some(secret));
        assert_eq!(url.query_value("password"), Some(secret));
        for shown in [
            url.to_string(),
            format!("{url:?}"),
            format!("{:?}", url.password()),
        ] {
            assert!(!shown.contains(secret), "{shown}");
            assert!(!shown.contains("S3cr3t"), "{shown}");
        }
        assert_eq!(
            url.to_string(),
            "postgresql://user:***@host/db?password=***"
        );
        // A URL where the password lands in the port (the `@` was forgotten).
        let err = parse_err("postgresql://user:S3cr3tpass");
        assert!(!err.contains("S3cr3t"), "{err}");
        let err = parse_err("postgresql://user:S3cr3tpass@host:S3cr3t/db");
        assert!(!err.contains("S3cr3t"), "{err}");
    }

    #[test]
    fn secrets_lists_password_and_query_password() {
        let url = parse("postgresql://u:one@h/d?password=two&sslmode=disable");
        assert_eq!(url.secrets(), ["one", "two"]);
    }
}
