use percent_encoding::{utf8_percent_encode, AsciiSet, NON_ALPHANUMERIC};

use super::params::{check_text, JsonError};
use super::{AuthParams, UrlError};
use crate::crypto::{Cipher, CryptoError, IvFrom, Key, NonceSource, Scheme, Variant};

/// A payload that fits here is written and sealed in a stack buffer of this size, and its text
/// written in a second one (`build_bytes_with` writes it straight into the caller's buffer, in
/// room cleared for its length only); a larger one in heap buffers of its bound's size
/// (`AuthParams::json_bound`). Both arrays are zeroed for every URL, which keeps core free of
/// per-thread state: 256 bytes take values up to ~110 bytes in all.
const STACK_PAYLOAD: usize = 256;
/// The text's stack buffer: room for the base64 of ~140 sealed bytes with a few escaped
/// symbols (`%2B`, `%2F`, `%3D`), not for the worst case, where every symbol is escaped
/// (`TextEncoding::query_room`, 1,071 bytes for a full stack payload); a text that may not
/// fit is written again on the heap. At 256 bytes the compiler zeroes it inline; zeroing the
/// worst case's room was a `memset` call, ~55 instructions a URL.
const STACK_TEXT: usize = 256;

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
    /// `&lang={lang}`, or empty.
    suffix: String,
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
            suffix: String::new(),
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
        self.suffix = format!("&lang={lang}");
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

    /// The text every URL starts with (the base URL, the page's path, `pid`, up to
    /// `encrypted=`) and ends with (`&lang=…`, or nothing). A URL is these two around the
    /// ciphertext, percent-encoded for a query value: ASCII letters, digits, `-`, `.`, `_`,
    /// `~` and `%XX` only.
    pub fn fixed_parts(&self) -> (&str, &str) {
        (&self.prefix, &self.suffix)
    }

    /// Builds the URL for one user.
    ///
    /// # Errors
    /// [`UrlError`] for an empty `sid`, a control character in any field or an invalid token
    /// id; [`UrlError::Crypto`] if the OS random source fails (CBC and GCM).
    pub fn build(&self, params: &AuthParams<'_>) -> Result<String, UrlError> {
        self.encoded(params, IvFrom::Os, |text| {
            // One allocation, of the URL's exact size.
            let mut url = String::with_capacity(self.prefix.len() + text.len() + self.suffix.len());
            url.push_str(&self.prefix);
            url.push_str(text);
            url.push_str(&self.suffix);
            url
        })
    }

    /// Builds the URL for one user and appends it to `out`, for loops that reuse a buffer.
    ///
    /// # Errors
    /// As [`UrlBuilder::build`]; `out` is unchanged on error.
    pub fn build_to(&self, params: &AuthParams<'_>, out: &mut String) -> Result<(), UrlError> {
        self.encoded(params, IvFrom::Os, |text| self.append(text, out))
    }

    /// As [`UrlBuilder::build_to`], drawing the IV or nonce (CBC and GCM) from `nonces`: what a
    /// bulk job calls, with one [`NonceSource`] per call or batch (see there), so that the OS
    /// random source is read once per block of URLs instead of once per URL.
    ///
    /// # Errors
    /// As [`UrlBuilder::build`]; `out` is unchanged on error.
    pub fn build_with(
        &self,
        params: &AuthParams<'_>,
        nonces: &mut NonceSource,
        out: &mut String,
    ) -> Result<(), UrlError> {
        self.encoded(params, IvFrom::Source(nonces), |text| self.append(text, out))
    }

    /// As [`UrlBuilder::build_with`], appending the URL's bytes (ASCII) to `out`: for a job
    /// that writes URLs into a byte buffer, the text is not checked for UTF-8 on the way.
    ///
    /// # Errors
    /// As [`UrlBuilder::build`]; `out` is unchanged on error.
    pub fn build_bytes_with(
        &self,
        params: &AuthParams<'_>,
        nonces: &mut NonceSource,
        out: &mut Vec<u8>,
    ) -> Result<(), UrlError> {
        let encoding = self.cipher.variant().text_encoding();
        let (mut stack, mut heap) = ([0u8; STACK_PAYLOAD], Vec::new());
        let sealed = self.sealed(params, IvFrom::Source(nonces), &mut stack, &mut heap)?;
        // The text is written in place, into room cleared for this ciphertext's length.
        let room = encoding.query_room(sealed.len());
        let start = out.len();
        out.reserve(self.prefix.len() + room + self.suffix.len());
        out.extend_from_slice(self.prefix.as_bytes());
        let at = out.len();
        out.resize(at + room, 0);
        // `query_room` always fits: never `None`.
        let Some(len) = encoding.write_query(sealed, &mut out[at..]) else {
            out.truncate(start);
            return Err(UrlError::Crypto(CryptoError::BadPadding));
        };
        out.truncate(at + len);
        out.extend_from_slice(self.suffix.as_bytes());
        Ok(())
    }

    /// Builds the URL of every row, in order, reading the OS random source once per block of
    /// URLs (a [`NonceSource`] made for this call and dropped with it).
    ///
    /// # Errors
    /// The first failing row's index (counted from 0) and its error, as [`UrlBuilder::build`]
    /// gives it; no URL is returned then.
    pub fn build_many<'p>(
        &self,
        rows: impl IntoIterator<Item = &'p AuthParams<'p>>,
    ) -> Result<Vec<String>, (usize, UrlError)> {
        let mut nonces = NonceSource::new();
        let rows = rows.into_iter();
        let mut urls = Vec::with_capacity(rows.size_hint().0);
        for (index, params) in rows.enumerate() {
            let url = self.encoded(params, IvFrom::Source(&mut nonces), |text| {
                let mut url = String::with_capacity(self.prefix.len() + text.len() + self.suffix.len());
                self.append(text, &mut url);
                url
            });
            urls.push(url.map_err(|e| (index, e))?);
        }
        Ok(urls)
    }

    #[inline]
    fn append(&self, text: &str, out: &mut String) {
        out.reserve(self.prefix.len() + text.len() + self.suffix.len());
        out.push_str(&self.prefix);
        out.push_str(text);
        out.push_str(&self.suffix);
    }

    /// Checks the parameters, writes their JSON payload, encrypts it and hands `f` the
    /// ciphertext, base64- and percent-encoded. The payload, the encryption (in place) and the
    /// text use two stack buffers when they fit (values up to ~110 bytes in all), so nothing is
    /// allocated but what `f` makes.
    fn encoded<R>(
        &self,
        params: &AuthParams<'_>,
        iv: IvFrom<'_>,
        f: impl FnOnce(&str) -> R,
    ) -> Result<R, UrlError> {
        let encoding = self.cipher.variant().text_encoding();
        let (mut stack, mut heap) = ([0u8; STACK_PAYLOAD], Vec::new());
        let (mut text, mut heap_text) = ([0u8; STACK_TEXT], Vec::new());
        let sealed = self.sealed(params, iv, &mut stack, &mut heap)?;
        let (text, len) = match encoding.write_query(sealed, &mut text) {
            Some(len) => (&text[..], len),
            None => {
                heap_text.resize(encoding.query_room(sealed.len()), 0);
                // `query_room` always fits: never `None`.
                let len = encoding.write_query(sealed, &mut heap_text);
                (&heap_text[..], len.ok_or(UrlError::Crypto(CryptoError::BadPadding))?)
            }
        };
        // Every form is ASCII, so this never fails.
        let text =
            std::str::from_utf8(&text[..len]).map_err(|_| UrlError::Crypto(CryptoError::BadPadding))?;
        Ok(f(text))
    }

    /// Checks the parameters, writes their JSON payload and encrypts it in place in `stack`
    /// when it fits (values up to ~110 bytes in all), else in `heap`, and gives the ciphertext.
    #[inline(always)]
    fn sealed<'b>(
        &self,
        params: &AuthParams<'_>,
        iv: IvFrom<'_>,
        stack: &'b mut [u8],
        heap: &'b mut Vec<u8>,
    ) -> Result<&'b [u8], UrlError> {
        let mut iv = Some(iv);
        if let Some(sealed) = self.seal_in(params, &mut iv, stack) {
            return Ok(&stack[..sealed?]);
        }
        // Too large for the stack buffer: a payload of the bound's size always fits.
        heap.resize(self.cipher.head_room() + params.json_bound() + self.cipher.overhead(), 0);
        let sealed =
            self.seal_in(params, &mut iv, heap).unwrap_or(Err(UrlError::Crypto(CryptoError::BadPadding)));
        Ok(&heap[..sealed?])
    }

    /// [`UrlBuilder::sealed`] in one buffer, `payload`: the sealed message's length, or `None`,
    /// with `iv` left as it was, if the payload may not fit `payload`.
    #[inline(always)]
    fn seal_in(
        &self,
        params: &AuthParams<'_>,
        iv: &mut Option<IvFrom<'_>>,
        payload: &mut [u8],
    ) -> Option<Result<usize, UrlError>> {
        let head = self.cipher.head_room();
        // Room after the JSON for what sealing adds (padding, a tag).
        let end = payload.len().checked_sub(self.cipher.overhead())?;
        let json_len = match params.write_checked_json(payload.get_mut(head..end)?) {
            Ok(json_len) => json_len,
            Err(e) => {
                // No plaintext is left behind in the memory the call gives back.
                payload.fill(0);
                return match e {
                    JsonError::Invalid(e) => Some(Err(e)),
                    JsonError::NoRoom => None,
                };
            }
        };
        let Some(iv) = iv.take() else {
            payload.fill(0);
            return Some(Err(UrlError::Crypto(CryptoError::BadPadding)));
        };
        // Encrypted in place: no plaintext is left in `payload`.
        Some(self.cipher.seal_in_place(payload, json_len, iv).map_err(|e| {
            payload.fill(0);
            e.into()
        }))
    }

    fn refresh_prefix(&mut self) {
        self.prefix = format!(
            "{}{PAGE_PATH}?pid={}&encrypted=",
            self.base_url,
            utf8_percent_encode(&self.pid, QUERY_VALUE)
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::crypto::Scheme;

    /// Payloads past the stack buffers, and payloads that fit there but whose text does not
    /// (150–240 bytes of values), build the same URLs as small ones do.
    #[test]
    fn payloads_too_large_for_the_stack_build_on_the_heap_alike() {
        let key = Key::derive("0123456789abcdefghijABCDEFGHIJ0123456789").expect("key");
        for scheme in [Scheme::Ecb, Scheme::Cbc, Scheme::Gcm] {
            let links = UrlBuilder::new("pid-1", &key, scheme).expect("builder");
            for len in [150, 180, 198, 210, 216, 222, 228, 240, 300, 2000] {
                let value = "a\"b\\c".repeat(len / 6);
                let params = AuthParams::new("s").cf1(value.as_str()).token("tok_abcdefgh");
                let url = links.build(&params).expect("builds");
                let back = crate::url::inspect(&url, links.cipher()).expect("inspects").params;
                assert_eq!(back, params, "{scheme:?} {len}");
            }
        }
    }
}
