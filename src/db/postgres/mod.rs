//! The version table of a PostgreSQL database, read with `tokio-postgres` on a
//! single-threaded runtime so that one deadline covers everything: name resolution,
//! the TCP connect, the startup and authentication exchange (a server that accepts and
//! never answers would otherwise hang forever) and the queries. The table is looked up
//! as SQLAlchemy's `has_table` does and read with the `SELECT` Alembic emits; names are
//! quoted, so mixed-case names match what Alembic created.

mod settings;

use std::time::Duration;

use tokio_postgres::{Client, NoTls, SimpleQueryMessage};

use super::{scrub, DatabaseUrl, DbError, DbVersions, VersionTable};
use settings::{resolve, Target};

/// `has_table` as SQLAlchemy's PostgreSQL dialect asks it: any table-like relation
/// (table, partitioned table, foreign table, view, materialized view) named `$1`,
/// visible on the search path.
const HAS_TABLE_ON_SEARCH_PATH: &str = "SELECT c.relname FROM pg_catalog.pg_class c \
     JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace \
     WHERE c.relname = $1 AND c.relkind IN ('r', 'p', 'f', 'v', 'm') \
     AND pg_catalog.pg_table_is_visible(c.oid) AND n.nspname != 'pg_catalog'";

/// The same in the schema `$2`.
const HAS_TABLE_IN_SCHEMA: &str = "SELECT c.relname FROM pg_catalog.pg_class c \
     JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace \
     WHERE c.relname = $1 AND c.relkind IN ('r', 'p', 'f', 'v', 'm') \
     AND n.nspname = $2";

pub(super) fn read_versions(
    url: &DatabaseUrl,
    table: &VersionTable,
    timeout: Duration,
) -> Result<DbVersions, DbError> {
    let target = resolve(url, timeout, &|key| std::env::var(key).ok())?;
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_io()
        .enable_time()
        .build()
        .map_err(|err| DbError::Connect {
            target: target.description.clone(),
            message: format!("cannot start the network runtime: {err}"),
        })?;
    let outcome = runtime
        .block_on(async { tokio::time::timeout(timeout, connect_and_read(&target, table)).await });
    // A name lookup still blocked in its thread must not hold the caller.
    runtime.shutdown_background();
    outcome.unwrap_or_else(|_| {
        Err(DbError::Timeout {
            target: target.description.clone(),
            timeout,
        })
    })
}

async fn connect_and_read(target: &Target, table: &VersionTable) -> Result<DbVersions, DbError> {
    let (client, connection) =
        target
            .config
            .connect(NoTls)
            .await
            .map_err(|err| DbError::Connect {
                target: target.description.clone(),
                message: message_of(&err, &target.secrets),
            })?;
    let connection = tokio::spawn(connection);
    let versions = read_table(&client, target, table).await;
    drop(client);
    // The connection ends once the client is gone; its own errors are not the answer.
    let _ = connection.await;
    versions
}

async fn read_table(
    client: &Client,
    target: &Target,
    table: &VersionTable,
) -> Result<DbVersions, DbError> {
    let fail = |err: tokio_postgres::Error| DbError::Query {
        target: target.description.clone(),
        table: table.to_string(),
        message: message_of(&err, &target.secrets),
    };
    let found = match &table.schema {
        Some(schema) => client
            .query(HAS_TABLE_IN_SCHEMA, &[&table.name, schema])
            .await
            .map_err(fail)?,
        None => client
            .query(HAS_TABLE_ON_SEARCH_PATH, &[&table.name])
            .await
            .map_err(fail)?,
    };
    if found.is_empty() {
        return Ok(DbVersions::NoVersionTable);
    }
    let from = match &table.schema {
        Some(schema) => format!("{}.{}", quote(schema), quote(&table.name)),
        None => quote(&table.name),
    };
    let sql = format!("SELECT {}.version_num FROM {from}", quote(&table.name));
    let messages = client.simple_query(&sql).await.map_err(fail)?;
    let mut versions = Vec::new();
    for message in messages {
        if let SimpleQueryMessage::Row(row) = message {
            match row.get(0) {
                Some(version) => versions.push(version.to_owned()),
                None => {
                    return Err(DbError::UnexpectedValue {
                        target: target.description.clone(),
                        table: table.to_string(),
                        detail: "NULL".to_owned(),
                    })
                }
            }
        }
    }
    Ok(DbVersions::Versions(versions))
}
/// One line from a driver error: the server's own message, or the chain of causes.
fn message_of(err: &tokio_postgres::Error, secrets: &[String]) -> String {
    let message = match err.as_db_error() {
        Some(db) => {
            let mut message = db.message().to_owned();
            if message.contains("no encryption") {
                message.push_str(
                    " (the server may require TLS, which this build of migcheck does not support)",
                );
            }
            message
        }
        None => {
            let mut message = err.to_string();
            let mut source = std::error::Error::source(err);
            while let Some(cause) = source {
                message.push_str(": ");
                message.push_str(&cause.to_string());
                source = cause.source();
            }
            message
        }
    };
    scrub(&message, secrets.iter().map(String::as_str))
}

/// A PostgreSQL identifier in double quotes, so its case is kept as SQLAlchemy keeps it.
fn quote(identifier: &str) -> String {
    format!("\"{}\"", identifier.replace('"', "\"\""))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn identifiers_are_quoted() {
        assert_eq!(quote("MyVersions"), "\"MyVersions\"");
        assert_eq!(quote("a\"b"), "\"a\"\"b\"");
    }
}
