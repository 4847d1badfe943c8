//! Paying online through the provider's hosted checkout (Stripe Checkout): the patient is sent
//! to a checkout session created here, and the provider's signed webhook marks the invoice paid,
//! once however often it is delivered.

use crate::actor::Actor;
use crate::audit::Outcome;
use crate::error::{AppError, AppResult};
use crate::policy::CaseSide;
use crate::stripe::{self, Event, StripeError};
use crate::App;
use domain::audit::AuditAction;
use domain::invoice::{Kind, Method};

/// What a webhook delivery did.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Delivery {
    /// The invoice is now paid.
    Paid,
    /// Delivered before, or an event that pays nothing: nothing changed.
    Nothing,
}

/// Why online payment could not start (shown as "paying online is not possible just now").
fn unavailable(e: StripeError) -> AppError {
    tracing::warn!(error = ?std::mem::discriminant(&e), "checkout could not be created");
    AppError::field("pay", "billing-online-unavailable")
}

impl App {
    /// Whether online card payment is set up.
    pub fn online_payments(&self) -> bool {
        self.inner.config.stripe.is_some()
    }

    /// Creates a checkout session for what the patient still owes on an issued invoice of theirs,
    /// and answers the provider's page to send them to.
    pub async fn pay_online(&self, actor: &Actor, id: &str) -> AppResult<String> {
        let Some(cfg) = self.inner.config.stripe.clone() else {
            return Err(AppError::NotFound);
        };
        let mut c = self.db().conn().await?;
        let (invoice, case) = self
            .invoice_as(&mut c, actor, id, CaseSide::Patient)
            .await?;
        let owed = invoice.outstanding();
        if invoice.kind != Kind::Invoice || owed <= 0 {
            return Err(AppError::field("pay", "billing-online-nothing"));
        }
        drop(c);
        let number = invoice.number.clone().unwrap_or_default();
        let description = crate::i18n::t_with(
            crate::i18n::Lang::default(),
            "billing-online-description",
            &[("number", number)],
        );
        let back = self.link(&format!("/portal/invoices/{id}"));
        let checkout = stripe::create_checkout(
            &cfg,
            &stripe::CheckoutRequest {
                invoice_id: &invoice.id,
                description: &description,
                amount_minor: owed,
                currency: &invoice.currency,
                success_url: &format!("{back}?paid=1"),
                cancel_url: &back,
                customer_email: Some(&case.patient.email),
            },
        )
        .await
        .map_err(unavailable)?;
        let mut tx = self.db().begin().await?;
        store::billing::record_checkout(
            &mut tx,
            &checkout.session_id,
            &invoice.id,
            owed,
            self.now(),
        )
        .await?;
        self.audit_in(
            &mut tx,
            actor,
            AuditAction::PaymentOnline,
            invoice.case.as_str(),
            &invoice.id,
            Outcome::Ok,
        )
        .await?;
        tx.commit().await?;
        Ok(checkout.url)
    }

    /// A webhook delivery from the provider: verified as the provider documents it (signature over
    /// the raw body, timestamp within tolerance); a paid checkout records the payment once, keyed
    /// by the checkout session (a redelivered event, or a second event for the same session, pays
    /// nothing more), and only in the invoice's currency.
    pub async fn stripe_webhook(&self, signature: &str, body: &[u8]) -> AppResult<Delivery> {
        let Some(cfg) = self.inner.config.stripe.clone() else {
            return Err(AppError::NotFound);
        };
        let event = stripe::verify_webhook(&cfg, signature, body, self.now()).map_err(|e| {
            tracing::warn!(error = ?std::mem::discriminant(&e), "webhook refused");
            AppError::field("signature", "billing-webhook-refused")
        })?;
        let Event::Paid {
            session_id,
            invoice_id,
            amount_minor,
            currency,
            ..
        } = event
        else {
            return Ok(Delivery::Nothing);
        };
        let mut tx = self.db().begin().await?;
        let Some(invoice) = store::billing::get(&mut tx, &invoice_id).await? else {
            return Ok(Delivery::Nothing);
        };
        if invoice.is_draft() || invoice.currency != currency || amount_minor <= 0 {
            return Err(AppError::field("signature", "billing-webhook-refused"));
        }
        let zone = store::practice::get(&mut tx)
            .await?
            .map(|d| d.time_zone)
            .unwrap_or_default();
        let today = self.now().to_zoned(crate::series::zone_of(&zone)).date();
        let paid = self
            .pay_in(
                &mut tx,
                &invoice,
                amount_minor,
                today,
                Method::Online,
                Some(&format!("stripe:{session_id}")),
                None,
            )
            .await?;
        if !paid {
            return Ok(Delivery::Nothing);
        }
        self.audit_as_in(
            &mut tx,
            "provider",
            "webhook",
            AuditAction::PaymentOnline,
            invoice.case.as_str(),
            &invoice.id,
            Outcome::Ok,
        )
        .await?;
        tx.commit().await?;
        Ok(Delivery::Paid)
    }
}
