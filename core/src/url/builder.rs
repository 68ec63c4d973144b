use percent_encoding::{utf8_percent_encode, AsciiSet, NON_ALPHANUMERIC};

use super::params::check_text;
use super::{AuthParams, UrlError};
use crate::crypto::{Cipher, Key, Scheme, Variant};

/// Argos's hosted form host, where FaceAuth URLs point unless told otherwise.
pub const DEFAULT_BASE_URL: &str = "https://form.argosidentity.com";
/// The path of the hosted FaceAuth page under the base URL.
pub const PAGE_PATH: &str = "/face-auth";

/// Everything but RFC 3986's unreserved characters is percent-encoded.
pub(crate) const QUERY_VALUE: &AsciiSet =
    &NON_ALPHANUMERIC.remove(b'-').remove(b'.').remove(b'_').remove(b'~');

/// Builds FaceAuth URLs for one project: its key, its `pid`, a base URL and a language.
///
/// Make one per project (or per language) and reuse it: the key schedule and the URL prefix are
/// computed once, and [`UrlBuilder::build`] takes `&self`, so one builder serves many threads.
///
/// ```
/// use faceauth::crypto::{Key, Scheme};
/// use faceauth::url::{AuthParams, UrlBuilder};
///
/// let key = Key::derive("0123456789abcdefghijABCDEFGHIJ0123456789")?;
/// let links = UrlBuilder::new("pid-1", &key, Scheme::Ecb)?.lang("ko")?;
/// let url = links.build(&AuthParams::new("abc123xyz").user_id("user-1").token("tok_abc12345"))?;
/// assert_eq!(
///     url,
///     "https://form.argosidentity.com/face-auth?pid=pid-1&encrypted=Xvg7uxPli%2FO9VuUW0jaEfCW8iRe\
///      fWOY6DTH9eqQuWVdcOAJuFcKlHSxqds6WHAJCXtdicWVYGEnRpaFqAcrvXNLZYkpCg04dO4YFimGWuF8%3D&lang=ko"
/// );
/// # Ok::<(), faceauth::Error>(())
/// ```
#[derive(Clone)]
pub struct UrlBuilder {
    cipher: Cipher,
    base_url: String,
    pid: String,
    lang: Option<String>,
    /// `{base}/face-auth?pid={pid}&encrypted=`, kept ready.
    prefix: String,
}

/// Shows the cipher as `Cipher` does (no key) and the base URL without its credentials.
impl std::fmt::Debug for UrlBuilder {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("UrlBuilder")
            .field("cipher", &self.cipher)
            .field("base_url", &super::redact_credentials(&self.base_url))
            .field("pid", &self.pid)
            .field("lang", &self.lang)
            .finish_non_exhaustive()
    }
}

impl UrlBuilder {
    /// A builder for project `pid`, with `key` and the default variant of `scheme`, pointing at
    /// [`DEFAULT_BASE_URL`].
    ///
    /// # Errors
    /// [`UrlError::EmptyField`] or [`UrlError::ControlCharacter`] for a bad `pid`.
    pub fn new(pid: &str, key: &Key, scheme: Scheme) -> Result<UrlBuilder, UrlError> {
        UrlBuilder::with_cipher(pid, Cipher::new(key, scheme))
    }

    /// A builder for project `pid` that encrypts with `cipher` (any [`Variant`]).
    ///
    /// # Errors
    /// As [`UrlBuilder::new`].
    pub fn with_cipher(pid: &str, cipher: Cipher) -> Result<UrlBuilder, UrlError> {
        check_text("pid", pid)?;
        let mut builder = UrlBuilder {
            cipher,
            base_url: DEFAULT_BASE_URL.to_owned(),
            pid: pid.to_owned(),
            lang: None,
            prefix: String::new(),
        };
        builder.refresh_prefix();
        Ok(builder)
    }

    /// Points URLs at another host (a staging form, or the local simulator). A trailing `/`
    /// is dropped; a path is kept.
    ///
    /// # Errors
    /// [`UrlError::InvalidBaseUrl`] unless it is an absolute `http://` or `https://` URL with a
    /// host and no query, fragment, whitespace or control characters.
    pub fn base_url(mut self, base_url: &str) -> Result<UrlBuilder, UrlError> {
        let invalid = |reason| UrlError::InvalidBaseUrl { reason };
        let lower = base_url.to_ascii_lowercase();
        let rest = ["https://", "http://"]
            .iter()
            .find_map(|scheme| lower.strip_prefix(scheme))
            .ok_or(invalid("it must start with https:// or http://"))?;
        if rest.is_empty() || rest.starts_with('/') {
            return Err(invalid("it has no host"));
        }
        if base_url.chars().any(|c| c.is_whitespace() || c.is_control()) {
            return Err(invalid("it contains whitespace or a control character"));
        }
        if base_url.contains(['?', '#']) {
            return Err(invalid("it must not have a query or fragment"));
        }
        self.base_url = base_url.trim_end_matches('/').to_owned();
        self.refresh_prefix();
        Ok(self)
    }

    /// Adds `&lang=…` to every URL (the hosted page's language, such as `ko` or `en`).
    ///
    /// # Errors
    /// [`UrlError::InvalidLang`] unless it is 1–35 letters, digits, `-` or `_`.
    pub fn lang(mut self, lang: &str) -> Result<UrlBuilder, UrlError> {
        let ok = (1..=35).contains(&lang.len())
            && lang.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_');
        if !ok {
            return Err(UrlError::InvalidLang);
        }
        self.lang = Some(lang.to_owned());
        Ok(self)
    }

    /// The cipher URLs are encrypted with (also what [`inspect`](super::inspect) needs).
    pub fn cipher(&self) -> &Cipher {
        &self.cipher
    }

    /// The encryption variant in use.
    pub fn variant(&self) -> Variant {
        self.cipher.variant()
    }

    /// The project id.
    pub fn pid(&self) -> &str {
        &self.pid
    }

    /// Builds the URL for one user.
    ///
    /// # Errors
    /// [`UrlError`] for an empty `sid`, a control character in any field or an invalid token
    /// id; [`UrlError::Crypto`] if the OS random source fails (CBC and GCM).
    pub fn build(&self, params: &AuthParams<'_>) -> Result<String, UrlError> {
        let mut url = String::with_capacity(self.prefix.len() + 240);
        self.build_to(params, &mut url)?;
        Ok(url)
    }

    /// Builds the URL for one user and appends it to `out`, for loops that reuse a buffer.
    ///
    /// # Errors
    /// As [`UrlBuilder::build`]; `out` is unchanged on error.
    pub fn build_to(&self, params: &AuthParams<'_>, out: &mut String) -> Result<(), UrlError> {
        params.validate()?;
        // One buffer serves the JSON, its padding or tag, and the encryption in place.
        let mut buf = Vec::with_capacity(192 + self.cipher.overhead());
        params.write_json(&mut buf);
        let sealed = self.cipher.seal_vec(buf, None)?;

        out.push_str(&self.prefix);
        self.cipher.variant().text_encoding().encode_query_into(&sealed, out);
        if let Some(lang) = &self.lang {
            out.push_str("&lang=");
            out.push_str(lang);
        }
        Ok(())
    }

    fn refresh_prefix(&mut self) {
        self.prefix = format!(
            "{}{PAGE_PATH}?pid={}&encrypted=",
            self.base_url,
            utf8_percent_encode(&self.pid, QUERY_VALUE)
        );
    }
}
