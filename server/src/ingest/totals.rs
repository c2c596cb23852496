//! Each organization's lifetime usage totals, and the cap that keeps every sum of its usage
//! inside 64 bits. Per event, credits, quantity and tokens are bounded (`validate`); the
//! organization's lifetime total of each is bounded here, so a rollup row, a page's total
//! or a period comparison — each a sum of part of one organization's usage — cannot
//! overflow, and an event that would pass the cap is refused on its own (400, naming its
//! field) instead of failing a later batch.

use super::validate::ValidEvent;
use crate::entities::{organization, usage_event};
use crate::error::Result;
use app::ids::OrgId;
use sea_orm::sea_query::{Expr, ExprTrait};
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter};

/// A quarter of the 64-bit range: 2.3 × 10¹⁵ credits, 2.3 × 10¹⁸ units or tokens.
pub const CAP: i64 = i64::MAX / 4;

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Totals {
    pub credits_milli: i64,
    pub quantity: i64,
    pub tokens: i64,
}

impl Totals {
    pub fn of(org: &organization::Model) -> Self {
        Totals {
            credits_milli: org.lifetime_credits_milli,
            quantity: org.lifetime_quantity,
            tokens: org.lifetime_tokens,
        }
    }

    /// With one more event; `Err(field)` names the total that would pass the cap.
    pub fn with(self, e: &ValidEvent) -> Result<Totals, &'static str> {
        let add =
            |total: i64, v: i64, field| total.checked_add(v).filter(|t| *t <= CAP).ok_or(field);
        let tokens = e
            .input_tokens
            .unwrap_or(0)
            .checked_add(e.output_tokens.unwrap_or(0))
            .ok_or("input_tokens")?;
        Ok(Totals {
            credits_milli: add(self.credits_milli, e.credits.0, "credits")?,
            quantity: add(self.quantity, e.quantity, "quantity")?,
            tokens: add(self.tokens, tokens, "input_tokens")?,
        })
    }

    /// What `self` has more than `before`.
    pub fn since(self, before: Totals) -> Totals {
        Totals {
            credits_milli: self.credits_milli - before.credits_milli,
            quantity: self.quantity - before.quantity,
            tokens: self.tokens - before.tokens,
        }
    }
}

/// Adds `added` to the organization's stored totals (under its ingest lock).
pub async fn add<C: ConnectionTrait>(db: &C, org_id: OrgId, added: Totals) -> Result<()> {
    if added == Totals::default() {
        return Ok(());
    }
    use organization::Column as C;
    organization::Entity::update_many()
        .col_expr(
            C::LifetimeCreditsMilli,
            Expr::col(C::LifetimeCreditsMilli).add(added.credits_milli),
        )
        .col_expr(
            C::LifetimeQuantity,
            Expr::col(C::LifetimeQuantity).add(added.quantity),
        )
        .col_expr(
            C::LifetimeTokens,
            Expr::col(C::LifetimeTokens).add(added.tokens),
        )
        .filter(C::Id.eq(org_id))
        .exec(db)
        .await?;
    Ok(())
}

/// Sets the stored totals to what the organization's raw events add up to (after events
/// were written in bulk, or a rebuild).
pub async fn recount<C: ConnectionTrait>(db: &C, org_id: OrgId) -> Result<()> {
    use organization::Column as C;
    use sea_orm::{FromQueryResult, QuerySelect};
    use usage_event::Column as E;
    #[derive(FromQueryResult)]
    struct Sums {
        credits: Option<i64>,
        quantity: Option<i64>,
        tokens: Option<i64>,
    }
    let sum = |e: Expr| e.sum().cast_as("BIGINT");
    let tokens =
        Expr::expr(Expr::col(E::InputTokens).if_null(0)).add(Expr::col(E::OutputTokens).if_null(0));
    let sums = usage_event::Entity::find()
        .select_only()
        .expr_as(sum(Expr::col(E::CreditsMilli)), "credits")
        .expr_as(sum(Expr::col(E::Quantity)), "quantity")
        .expr_as(sum(tokens), "tokens")
        .filter(E::OrganizationId.eq(org_id))
        .into_model::<Sums>()
        .one(db)
        .await?;
    let z = |v: Option<i64>| v.unwrap_or(0);
    let (credits, quantity, tokens) =
        sums.map_or((0, 0, 0), |s| (z(s.credits), z(s.quantity), z(s.tokens)));
    organization::Entity::update_many()
        .col_expr(C::LifetimeCreditsMilli, Expr::value(credits))
        .col_expr(C::LifetimeQuantity, Expr::value(quantity))
        .col_expr(C::LifetimeTokens, Expr::value(tokens))
        .filter(C::Id.eq(org_id))
        .exec(db)
        .await?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use app::credits::Credits;

    fn event(credits: i64, quantity: i64, tokens: i64) -> ValidEvent {
        ValidEvent {
            batch: 0,
            index: 0,
            id: "e".into(),
            at: chrono::Utc::now(),
            feature: "f".into(),
            pool: None,
            user: None,
            source: None,
            action: None,
            company: None,
            credits: Credits(credits),
            priced_by_sender: true,
            quantity,
            input_tokens: Some(tokens),
            output_tokens: Some(tokens),
            cached_input_tokens: None,
            model: None,
            metadata: None,
        }
    }

    #[test]
    fn each_total_stops_at_the_cap_and_names_its_field() {
        let near = Totals {
            credits_milli: CAP - 5,
            quantity: CAP - 5,
            tokens: CAP - 10,
        };
        assert!(near.with(&event(5, 5, 5)).is_ok(), "up to the cap itself");
        assert_eq!(near.with(&event(6, 0, 0)), Err("credits"));
        assert_eq!(near.with(&event(0, 6, 0)), Err("quantity"));
        assert_eq!(near.with(&event(0, 0, 6)), Err("input_tokens"));
        let full = Totals {
            credits_milli: i64::MAX,
            ..near
        };
        assert_eq!(full.with(&event(1, 0, 0)), Err("credits"), "no overflow");
    }
}
