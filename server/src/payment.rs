//! Taking payment for purchased credits. The built-in provider records an invoice-style
//! purchase (no card processing); a real one (Stripe, Paddle…) implements the same trait.

use crate::entities::organization;
use app::credits::Credits;
use async_trait::async_trait;
use chrono::{DateTime, Utc};
use std::sync::Arc;
use std::time::Duration;

#[derive(Clone, Debug)]
pub struct Payment {
    /// Stored as the purchase's status.
    pub status: crate::entities::purchase::PurchaseStatus,
    pub reference: String,
}

#[async_trait]
pub trait PaymentProvider: Send + Sync + 'static {
    /// Charges `price_cents` (minor units of the pool's currency) once per
    /// `idempotency_key`: charged again under the same key, a provider answers the first
    /// charge's outcome instead of paying twice.
    async fn charge(
        &self,
        org: &organization::Model,
        credits: Credits,
        price_cents: i64,
        idempotency_key: &str,
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
        idempotency_key: &str,
        now: DateTime<Utc>,
    ) -> Result<Payment, app::error::AppError> {
        // The same key, the same invoice number.
        use sha2::Digest;
        let tag = hex::encode(&sha2::Sha256::digest(idempotency_key)[..4]).to_uppercase();
        Ok(Payment {
            status: crate::entities::purchase::PurchaseStatus::Invoiced,
            reference: format!(
                "INV-{}-{}-{tag}",
                org.slug.to_uppercase(),
                now.format("%Y%m%d")
            ),
        })
    }
}

/// A provider whose charges wait at most `limit`: past it the charge answers 503 (the
/// provider may still complete it; a retry under the same key learns the outcome).
pub struct Bounded {
    pub inner: Arc<dyn PaymentProvider>,
    pub limit: Duration,
}

#[async_trait]
impl PaymentProvider for Bounded {
    async fn charge(
        &self,
        org: &organization::Model,
        credits: Credits,
        price_cents: i64,
        idempotency_key: &str,
        now: DateTime<Utc>,
    ) -> Result<Payment, app::error::AppError> {
        let charge = self
            .inner
            .charge(org, credits, price_cents, idempotency_key, now);
        tokio::time::timeout(self.limit, charge)
            .await
            .unwrap_or_else(|_| {
                let why = format!(
                    "the payment provider did not answer within {} s",
                    self.limit.as_secs_f64()
                );
                Err(app::error::AppError::unavailable(why, 5))
            })
    }
}
