use super::text::first_foreign;
use super::{Cipher, CryptoError, Normalization, TextEncoding, Variant};

/// What one variant made of a ciphertext.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    /// The variant decrypted the data to UTF-8 text.
    Decrypted {
        /// The plaintext.
        plaintext: String,
        /// Whether the plaintext parses as JSON.
        is_json: bool,
        /// True when a GCM tag verified: this variant is certainly the one used.
        authenticated: bool,
    },
    /// The variant could not decrypt the data, and why.
    Failed(CryptoError),
}

impl Outcome {
    /// True for a successful decryption.
    pub fn is_match(&self) -> bool {
        matches!(self, Outcome::Decrypted { .. })
    }
}

/// The report of [`diagnose`]: every variant of the spec's table, tried in order.
#[derive(Debug, Clone)]
pub struct Diagnosis {
    /// True if the input was percent-encoded (copied from a URL) and was decoded first; the same
    /// as `normalization.percent_decoded`.
    pub percent_decoded: bool,
    /// How the text was read before decoding (see [`TextEncoding::read`]): by the best match's
    /// text encoding, or as base64 when nothing matches.
    pub normalization: Normalization,
    /// Each variant with its outcome, in the order of [`Variant::ALL`].
    pub results: Vec<(Variant, Outcome)>,
}

impl Diagnosis {
    /// The most convincing match, if any: a verified GCM tag first, then JSON, then any text;
    /// among equals, the spec's table order (defaults first within each mode).
    pub fn best(&self) -> Option<Variant> {
        let rank = |outcome: &Outcome| match outcome {
            Outcome::Decrypted { authenticated: true, .. } => 3,
            Outcome::Decrypted { is_json: true, .. } => 2,
            Outcome::Decrypted { .. } => 1,
            Outcome::Failed(_) => 0,
        };
        let mut best: Option<(Variant, u8)> = None;
        for (variant, outcome) in &self.results {
            let score = rank(outcome);
            if score > 0 && best.is_none_or(|(_, top)| score > top) {
                best = Some((*variant, score));
            }
        }
        best.map(|(variant, _)| variant)
    }

    /// A JSON view for printing, as `faceauth diagnose --json` prints it and the bindings
    /// return it: `{"best": variant id or null, "percent_decoded", "spaces_as_plus",
    /// "whitespace_removed", "variants": [...]}`, one entry per variant in table order, either
    /// `{"variant", "ok": true, "plaintext", "json", "authenticated"}` or
    /// `{"variant", "ok": false, "error": the error kind's name, "message"}`.
    pub fn to_json(&self) -> serde_json::Value {
        let variants: Vec<_> = self
            .results
            .iter()
            .map(|(variant, outcome)| match outcome {
                Outcome::Decrypted { plaintext, is_json, authenticated } => serde_json::json!({
                    "variant": variant.id(), "ok": true, "plaintext": plaintext,
                    "json": is_json, "authenticated": authenticated,
                }),
                Outcome::Failed(err) => serde_json::json!({
                    "variant": variant.id(), "ok": false,
                    "error": err.kind().name(), "message": err.to_string(),
                }),
            })
            .collect();
        serde_json::json!({
            "best": self.best().map(Variant::id),
            "percent_decoded": self.percent_decoded,
            "spaces_as_plus": self.normalization.spaces_as_plus,
            "whitespace_removed": self.normalization.whitespace_removed,
            "variants": variants,
        })
    }
}

/// Tries every variant of `shared/spec/encryption.md` on `ciphertext` with `key_string`, and
/// reports which ones decrypt to UTF-8 text, whether that text is JSON, and why the others fail.
///
/// The text is read leniently, as [`TextEncoding::read`] says (surrounding whitespace, `%2B`
/// escapes, spaces that stand for `+`, base64 wrapped over lines), and the report says what
/// reading changed. Once the text decodes, each variant carries its own result, a failure
/// included.
///
/// # Errors
/// [`CryptoError::EmptyCiphertext`] if the text is empty or only whitespace;
/// [`CryptoError::InvalidEncoding`] if it is not a ciphertext at all: neither base64 (either
/// alphabet) nor hex. The message names the first character that fits neither, with its
/// position, and what the text looks like instead (JSON, HTML, a URL) when that is plain.
pub fn diagnose(ciphertext: &str, key_string: &str) -> Result<Diagnosis, CryptoError> {
    check_readable(ciphertext)?;
    let mut readings = Vec::with_capacity(Variant::ALL.len());
    let results = Variant::ALL
        .into_iter()
        .map(|variant| {
            let outcome = match Cipher::from_key_string(key_string, variant)
                .and_then(|cipher| cipher.decrypt_reading(ciphertext))
            {
                Ok((plaintext, applied)) => {
                    readings.push((variant, applied));
                    Outcome::Decrypted {
                        is_json: serde_json::from_str::<serde_json::Value>(&plaintext).is_ok(),
                        authenticated: variant.scheme() == super::Scheme::Gcm,
                        plaintext,
                    }
                }
                Err(err) => Outcome::Failed(err),
            };
            (variant, outcome)
        })
        .collect();
    let mut report = Diagnosis { percent_decoded: false, normalization: Normalization::default(), results };
    report.normalization = match report.best() {
        Some(best) => readings.iter().find(|(v, _)| *v == best).map(|(_, applied)| *applied),
        None => None,
    }
    .unwrap_or_else(|| TextEncoding::Base64.read(ciphertext).1);
    report.percent_decoded = report.normalization.percent_decoded;
    Ok(report)
}

/// Checks that `text` decodes as base64 (either alphabet) or hex, once read; if not, says why.
fn check_readable(text: &str) -> Result<(), CryptoError> {
    let (base64, _) = TextEncoding::Base64.read(text);
    if base64.is_empty() {
        return Err(CryptoError::EmptyCiphertext);
    }
    let (hex, _) = TextEncoding::Hex.read(text);
    let url_safe = base64.contains(['-', '_']);
    let base64_err = if url_safe {
        TextEncoding::Base64UrlSafe.decode(&base64).err()
    } else {
        TextEncoding::Base64.decode(&base64).err()
    };
    let Some(base64_err) = base64_err else { return Ok(()) };
    if TextEncoding::Hex.decode(&hex).is_ok() {
        return Ok(());
    }
    let any_alphabet = |b: u8| b.is_ascii_alphanumeric() || b" +/=-_".contains(&b);
    let mut reason = match first_foreign(text, any_alphabet) {
        Some((position, c)) => format!("character {c:?} at position {position}"),
        None => match base64_err {
            CryptoError::InvalidEncoding { reason, .. } => reason,
            other => other.to_string(),
        },
    };
    reason.push_str(", and not hex either");
    if let Some(what) = looks_like(text) {
        reason.push_str("; the text looks like ");
        reason.push_str(what);
    }
    Err(CryptoError::InvalidEncoding { encoding: TextEncoding::Base64, reason })
}

/// What a text that is not a ciphertext plainly is, if anything.
fn looks_like(text: &str) -> Option<&'static str> {
    let text = text.trim_start();
    if text.starts_with(['{', '[']) {
        Some("JSON: pass the ciphertext string inside it")
    } else if text.starts_with('<') {
        Some("HTML or XML")
    } else if text.contains("://") || text.contains("encrypted=") {
        Some("a URL: pass the value of its encrypted parameter")
    } else {
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::crypto::Key;

    const KEY: &str = "0123456789abcdefghijABCDEFGHIJ0123456789";
    const PLAIN: &str = r#"{"sid":"abc123xyz"}"#;

    #[test]
    fn names_the_variant_that_made_each_ciphertext() {
        for variant in Variant::ALL {
            let cipher = Cipher::from_key_string(KEY, variant).expect("key long enough");
            let ciphertext = cipher.encrypt(PLAIN).expect("encrypts");
            let report = diagnose(&ciphertext, KEY).expect("readable");
            assert_eq!(report.best(), Some(variant), "{variant}: {report:?}");
            let own = report.results.iter().find(|(v, _)| *v == variant).map(|(_, o)| o);
            assert!(
                matches!(own, Some(Outcome::Decrypted { plaintext, is_json: true, .. }) if plaintext == PLAIN),
                "{variant}: {own:?}"
            );
        }
    }

    #[test]
    fn percent_encoded_input_is_decoded_and_wrong_keys_match_nothing() {
        let cipher = Cipher::new(&Key::derive(KEY).expect("key"), super::super::Scheme::Ecb);
        let encoded = cipher
            .encrypt(PLAIN)
            .expect("encrypts")
            .replace('+', "%2B")
            .replace('/', "%2F")
            .replace('=', "%3D");
        let report = diagnose(&encoded, KEY).expect("readable");
        assert!(report.percent_decoded && report.normalization.percent_decoded);
        assert_eq!(report.best(), Some(Variant::EcbSha256));

        let wrong = diagnose(&encoded, "another key entirely, 32+ bytes long").expect("readable");
        assert_eq!(wrong.best(), None, "{wrong:?}");
        assert!(wrong.results.iter().all(|(_, o)| !o.is_match()));
    }

    #[test]
    fn text_that_is_no_ciphertext_is_malformed_not_a_key_problem() {
        let reason = |text: &str| match diagnose(text, KEY) {
            Err(CryptoError::InvalidEncoding { encoding: TextEncoding::Base64, reason }) => reason,
            other => panic!("{text:?}: {other:?}"),
        };
        assert_eq!(reason("hello world!"), "character '!' at position 11, and not hex either");
        let json = reason(r#"{"data": "Xvg7"}"#);
        assert!(
            json.starts_with("character '{' at position 0, and not hex either; the text looks like JSON"),
            "{json}"
        );
        let html = reason("<!doctype html><html><body>502 Bad Gateway</body></html>");
        assert!(html.ends_with("looks like HTML or XML"), "{html}");
        let url = reason("https://form.argosidentity.com/face-auth?pid=p&encrypted=abc");
        assert!(url.contains("character ':' at position 5") && url.contains("a URL"), "{url}");
        // Base64 characters only, but no base64 length and no hex either.
        assert!(reason("hello world").contains("cut short"));
        let message = diagnose("hello world!", KEY).map(|_| ()).expect_err("malformed").to_string();
        assert_eq!(
            message,
            "the ciphertext is not valid base64: character '!' at position 11, and not hex either"
        );
        assert_eq!(diagnose(" \n", KEY).map(|_| ()), Err(CryptoError::EmptyCiphertext));
        // Decodes, but no variant decrypts it: a report, not an error.
        let report = diagnose("AAAA", KEY).expect("decodes");
        assert_eq!(report.best(), None);
    }

    #[test]
    fn wrapped_form_decoded_and_hex_spaced_text_is_read_and_reported() {
        let cipher = Cipher::from_key_string(KEY, Variant::EcbSha256).expect("key");
        let sealed = (0..)
            .map(|i| cipher.encrypt(&format!("{{\"sid\":\"s{i}\"}}")).expect("encrypts"))
            .find(|s| s.contains('+'))
            .expect("some ciphertext has a '+'");
        let report = diagnose(&sealed.replace('+', " "), KEY).expect("readable");
        assert_eq!(report.best(), Some(Variant::EcbSha256));
        assert!(report.normalization.spaces_as_plus && !report.percent_decoded);

        let long = cipher.encrypt(&"x".repeat(200)).expect("encrypts");
        let wrapped: Vec<String> =
            long.as_bytes().chunks(76).map(|l| String::from_utf8_lossy(l).into_owned()).collect();
        let report = diagnose(&wrapped.join("\r\n"), KEY).expect("readable");
        assert_eq!(report.best(), Some(Variant::EcbSha256));
        assert_eq!(report.normalization.to_string(), "whitespace removed");

        let hex = Cipher::from_key_string(KEY, Variant::EcbSha256Hex)
            .expect("key")
            .encrypt(PLAIN)
            .expect("encrypts");
        let spaced: Vec<&str> = (0..hex.len()).step_by(8).map(|i| &hex[i..(i + 8).min(hex.len())]).collect();
        let report = diagnose(&spaced.join(" "), KEY).expect("readable");
        assert_eq!(report.best(), Some(Variant::EcbSha256Hex));
        assert!(report.normalization.whitespace_removed && !report.normalization.spaces_as_plus);
    }
}
