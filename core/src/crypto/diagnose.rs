use std::borrow::Cow;

use super::{Cipher, CryptoError, Variant};

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
    /// True if the input was percent-encoded (copied from a URL) and was decoded first.
    pub percent_decoded: bool,
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
}

/// Tries every variant of `shared/spec/encryption.md` on `ciphertext` with `key_string`, and
/// reports which ones decrypt to UTF-8 text, whether that text is JSON, and why the others fail.
///
/// Surrounding whitespace is ignored, and a ciphertext copied from a URL (with `%2B`, `%2F`,
/// `%3D`) is percent-decoded first. This never fails as a whole: each variant carries its own
/// result.
pub fn diagnose(ciphertext: &str, key_string: &str) -> Diagnosis {
    let trimmed = ciphertext.trim();
    let decoded: Cow<'_, str> = if trimmed.contains('%') {
        percent_encoding::percent_decode_str(trimmed).decode_utf8_lossy()
    } else {
        Cow::Borrowed(trimmed)
    };
    let percent_decoded = decoded != trimmed;
    let results = Variant::ALL
        .into_iter()
        .map(|variant| {
            let outcome = match Cipher::from_key_string(key_string, variant)
                .and_then(|cipher| cipher.decrypt(&decoded))
            {
                Ok(plaintext) => Outcome::Decrypted {
                    is_json: serde_json::from_str::<serde_json::Value>(&plaintext).is_ok(),
                    authenticated: variant.scheme() == super::Scheme::Gcm,
                    plaintext,
                },
                Err(err) => Outcome::Failed(err),
            };
            (variant, outcome)
        })
        .collect();
    Diagnosis { percent_decoded, results }
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
            let report = diagnose(&ciphertext, KEY);
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
        let report = diagnose(&encoded, KEY);
        assert_eq!(report.best(), Some(Variant::EcbSha256));

        let wrong = diagnose(&encoded, "another key entirely, 32+ bytes long");
        assert_eq!(wrong.best(), None, "{wrong:?}");
        assert!(wrong.results.iter().all(|(_, o)| !o.is_match()));
    }
}
