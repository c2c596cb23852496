//! Multi-row `INSERT … ON CONFLICT` built straight from active models, for the tables that
//! ingest writes thousands of rows into per transaction (events, rollups).
//!
//! Why not `insert_many`: it turns every value into an expression tree, which the query
//! builder then walks to print one placeholder and clone the value back out. Callgrind of the
//! ingest writer put `InsertMany::many` plus `build` at 37 % of its instructions. Here each
//! row's set values are moved into the statement as they are; the SQL text is the column list
//! and placeholders only, the same for every chunk of the same size (so the driver's
//! prepared-statement cache is hit). For tables without enum columns (no casts needed).

use crate::error::Result;
use app::error::AppError;
use sea_orm::sea_query::Value;
use sea_orm::{
    ActiveModelTrait, ConnectionTrait, DatabaseBackend, EntityName, EntityTrait, IdenStatic,
    Iterable, PrimaryKeyToColumn, Statement,
};
use std::fmt::Write;

/// Bound parameters per statement at most (SQLite allows 32,766, PostgreSQL 65,535).
const MAX_PARAMS: usize = 30_000;
/// Rows per statement at most.
const MAX_ROWS: usize = 1_000;

/// What to do with a row whose unique key is stored already.
pub enum Conflict<'a> {
    /// No clause: the statement fails (rows the caller knows to be new).
    Fail,
    /// Keep the stored row (the key's columns).
    Skip(&'a [&'a str]),
    /// Add the new row's values to the stored row's, on the primary key (rollups).
    AddToStored,
}

/// Inserts `rows` (all with the same columns set) in as few statements as the parameter limit
/// allows; returns the rows inserted or changed.
pub async fn insert<C, A>(db: &C, rows: Vec<A>, conflict: Conflict<'_>) -> Result<u64>
where
    C: ConnectionTrait,
    A: ActiveModelTrait,
{
    let Some(first) = rows.first() else {
        return Ok(0);
    };
    type Col<A> = <<A as ActiveModelTrait>::Entity as EntityTrait>::Column;
    let cols: Vec<Col<A>> = Col::<A>::iter()
        .filter(|c| !first.get(*c).is_not_set())
        .collect();
    let names: Vec<&str> = cols.iter().map(|c| c.as_str()).collect();
    let table = <A::Entity as Default>::default().table_name().to_string();
    let tail = match conflict {
        Conflict::Fail => String::new(),
        Conflict::Skip(key) => format!(" ON CONFLICT ({}) DO NOTHING", quoted(key)),
        Conflict::AddToStored => {
            let key: Vec<&str> = <A::Entity as EntityTrait>::PrimaryKey::iter()
                .map(|k| k.into_column().as_str())
                .collect();
            let sums: Vec<String> = names
                .iter()
                .filter(|n| !key.contains(n))
                .map(|n| format!("\"{n}\" = \"{table}\".\"{n}\" + excluded.\"{n}\""))
                .collect();
            format!(
                " ON CONFLICT ({}) DO UPDATE SET {}",
                quoted(&key),
                sums.join(", ")
            )
        }
    };
    let backend = db.get_database_backend();
    let per_statement = (MAX_PARAMS / cols.len()).min(MAX_ROWS);
    let head = format!("INSERT INTO \"{table}\" ({}) VALUES ", quoted(&names));
    let mut done = 0;
    let mut rows = rows.into_iter().peekable();
    while rows.peek().is_some() {
        let mut values: Vec<Value> = Vec::with_capacity(per_statement * cols.len());
        for mut row in rows.by_ref().take(per_statement) {
            for c in &cols {
                let v = row.take(*c).into_value().ok_or_else(|| {
                    AppError::internal(format!("{table}: every row must set {}", c.as_str()))
                })?;
                values.push(v);
            }
        }
        let sql = statement_text(backend, &head, values.len() / cols.len(), cols.len(), &tail);
        done += db
            .execute_raw(Statement::from_sql_and_values(backend, sql, values))
            .await?
            .rows_affected();
    }
    Ok(done)
}

fn quoted(names: &[&str]) -> String {
    let q: Vec<String> = names.iter().map(|n| format!("\"{n}\"")).collect();
    q.join(", ")
}

/// `head` + `(?, ?), (?, ?)` (`$1, $2…` on PostgreSQL) + `tail`.
fn statement_text(
    backend: DatabaseBackend,
    head: &str,
    rows: usize,
    cols: usize,
    tail: &str,
) -> String {
    let mut sql = String::with_capacity(head.len() + tail.len() + rows * cols * 7);
    sql.push_str(head);
    let mut n = 0;
    for r in 0..rows {
        sql.push_str(if r == 0 { "(" } else { ", (" });
        for c in 0..cols {
            n += 1;
            if c > 0 {
                sql.push_str(", ");
            }
            match backend {
                DatabaseBackend::Postgres => write!(sql, "${n}").expect("writing to a String"),
                _ => sql.push('?'),
            }
        }
        sql.push(')');
    }
    sql.push_str(tail);
    sql
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn placeholders_per_backend() {
        let s = statement_text(DatabaseBackend::Sqlite, "INSERT x VALUES ", 2, 2, " END");
        assert_eq!(s, "INSERT x VALUES (?, ?), (?, ?) END");
        let p = statement_text(DatabaseBackend::Postgres, "V ", 2, 3, "");
        assert_eq!(p, "V ($1, $2, $3), ($4, $5, $6)");
    }
}
