//! `server rates set|list`: an organization's rate versions from the command line, through
//! the same service as `PUT /api/v1/rates/{feature}`.

use super::setup::organization;
use crate::rates::{self, RateInput, RateOut};
use clap::Subcommand;
use sea_orm::DatabaseConnection;

#[derive(Subcommand, Debug)]
pub enum RatesCommand {
    /// Add a version of a feature's price, from now (or --from, not in the past). Each price
    /// is a decimal in credits (at most 9 decimals); omitted parts are 0.
    Set {
        #[arg(long)]
        org: String,
        /// Feature key.
        #[arg(long)]
        feature: String,
        /// The model this price is for (default: any model).
        #[arg(long)]
        model: Option<String>,
        #[arg(long)]
        per_unit: Option<String>,
        #[arg(long = "per-1k-input-tokens")]
        per_1k_input_tokens: Option<String>,
        #[arg(long = "per-1k-output-tokens")]
        per_1k_output_tokens: Option<String>,
        #[arg(long = "per-1k-cached-input-tokens")]
        per_1k_cached_input_tokens: Option<String>,
        /// The least an event is rated at.
        #[arg(long)]
        minimum: Option<String>,
        /// RFC 3339 time the version takes effect (default now).
        #[arg(long)]
        from: Option<String>,
    },
    /// Every feature's price versions.
    List {
        #[arg(long)]
        org: String,
    },
}

fn line(r: &RateOut) -> String {
    format!(
        "{}\t{}\tfrom {}\tunit {}\tin/1k {}\tout/1k {}\tcached/1k {}\tmin {}",
        r.feature,
        r.model.as_deref().unwrap_or("*"),
        r.effective_from.to_rfc3339(),
        r.per_unit,
        r.per_1k_input_tokens,
        r.per_1k_output_tokens,
        r.per_1k_cached_input_tokens,
        r.minimum
    )
}

pub async fn run(db: &DatabaseConnection, command: RatesCommand) -> anyhow::Result<()> {
    match command {
        RatesCommand::List { org } => {
            let org = organization(db, &org).await?;
            for r in rates::list(db, org.id).await.map_err(super::failed)? {
                println!("{}", line(&r));
            }
        }
        RatesCommand::Set {
            org,
            feature,
            model,
            per_unit,
            per_1k_input_tokens,
            per_1k_output_tokens,
            per_1k_cached_input_tokens,
            minimum,
            from,
        } => {
            let org = organization(db, &org).await?;
            let effective_from = match from {
                Some(t) => Some(
                    chrono::DateTime::parse_from_rfc3339(&t)
                        .map_err(|_| anyhow::anyhow!("invalid from: must be an RFC 3339 time"))?
                        .to_utc(),
                ),
                None => None,
            };
            let input = RateInput {
                feature,
                model,
                effective_from,
                per_unit,
                per_1k_input_tokens,
                per_1k_output_tokens,
                per_1k_cached_input_tokens,
                minimum,
            };
            let r = rates::set(db, org.id, &input, chrono::Utc::now())
                .await
                .map_err(super::failed)?;
            println!("{}", line(&r));
        }
    }
    Ok(())
}
