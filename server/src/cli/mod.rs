//! The command line: the contract later work builds on.

mod rates;
mod setup;

use crate::{accounts, api_keys, config, demo, web};
use clap::{Parser, Subcommand};
use sea_orm::{DatabaseConnection, EntityTrait, PaginatorTrait};
use setup::{CatalogCommand, GrantCommand, PlatformKeyCommand, TeamCommand};

#[derive(Parser, Debug)]
#[command(
    name = "server",
    version,
    about = "Credit meter: usage ingest, credit ledger and usage dashboard"
)]
pub struct Cli {
    /// Database to use: `sqlite://path.db` or `postgres://user@host:port/db`.
    #[arg(long, env = "DATABASE_URL", default_value = config::DEFAULT_DATABASE_URL, global = true)]
    pub database_url: String,
    #[command(subcommand)]
    pub command: Option<Command>,
}

#[derive(Subcommand, Debug)]
pub enum Command {
    /// Serve the dashboard and the API (the default). Migrates first; seeds demo data into an
    /// empty database unless SEED_DEMO=0.
    Serve,
    /// Apply pending database migrations and exit.
    Migrate,
    /// Fill the database with the two demo organizations (acme, globex).
    SeedDemo {
        /// Events to generate over both organizations (~90 days).
        #[arg(long, default_value_t = demo::DEFAULT_EVENTS)]
        events: u64,
        /// Random seed: the same seed gives the same data.
        #[arg(long, default_value_t = 42)]
        seed: u64,
    },
    /// Rebuild every usage rollup from the raw events (shows progress).
    Recalculate {
        /// Only this organization (slug).
        #[arg(long)]
        org: Option<String>,
    },
    /// Create an organization (no demo data).
    Org {
        #[command(subcommand)]
        command: OrgCommand,
    },
    /// Create members that sign in with a password.
    User {
        #[command(subcommand)]
        command: UserCommand,
    },
    /// Manage API keys.
    ApiKey {
        #[command(subcommand)]
        command: ApiKeyCommand,
    },
    /// An organization's catalog: pools, categories, features, teams.
    Catalog {
        #[command(subcommand)]
        command: CatalogCommand,
    },
    /// Give credits by hand (promotional, allowance).
    Grant {
        #[command(subcommand)]
        command: GrantCommand,
    },
    /// An organization's teams.
    Team {
        #[command(subcommand)]
        command: TeamCommand,
    },
    /// Feature prices: what the meter rates unpriced events at.
    Rates {
        #[command(subcommand)]
        command: rates::RatesCommand,
    },
    /// Instance-wide keys for the platform API (provisioning organizations).
    PlatformKey {
        #[command(subcommand)]
        command: PlatformKeyCommand,
    },
}

#[derive(Subcommand, Debug)]
pub enum OrgCommand {
    Create {
        #[arg(long)]
        slug: String,
        #[arg(long)]
        name: String,
        /// IANA time zone of the organization's days and billing periods.
        #[arg(long, default_value = "UTC")]
        time_zone: String,
        /// Day of the month billing periods start (1–28).
        #[arg(long, default_value_t = 1)]
        anchor_day: u32,
        /// A catalog document (TOML) to apply to the new organization.
        #[arg(long)]
        catalog: Option<std::path::PathBuf>,
        /// Invite this owner: prints a one-time link to choose a password.
        #[arg(long)]
        owner_email: Option<String>,
    },
}

#[derive(Subcommand, Debug)]
pub enum UserCommand {
    /// Create a member; the password is read from standard input (one line).
    Create {
        /// Organization slug.
        #[arg(long)]
        org: String,
        #[arg(long)]
        email: String,
        #[arg(long)]
        name: String,
        /// owner, billing_admin, admin or member.
        #[arg(long, default_value = "owner")]
        role: String,
    },
}

#[derive(Subcommand, Debug)]
pub enum ApiKeyCommand {
    /// Create a key for an organization and print its secret (shown only once).
    Create {
        /// Organization slug, e.g. `acme`.
        #[arg(long)]
        org: String,
        /// A name to recognise the key by.
        #[arg(long)]
        name: String,
    },
}

pub async fn run(cli: Cli) -> anyhow::Result<()> {
    let config = config::Config::from_env().map_err(|e| anyhow::anyhow!(e))?;
    let url = cli.database_url.as_str();
    let connect = || crate::startup::connect_and_migrate(url);
    match cli.command.unwrap_or(Command::Serve) {
        Command::Serve => serve(url, config).await,
        Command::Migrate => {
            connect().await?;
            println!("migrations applied");
            Ok(())
        }
        Command::SeedDemo { events, seed: s } => {
            let db = connect().await?;
            if !is_empty(&db).await? {
                anyhow::bail!(
                    "the database already has organizations; seed-demo needs an empty database"
                );
            }
            seed(&db, events, s, true).await
        }
        Command::Recalculate { org } => recalculate(&connect().await?, org.as_deref()).await,
        Command::Org {
            command:
                OrgCommand::Create {
                    slug,
                    name,
                    time_zone,
                    anchor_day,
                    catalog,
                    owner_email,
                },
        } => {
            let new = crate::provision::NewOrganization {
                slug,
                name,
                time_zone: Some(time_zone),
                anchor_day: Some(anchor_day),
                catalog: catalog.as_deref().map(setup::read_catalog).transpose()?,
                owner_email,
                owner_name: None,
            };
            create_organization(&connect().await?, &config, &new).await
        }
        Command::Catalog { command } => setup::catalog(&connect().await?, command).await,
        Command::Grant { command } => setup::grant(&connect().await?, command).await,
        Command::Team { command } => setup::team(&connect().await?, command).await,
        Command::Rates { command } => rates::run(&connect().await?, command).await,
        Command::PlatformKey { command } => setup::platform_key(&connect().await?, command).await,
        Command::User {
            command:
                UserCommand::Create {
                    org,
                    email,
                    name,
                    role,
                },
        } => create_user(&connect().await?, &org, &email, &name, &role).await,
        Command::ApiKey {
            command: ApiKeyCommand::Create { org, name },
        } => create_api_key(&connect().await?, &org, &name).await,
    }
}

/// Migrates (and on an empty database seeds the demo, unless `SEED_DEMO=0`), then serves.
async fn serve(url: &str, config: config::Config) -> anyhow::Result<()> {
    let db = crate::startup::prepare(url, config.sqlite_synchronous, async |db| {
        if config.seed_demo && is_empty(db).await? {
            tracing::info!("empty database: seeding demo data");
            seed(db, demo::DEFAULT_EVENTS, 42, false).await?;
        }
        Ok(())
    })
    .await?;
    web::serve(db, config).await
}

fn failed(e: crate::error::Error) -> anyhow::Error {
    anyhow::anyhow!("{}", app::error::AppError::from(e))
}

async fn recalculate(db: &DatabaseConnection, org: Option<&str>) -> anyhow::Result<()> {
    let bar = indicatif::ProgressBar::new(0);
    bar.set_style(indicatif::ProgressStyle::with_template(
        "recalculating [{bar:40}] {pos}/{len} events ({per_sec}, {eta})",
    )?);
    let started = std::time::Instant::now();
    let n = crate::ingest::recalculate::recalculate(db, org, &bar)
        .await
        .map_err(failed)?;
    bar.finish_and_clear();
    println!(
        "rebuilt the rollups from {n} events in {:.1?}",
        started.elapsed()
    );
    Ok(())
}

async fn create_organization(
    db: &DatabaseConnection,
    config: &config::Config,
    new: &crate::provision::NewOrganization,
) -> anyhow::Result<()> {
    let actor = crate::audit::Actor::named("command line");
    let made = crate::provision::create_organization(db, new, &actor, chrono::Utc::now())
        .await
        .map_err(failed)?;
    println!("organization {} created", made.organization.slug);
    if let Some(report) = &made.catalog {
        setup::print_report(report);
    }
    if let Some((owner, token)) = &made.owner {
        let base = config
            .public_url
            .as_deref()
            .unwrap_or("http://127.0.0.1:3000");
        let url = crate::accounts::set_password_url(base, token);
        println!("{} chooses a password at {url}", owner.email);
    }
    Ok(())
}

/// A member with the password read from the first line of standard input.
async fn create_user(
    db: &DatabaseConnection,
    org: &str,
    email: &str,
    name: &str,
    role: &str,
) -> anyhow::Result<()> {
    let role = app::roles::Role::parse(role)
        .ok_or_else(|| anyhow::anyhow!("role must be owner, billing_admin, admin or member"))?;
    let org_row = setup::organization(db, org).await?;
    eprintln!("password (one line):");
    let mut password = String::new();
    std::io::stdin().read_line(&mut password)?;
    let password = password.trim_end_matches(['\r', '\n']);
    let now = chrono::Utc::now();
    let u = accounts::create_user(db, org_row.id, email, name, role, password, now)
        .await
        .map_err(failed)?;
    println!("user {} ({}) created in {org}", u.email, role.as_str());
    Ok(())
}

/// Prints the new key's secret alone on standard output (scripts read it from there).
async fn create_api_key(db: &DatabaseConnection, org: &str, name: &str) -> anyhow::Result<()> {
    let key = api_keys::create(db, org, name).await.map_err(failed)?;
    println!("{}", key.secret);
    eprintln!(
        "API key {} (prefix {}) created for {org}. Store it now: it is not shown again.",
        key.id, key.prefix
    );
    Ok(())
}

async fn is_empty(db: &DatabaseConnection) -> anyhow::Result<bool> {
    Ok(crate::entities::organization::Entity::find()
        .count(db)
        .await?
        == 0)
}

async fn seed(
    db: &DatabaseConnection,
    events: u64,
    seed: u64,
    progress: bool,
) -> anyhow::Result<()> {
    let mut opts = demo::DemoOptions::new(chrono::Utc::now());
    opts.events = events;
    opts.seed = seed;
    opts.progress = progress;
    let started = std::time::Instant::now();
    for s in demo::seed_demo(db, &opts).await? {
        println!(
            "{:<8} {:>10} events  {:>14} credits  {:>10} overage",
            s.slug,
            s.events,
            s.credits.display(),
            s.overage.display()
        );
    }
    println!("seeded in {:.1?}", started.elapsed());
    Ok(())
}
