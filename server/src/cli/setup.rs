//! The commands that describe a product and provision its customers: catalogs, grants,
//! teams and platform keys. Each goes through the same code as the REST API and the UI.

use crate::audit::Actor;
use crate::entities::organization;
use crate::error::Error;
use crate::grants::{self, NewGrant};
use app::catalog::TeamDoc;
use app::error::AppError;
use clap::Subcommand;
use sea_orm::{DatabaseConnection, TransactionTrait};

#[derive(Subcommand, Debug)]
pub enum CatalogCommand {
    /// Apply a catalog document (TOML) to an organization: idempotent; prints what changed.
    Apply {
        /// Organization slug.
        #[arg(long)]
        org: String,
        /// The catalog file (see server/demo/acme.toml).
        file: std::path::PathBuf,
        /// Print the plan, change nothing.
        #[arg(long)]
        dry_run: bool,
    },
    /// Print an organization's catalog as a TOML document.
    Show {
        #[arg(long)]
        org: String,
    },
}

#[derive(Subcommand, Debug)]
pub enum GrantCommand {
    /// Give promotional credits or an allowance to a pool; usable at once.
    Add {
        #[arg(long)]
        org: String,
        /// Pool key, e.g. ai_credits.
        #[arg(long)]
        pool: String,
        /// Credits, a decimal with at most 3 decimals.
        #[arg(long)]
        credits: String,
        /// promotional, allowance, adjustment or debit (corrections need --description).
        #[arg(long)]
        kind: String,
        /// RFC 3339 time the grant expires (default: never).
        #[arg(long)]
        expires: Option<String>,
        /// 0–1000; lower burns first (default 20 promotional, 10 allowance).
        #[arg(long)]
        priority: Option<i32>,
        #[arg(long)]
        description: Option<String>,
    },
}

#[derive(Subcommand, Debug)]
pub enum TeamCommand {
    /// Add a team (or rename the team with this key).
    Add {
        #[arg(long)]
        org: String,
        /// Immutable id, e.g. sales.
        #[arg(long)]
        key: String,
        #[arg(long)]
        name: String,
    },
}

#[derive(Subcommand, Debug)]
pub enum PlatformKeyCommand {
    /// Create an instance-wide key for the platform API and print its secret once.
    Create {
        #[arg(long)]
        name: String,
    },
    /// List platform keys (prefix, name, created, revoked).
    List,
    /// Revoke the key with this prefix.
    Revoke {
        #[arg(long)]
        prefix: String,
    },
}

fn cli_actor() -> Actor {
    Actor::named("command line")
}

fn fail(e: impl Into<Error>) -> anyhow::Error {
    anyhow::anyhow!("{}", AppError::from(e.into()))
}

pub async fn organization(
    db: &DatabaseConnection,
    slug: &str,
) -> anyhow::Result<organization::Model> {
    crate::store::organizations::by_slug(db, slug)
        .await
        .map_err(fail)
}

/// Reads a catalog file; a problem names the file, the line and the key.
pub fn read_catalog(file: &std::path::Path) -> anyhow::Result<app::catalog::CatalogDoc> {
    let text =
        std::fs::read_to_string(file).map_err(|e| anyhow::anyhow!("{}: {e}", file.display()))?;
    crate::catalog::parse_toml(&text).map_err(|e| anyhow::anyhow!("{}: {e}", file.display()))
}

pub fn print_report(report: &app::catalog::CatalogReport) {
    for line in report.lines() {
        println!("{line}");
    }
}

pub async fn catalog(db: &DatabaseConnection, command: CatalogCommand) -> anyhow::Result<()> {
    match command {
        CatalogCommand::Apply { org, file, dry_run } => {
            let doc = read_catalog(&file)?;
            let org = organization(db, &org).await?;
            let txn = db.begin().await?;
            let report =
                crate::catalog::apply(&txn, &org, &doc, dry_run, &cli_actor(), chrono::Utc::now())
                    .await
                    .map_err(fail)?;
            txn.commit().await?;
            print_report(&report);
        }
        CatalogCommand::Show { org } => {
            let org = organization(db, &org).await?;
            let doc = crate::catalog::show(db, org.id).await.map_err(fail)?;
            print!("{}", toml::to_string(&doc)?);
        }
    }
    Ok(())
}

pub async fn grant(db: &DatabaseConnection, command: GrantCommand) -> anyhow::Result<()> {
    let GrantCommand::Add {
        org,
        pool,
        credits,
        kind,
        expires,
        priority,
        description,
    } = command;
    let org = organization(db, &org).await?;
    let credits = app::credits::Credits::parse(&credits)
        .map_err(|e| anyhow::anyhow!("invalid credits: {e}"))?;
    let expires_at = match expires {
        Some(t) => Some(
            chrono::DateTime::parse_from_rfc3339(&t)
                .map_err(|_| anyhow::anyhow!("invalid expires: must be an RFC 3339 time"))?
                .to_utc(),
        ),
        None => None,
    };
    let new = NewGrant {
        pool,
        kind,
        credits,
        expires_at,
        priority,
        description,
    };
    let now = chrono::Utc::now();
    let txn = db.begin().await?;
    let (g, p) = grants::add(&txn, org.id, &new, now).await.map_err(fail)?;
    let detail = format!(
        "{} {} credits to {}",
        g.kind,
        credits.to_decimal_string(),
        p.key
    );
    crate::audit::record(&txn, org.id, &cli_actor(), "add_grant", &detail, now)
        .await
        .map_err(fail)?;
    txn.commit().await?;
    println!("grant {} added: {detail}", g.id);
    Ok(())
}

pub async fn team(db: &DatabaseConnection, command: TeamCommand) -> anyhow::Result<()> {
    let TeamCommand::Add { org, key, name } = command;
    let org = organization(db, &org).await?;
    let txn = db.begin().await?;
    let report = crate::catalog::store::edit(&txn, &org, &cli_actor(), chrono::Utc::now(), |doc| {
        doc.teams.retain(|t| t.key != key);
        doc.teams.push(TeamDoc {
            key: key.clone(),
            name: name.clone(),
        });
    })
    .await
    .map_err(fail)?;
    txn.commit().await?;
    print_report(&report);
    Ok(())
}

pub async fn platform_key(
    db: &DatabaseConnection,
    command: PlatformKeyCommand,
) -> anyhow::Result<()> {
    let now = chrono::Utc::now();
    match command {
        PlatformKeyCommand::Create { name } => {
            let key = crate::platform_keys::create(db, &name, now)
                .await
                .map_err(fail)?;
            println!("{}", key.secret);
            eprintln!(
                "platform key {} created. Store it now: it is not shown again.",
                key.prefix
            );
        }
        PlatformKeyCommand::List => {
            for k in crate::platform_keys::list(db).await.map_err(fail)? {
                let state = k
                    .revoked_at
                    .map_or("live".to_string(), |t| format!("revoked {t}"));
                println!(
                    "{}  {:<24} created {}  {state}",
                    k.prefix, k.name, k.created_at
                );
            }
        }
        PlatformKeyCommand::Revoke { prefix } => {
            crate::platform_keys::revoke(db, &prefix, now)
                .await
                .map_err(fail)?;
            println!("platform key {prefix} revoked");
        }
    }
    Ok(())
}
