use std::fmt;
use std::str::FromStr;

use super::{CryptoError, TextEncoding};

/// The three encryption modules Argos offers a project.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Default)]
pub enum Scheme {
    /// "AES-256" since 2024-08-01: AES-256-ECB with PKCS7 padding. The default.
    #[default]
    Ecb,
    /// "GCM-256": AES-256-GCM with a random 12-byte nonce, authenticated.
    Gcm,
    /// "AES-256" before 2024-08-01: AES-256-CBC with a random IV sent in front of the data.
    Cbc,
}

impl Scheme {
    /// Every scheme, default first.
    pub const ALL: [Scheme; 3] = [Scheme::Ecb, Scheme::Gcm, Scheme::Cbc];

    /// The variant this scheme means under the default recipe.
    pub fn variant(self) -> Variant {
        match self {
            Scheme::Ecb => Variant::EcbSha256,
            Scheme::Gcm => Variant::GcmNonceCtTag,
            Scheme::Cbc => Variant::CbcIvPrefix,
        }
    }

    /// The lowercase name used on command lines and in bindings: `ecb`, `gcm` or `cbc`.
    pub fn name(self) -> &'static str {
        match self {
            Scheme::Ecb => "ecb",
            Scheme::Gcm => "gcm",
            Scheme::Cbc => "cbc",
        }
    }
}

impl fmt::Display for Scheme {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl FromStr for Scheme {
    type Err = CryptoError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Scheme::ALL
            .into_iter()
            .find(|scheme| scheme.name().eq_ignore_ascii_case(s))
            .ok_or_else(|| CryptoError::unknown_variant(s))
    }
}

/// How the 32 AES key bytes come from the key string.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum KeyDerivation {
    /// SHA-256 of the UTF-8 key string (the default).
    Sha256,
    /// The first 32 bytes of the key string; shorter strings are an error.
    Raw32,
    /// The first 32 ASCII characters of the hex SHA-256 digest of the key string.
    HexPrefix,
}

/// Where a CBC variant takes its IV from.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum CbcIv {
    /// A random IV, sent as the first 16 bytes of the data.
    Prefix,
    /// The first 16 bytes of the AES key.
    FromKey,
    /// Sixteen zero bytes.
    Zero,
}

/// Where a GCM variant puts the tag.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum GcmLayout {
    /// `nonce12 ‖ ciphertext ‖ tag16` (the default).
    NonceCtTag,
    /// `nonce12 ‖ tag16 ‖ ciphertext`.
    NonceTagCt,
}

/// The mode and data layout of a variant.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Mode {
    Ecb,
    Cbc(CbcIv),
    Gcm(GcmLayout),
}

/// One complete encryption recipe: key derivation, mode, data layout and text encoding.
///
/// The ids are those of the variant table in `shared/spec/encryption.md`. The defaults are
/// [`Variant::EcbSha256`], [`Variant::GcmNonceCtTag`] and [`Variant::CbcIvPrefix`]; the others
/// exist so that a project whose ciphertexts differ can name the variant [`diagnose`] found.
///
/// [`diagnose`]: super::diagnose
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Variant {
    /// `ecb-sha256`: SHA-256 key, ECB, PKCS7, base64. The default.
    EcbSha256,
    /// `ecb-raw32`: the first 32 bytes of the key string, ECB, PKCS7, base64.
    EcbRaw32,
    /// `ecb-hexprefix`: the first 32 hex characters of SHA-256(key), ECB, PKCS7, base64.
    EcbHexPrefix,
    /// `ecb-sha256-hex`: SHA-256 key, ECB, PKCS7, lowercase hex text.
    EcbSha256Hex,
    /// `ecb-sha256-urlsafe`: SHA-256 key, ECB, PKCS7, URL-safe base64 (padding optional on input).
    EcbSha256UrlSafe,
    /// `cbc-ivprefix`: SHA-256 key, CBC, random IV in front of the data, base64. Legacy default.
    CbcIvPrefix,
    /// `cbc-keyiv`: SHA-256 key, CBC, IV = the first 16 key bytes, base64.
    CbcKeyIv,
    /// `cbc-zeroiv`: SHA-256 key, CBC, IV = 16 zero bytes, base64.
    CbcZeroIv,
    /// `gcm-nonce-ct-tag`: SHA-256 key, GCM, `nonce ‖ ciphertext ‖ tag`, base64. GCM default.
    GcmNonceCtTag,
    /// `gcm-nonce-tag-ct`: SHA-256 key, GCM, `nonce ‖ tag ‖ ciphertext`, base64.
    GcmNonceTagCt,
}

impl Variant {
    /// Every variant, in the order of the spec's table.
    pub const ALL: [Variant; 10] = [
        Variant::EcbSha256,
        Variant::EcbRaw32,
        Variant::EcbHexPrefix,
        Variant::EcbSha256Hex,
        Variant::EcbSha256UrlSafe,
        Variant::CbcIvPrefix,
        Variant::CbcKeyIv,
        Variant::CbcZeroIv,
        Variant::GcmNonceCtTag,
        Variant::GcmNonceTagCt,
    ];

    /// The variant's id, as in the spec's table (`ecb-sha256`, `gcm-nonce-ct-tag`, …).
    pub fn id(self) -> &'static str {
        match self {
            Variant::EcbSha256 => "ecb-sha256",
            Variant::EcbRaw32 => "ecb-raw32",
            Variant::EcbHexPrefix => "ecb-hexprefix",
            Variant::EcbSha256Hex => "ecb-sha256-hex",
            Variant::EcbSha256UrlSafe => "ecb-sha256-urlsafe",
            Variant::CbcIvPrefix => "cbc-ivprefix",
            Variant::CbcKeyIv => "cbc-keyiv",
            Variant::CbcZeroIv => "cbc-zeroiv",
            Variant::GcmNonceCtTag => "gcm-nonce-ct-tag",
            Variant::GcmNonceTagCt => "gcm-nonce-tag-ct",
        }
    }

    /// The scheme (Argos encryption module) this variant belongs to.
    pub fn scheme(self) -> Scheme {
        match self.mode() {
            Mode::Ecb => Scheme::Ecb,
            Mode::Cbc(_) => Scheme::Cbc,
            Mode::Gcm(_) => Scheme::Gcm,
        }
    }

    /// How this variant turns the key string into AES key bytes.
    pub fn key_derivation(self) -> KeyDerivation {
        match self {
            Variant::EcbRaw32 => KeyDerivation::Raw32,
            Variant::EcbHexPrefix => KeyDerivation::HexPrefix,
            _ => KeyDerivation::Sha256,
        }
    }

    /// How this variant writes binary ciphertext as text.
    pub fn text_encoding(self) -> TextEncoding {
        match self {
            Variant::EcbSha256Hex => TextEncoding::Hex,
            Variant::EcbSha256UrlSafe => TextEncoding::Base64UrlSafe,
            _ => TextEncoding::Base64,
        }
    }

    /// True for the three variants that [`Scheme::variant`] names.
    pub fn is_default(self) -> bool {
        self == self.scheme().variant()
    }

    /// The length of the IV or nonce a caller may inject with
    /// [`Cipher::dangerous_encrypt_with_iv`](super::Cipher::dangerous_encrypt_with_iv), if any.
    pub fn iv_len(self) -> Option<usize> {
        match self.mode() {
            Mode::Cbc(CbcIv::Prefix) => Some(16),
            Mode::Gcm(_) => Some(12),
            _ => None,
        }
    }

    pub(crate) fn mode(self) -> Mode {
        match self {
            Variant::EcbSha256
            | Variant::EcbRaw32
            | Variant::EcbHexPrefix
            | Variant::EcbSha256Hex
            | Variant::EcbSha256UrlSafe => Mode::Ecb,
            Variant::CbcIvPrefix => Mode::Cbc(CbcIv::Prefix),
            Variant::CbcKeyIv => Mode::Cbc(CbcIv::FromKey),
            Variant::CbcZeroIv => Mode::Cbc(CbcIv::Zero),
            Variant::GcmNonceCtTag => Mode::Gcm(GcmLayout::NonceCtTag),
            Variant::GcmNonceTagCt => Mode::Gcm(GcmLayout::NonceTagCt),
        }
    }
}

impl Default for Variant {
    fn default() -> Self {
        Scheme::default().variant()
    }
}

impl From<Scheme> for Variant {
    fn from(scheme: Scheme) -> Self {
        scheme.variant()
    }
}

impl fmt::Display for Variant {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.id())
    }
}

impl FromStr for Variant {
    type Err = CryptoError;

    /// Parses a variant id, or a scheme name (`ecb`, `gcm`, `cbc`) for its default variant.
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        if let Some(variant) = Variant::ALL.into_iter().find(|v| v.id().eq_ignore_ascii_case(s)) {
            return Ok(variant);
        }
        s.parse::<Scheme>().map(Scheme::variant)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_unknown_name_is_repeated_only_when_it_cannot_be_a_key() {
        let message = |name: &str| name.parse::<Variant>().err().map(|e| e.to_string()).unwrap_or_default();
        assert!(message("des-cbc").contains("\"des-cbc\""), "{}", message("des-cbc"));
        // An API key passed where the scheme goes never reaches the message.
        for key in ["0123456789abcdefghijABCDEFGHIJ0123456789", "sk live/key+with=symbols", "short key!"] {
            let text = message(key);
            assert!(!text.contains(key) && text.contains("not shown"), "{text}");
        }
    }

    #[test]
    fn ids_round_trip_and_schemes_name_their_defaults() {
        for variant in Variant::ALL {
            assert_eq!(variant.id().parse::<Variant>().ok(), Some(variant));
        }
        for scheme in Scheme::ALL {
            assert!(scheme.variant().is_default());
            assert_eq!(scheme.variant().scheme(), scheme);
            assert_eq!(scheme.name().parse::<Variant>().ok(), Some(scheme.variant()));
        }
        assert_eq!(Variant::ALL.iter().filter(|v| v.is_default()).count(), 3);
        assert!("ecb-sha512".parse::<Variant>().is_err());
    }
}
