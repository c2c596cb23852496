//! Taking payment for purchased credits. The built-in provider records an invoice-style
//! purchase (no card processing); a real one (Stripe, Paddle…) implements the same trait.

use crate::entities::organization;
use app::credits::Credits;
use async_trait::async_trait;
use chrono::{DateTime, Utc};

pub struct Payment {
    /// `invoiced`, `paid`…: stored as the purchase's status.
    pub status: String,
    pub reference: String,
}

#[async_trait]
pub trait PaymentProvider: Send + Sync + 'static {
    async fn charge(
        &self,
        org: &organization::Model,
        credits: Credits,
        price_cents: i64,
        now: DateTime<Utc>,
    ) -> Result<Payment, app::error::AppError>;
}

/// Bills on invoice: the purchase is recorded at once as `invoiced`.
pub struct InvoiceProvider;

#[async_trait]
impl PaymentProvider for InvoiceProvider {
    async fn charge(
        &self,
        org: &organization::Model,
        _credits: Credits,
        _price_cents: i64,
        now: DateTime<Utc>,
    ) -> Result<Payment, app::error::AppError> {
        Ok(Payment {
            status: "invoiced".into(),
            reference: format!(
                "INV-{}-{}",
                org.slug.to_uppercase(),
                now.format("%Y%m%d%H%M%S")
            ),
        })
    }
}
