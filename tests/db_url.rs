//! `DatabaseUrl::parse` against SQLAlchemy's own `make_url` on many URLs: the same
//! parts, the same decoded password, the same query and the same rendering (with the
//! password hidden). Needs Python with SQLAlchemy: skipped without it, failed under CI.

mod db_common;

use std::process::Command;

use db_common::{missing_python_modules, prerequisite, python};
use migcheck::db::{DatabaseUrl, Password};
use serde_json::Value;

const URLS: &[&str] = &[
    "postgresql://scott:tiger@localhost/test",
    "postgresql://scott:tiger@localhost:5432/test",
    "postgres://u:p@db.example.com:6543/app",
    "postgresql+psycopg2://scott:tiger@localhost/test",
    "postgresql+psycopg://scott:tiger@localhost/test",
    "postgresql+asyncpg://scott:tiger@127.0.0.1:5433/test",
    "mysql+pymysql://root:pw@127.0.0.1:3306/app?charset=utf8mb4",
    "mariadb://root@localhost/app",
    "mariadb+mariadbconnector://u:p@h/d",
    "mssql+pyodbc://u:p@dsn_name",
    "postgresql://user:p%40ss%3Aw%2Frd%25@localhost/db",
    "postgresql://us%40er:pw@localhost/db",
    "postgresql://user:pa:ss/wd@host:5432/db",
    "postgresql://user:p@ss@host/db",
    "postgresql://user:@host/db",
    "postgresql://user@host/db",
    "postgresql://:pw@host/db",
    "postgresql://@host/db",
    "postgresql://u:p@[::1]:5432/db",
    "postgresql://u:p@[2001:db8::7]/db",
    "postgresql://[fe80::1%25eth0]:5432/db",
    "postgresql://u:p@/db?host=/var/run/postgresql",
    "postgresql://u:p@/db?host=%2Ftmp%2Fsock&port=5499",
    "postgresql://u@/db?host=a:5001&host=b:5002",
    "postgresql://u@/db?host=a,b&port=5001,5002",
    "postgresql:///db",
    "postgresql://",
    "postgresql://host",
    "postgresql://host/",
    "postgresql://h/d?sslmode=disable&application_name=my+app&options=-c%20search_path%3Dmeta",
    "postgresql://h/d?empty=&flag&a=1&a=2",
    "postgresql://h/d?a=%E2%9C%93&b=%ZZ",
    "postgresql://h/my%20db",
    "postgresql://h/db%2Fwith%2Fslashes",
    "postgresql://h:0/d",
    "postgresql://h:65535/d",
    "postgresql://user%3Aname:pw@h/d",
    "postgresql://us+er:p+w@h/d",
    "postgresql://ユーザー:パス@ホスト/データ",
    "sqlite://",
    "sqlite:///",
    "sqlite:///:memory:",
    "sqlite:///relative/app.db",
    "sqlite:////abs/path/app.db",
    "sqlite:///with%20space.db",
    "sqlite+pysqlite:///app.db?timeout=5",
    "sqlite:///file:app.db?mode=ro&uri=true",
    "sqlite+aiosqlite:///app.db",
];

/// Rejected by both.
const BAD_URLS: &[&str] = &[
    "",
    "not a url",
    "postgresql:/host/db",
    "://host/db",
    "postgresql://host:abc/db",
    "postgresql://host:/db",
    "postgresql://user:secret",
];

const SCRIPT: &str = r#"
import json, sys
from sqlalchemy.engine import make_url
from sqlalchemy import util
out = []
for text in json.load(sys.stdin):
    try:
        url = make_url(text)
    except Exception as err:
        out.append({"error": type(err).__name__})
        continue
    query = [[k, v] for k in sorted(url.query) for v in util.to_list(url.query[k])]
    out.append({
        "drivername": url.drivername,
        "username": url.username,
        "password": None if url.password is None else str(url.password),
        "host": url.host,
        "port": url.port,
        "database": url.database,
        "query": query,
        "rendered": url.render_as_string(hide_password=True),
    })
print(json.dumps(out))
"#;

fn sqlalchemy(urls: &[&str]) -> Vec<Value> {
    let mut child = Command::new(python())
        .args(["-c", SCRIPT])
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .spawn()
        .expect("run python");
    let input = serde_json::to_vec(urls).unwrap();
    std::io::Write::write_all(child.stdin.as_mut().unwrap(), &input).unwrap();
    drop(child.stdin.take());
    let out = child.wait_with_output().unwrap();
    assert!(out.status.success());
    serde_json::from_slice(&out.stdout).unwrap()
}

fn ours(url: &DatabaseUrl) -> Value {
    let mut query: Vec<(String, String)> = url.query().to_vec();
    query.sort_by(|a, b| a.0.cmp(&b.0));
    serde_json::json!({
        "drivername": url.drivername(),
        "username": url.username(),
        "password": url.password().map(Password::expose),
        "host": url.host(),
        "port": url.port(),
        "database": url.database(),
        "query": query.iter().map(|(k, v)| [k, v]).collect::<Vec<_>>(),
        "rendered": url.to_string(),
    })
}

#[test]
fn parts_and_rendering_match_sqlalchemy() {
    let test = "parts_and_rendering_match_sqlalchemy";
    if !prerequisite(test, missing_python_modules(&["sqlalchemy"])) {
        return;
    }
    let expected = sqlalchemy(URLS);
    assert_eq!(expected.len(), URLS.len());
    for (text, expected) in URLS.iter().zip(expected) {
        assert!(expected.get("error").is_none(), "SQLAlchemy rejects {text}");
        let url = DatabaseUrl::parse(text).unwrap_or_else(|err| panic!("{text}: {err}"));
        assert_eq!(ours(&url), expected, "{text}");
    }
}

#[test]
fn urls_sqlalchemy_rejects_are_rejected() {
    let test = "urls_sqlalchemy_rejects_are_rejected";
    if !prerequisite(test, missing_python_modules(&["sqlalchemy"])) {
        return;
    }
    for (text, expected) in BAD_URLS.iter().zip(sqlalchemy(BAD_URLS)) {
        assert!(
            expected.get("error").is_some(),
            "SQLAlchemy accepts {text}: {expected}"
        );
        let err = DatabaseUrl::parse(text).err();
        assert!(err.is_some(), "{text} parsed");
        assert!(!err.unwrap().to_string().contains("secret"), "{text}");
    }
}
