use std::fmt;

use base64::engine::general_purpose::{GeneralPurpose, GeneralPurposeConfig, STANDARD};
use base64::engine::DecodePaddingMode;
use base64::Engine;

use super::CryptoError;

/// URL-safe base64 that writes padding and accepts it present or absent.
const URL_SAFE: GeneralPurpose = GeneralPurpose::new(
    &base64::alphabet::URL_SAFE,
    GeneralPurposeConfig::new().with_decode_padding_mode(DecodePaddingMode::Indifferent),
);

/// How binary ciphertext is written as text.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum TextEncoding {
    /// RFC 4648 standard base64 with `=` padding and no line breaks (the default).
    Base64,
    /// RFC 4648 URL-safe base64 (`-`, `_`); padding written, optional on input.
    Base64UrlSafe,
    /// Lowercase hexadecimal; either case on input.
    Hex,
}

impl TextEncoding {
    /// Appends the text form of `data` to `out`.
    pub(crate) fn encode_into(self, data: &[u8], out: &mut String) {
        match self {
            TextEncoding::Base64 => STANDARD.encode_string(data, out),
            TextEncoding::Base64UrlSafe => URL_SAFE.encode_string(data, out),
            TextEncoding::Hex => {
                const HEX: &[u8; 16] = b"0123456789abcdef";
                out.reserve(data.len() * 2);
                for byte in data {
                    out.push(char::from(HEX[usize::from(byte >> 4)]));
                    out.push(char::from(HEX[usize::from(byte & 0x0f)]));
                }
            }
        }
    }

    /// Decodes text into bytes, with an error that says what is wrong and where.
    pub(crate) fn decode(self, text: &str) -> Result<Vec<u8>, CryptoError> {
        let invalid = |reason: String| CryptoError::InvalidEncoding { encoding: self, reason };
        match self {
            TextEncoding::Base64 => STANDARD.decode(text).map_err(|e| invalid(e.to_string())),
            TextEncoding::Base64UrlSafe => URL_SAFE.decode(text).map_err(|e| invalid(e.to_string())),
            TextEncoding::Hex => {
                let bytes = text.as_bytes();
                if bytes.len() % 2 != 0 {
                    return Err(invalid(format!("odd number of hex digits ({})", bytes.len())));
                }
                let digit = |offset: usize| {
                    let c = bytes[offset];
                    char::from(c)
                        .to_digit(16)
                        .map(|d| d as u8)
                        .ok_or_else(|| invalid(format!("invalid hex digit at offset {offset}")))
                };
                (0..bytes.len())
                    .step_by(2)
                    .map(|i| Ok(digit(i)? << 4 | digit(i + 1)?))
                    .collect()
            }
        }
    }
}

impl fmt::Display for TextEncoding {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            TextEncoding::Base64 => "base64",
            TextEncoding::Base64UrlSafe => "URL-safe base64",
            TextEncoding::Hex => "hex",
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_encoding_round_trips_and_rejects_garbage() {
        let data = [0u8, 0xfb, 0xff, 0x10, 0x7e];
        for encoding in [TextEncoding::Base64, TextEncoding::Base64UrlSafe, TextEncoding::Hex] {
            let mut text = String::new();
            encoding.encode_into(&data, &mut text);
            assert_eq!(encoding.decode(&text).ok().as_deref(), Some(&data[..]), "{encoding}");
            assert!(matches!(
                encoding.decode("not valid!"),
                Err(CryptoError::InvalidEncoding { .. })
            ));
        }
    }

    #[test]
    fn url_safe_accepts_missing_padding_and_hex_accepts_upper_case() {
        assert_eq!(TextEncoding::Base64UrlSafe.decode("-_8").ok(), Some(vec![0xfb, 0xff]));
        assert_eq!(TextEncoding::Base64UrlSafe.decode("-_8=").ok(), Some(vec![0xfb, 0xff]));
        assert_eq!(TextEncoding::Hex.decode("FBff").ok(), Some(vec![0xfb, 0xff]));
        assert!(TextEncoding::Hex.decode("abc").is_err());
        assert!(TextEncoding::Base64.decode("-_8=").is_err());
    }
}
