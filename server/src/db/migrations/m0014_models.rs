//! Model as a usage dimension: a `models` table (names interned per organization, as flows'
//! actions are), `usage_events.model_id` in place of the model's text, and `model_id` in the
//! key of `usage_action_daily` and `usage_daily`. The coarse `usage_feature_daily`, which
//! most questions read, keeps its key (a feature runs on one or two models: with the model
//! its rows grow by that factor, measured in docs/benchmarks.md) and gains the credits the
//! meter rated (`rated_milli`, the rest senders priced); its twin `usage_model_daily` has the
//! model in the key, for the questions by model. The per-person `usage_user_daily` and its
//! weekly twin stay as they are. The rollups are rebuilt: start-up refills them from the raw
//! events.

use super::tenant_table;
use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::*;

pub struct Migration;

impl MigrationName for Migration {
    fn name(&self) -> &str {
        "m0014_models"
    }
}

const SUMS: [&str; 4] = ["credits_milli", "overage_milli", "quantity", "events"];
const TOKENS: [&str; 2] = ["input_tokens", "output_tokens"];

/// The key of the coarse rollup after organization and day (and of its twin by model).
const FEATURE_KEY: &[&str] = &[
    "pool_id",
    "feature_id",
    "source_id",
    "action_id",
    "by_end_user",
];

/// The rollups this migration rebuilds: (table, key after organization and day, with tokens).
const ROLLUPS: [(&str, &[&str], bool); 3] = [
    ("usage_feature_daily", FEATURE_KEY, true),
    (
        "usage_action_daily",
        &[
            "feature_id",
            "user_id",
            "end_user_id",
            "source_id",
            "action_id",
        ],
        true,
    ),
    (
        "usage_daily",
        &[
            "pool_id",
            "feature_id",
            "user_id",
            "end_user_id",
            "source_id",
            "company_id",
        ],
        false,
    ),
];

/// A rollup table keyed by organization, day, `keys` (+ `model_id` when `with_model`), with
/// the part the meter rated when `rated`.
fn rollup(
    table: &'static str,
    keys: &[&'static str],
    tokens: bool,
    (with_model, rated): (bool, bool),
) -> TableCreateStatement {
    let mut t = Table::create();
    t.table(table);
    let model: &[&str] = if with_model { &["model_id"] } else { &[] };
    let key: Vec<&str> = ["organization_id", "day"]
        .iter()
        .chain(keys)
        .chain(model)
        .copied()
        .collect();
    let mut pk = Index::create();
    for k in &key {
        t.col(if *k == "day" {
            date(*k)
        } else {
            big_integer(*k)
        });
        pk.col(*k);
    }
    let sums = SUMS.iter().chain(if tokens { &TOKENS[..] } else { &[] });
    for s in sums {
        t.col(big_integer(*s));
    }
    if rated {
        // The part of the credits the meter rated (the rest the senders priced).
        t.col(big_integer("rated_milli"));
    }
    t.primary_key(&mut pk);
    t
}

fn user_day_index() -> IndexCreateStatement {
    Index::create()
        .name("usage_daily_user_day")
        .table("usage_daily")
        .col("organization_id")
        .col("user_id")
        .col("day")
        .to_owned()
}

/// Up: the rollups in their new shapes and the coarse rollup's twin by model; down: the
/// m0013 shapes.
async fn rebuild_rollups(m: &SchemaManager<'_>, up: bool) -> Result<(), DbErr> {
    for (table, keys, tokens) in ROLLUPS {
        let coarse = table == "usage_feature_daily";
        m.drop_table(Table::drop().table(table).to_owned()).await?;
        m.create_table(rollup(table, keys, tokens, (up && !coarse, up && coarse)))
            .await?;
    }
    if up {
        let twin = rollup("usage_model_daily", FEATURE_KEY, true, (true, false));
        m.create_table(twin).await?;
    } else {
        m.drop_table(Table::drop().table("usage_model_daily").to_owned())
            .await?;
    }
    m.create_index(user_day_index()).await
}

/// Copies each event's model text into `models` and `usage_events.model_id`.
async fn intern_models(m: &SchemaManager<'_>) -> Result<(), DbErr> {
    let db = m.get_connection();
    db.execute_unprepared(
        "INSERT INTO models (organization_id, name) SELECT DISTINCT organization_id, model \
         FROM usage_events WHERE model IS NOT NULL",
    )
    .await?;
    db.execute_unprepared(
        "UPDATE usage_events SET model_id = (SELECT m.id FROM models m \
         WHERE m.organization_id = usage_events.organization_id AND m.name = usage_events.model) \
         WHERE model IS NOT NULL",
    )
    .await?;
    Ok(())
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.create_table(
            tenant_table(m.get_database_backend(), "models")
                .col(string("name"))
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("ux_models_name")
                .table("models")
                .col("organization_id")
                .col("name")
                .unique()
                .to_owned(),
        )
        .await?;
        let events = |t: &mut TableAlterStatement| t.table("usage_events").to_owned();
        m.alter_table(events(
            Table::alter().add_column(big_integer_null("model_id")),
        ))
        .await?;
        intern_models(m).await?;
        m.alter_table(events(Table::alter().drop_column("model")))
            .await?;
        rebuild_rollups(m, true).await
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        // The m0013 shapes come back; `server recalculate` refills the rollups.
        rebuild_rollups(m, false).await?;
        let events = |t: &mut TableAlterStatement| t.table("usage_events").to_owned();
        m.alter_table(events(Table::alter().add_column(string_null("model"))))
            .await?;
        let db = m.get_connection();
        db.execute_unprepared(
            "UPDATE usage_events SET model = (SELECT m.name FROM models m \
             WHERE m.id = usage_events.model_id) WHERE model_id IS NOT NULL",
        )
        .await?;
        m.alter_table(events(Table::alter().drop_column("model_id")))
            .await?;
        m.drop_table(Table::drop().table("models").to_owned()).await
    }
}
