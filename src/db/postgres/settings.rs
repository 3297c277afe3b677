//! The connection settings of a PostgreSQL URL, as psycopg2 hands them to libpq: the
//! URL's parts, then the query string (`host`, `port`, `user`, `password`, `dbname`,
//! `sslmode`, `application_name`, `options`; a `host` starting with `/` is a Unix socket
//! directory, and `host=h1:p1&host=h2:p2` or `host=h1,h2&port=p1,p2` list several
//! servers), then libpq's environment variables (`PGHOST`, `PGPORT`, `PGUSER`,
//! `PGPASSWORD`, `PGDATABASE`, `PGSSLMODE`, `PGAPPNAME`, `PGOPTIONS`). Other query keys
//! are ignored and `~/.pgpass` is not read. There is no TLS: `sslmode=prefer` (the
//! default), `allow` and `disable` connect in plain text, stricter modes (and asyncpg's
//! `ssl=require`) are refused before connecting.

use std::time::Duration;

use tokio_postgres::Config;

use crate::db::{DatabaseUrl, DbError};

/// Where and how to connect, with a description for messages.
pub(super) struct Target {
    pub(super) config: Config,
    /// `host:port, database `db`, user `u``: what every message names.
    pub(super) description: String,
    /// The password, wherever it came from, to scrub from driver messages.
    pub(super) secrets: Vec<String>,
}

/// The connection settings of a URL, with `env` standing for libpq's environment.
pub(super) fn resolve(
    url: &DatabaseUrl,
    timeout: Duration,
    env: &dyn Fn(&str) -> Option<String>,
) -> Result<Target, DbError> {
    let query = |key: &str| url.query_value(key).map(str::to_owned);
    let (hosts, mut ports) = hosts_and_ports(url, env)?;
    if ports.is_empty() {
        let port = url
            .port()
            .map(Ok)
            .or_else(|| env("PGPORT").map(|p| port(&p)));
        ports.push(port.transpose()?);
    }
    let user = query("user")
        .or_else(|| url.username().filter(|u| !u.is_empty()).map(str::to_owned))
        .or_else(|| env("PGUSER"));
    let password = query("password")
        .or_else(|| url.password().map(|p| p.expose().to_owned()))
        .or_else(|| env("PGPASSWORD"));
    let dbname = query("dbname")
        .or_else(|| url.database().filter(|d| !d.is_empty()).map(str::to_owned))
        .or_else(|| env("PGDATABASE"));

    let description = describe(&hosts, &ports, dbname.as_deref(), user.as_deref());
    let refuse_tls = |setting: String| DbError::TlsUnsupported {
        target: description.clone(),
        setting,
    };
    let sslmode = query("sslmode").or_else(|| env("PGSSLMODE"));
    match sslmode.as_deref() {
        None | Some("disable" | "allow" | "prefer") => {}
        Some(mode @ ("require" | "verify-ca" | "verify-full")) => {
            return Err(refuse_tls(format!("sslmode={mode}")));
        }
        Some(_) => {
            return Err(DbError::InvalidUrl {
                reason: "sslmode must be disable, allow, prefer, require, verify-ca or verify-full"
                    .to_owned(),
            })
        }
    }
    // asyncpg spells it `ssl=`.
    if let Some(ssl) = url.query_value("ssl") {
        if !matches!(
            ssl.to_ascii_lowercase().as_str(),
            "disable" | "allow" | "prefer" | "false" | "0"
        ) {
            return Err(refuse_tls(format!("ssl={ssl}")));
        }
    }

    let mut config = Config::new();
    for host in &hosts {
        config.host(host);
    }
    if ports.len() != 1 && ports.len() != hosts.len() {
        return Err(DbError::InvalidUrl {
            reason: format!(
                "{} ports are given for {} hosts: give one port, or one per host",
                ports.len(),
                hosts.len()
            ),
        });
    }
    for port in &ports {
        config.port(port.unwrap_or(5432));
    }
    if let Some(user) = &user {
        config.user(user);
    }
    if let Some(password) = &password {
        config.password(password);
    }
    if let Some(dbname) = &dbname {
        config.dbname(dbname);
    }
    config.application_name(
        query("application_name")
            .or_else(|| env("PGAPPNAME"))
            .unwrap_or_else(|| "migcheck".to_owned()),
    );
    if let Some(options) = query("options").or_else(|| env("PGOPTIONS")) {
        config.options(options);
    }
    config.connect_timeout(timeout);
    let secrets = url
        .secrets()
        .into_iter()
        .map(str::to_owned)
        .chain(password)
        .collect();
    Ok(Target {
        config,
        description,
        secrets,
    })
}

/// The servers to try and their ports, as SQLAlchemy's `_split_multihost_from_url` and
/// libpq read them. An empty port list means "the URL's port or the default".
type HostsAndPorts = (Vec<String>, Vec<Option<u16>>);

fn hosts_and_ports(
    url: &DatabaseUrl,
    env: &dyn Fn(&str) -> Option<String>,
) -> Result<HostsAndPorts, DbError> {
    let query_hosts: Vec<&str> = url.query_values("host").collect();
    let query_port = url.query_value("port");
    let mut hosts = Vec::new();
    let mut ports = Vec::new();
    let single_host_with_port = query_hosts.len() == 1
        && query_port.is_none()
        && query_hosts[0].contains(':')
        && !query_hosts[0].contains(',')
        && query_hosts[0]
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '.' | ':'));
    if query_hosts.len() > 1 || single_host_with_port {
        if query_port.is_some() {
            return Err(DbError::InvalidUrl {
                reason: "use either `host=h1:p1&host=h2:p2` or `host=h1,h2&port=p1,p2`, not both"
                    .to_owned(),
            });
        }
        for token in query_hosts {
            let (host, port_text) = token.split_once(':').unwrap_or((token, ""));
            hosts.push(host.to_owned());
            ports.push(optional_port(port_text)?);
        }
        if ports.iter().all(Option::is_none) {
            ports.clear();
        }
    } else if let Some(host) = query_hosts.first() {
        hosts.extend(host.split(',').map(str::to_owned));
    } else if let Some(host) = url.host().filter(|h| !h.is_empty()) {
        hosts.push(host.to_owned());
    } else if let Some(host) = env("PGHOST") {
        hosts.extend(host.split(',').map(str::to_owned));
    } else {
        hosts.push(default_host());
    }
    if let Some(port_text) = query_port {
        ports = port_text
            .split(',')
            .map(optional_port)
            .collect::<Result<_, _>>()?;
    }
    Ok((hosts, ports))
}

/// libpq's default when no host is given: the Unix socket directory (Debian's, else the
/// upstream `/tmp`), or `localhost` where there are no Unix sockets.
fn default_host() -> String {
    if cfg!(unix) {
        if std::path::Path::new("/var/run/postgresql").is_dir() {
            "/var/run/postgresql".to_owned()
        } else {
            "/tmp".to_owned()
        }
    } else {
        "localhost".to_owned()
    }
}

fn optional_port(text: &str) -> Result<Option<u16>, DbError> {
    if text.is_empty() {
        Ok(None)
    } else {
        port(text).map(Some)
    }
}

fn port(text: &str) -> Result<u16, DbError> {
    text.trim().parse().map_err(|_| DbError::InvalidUrl {
        reason: "a PostgreSQL port is not a number between 0 and 65535".to_owned(),
    })
}

/// `127.0.0.1:5432, database `app`, user `app``, or `/dir/.s.PGSQL.5432, ...` for a Unix
/// socket, naming the default where nothing was given.
fn describe(
    hosts: &[String],
    ports: &[Option<u16>],
    dbname: Option<&str>,
    user: Option<&str>,
) -> String {
    let servers = hosts
        .iter()
        .enumerate()
        .map(|(i, host)| {
            let port = ports
                .get(i)
                .or_else(|| ports.first())
                .copied()
                .flatten()
                .unwrap_or(5432);
            if cfg!(unix) && host.starts_with('/') {
                format!("{}/.s.PGSQL.{port}", host.trim_end_matches('/'))
            } else if host.contains(':') {
                format!("[{host}]:{port}")
            } else {
                format!("{host}:{port}")
            }
        })
        .collect::<Vec<_>>()
        .join(",");
    let user = user.map_or_else(|| "the login user".to_owned(), |u| format!("user `{u}`"));
    let database = dbname.map_or_else(
        || "the user's database".to_owned(),
        |d| format!("database `{d}`"),
    );
    format!("{servers}, {database}, {user}")
}

#[cfg(test)]
mod tests {
    use super::*;
    use tokio_postgres::config::Host;

    fn no_env(_: &str) -> Option<String> {
        None
    }

    fn target_of(text: &str, env: &dyn Fn(&str) -> Option<String>) -> Target {
        let url = DatabaseUrl::parse(text).unwrap();
        match resolve(&url, Duration::from_secs(3), env) {
            Ok(target) => target,
            Err(err) => panic!("{text}: {err}"),
        }
    }

    fn hosts(target: &Target) -> Vec<String> {
        target
            .config
            .get_hosts()
            .iter()
            .map(|host| match host {
                Host::Tcp(name) => name.clone(),
                Host::Unix(path) => format!("unix:{}", path.display()),
            })
            .collect()
    }

    #[test]
    fn url_parts_become_the_connection() {
        let target = target_of("postgresql+psycopg2://app:pw@db.local:6543/appdb", &no_env);
        assert_eq!(hosts(&target), ["db.local"]);
        assert_eq!(target.config.get_ports(), [6543]);
        assert_eq!(target.config.get_user(), Some("app"));
        assert_eq!(target.config.get_password(), Some(&b"pw"[..]));
        assert_eq!(target.config.get_dbname(), Some("appdb"));
        assert_eq!(target.config.get_application_name(), Some("migcheck"));
        assert_eq!(
            target.config.get_connect_timeout(),
            Some(&Duration::from_secs(3))
        );
        assert_eq!(
            target.description,
            "db.local:6543, database `appdb`, user `app`"
        );
    }

    #[test]
    fn ipv6_host_is_described_in_brackets() {
        let target = target_of("postgresql://u@[::1]/d", &no_env);
        assert_eq!(hosts(&target), ["::1"]);
        assert_eq!(target.config.get_ports(), [5432]);
        assert_eq!(target.description, "[::1]:5432, database `d`, user `u`");
    }

    #[test]
    fn query_host_is_a_socket_directory() {
        let target = target_of("postgresql://u:p@/d?host=/tmp/sock&port=5499", &no_env);
        assert_eq!(hosts(&target), ["unix:/tmp/sock"]);
        assert_eq!(target.config.get_ports(), [5499]);
        assert_eq!(
            target.description,
            "/tmp/sock/.s.PGSQL.5499, database `d`, user `u`"
        );
    }

    #[test]
    fn query_overrides_url_parts() {
        let target = target_of(
            "postgresql://u:p@h:1/d?host=other&user=v&dbname=e&application_name=x&options=-c%20search_path%3Dmeta",
            &no_env,
        );
        assert_eq!(hosts(&target), ["other"]);
        assert_eq!(target.config.get_ports(), [1]);
        assert_eq!(target.config.get_user(), Some("v"));
        assert_eq!(target.config.get_dbname(), Some("e"));
        assert_eq!(target.config.get_application_name(), Some("x"));
        assert_eq!(target.config.get_options(), Some("-c search_path=meta"));
    }

    #[test]
    fn several_hosts_in_both_spellings() {
        let target = target_of("postgresql://u@/d?host=a:5001&host=b:5002", &no_env);
        assert_eq!(hosts(&target), ["a", "b"]);
        assert_eq!(target.config.get_ports(), [5001, 5002]);
        let target = target_of("postgresql://u@/d?host=a,b&port=5001,5002", &no_env);
        assert_eq!(hosts(&target), ["a", "b"]);
        assert_eq!(target.config.get_ports(), [5001, 5002]);
        assert_eq!(target.description, "a:5001,b:5002, database `d`, user `u`");
        let target = target_of("postgresql://u@/d?host=a:5001", &no_env);
        assert_eq!(hosts(&target), ["a"]);
        assert_eq!(target.config.get_ports(), [5001]);
        let url = DatabaseUrl::parse("postgresql://u@/d?host=a:1&host=b:2&port=3").unwrap();
        assert!(resolve(&url, Duration::from_secs(1), &no_env).is_err());
        let url = DatabaseUrl::parse("postgresql://u@/d?host=a,b,c&port=1,2").unwrap();
        assert!(resolve(&url, Duration::from_secs(1), &no_env).is_err());
    }

    #[test]
    fn libpq_environment_fills_the_gaps() {
        let env = |key: &str| match key {
            "PGHOST" => Some("envhost".to_owned()),
            "PGPORT" => Some("7777".to_owned()),
            "PGUSER" => Some("envuser".to_owned()),
            "PGPASSWORD" => Some("envsecret".to_owned()),
            "PGDATABASE" => Some("envdb".to_owned()),
            _ => None,
        };
        let target = target_of("postgresql://", &env);
        assert_eq!(hosts(&target), ["envhost"]);
        assert_eq!(target.config.get_ports(), [7777]);
        assert_eq!(target.config.get_user(), Some("envuser"));
        assert_eq!(target.config.get_password(), Some(&b"envsecret"[..]));
        assert_eq!(target.config.get_dbname(), Some("envdb"));
        assert!(target.secrets.contains(&"envsecret".to_owned()));
        let target = target_of("postgresql://u:p@h:1/d", &env);
        assert_eq!(hosts(&target), ["h"]);
        assert_eq!(target.config.get_ports(), [1]);
        assert_eq!(target.config.get_user(), Some("u"));
        assert_eq!(target.config.get_dbname(), Some("d"));
    }

    #[test]
    fn no_host_anywhere_means_the_local_socket() {
        let target = target_of("postgresql:///d", &no_env);
        assert_eq!(hosts(&target), [format!("unix:{}", default_host())]);
        assert!(target.description.contains("the login user"));
    }

    #[test]
    fn tls_modes_are_refused_before_connecting() {
        for text in [
            "postgresql://u:hunter22@h/d?sslmode=require",
            "postgresql://u:hunter22@h/d?sslmode=verify-full",
            "postgresql+asyncpg://u:hunter22@h/d?ssl=require",
        ] {
            let url = DatabaseUrl::parse(text).unwrap();
            let err = resolve(&url, Duration::from_secs(1), &no_env)
                .err()
                .unwrap();
            assert!(
                matches!(err, DbError::TlsUnsupported { .. }),
                "{text}: {err}"
            );
            let shown = err.to_string();
            assert!(shown.contains("does not support"), "{shown}");
            assert!(!shown.contains("hunter22"), "{shown}");
        }
        for mode in ["disable", "allow", "prefer"] {
            target_of(&format!("postgresql://u@h/d?sslmode={mode}"), &no_env);
        }
        let env = |key: &str| (key == "PGSSLMODE").then(|| "require".to_owned());
        let url = DatabaseUrl::parse("postgresql://u@h/d").unwrap();
        assert!(resolve(&url, Duration::from_secs(1), &env).is_err());
    }
}
