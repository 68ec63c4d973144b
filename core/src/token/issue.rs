//! Issuing links: mint a token, record it in a ledger, and only then hand out the URL.

use std::borrow::Cow;
use std::collections::BTreeMap;
use std::time::SystemTime;

use super::ledger::{normalize, LedgerError, NewToken, TokenLedger};
use super::rule::TokenRule;
use super::TokenGenerator;
use crate::url::{AuthParams, UrlBuilder};
use crate::Error;

/// Fresh ids tried before a run of duplicates is reported (with 128 random bits, one
/// duplicate is already beyond belief; two in a row mean a broken random source).
const ATTEMPTS: usize = 3;

/// A link handed out by [`issue_url`] or [`LinkIssuer::issue`], recorded in the ledger. `Debug`
/// shows `url` without any credentials of its base URL.
#[derive(Clone, PartialEq, Eq)]
pub struct IssuedLink {
    /// The FaceAuth URL, carrying the token.
    pub url: String,
    /// The freshly minted token id.
    pub token: String,
    /// The rule the token was recorded under (durations to the millisecond).
    pub rule: TokenRule,
}

impl std::fmt::Debug for IssuedLink {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("IssuedLink")
            .field("url", &crate::url::redact_credentials(&self.url))
            .field("token", &self.token)
            .field("rule", &self.rule)
            .finish()
    }
}

impl IssuedLink {
    /// A JSON view for printing, as `faceauth ledger issue` prints each link:
    /// `{"url": …, "token": …, "rule": "count" | "time:SECONDS"}`.
    pub fn to_json(&self) -> serde_json::Value {
        serde_json::json!({ "url": self.url, "token": self.token, "rule": self.rule.to_string() })
    }
}

/// Issues many links through one ledger, reusing a [`TokenGenerator`] (see [`issue_url`]).
pub struct LinkIssuer<'a> {
    builder: &'a UrlBuilder,
    ledger: &'a dyn TokenLedger,
    generator: TokenGenerator,
}

impl std::fmt::Debug for LinkIssuer<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("LinkIssuer").field("pid", &self.builder.pid()).finish_non_exhaustive()
    }
}

impl<'a> LinkIssuer<'a> {
    /// An issuer of `builder`'s links, recording in `ledger`.
    pub fn new(builder: &'a UrlBuilder, ledger: &'a dyn TokenLedger) -> LinkIssuer<'a> {
        LinkIssuer { builder, ledger, generator: TokenGenerator::new() }
    }

    /// Issues one link, as [`issue_url`] does.
    ///
    /// # Errors
    /// As [`issue_url`].
    pub fn issue(
        &mut self,
        rule: TokenRule,
        params: &AuthParams<'_>,
        metadata: &BTreeMap<String, String>,
        now: SystemTime,
    ) -> Result<IssuedLink, Error> {
        if params.token.is_some() {
            return Err(LedgerError::InvalidField {
                field: "token",
                problem: "must be unset: issuing mints a fresh token",
            }
            .into());
        }
        let mut attempt = 1;
        loop {
            let token = self.generator.next_id()?;
            // Build first: bad parameters fail before anything is recorded.
            let url =
                self.builder.build(&AuthParams { token: Some(Cow::Borrowed(&token)), ..params.clone() })?;
            let new = NewToken {
                token_id: token.clone(),
                submission_id: params.sid.to_string(),
                rule,
                user_id: params.user_id.as_deref().map(str::to_owned),
                metadata: metadata.clone(),
            };
            match self.ledger.issue(&new, now) {
                Ok(()) => return Ok(IssuedLink { url, token, rule: normalize(rule) }),
                Err(LedgerError::TokenExists { .. }) if attempt < ATTEMPTS => attempt += 1,
                // The URL is dropped unseen: a link whose token is not recorded never leaves.
                Err(err) => return Err(err.into()),
            }
        }
    }
}

/// Mints a fresh token, records it in `ledger` (submission `params.sid`, user
/// `params.user_id`, `rule`, `metadata`, issued at `now`), and returns the URL `builder` makes
/// for `params` with that token, the token and its rule.
///
/// The URL is built before the token is recorded, so bad parameters record nothing; it is
/// returned only once the ledger has the token, so a failed write hands out no link. A
/// duplicate id (never expected from 128 random bits) is replaced by a new one.
///
/// ```
/// use std::collections::BTreeMap;
/// use std::time::SystemTime;
/// use faceauth::crypto::{Key, Scheme};
/// use faceauth::token::{issue_url, MemoryLedger, StateKind, TokenLedger, TokenRule};
/// use faceauth::url::{AuthParams, UrlBuilder};
///
/// let links = UrlBuilder::new("project-id", &Key::derive("api-key")?, Scheme::Ecb)?;
/// let ledger = MemoryLedger::new();
/// let now = SystemTime::now();
/// let link = issue_url(&links, &ledger, TokenRule::Count, &AuthParams::new("sub-1"), &BTreeMap::new(), now)?;
/// let status = ledger.status(&link.token, now)?.expect("recorded");
/// assert_eq!(status.state.kind(), StateKind::Unused);
/// # Ok::<(), faceauth::Error>(())
/// ```
///
/// # Errors
/// [`Error::Url`] for bad parameters; [`Error::Ledger`] if `params.token` is set
/// ([`LedgerError::InvalidField`]) or the ledger fails; [`Error::Token`] if the OS random
/// source fails.
pub fn issue_url(
    builder: &UrlBuilder,
    ledger: &dyn TokenLedger,
    rule: TokenRule,
    params: &AuthParams<'_>,
    metadata: &BTreeMap<String, String>,
    now: SystemTime,
) -> Result<IssuedLink, Error> {
    LinkIssuer::new(builder, ledger).issue(rule, params, metadata, now)
}
