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

const HEX_DIGITS: &[u8; 16] = b"0123456789abcdef";
/// The query-value form of a byte: itself if RFC 3986 unreserved (letters, digits, `-`, `.`,
/// `_`, `~`), else `%XX`; padded to 3 bytes, with its real length in the fourth.
const fn query_form(b: u8) -> [u8; 4] {
    const HEX_UPPER: &[u8; 16] = b"0123456789ABCDEF";
    if b.is_ascii_alphanumeric() || b == b'-' || b == b'.' || b == b'_' || b == b'~' {
        [b, 0, 0, 1]
    } else {
        [b'%', HEX_UPPER[(b >> 4) as usize], HEX_UPPER[(b & 0x0f) as usize], 3]
    }
}

/// The query-value forms of an alphabet's 64 symbols.
const fn query_forms(alphabet: &[u8; 64]) -> [[u8; 4]; 64] {
    let mut forms = [[0u8; 4]; 64];
    let mut i = 0;
    while i < 64 {
        forms[i] = query_form(alphabet[i]);
        i += 1;
    }
    forms
}

const STANDARD_FORMS: [[u8; 4]; 64] =
    query_forms(b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/");
const URL_SAFE_FORMS: [[u8; 4]; 64] =
    query_forms(b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_");

/// Base64-encodes `data` straight into its percent-encoded query form, in one pass and without
/// branches per symbol. Escaping the crate's base64 output afterwards cost more than the
/// encryption: the few `+`, `/` among random letters defeat branch prediction.
fn base64_query(data: &[u8], forms: &[[u8; 4]; 64], out: &mut String) {
    const GROUPS: usize = 64;
    // 4 symbols per group, 3 bytes per escaped symbol, and 1 byte of slack for the 4-byte store.
    let mut buf = [0u8; GROUPS * 12 + 1];
    out.reserve(data.len().div_ceil(3) * 4 * 3 / 2);
    let mut pieces = data.chunks(GROUPS * 3).peekable();
    while let Some(piece) = pieces.next() {
        let mut len = 0;
        let mut put = |form: [u8; 4]| {
            buf[len..len + 4].copy_from_slice(&form);
            len += usize::from(form[3]);
        };
        let mut groups = piece.chunks_exact(3);
        for g in &mut groups {
            let n = u32::from(g[0]) << 16 | u32::from(g[1]) << 8 | u32::from(g[2]);
            for shift in [18, 12, 6, 0] {
                put(forms[(n >> shift & 0x3f) as usize]);
            }
        }
        // Only the last piece can end in a partial group; '=' pads it.
        let rest = groups.remainder();
        if !rest.is_empty() {
            let n = u32::from(rest[0]) << 16 | rest.get(1).map_or(0, |&b| u32::from(b) << 8);
            put(forms[(n >> 18 & 0x3f) as usize]);
            put(forms[(n >> 12 & 0x3f) as usize]);
            put(if rest.len() == 2 { forms[(n >> 6 & 0x3f) as usize] } else { query_form(b'=') });
            put(query_form(b'='));
        }
        debug_assert!(pieces.peek().is_none() || rest.is_empty());
        // Every form is ASCII.
        if let Ok(text) = std::str::from_utf8(&buf[..len]) {
            out.push_str(text);
        }
    }
}

/// Text up to this long is encoded on the stack.
const STACK_TEXT: usize = 1024;

impl TextEncoding {
    /// Appends the text form of `data` to `out`.
    pub(crate) fn encode_into(self, data: &[u8], out: &mut String) {
        self.with_text(data, |text| out.push_str(text));
    }

    /// Appends the text form of `data` to `out`, percent-encoded for a URL query value
    /// (everything but RFC 3986 unreserved characters becomes `%XX`).
    pub(crate) fn encode_query_into(self, data: &[u8], out: &mut String) {
        match self {
            TextEncoding::Base64 => base64_query(data, &STANDARD_FORMS, out),
            TextEncoding::Base64UrlSafe => base64_query(data, &URL_SAFE_FORMS, out),
            // Hex digits are all unreserved.
            TextEncoding::Hex => self.encode_into(data, out),
        }
    }

    /// Encodes `data` into a scratch buffer (on the stack when small) and hands `f` the text.
    /// `Engine::encode_string` goes through a streaming writer and is several times slower
    /// than `encode_slice` for URL-sized inputs.
    fn with_text(self, data: &[u8], f: impl FnOnce(&str)) {
        let len = match self {
            TextEncoding::Hex => data.len() * 2,
            _ => base64::encoded_len(data.len(), true).unwrap_or(usize::MAX),
        };
        let mut stack = [0u8; STACK_TEXT];
        let mut heap = Vec::new();
        let buf = if len <= STACK_TEXT {
            &mut stack[..len]
        } else {
            heap.resize(len, 0);
            &mut heap[..]
        };
        let written = match self {
            TextEncoding::Base64 => STANDARD.encode_slice(data, buf).unwrap_or(0),
            TextEncoding::Base64UrlSafe => URL_SAFE.encode_slice(data, buf).unwrap_or(0),
            TextEncoding::Hex => {
                for (pair, byte) in buf.chunks_exact_mut(2).zip(data) {
                    pair[0] = HEX_DIGITS[usize::from(byte >> 4)];
                    pair[1] = HEX_DIGITS[usize::from(byte & 0x0f)];
                }
                len
            }
        };
        // All three encodings write ASCII only.
        if let Ok(text) = std::str::from_utf8(&buf[..written]) {
            f(text);
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
                (0..bytes.len()).step_by(2).map(|i| Ok(digit(i)? << 4 | digit(i + 1)?)).collect()
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
    use crate::url::QUERY_VALUE;
    use proptest::prelude::*;

    proptest! {
        /// The scratch-buffer encoder agrees with the `base64` crate, plain and percent-encoded,
        /// on both sides of the stack-buffer limit.
        #[test]
        fn encoder_matches_the_base64_crate(data in proptest::collection::vec(any::<u8>(), 0..1400)) {
            let cases = [
                (TextEncoding::Base64, STANDARD.encode(&data)),
                (TextEncoding::Base64UrlSafe, URL_SAFE.encode(&data)),
                (TextEncoding::Hex, hex::encode(&data)),
            ];
            for (encoding, expected) in cases {
                let (mut plain, mut query) = (String::from(">"), String::from(">"));
                encoding.encode_into(&data, &mut plain);
                encoding.encode_query_into(&data, &mut query);
                let escaped: String = percent_encoding::utf8_percent_encode(&expected, QUERY_VALUE).collect();
                prop_assert_eq!(&plain[1..], expected.as_str());
                prop_assert_eq!(&query[1..], escaped.as_str());
            }
        }
    }

    #[test]
    fn each_encoding_round_trips_and_rejects_garbage() {
        let data = [0u8, 0xfb, 0xff, 0x10, 0x7e];
        for encoding in [TextEncoding::Base64, TextEncoding::Base64UrlSafe, TextEncoding::Hex] {
            let mut text = String::new();
            encoding.encode_into(&data, &mut text);
            assert_eq!(encoding.decode(&text).ok().as_deref(), Some(&data[..]), "{encoding}");
            assert!(matches!(encoding.decode("not valid!"), Err(CryptoError::InvalidEncoding { .. })));
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
