//! Moving an installation: every object of one file store into another (`ivs migrate-files`),
//! and every row of one database into another (`ivs migrate-db`).
use crate::{Backend, Db, Files, Result, StoreError};
use futures::TryStreamExt;
use sqlx::any::AnyRow;
use sqlx::{Any, Row, Transaction};
use std::collections::BTreeMap;

// ---- files --------------------------------------------------------------------------------

/// What [`copy_files`] did.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize)]
pub struct FilesCopyReport {
    /// Objects in the source.
    pub objects: u64,
    /// Copied now.
    pub copied: u64,
    /// Already in the target with the same size.
    pub skipped: u64,
    /// Removed from the source (`delete_source`), each after the target was seen to hold it.
    pub deleted: u64,
    pub bytes_copied: u64,
}

/// Copies every object of `from` into `to` under the same key. Objects the target already holds
/// with the same size are skipped, so an interrupted run is resumed by running it again (an
/// object store write is all or nothing: a cut-off upload leaves no object behind). With
/// `delete_source`, each source object is deleted once the target holds it.
pub async fn copy_files(
    from: &Files,
    to: &Files,
    delete_source: bool,
    mut progress: impl FnMut(&FilesCopyReport),
) -> Result<FilesCopyReport> {
    let mut objects = from.list("").await?;
    objects.sort_by(|a, b| a.key.cmp(&b.key));
    let mut report = FilesCopyReport {
        objects: objects.len() as u64,
        ..FilesCopyReport::default()
    };
    for o in objects {
        if to.size(&o.key).await? == Some(o.size) {
            report.skipped += 1;
        } else {
            // gone since the listing (deleted by the server meanwhile): nothing to copy
            let Some(obj) = from.get(&o.key).await? else {
                continue;
            };
            let len = obj.bytes.len() as u64;
            to.put(&o.key, obj.bytes).await?;
            report.copied += 1;
            report.bytes_copied += len;
        }
        if delete_source && to.size(&o.key).await? == Some(o.size) {
            from.delete(&o.key).await?;
            report.deleted += 1;
        }
        progress(&report);
    }
    Ok(report)
}

// ---- database -----------------------------------------------------------------------------

/// Tables in an order that respects the foreign keys; tables added by later migrations and not
/// named here are copied after these, by name.
const TABLE_ORDER: &[&str] = &[
    "partners",
    "verifications",
    "files",
    "jobs",
    "settings",
    "webhook_events",
    "webhook_attempts",
];

/// Rows per INSERT statement.
const BATCH_ROWS: usize = 200;

/// What [`copy_database`] did: rows copied per table, in copy order.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize)]
pub struct DbCopyReport {
    pub tables: Vec<(String, u64)>,
    /// Rows the target held before (deleted because of `replace`).
    pub replaced_rows: u64,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum ColType {
    Int,
    Real,
    Text,
    Blob,
}

fn col_type(declared: &str) -> ColType {
    let t = declared.to_ascii_lowercase();
    if t.contains("int") || t == "bigserial" || t == "serial" {
        ColType::Int
    } else if t.contains("real") || t.contains("double") || t.contains("float") || t.contains("numeric") {
        ColType::Real
    } else if t.contains("blob") || t == "bytea" {
        ColType::Blob
    } else {
        ColType::Text
    }
}

enum Val {
    Int(Option<i64>),
    Real(Option<f64>),
    Text(Option<String>),
    Blob(Option<Vec<u8>>),
}

fn read_val(row: &AnyRow, i: usize, t: ColType) -> Result<Val> {
    Ok(match t {
        ColType::Int => Val::Int(row.try_get(i)?),
        ColType::Real => Val::Real(row.try_get(i)?),
        ColType::Text => Val::Text(row.try_get(i)?),
        ColType::Blob => Val::Blob(row.try_get(i)?),
    })
}

fn quote(ident: &str) -> String {
    format!("\"{}\"", ident.replace('"', "\"\""))
}

async fn table_names(tx: &mut Transaction<'_, Any>, backend: Backend) -> Result<Vec<String>> {
    let sql = match backend {
        Backend::Sqlite => {
            "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' \
             AND name <> '_sqlx_migrations'"
        }
        Backend::Postgres => {
            "SELECT CAST(table_name AS TEXT) FROM information_schema.tables \
             WHERE table_schema = current_schema() AND table_type = 'BASE TABLE' \
             AND table_name <> '_sqlx_migrations'"
        }
    };
    let rows = sqlx::query(sql).fetch_all(&mut **tx).await?;
    let mut names: Vec<String> = rows.iter().map(|r| r.try_get(0)).collect::<Result<_, _>>()?;
    names.sort_by_key(|n| {
        (
            TABLE_ORDER
                .iter()
                .position(|t| t == n)
                .unwrap_or(TABLE_ORDER.len()),
            n.clone(),
        )
    });
    Ok(names)
}

/// `(column, type)` in declaration order.
async fn columns(
    tx: &mut Transaction<'_, Any>,
    backend: Backend,
    table: &str,
) -> Result<Vec<(String, ColType)>> {
    let sql = match backend {
        Backend::Sqlite => "SELECT name, type FROM pragma_table_info($1) ORDER BY cid",
        Backend::Postgres => {
            "SELECT CAST(column_name AS TEXT), CAST(data_type AS TEXT) FROM information_schema.columns \
             WHERE table_schema = current_schema() AND table_name = $1 ORDER BY ordinal_position"
        }
    };
    let rows = sqlx::query(sql).bind(table).fetch_all(&mut **tx).await?;
    rows.iter()
        .map(|r| {
            let name: String = r.try_get(0)?;
            let ty: String = r.try_get(1)?;
            Ok((name, col_type(&ty)))
        })
        .collect()
}

async fn count(tx: &mut Transaction<'_, Any>, table: &str) -> Result<u64> {
    let n: i64 = sqlx::query(&format!("SELECT COUNT(*) FROM {}", quote(table)))
        .fetch_one(&mut **tx)
        .await?
        .try_get(0)?;
    Ok(u64::try_from(n).unwrap_or(0))
}

/// The highest id the source has handed out per table (a deleted last row still counts), so the
/// target never hands the same id out again.
async fn id_high_water(
    tx: &mut Transaction<'_, Any>,
    backend: Backend,
    table: &str,
    cols: &[(String, ColType)],
) -> Result<i64> {
    match backend {
        Backend::Sqlite => {
            let has_seq: i64 = sqlx::query(
                "SELECT COUNT(*) FROM sqlite_master WHERE type = 'table' AND name = 'sqlite_sequence'",
            )
            .fetch_one(&mut **tx)
            .await?
            .try_get(0)?;
            if has_seq == 0 {
                return Ok(0);
            }
            let row = sqlx::query("SELECT CAST(seq AS BIGINT) FROM sqlite_sequence WHERE name = $1")
                .bind(table)
                .fetch_optional(&mut **tx)
                .await?;
            Ok(row.map(|r| r.try_get::<i64, _>(0)).transpose()?.unwrap_or(0))
        }
        Backend::Postgres => {
            let mut high = 0;
            for (col, _) in cols {
                if let Some(seq) = serial_sequence(tx, table, col).await? {
                    let row = sqlx::query(&format!(
                        "SELECT CAST(last_value AS BIGINT), CAST(CASE WHEN is_called THEN 1 ELSE 0 END AS BIGINT) FROM {seq}"
                    ))
                    .fetch_one(&mut **tx)
                    .await?;
                    let last: i64 = row.try_get(0)?;
                    let called: i64 = row.try_get(1)?;
                    high = high.max(if called == 1 { last } else { last - 1 });
                }
            }
            Ok(high)
        }
    }
}

async fn serial_sequence(tx: &mut Transaction<'_, Any>, table: &str, col: &str) -> Result<Option<String>> {
    let row = sqlx::query("SELECT CAST(pg_get_serial_sequence($1, $2) AS TEXT)")
        .bind(table)
        .bind(col)
        .fetch_one(&mut **tx)
        .await?;
    Ok(row.try_get(0)?)
}

/// Makes the target's id generators continue after `high_water` and after every copied id.
async fn reset_ids(
    tx: &mut Transaction<'_, Any>,
    backend: Backend,
    table: &str,
    cols: &[(String, ColType)],
    high_water: i64,
) -> Result<()> {
    match backend {
        Backend::Postgres => {
            for (col, _) in cols {
                let Some(seq) = serial_sequence(tx, table, col).await? else {
                    continue;
                };
                let max: i64 = sqlx::query(&format!(
                    "SELECT CAST(COALESCE(MAX({}), 0) AS BIGINT) FROM {}",
                    quote(col),
                    quote(table)
                ))
                .fetch_one(&mut **tx)
                .await?
                .try_get(0)?;
                let next = max.max(high_water);
                // setval(seq, n, true): the next value handed out is n + 1; (1, false): it is 1
                let sql = if next > 0 {
                    "SELECT CAST(setval(CAST($1 AS regclass), $2, true) AS BIGINT)"
                } else {
                    "SELECT CAST(setval(CAST($1 AS regclass), 1, false) AS BIGINT)"
                };
                let mut q = sqlx::query(sql).bind(seq);
                if next > 0 {
                    q = q.bind(next);
                }
                q.fetch_one(&mut **tx).await?;
            }
        }
        Backend::Sqlite => {
            if high_water <= 0 {
                // explicit ids already moved sqlite_sequence up to the largest copied id
                return Ok(());
            }
            let autoinc: i64 = sqlx::query(
                "SELECT COUNT(*) FROM sqlite_master WHERE type = 'table' AND name = $1 \
                 AND upper(sql) LIKE '%AUTOINCREMENT%'",
            )
            .bind(table)
            .fetch_one(&mut **tx)
            .await?
            .try_get(0)?;
            if autoinc == 0 {
                return Ok(());
            }
            sqlx::query("UPDATE sqlite_sequence SET seq = $1 WHERE name = $2 AND seq < $1")
                .bind(high_water)
                .bind(table)
                .execute(&mut **tx)
                .await?;
            sqlx::query(
                "INSERT INTO sqlite_sequence (name, seq) SELECT $1, $2 \
                 WHERE NOT EXISTS (SELECT 1 FROM sqlite_sequence WHERE name = $1)",
            )
            .bind(table)
            .bind(high_water)
            .execute(&mut **tx)
            .await?;
        }
    }
    Ok(())
}

async fn insert_batch(
    tx: &mut Transaction<'_, Any>,
    table: &str,
    cols: &[(String, ColType)],
    rows: &mut Vec<Vec<Val>>,
) -> Result<()> {
    if rows.is_empty() {
        return Ok(());
    }
    let names = cols.iter().map(|(c, _)| quote(c)).collect::<Vec<_>>().join(", ");
    let mut n = 0;
    let tuples = rows
        .iter()
        .map(|r| {
            let ps = r
                .iter()
                .map(|_| {
                    n += 1;
                    format!("${n}")
                })
                .collect::<Vec<_>>()
                .join(", ");
            format!("({ps})")
        })
        .collect::<Vec<_>>()
        .join(", ");
    let sql = format!("INSERT INTO {} ({names}) VALUES {tuples}", quote(table));
    let mut q = sqlx::query(&sql);
    for row in rows.drain(..) {
        for v in row {
            q = match v {
                Val::Int(v) => q.bind(v),
                Val::Real(v) => q.bind(v),
                Val::Text(v) => q.bind(v),
                Val::Blob(v) => q.bind(v),
            };
        }
    }
    q.execute(&mut **tx).await?;
    Ok(())
}

/// Copies every row of every table of `from` into `to`, in one transaction on the target, from
/// one consistent read of the source. Both databases must be migrated to the same schema (the
/// caller runs the migrations). The target must be empty unless `replace` is set, in which case
/// its rows are deleted first (in the same transaction). Id generators (PostgreSQL sequences,
/// SQLite `AUTOINCREMENT`) are moved past every copied id.
pub async fn copy_database(from: &Db, to: &Db, replace: bool) -> Result<DbCopyReport> {
    let mut src = from.pool.begin().await?;
    if from.backend == Backend::Postgres {
        // every table from one snapshot (SQLite's read transaction is one already)
        sqlx::query("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
            .execute(&mut *src)
            .await?;
    }
    let mut dst = to.begin_write().await?;
    let tables = table_names(&mut src, from.backend).await?;
    let target_tables = table_names(&mut dst, to.backend).await?;
    if tables != target_tables {
        return Err(StoreError::Config(format!(
            "the two databases have different tables (source {tables:?}, target {target_tables:?}); \
             run both at the same ivs version"
        )));
    }
    let mut report = DbCopyReport::default();
    let mut nonempty = BTreeMap::new();
    for t in &tables {
        let n = count(&mut dst, t).await?;
        if n > 0 {
            nonempty.insert(t.clone(), n);
        }
    }
    if !nonempty.is_empty() {
        if !replace {
            return Err(StoreError::Config(format!(
                "the target database is not empty ({}); give --force to replace its contents",
                nonempty
                    .iter()
                    .map(|(t, n)| format!("{t}: {n} rows"))
                    .collect::<Vec<_>>()
                    .join(", ")
            )));
        }
        for t in tables.iter().rev() {
            sqlx::query(&format!("DELETE FROM {}", quote(t)))
                .execute(&mut *dst)
                .await?;
        }
        report.replaced_rows = nonempty.values().sum();
    }
    for t in &tables {
        let cols = columns(&mut dst, to.backend, t).await?;
        let src_cols = columns(&mut src, from.backend, t).await?;
        let src_names: Vec<&str> = src_cols.iter().map(|(c, _)| c.as_str()).collect();
        if let Some((missing, _)) = cols.iter().find(|(c, _)| !src_names.contains(&c.as_str())) {
            return Err(StoreError::Config(format!(
                "column {t}.{missing} is missing in the source; run both at the same ivs version"
            )));
        }
        let select = format!(
            "SELECT {} FROM {}",
            cols.iter().map(|(c, _)| quote(c)).collect::<Vec<_>>().join(", "),
            quote(t)
        );
        let mut copied = 0u64;
        let mut batch: Vec<Vec<Val>> = Vec::with_capacity(BATCH_ROWS);
        {
            let mut rows = sqlx::query(&select).fetch(&mut *src);
            while let Some(row) = rows.try_next().await? {
                let vals = cols
                    .iter()
                    .enumerate()
                    .map(|(i, (_, ty))| read_val(&row, i, *ty))
                    .collect::<Result<Vec<_>>>()?;
                batch.push(vals);
                copied += 1;
                if batch.len() >= BATCH_ROWS {
                    insert_batch(&mut dst, t, &cols, &mut batch).await?;
                }
            }
        }
        insert_batch(&mut dst, t, &cols, &mut batch).await?;
        let high = id_high_water(&mut src, from.backend, t, &src_cols).await?;
        reset_ids(&mut dst, to.backend, t, &cols, high).await?;
        report.tables.push((t.clone(), copied));
    }
    src.rollback().await?;
    dst.commit().await?;
    Ok(report)
}
