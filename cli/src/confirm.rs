//! `webhook serve`: what a webhook must pass before the ledger sees it. By default each
//! `faceAuth` result is confirmed with Argos ([`faceauth::webhook::confirm`]) and recorded as
//! Argos returned it; `--unverified` applies webhooks as posted.

use std::time::Duration;

use faceauth::api::Client;
use faceauth::webhook::{ConfirmedEvent, Event};
use faceauth::ErrorKind;

/// How long one confirmation call may take (one attempt, no retry: the sender retries after a
/// 503), leaving room for the ledger within the 5 s a sender is promised.
pub const CONFIRM_TIMEOUT: Duration = Duration::from_secs(2);

/// The status of a refused webhook: it is well-formed but not confirmed, and a 4xx tells a
/// sender not to retry it.
pub const REFUSED: u16 = 422;

/// How webhooks are checked.
pub enum Verification {
    /// Confirmed with Argos through this client.
    Confirm(Box<Client>),
    /// `--unverified`: applied as posted.
    Unverified,
}

/// What goes to the ledger.
#[allow(clippy::large_enum_variant, reason = "one per request, moved once into the ledger call")]
pub enum Apply {
    /// `TokenLedger::apply_webhook`: with `--unverified`, or an event the ledger ignores anyway
    /// (another trigger, another service's expiry, a result without a token).
    AsPosted(Event),
    /// `TokenLedger::apply_confirmed`.
    Confirmed(ConfirmedEvent),
}

impl Apply {
    /// The event as the output line shows it: the confirmed one carries Argos's facts.
    pub fn to_json(&self) -> serde_json::Value {
        match self {
            Apply::AsPosted(event) => event.to_json(),
            Apply::Confirmed(confirmed) => confirmed.to_json(),
        }
    }
}

/// A webhook not applied: the HTTP status and why.
pub struct Refusal {
    pub status: u16,
    pub reason: String,
}

impl Verification {
    /// The client for confirmations: the API key and base URL, with [`CONFIRM_TIMEOUT`].
    pub fn confirm_with(api_key: &str, base_url: &str) -> anyhow::Result<Verification> {
        let client = Client::builder(api_key)
            .base_url(base_url)
            .connect_timeout(CONFIRM_TIMEOUT)
            .timeout(CONFIRM_TIMEOUT)
            .max_retries(0)
            .binding("cli")
            .build()?;
        Ok(Verification::Confirm(Box::new(client)))
    }

    /// The name `/healthz` gives the mode: `argos` or `unverified`.
    pub fn name(&self) -> &'static str {
        match self {
            Verification::Confirm(_) => "argos",
            Verification::Unverified => "unverified",
        }
    }

    /// Checks a parsed webhook; `encrypted_only` when a webhook key is configured. Blocks for
    /// one API call when a result is to be confirmed.
    ///
    /// Refusals: a plain body under a webhook key, or what [`faceauth::webhook::confirm`]
    /// refuses, is [`REFUSED`]; Argos unreachable (or refusing the API key) is 503, so the
    /// sender retries.
    pub fn check(&self, event: Event, encrypted_only: bool) -> Result<Apply, Refusal> {
        let Verification::Confirm(client) = self else { return Ok(Apply::AsPosted(event)) };
        if encrypted_only && !event.encrypted() {
            return Err(Refusal {
                status: REFUSED,
                reason: "a plain body, and this server has a webhook key: a project that encrypts its \
                         webhooks sends nothing in clear"
                    .to_owned(),
            });
        }
        if !faceauth::token::records_anything(&event) {
            return Ok(Apply::AsPosted(event));
        }
        match faceauth::webhook::confirm(&event, client) {
            Ok(confirmed) => Ok(Apply::Confirmed(confirmed)),
            Err(err) => match err.kind() {
                ErrorKind::WebhookUnconfirmed
                | ErrorKind::WebhookMismatch
                | ErrorKind::WebhookUnverifiable => {
                    Err(Refusal { status: REFUSED, reason: format!("refused: {err}") })
                }
                _ => Err(Refusal {
                    status: 503,
                    reason: format!("cannot confirm the webhook with Argos: {err}"),
                }),
            },
        }
    }
}
