use super::{TextEncoding, Variant};

/// Why a key could not be made, or a text could not be encrypted or decrypted.
///
/// Messages name lengths and positions, never key material or plaintext.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum CryptoError {
    /// The key string was empty.
    #[error("the key is empty")]
    EmptyKey,
    /// The key string begins or ends with white space (a copied line end, a stray space).
    #[error("the key begins or ends with white space (a copied line end or space?): remove it")]
    KeyWhitespace,
    /// The key material had the wrong length for the requested derivation.
    #[error("the key must be {expected} bytes, got {}", crate::error::counted(*actual, "byte", "bytes"))]
    InvalidKeyLength {
        /// Bytes needed.
        expected: usize,
        /// Bytes given.
        actual: usize,
    },
    /// A variant or scheme name was not recognised.
    #[error(
        "unknown encryption variant {name:?} (expected ecb, gcm, cbc or a variant id such as ecb-sha256)"
    )]
    UnknownVariant {
        /// The name given, or `<N characters, not shown>` when it does not look like a scheme
        /// name (see [`CryptoError::unknown_variant`]).
        name: String,
    },
    /// The ciphertext was an empty string.
    #[error("the ciphertext is empty")]
    EmptyCiphertext,
    /// The ciphertext text is not valid in the variant's text encoding.
    #[error("the ciphertext is not valid {encoding}: {reason}")]
    InvalidEncoding {
        /// The encoding expected.
        encoding: TextEncoding,
        /// What is wrong, with the offset where it applies.
        reason: String,
    },
    /// The decoded data is not a whole number of 16-byte AES blocks.
    #[error("the ciphertext is {}, not a whole number of 16-byte blocks", crate::error::counted(*len, "byte", "bytes"))]
    InvalidLength {
        /// Decoded length in bytes.
        len: usize,
    },
    /// The decoded data is shorter than the IV or nonce (plus tag) the variant needs.
    #[error("the ciphertext is {}, too short for this variant (at least {min})", crate::error::counted(*len, "byte", "bytes"))]
    TooShort {
        /// Decoded length in bytes.
        len: usize,
        /// The minimum length for the variant.
        min: usize,
    },
    /// PKCS7 padding did not check out after decryption: almost always the wrong key or scheme.
    #[error("bad padding after decryption (wrong key or wrong scheme?)")]
    BadPadding,
    /// The GCM tag did not verify: the wrong key or scheme, or altered data.
    #[error("the GCM tag does not verify (wrong key, wrong scheme, or altered data)")]
    TagMismatch,
    /// The decrypted bytes are not UTF-8 text.
    #[error("the decrypted data is not UTF-8 (invalid byte at offset {valid_up_to})")]
    NotUtf8 {
        /// Length of the valid UTF-8 prefix.
        valid_up_to: usize,
    },
    /// An injected IV or nonce had the wrong length, or the variant takes none.
    #[error("variant {variant} takes {} IV/nonce bytes, got {actual}", match .expected { Some(n) => n.to_string(), None => "no".to_owned() })]
    InvalidIv {
        /// The variant.
        variant: Variant,
        /// The length it takes, if it takes one.
        expected: Option<usize>,
        /// The length given.
        actual: usize,
    },
    /// The operating system's random source failed.
    #[error("the OS random source failed: {reason}")]
    RandomSource {
        /// The OS error.
        reason: String,
    },
}

impl CryptoError {
    pub(crate) fn random(err: getrandom::Error) -> Self {
        CryptoError::RandomSource { reason: err.to_string() }
    }
}

/// The longest scheme or variant name an error repeats.
const ECHO_MAX: usize = 24;

impl CryptoError {
    /// [`CryptoError::UnknownVariant`] for `name`, which is repeated only when it looks like a
    /// scheme name (at most 24 letters, digits, `-` or `_`): longer or other text may be an API
    /// key passed in the scheme's place, and a key never reaches a message.
    pub fn unknown_variant(name: &str) -> CryptoError {
        let plain = name.len() <= ECHO_MAX
            && name.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_');
        let name = if plain {
            name.to_owned()
        } else {
            format!("<{}, not shown>", crate::error::counted(name.chars().count(), "character", "characters"))
        };
        CryptoError::UnknownVariant { name }
    }
}
