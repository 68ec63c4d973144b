//! `faceauth url` and `faceauth inspect`.

use std::io::Write;
use std::process::ExitCode;

use anyhow::Context;
use clap::Args;
use faceauth::url::{AuthParams, Inspection, UnknownField, UrlBuilder, DEFAULT_BASE_URL};
use serde::ser::{SerializeMap, Serializer};
use serde::Serialize;
use serde_json::value::RawValue;
use serde_json::{json, Map, Value};

use crate::key::KeyArgs;

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

/// The encrypted fields of one link, shared by `url` and `tokens issue`.
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
        println!("{}", json!({ "url": url, "token": token }));
    } else {
        println!("{url}");
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
    let text = serde_json::to_string_pretty(&InspectionJson::new(&found, cipher.variant().id()))?;
    let mut out = std::io::stdout().lock();
    out.write_all(text.as_bytes())?;
    out.write_all(b"\n")?;
    Ok(ExitCode::SUCCESS)
}

/// The JSON form of an inspection: clear parts, the spec's parameters in spec order, the
/// payload's other keys apart under `unknown_fields` (values exactly as sent, big numbers
/// included), and how the ciphertext text was read.
#[derive(Serialize)]
struct InspectionJson<'a> {
    base_url: &'a str,
    pid: &'a str,
    lang: Option<&'a str>,
    variant: &'a str,
    params: Map<String, Value>,
    unknown_fields: UnknownFields<'a>,
    /// Escapes left after URL decoding were decoded: the URL was percent-encoded twice.
    percent_decoded: bool,
    spaces_as_plus: bool,
    whitespace_removed: bool,
}

impl<'a> InspectionJson<'a> {
    fn new(found: &'a Inspection, variant: &'a str) -> Self {
        let params = found
            .params
            .fields()
            .into_iter()
            .filter_map(|(key, value)| Some((key.to_owned(), Value::String(value?.to_owned()))))
            .collect();
        InspectionJson {
            base_url: &found.base_url,
            pid: &found.pid,
            lang: found.lang.as_deref(),
            variant,
            params,
            unknown_fields: UnknownFields(&found.unknown_fields),
            percent_decoded: found.normalization.percent_decoded,
            spaces_as_plus: found.normalization.spaces_as_plus,
            whitespace_removed: found.normalization.whitespace_removed,
        }
    }
}

/// Unknown payload keys as a JSON object whose values are written as their JSON text was sent
/// (a `Value` would round numbers beyond `f64`).
struct UnknownFields<'a>(&'a [UnknownField]);

impl Serialize for UnknownFields<'_> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut map = serializer.serialize_map(Some(self.0.len()))?;
        for field in self.0 {
            let raw: &RawValue = serde_json::from_str(&field.json).map_err(serde::ser::Error::custom)?;
            map.serialize_entry(&field.name, raw)?;
        }
        map.end()
    }
}
