//! Webhook parsing (filled in by issue 3).

mod error;

pub use error::WebhookError;
