//! `faceauth url` and `faceauth inspect`.

use std::process::ExitCode;

use anyhow::Context;
use clap::Args;
use faceauth::url::{AuthParams, UrlBuilder, DEFAULT_BASE_URL};
use serde_json::json;

use crate::key::KeyArgs;
use crate::output;

/// The project-level options shared by `url` and `batch`.
#[derive(Args)]
pub struct LinkArgs {
    /// The FaceAuth project id.
    #[arg(long)]
    pid: String,
    /// The hosted page's language (`ko`, `en`, …), added in clear as `lang=`.
    #[arg(long)]
    lang: Option<String>,
    /// Where the hosted FaceAuth page lives.
    #[arg(long, default_value = DEFAULT_BASE_URL, value_name = "URL")]
    base_url: String,
    #[command(flatten)]
    key: KeyArgs,
}

impl LinkArgs {
    /// The URL builder these options describe.
    pub fn builder(&self) -> anyhow::Result<UrlBuilder> {
        let mut builder = UrlBuilder::with_cipher(&self.pid, self.key.cipher()?)?.base_url(&self.base_url)?;
        if let Some(lang) = &self.lang {
            builder = builder.lang(lang)?;
        }
        Ok(builder)
    }
}

/// The encrypted fields of one link, shared by `url` and `ledger issue`.
#[derive(Args)]
pub struct ParamArgs {
    /// The approved ID check submission id.
    #[arg(long)]
    sid: String,
    /// Your id for the user (authUserId).
    #[arg(long)]
    user_id: Option<String>,
    /// Free extra field authCf1.
    #[arg(long)]
    cf1: Option<String>,
    /// Free extra field authCf2.
    #[arg(long)]
    cf2: Option<String>,
    /// Free extra field authCf3.
    #[arg(long)]
    cf3: Option<String>,
}

impl ParamArgs {
    /// The link's parameters, without a token.
    pub fn params(&self) -> AuthParams<'_> {
        AuthParams {
            sid: self.sid.as_str().into(),
            user_id: self.user_id.as_deref().map(Into::into),
            cf1: self.cf1.as_deref().map(Into::into),
            cf2: self.cf2.as_deref().map(Into::into),
            cf3: self.cf3.as_deref().map(Into::into),
            token: None,
        }
    }
}

#[derive(Args)]
pub struct UrlArgs {
    #[command(flatten)]
    link: LinkArgs,
    #[command(flatten)]
    params: ParamArgs,
    /// A token id that makes the link expire.
    #[arg(long, conflicts_with = "new_token")]
    token: Option<String>,
    /// Mint a fresh token id for this link.
    #[arg(long)]
    new_token: bool,
    /// Print {"url": …, "token": …} instead of the bare URL.
    #[arg(long)]
    json: bool,
}

pub fn url(args: UrlArgs) -> anyhow::Result<ExitCode> {
    let builder = args.link.builder()?;
    let token = match (args.token, args.new_token) {
        (Some(token), _) => Some(token),
        (None, true) => Some(faceauth::token::generate()?),
        (None, false) => None,
    };
    let params = AuthParams { token: token.as_deref().map(Into::into), ..args.params.params() };
    let url = builder.build(&params)?;
    if args.json {
        output::line(json!({ "url": url, "token": token }))?;
    } else {
        output::line(url)?;
    }
    Ok(ExitCode::SUCCESS)
}

#[derive(Args)]
pub struct InspectArgs {
    /// The FaceAuth URL (or its query string).
    url: String,
    #[command(flatten)]
    key: KeyArgs,
}

pub fn inspect(args: InspectArgs) -> anyhow::Result<ExitCode> {
    let cipher = args.key.cipher()?;
    let found = faceauth::url::inspect(&args.url, &cipher).context("cannot inspect the URL")?;
    output::line(serde_json::to_string_pretty(&found.to_json(cipher.variant().id()))?)?;
    Ok(ExitCode::SUCCESS)
}
