use std::borrow::Cow;
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

/// The query form of a partial group's third symbol (the input's last 4 bits, shifted) and the
/// `=` that pads it, for each of the 16 values: up to 6 bytes, their length in the top 3 bits.
const fn third_forms(alphabet: &[u8; 64]) -> [u64; 16] {
    let mut thirds = [0u64; 16];
    let mut i = 0;
    while i < 16 {
        let (a, pad) = (query_form(alphabet[i << 2]), query_form(b'='));
        thirds[i] = joined(a, pad);
        i += 1;
    }
    thirds
}

/// Two query forms (`query_form`'s bytes and length) one after the other, as a table entry: up
/// to 6 bytes little-endian from the low byte, their length in the top 3 bits (`form >> 61`:
/// no mask needed, and the bound it gives lets the compiler drop the windows' bounds checks).
const fn joined(a: [u8; 4], b: [u8; 4]) -> u64 {
    let (la, lb) = (a[3] as usize, b[3] as usize);
    let mut bytes = [0u8; 8];
    let mut j = 0;
    while j < la {
        bytes[j] = a[j];
        j += 1;
    }
    j = 0;
    while j < lb {
        bytes[la + j] = b[j];
        j += 1;
    }
    bytes[7] = ((la + lb) as u8) << 5;
    u64::from_le_bytes(bytes)
}

/// The query forms of every pair of symbols of an alphabet (12 bits of input): up to 6 bytes of
/// text, little-endian from the low byte, and their length in the top 3 bits.
const fn pair_forms(alphabet: &[u8; 64]) -> [u64; 4096] {
    let mut pairs = [0u64; 4096];
    let mut i = 0;
    while i < 4096 {
        let (a, b) = (query_form(alphabet[i >> 6]), query_form(alphabet[i & 63]));
        pairs[i] = joined(a, b);
        i += 1;
    }
    pairs
}

const STANDARD_ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
const URL_SAFE_ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
static STANDARD_THIRDS: [u64; 16] = third_forms(STANDARD_ALPHABET);
static URL_SAFE_THIRDS: [u64; 16] = third_forms(URL_SAFE_ALPHABET);
static STANDARD_PAIRS: [u64; 4096] = pair_forms(STANDARD_ALPHABET);
static URL_SAFE_PAIRS: [u64; 4096] = pair_forms(URL_SAFE_ALPHABET);

/// Base64-encodes `data` straight into its percent-encoded query form at the start of `buf`
/// and returns its length (`None` if `buf` is too small; [`TextEncoding::query_room`] bytes
/// always do), in one pass and
/// without a branch per symbol. Each 12 bits of input are one lookup in a table of the forms
/// of every pair of symbols (32 KiB), one 8-byte store where the text so far ends, and one
/// length addition; 12 bytes of input go into one 57-byte window of `buf`, one bounds check.
/// Escaping the crate's base64 output afterwards cost more than the encryption: the few `+`,
/// `/` among random letters defeat branch prediction.
#[inline(always)]
fn base64_query(data: &[u8], buf: &mut [u8], thirds: &[u64; 16], pairs: &[u64; 4096]) -> Option<usize> {
    // The four pair forms of 6 bytes (read as one 8-byte word while 2 more bytes follow them),
    // each stored whole where the text so far ends; `at` advances by their lengths (2–6).
    let put6 = |window: &mut [u8], mut at: usize, word: u64| {
        for shift in [52, 40, 28, 16] {
            let form = pairs[(word >> shift & 0xfff) as usize];
            window[at..at + 8].copy_from_slice(&form.to_le_bytes());
            at += (form >> 61) as usize;
        }
        at
    };
    let word_at = |i: usize| u64::from_be_bytes(<[u8; 8]>::try_from(&data[i..i + 8]).unwrap_or([0; 8]));
    let mut len = 0;
    let mut i = 0;
    while i + 14 <= data.len() {
        // At most 8 × 6 bytes of text and the last store's 8; sized for 7 a form (all that
        // `form >> 61` tells the compiler), so that no store in it is checked again.
        let window = buf.get_mut(len..len + 57)?;
        let at = put6(window, 0, word_at(i));
        len += put6(window, at, word_at(i + 6));
        i += 12;
    }
    if i + 8 <= data.len() {
        len += put6(buf.get_mut(len..len + 32)?, 0, word_at(i));
        i += 6;
    }
    // The last 0–7 bytes: whole groups (two pair forms each), then a partial one that '='
    // pads, in one window: at most 5 forms of 6 bytes and the last store's 8 (sized for 7 a
    // form, as above).
    let tail = buf.get_mut(len..len + 43)?;
    let mut at = 0;
    let mut put = |form: u64| {
        tail[at..at + 8].copy_from_slice(&form.to_le_bytes());
        at += (form >> 61) as usize;
    };
    while i + 3 <= data.len() {
        let n = usize::from(data[i]) << 16 | usize::from(data[i + 1]) << 8 | usize::from(data[i + 2]);
        put(pairs[n >> 12]);
        put(pairs[n & 0xfff]);
        i += 3;
    }
    // `==` in query form, with its length.
    const PAD2: u64 = u64::from_le_bytes([b'%', b'3', b'D', b'%', b'3', b'D', 0, 6 << 5]);
    match data[i..] {
        [a] => {
            put(pairs[usize::from(a) << 4]);
            put(PAD2);
        }
        [a, b] => {
            let n = usize::from(a) << 8 | usize::from(b);
            put(pairs[n >> 4]);
            put(thirds[n & 0xf]);
        }
        _ => {}
    }
    Some(len + at)
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
    #[cfg(test)]
    pub(crate) fn encode_query_into(self, data: &[u8], out: &mut String) {
        let mut buf = vec![0; self.query_room(data.len())];
        let len = self.write_query(data, &mut buf).expect("room");
        out.push_str(std::str::from_utf8(&buf[..len]).expect("ASCII"));
    }

    /// The room [`TextEncoding::write_query`] needs for `len` bytes of data: 4 symbols per
    /// 3 bytes, 3 bytes per escaped symbol, and slack for whole-word stores past the text (the
    /// last bytes' window).
    pub(crate) fn query_room(self, len: usize) -> usize {
        match self {
            TextEncoding::Hex => len * 2,
            _ => len.div_ceil(3) * 12 + 43,
        }
    }

    /// Writes the text form of `data`, percent-encoded for a URL query value (everything but
    /// RFC 3986 unreserved characters becomes `%XX`), at the start of `buf` and returns its
    /// length, or `None` if it may not fit: [`TextEncoding::query_room`] bytes always do, and a
    /// smaller buffer does for most data (few symbols are escaped). The text is ASCII.
    pub(crate) fn write_query(self, data: &[u8], buf: &mut [u8]) -> Option<usize> {
        match self {
            TextEncoding::Base64 => base64_query(data, buf, &STANDARD_THIRDS, &STANDARD_PAIRS),
            TextEncoding::Base64UrlSafe => base64_query(data, buf, &URL_SAFE_THIRDS, &URL_SAFE_PAIRS),
            // Hex digits are all unreserved.
            TextEncoding::Hex => {
                let buf = buf.get_mut(..data.len() * 2)?;
                for (pair, byte) in buf.chunks_exact_mut(2).zip(data) {
                    pair[0] = HEX_DIGITS[usize::from(byte >> 4)];
                    pair[1] = HEX_DIGITS[usize::from(byte & 0x0f)];
                }
                Some(data.len() * 2)
            }
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

    /// Reads ciphertext text the way people and tools hand it over, ready for decoding:
    ///
    /// - whitespace around the text is ignored;
    /// - `%XX` escapes of a base64 character or `=` (`%2B`, `%2F`, `%3D`, either case) are
    ///   decoded: text copied from a URL;
    /// - in base64, a space inside a line is a `+` that form decoding (`application/x-www-form-
    ///   urlencoded`) turned into a space, while line breaks (`\n` or `\r\n`: base64 wrapped at
    ///   64 or 76 columns, PEM or MIME style), blank lines, tabs, the spaces before the first
    ///   line and the indentation that the other lines share are removed;
    /// - spaces at either end of a line are whitespace, except in standard base64 where they
    ///   must be `+`s: a single line that is not whole 4-character groups without them, a
    ///   wrapped line that is short of the wrapping width, or spaces beyond the shared
    ///   indentation;
    /// - in hex, which has no `+`, every space and line break is removed.
    ///
    /// Which alphabet is accepted stays the encoding's own: `-` and `_` are URL-safe base64 only,
    /// `+` and `/` standard base64 only. Text that needs none of this comes back borrowed, without
    /// allocating; anything that is still not valid is left for decoding to reject.
    pub fn read(self, given: &str) -> (Cow<'_, str>, Normalization) {
        let text = given.trim_ascii();
        let mut applied = Normalization::default();
        // Standard base64 is 4-character groups: a text that is not may have lost a '+' at an end.
        let whole_groups = self != TextEncoding::Base64 || text.len() % 4 == 0;
        if whole_groups && !may_need_reading(text.as_bytes()) {
            return (Cow::Borrowed(text), applied);
        }
        // Each line without its tabs and other non-space whitespace, escapes decoded; no blanks.
        let mut lines: Vec<Vec<u8>> = Vec::new();
        for line in given.split(['\n', '\r']) {
            let mut bytes: Vec<u8> =
                line.bytes().filter(|&b| b == b' ' || !b.is_ascii_whitespace()).collect();
            applied.whitespace_removed |= bytes.len() != line.len();
            applied.percent_decoded |= unescape_all(&mut bytes);
            if bytes.iter().any(|&b| b != b' ') {
                lines.push(bytes);
            }
        }
        applied.whitespace_removed |= lines.len() > 1;
        let spaces = |line: &[u8], from_end: bool| {
            let count = |b: &&u8| **b == b' ';
            if from_end {
                line.iter().rev().take_while(count).count()
            } else {
                line.iter().take_while(count).count()
            }
        };
        // Indentation is what the lines after the first share: spaces before the first line
        // belong to whatever came before the text.
        let indent = lines.iter().skip(1).map(|line| spaces(line, false)).min().unwrap_or(0);
        // A line's leading spaces that may be '+'s (none for the first line of several), and
        // where its trailing spaces start.
        let edges = |i: usize, line: &[u8]| {
            let lead = match (i, lines.len()) {
                (0, 1) => spaces(line, false),
                (0, _) => 0,
                _ => spaces(line, false) - indent,
            };
            (lead, line.len() - spaces(line, true))
        };
        // The width the text was wrapped at: the longest of its full lines, without spaces at
        // their ends (wrong only if every full line ended with a '+').
        let width = lines
            .iter()
            .enumerate()
            .rev()
            .skip(1)
            .map(|(i, line)| edges(i, line).0 + line.len() - spaces(line, false) - spaces(line, true))
            .max();

        let mut out = Vec::with_capacity(text.len());
        let last = lines.len().saturating_sub(1);
        for (i, line) in lines.iter().enumerate() {
            if self == TextEncoding::Hex {
                out.extend(line.iter().filter(|&&b| b != b' '));
                applied.whitespace_removed |= line.contains(&b' ');
                continue;
            }
            let (lead, end) = edges(i, line);
            let trail = line.len() - end;
            let inner = &line[spaces(line, false)..end];
            applied.spaces_as_plus |= inner.contains(&b' ');
            let inner = inner.iter().map(|&b| if b == b' ' { b'+' } else { b });
            // Spaces at either end of a line: '+' only in standard base64, and only where the
            // wrapping width or the 4-character groups say so; otherwise whitespace.
            let (lead, trail) = match (self, lines.len(), i == last) {
                (TextEncoding::Base64, 1, _) => {
                    let len = inner.len();
                    let padded = line[..end].ends_with(b"=");
                    let trail = if padded { 0 } else { trail };
                    [(0, 0), (lead, 0), (0, trail), (lead, trail)]
                        .into_iter()
                        .find(|(l, t)| (len + l + t) % 4 == 0)
                        .unwrap_or((0, 0))
                }
                (TextEncoding::Base64, _, false) => {
                    let room = width.unwrap_or(0).saturating_sub(lead + inner.len());
                    (lead, trail.min(room))
                }
                (TextEncoding::Base64, _, true) => {
                    let len = out.len() + lead + inner.len();
                    let padded = line[..end].ends_with(b"=");
                    let fill = (0..=if padded { 0 } else { trail }).find(|t| (len + t) % 4 == 0);
                    (lead, fill.unwrap_or(0))
                }
                _ => (0, 0),
            };
            applied.spaces_as_plus |= lead + trail > 0;
            out.extend(std::iter::repeat_n(b'+', lead));
            out.extend(inner);
            out.extend(std::iter::repeat_n(b'+', trail));
        }
        // An escape cut by a line break.
        applied.percent_decoded |= unescape_all(&mut out);
        // Only ASCII bytes were dropped or put in, so the text is still UTF-8.
        let text =
            String::from_utf8(out).unwrap_or_else(|e| String::from_utf8_lossy(e.as_bytes()).into_owned());
        (Cow::Owned(text), applied)
    }

    /// Reads `text` (see [`TextEncoding::read`]) and decodes it into bytes, with an error that
    /// says what is wrong and where; also says what reading changed.
    pub(crate) fn read_and_decode(self, text: &str) -> Result<(Vec<u8>, Normalization), CryptoError> {
        // Text that decodes as it is, the usual case, is text that reading leaves as it is (it
        // has no whitespace, no '%', and whole groups): decode it without looking twice.
        if text.is_empty() {
            return Err(CryptoError::EmptyCiphertext);
        }
        if let Ok(bytes) = self.decode_clean(text) {
            return Ok((bytes, Normalization::default()));
        }
        let (clean, applied) = self.read(text);
        if clean.is_empty() {
            return Err(CryptoError::EmptyCiphertext);
        }
        match self.decode_clean(&clean) {
            Ok(bytes) => Ok((bytes, applied)),
            Err(reason) => {
                Err(CryptoError::InvalidEncoding { encoding: self, reason: self.explain(text, reason) })
            }
        }
    }

    /// Reads and decodes text into bytes, with an error that says what is wrong and where.
    pub(crate) fn decode(self, text: &str) -> Result<Vec<u8>, CryptoError> {
        self.read_and_decode(text).map(|(bytes, _)| bytes)
    }

    /// True for the characters of this encoding's alphabet (and `=` padding for base64).
    fn accepts(self, b: u8) -> bool {
        match self {
            TextEncoding::Base64 => b.is_ascii_alphanumeric() || matches!(b, b'+' | b'/' | b'='),
            TextEncoding::Base64UrlSafe => b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'='),
            TextEncoding::Hex => b.is_ascii_hexdigit(),
        }
    }

    /// Why `text` does not decode: the first character outside the alphabet, by its position in
    /// the text as given, or else `reason`, what decoding the text as read found.
    fn explain(self, text: &str, reason: String) -> String {
        // Base64 reads a space as '+', hex drops it; URL-safe base64 has no '+'.
        let space = self != TextEncoding::Base64UrlSafe;
        match first_foreign(text, |b| self.accepts(b) || (space && b == b' ')) {
            Some((position, c)) => format!("character {c:?} at position {position}"),
            None => reason,
        }
    }

    /// Decodes text that [`TextEncoding::read`] has read; the error says what is wrong.
    fn decode_clean(self, text: &str) -> Result<Vec<u8>, String> {
        match self {
            TextEncoding::Base64 => STANDARD.decode(text).map_err(base64_reason),
            TextEncoding::Base64UrlSafe => URL_SAFE.decode(text).map_err(base64_reason),
            TextEncoding::Hex => {
                let bytes = text.as_bytes();
                if let Some(offset) = bytes.iter().position(|b| !b.is_ascii_hexdigit()) {
                    let c = text[offset..].chars().next().unwrap_or('?');
                    return Err(format!("invalid hex digit {c:?} at offset {offset}"));
                }
                if bytes.len() % 2 != 0 {
                    return Err(format!("odd number of hex digits ({})", bytes.len()));
                }
                let digit = |c: u8| char::from(c).to_digit(16).map_or(0, |d| d as u8);
                Ok(bytes.chunks_exact(2).map(|pair| digit(pair[0]) << 4 | digit(pair[1])).collect())
            }
        }
    }
}

/// What [`TextEncoding::read`] changed in a ciphertext text before decoding it (whitespace
/// around the text does not count).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub struct Normalization {
    /// `%XX` escapes of base64 characters were decoded (text copied from a URL).
    pub percent_decoded: bool,
    /// Spaces inside a line were read as `+` (form decoding turns an unescaped `+` into a space).
    pub spaces_as_plus: bool,
    /// Whitespace inside the text was removed: the line breaks of wrapped base64, indentation,
    /// tabs, or the spaces between hex digits.
    pub whitespace_removed: bool,
}

impl Normalization {
    /// True when the text was decoded as given.
    pub fn is_empty(&self) -> bool {
        *self == Normalization::default()
    }
}

impl fmt::Display for Normalization {
    /// What was done, comma-separated (`percent-decoded, spaces read as '+'`), or `none`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let done = [
            (self.percent_decoded, "percent-decoded"),
            (self.spaces_as_plus, "spaces read as '+'"),
            (self.whitespace_removed, "whitespace removed"),
        ];
        let mut first = true;
        for (_, what) in done.iter().filter(|(applied, _)| *applied) {
            f.write_str(if first { "" } else { ", " })?;
            f.write_str(what)?;
            first = false;
        }
        if first {
            f.write_str("none")?;
        }
        Ok(())
    }
}

/// False when `bytes` hold no whitespace and no `%`, so that reading leaves them as they are.
/// Control characters count too (they are kept, and decoding rejects them). Without an early
/// exit the loop vectorizes: this runs on every decryption.
fn may_need_reading(bytes: &[u8]) -> bool {
    bytes.iter().fold(0u8, |found, &b| found | u8::from(b <= b' ') | u8::from(b == b'%')) != 0
}

/// Decodes in place the `%XX` escapes that [`unescape`] takes; true if there were any.
fn unescape_all(bytes: &mut Vec<u8>) -> bool {
    if !bytes.contains(&b'%') {
        return false;
    }
    let (mut read, mut write, mut any) = (0, 0, false);
    while read < bytes.len() {
        let decoded = if bytes[read] == b'%' { unescape(bytes.get(read + 1..read + 3)) } else { None };
        bytes[write] = decoded.unwrap_or(bytes[read]);
        any |= decoded.is_some();
        read += if decoded.is_some() { 3 } else { 1 };
        write += 1;
    }
    bytes.truncate(write);
    any
}

/// The byte a `%XX` escape stands for, if `digits` are two hex digits and the byte is a base64
/// character (either alphabet) or `=`; other escapes are left as they are.
fn unescape(digits: Option<&[u8]>) -> Option<u8> {
    let &[high, low] = digits? else { return None };
    let value = |c: u8| char::from(c).to_digit(16);
    let b = (value(high)? << 4 | value(low)?) as u8;
    (b.is_ascii_alphanumeric() || matches!(b, b'+' | b'/' | b'=' | b'-' | b'_')).then_some(b)
}

/// The first character of `text` that is neither whitespace, nor a `%XX` escape of a byte that
/// `accept`s, nor itself accepted; with its position, counted in characters from 0.
pub(crate) fn first_foreign(text: &str, accept: impl Fn(u8) -> bool) -> Option<(usize, char)> {
    // Whitespace around the text is ignored: count it, all ASCII, and skip it.
    let lead = text.len() - text.trim_ascii_start().len();
    let text = text.trim_ascii();
    let bytes = text.as_bytes();
    let mut skip = 0;
    for (position, (offset, c)) in text.char_indices().enumerate() {
        if skip > 0 {
            skip -= 1;
            continue;
        }
        if (c.is_ascii_whitespace() && c != ' ') || (c == ' ' && accept(b' ')) {
            continue;
        }
        // The escape's two hex digits are ASCII: one character each.
        if c == '%' && unescape(bytes.get(offset + 1..offset + 3)).is_some_and(&accept) {
            skip = 2;
            continue;
        }
        if !(c.is_ascii() && accept(c as u8)) {
            return Some((lead + position, c));
        }
    }
    None
}

/// What a `base64` decoding error means, in words. Offsets count characters of the text as
/// read.
fn base64_reason(err: base64::DecodeError) -> String {
    use base64::DecodeError;
    match err {
        DecodeError::InvalidByte(offset, b'=') => format!("'=' before the end, at offset {offset}"),
        DecodeError::InvalidByte(offset, b) => format!("character {:?} at offset {offset}", char::from(b)),
        DecodeError::InvalidLength(len) => {
            format!("{len} base64 characters cannot end a text (is it cut short?)")
        }
        DecodeError::InvalidLastSymbol(offset, b) => format!(
            "the last character {:?} at offset {offset} has stray bits (is the text cut short or altered?)",
            char::from(b)
        ),
        DecodeError::InvalidPadding => {
            "the '=' padding is missing or wrong (is the text cut short?)".to_owned()
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

    /// `query_room` always suffices, even when every symbol is escaped (`0xff` bytes are all
    /// `/`), and a smaller buffer gives `None` or the whole text, never a panic or a cut text.
    #[test]
    fn query_text_fits_its_room_and_too_small_a_buffer_is_refused() {
        for len in 0..=300 {
            for data in [vec![0xff; len], (0..len).map(|i| (i * 37) as u8).collect::<Vec<u8>>()] {
                for encoding in [TextEncoding::Base64, TextEncoding::Base64UrlSafe, TextEncoding::Hex] {
                    let mut expected = String::new();
                    encoding.encode_into(&data, &mut expected);
                    let expected: String =
                        percent_encoding::utf8_percent_encode(&expected, QUERY_VALUE).collect();
                    let room = encoding.query_room(len);
                    for size in [0, expected.len(), expected.len() + 20, room.saturating_sub(1), room] {
                        let mut buf = vec![0; size];
                        match encoding.write_query(&data, &mut buf) {
                            Some(n) => assert_eq!(&buf[..n], expected.as_bytes(), "{encoding} {len} {size}"),
                            None => assert!(size < room, "{encoding} {len}: refused its room"),
                        }
                    }
                }
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

#[cfg(test)]
mod reading {
    use super::*;

    fn read(encoding: TextEncoding, text: &str) -> (String, Normalization) {
        let (text, applied) = encoding.read(text);
        (text.into_owned(), applied)
    }

    #[test]
    fn clean_text_is_borrowed_and_unchanged() {
        for text in ["Xvg7+uxP/li=", "  Xvg7+uxP/li=\r\n", "0aFF"] {
            let (read, applied) = TextEncoding::Base64.read(text);
            assert!(matches!(read, Cow::Borrowed(_)), "{text:?}");
            assert_eq!(read, text.trim());
            assert!(applied.is_empty(), "{text:?}: {applied}");
        }
    }

    #[test]
    fn spaces_in_a_line_are_plus_and_line_breaks_are_dropped() {
        let base64 = TextEncoding::Base64;
        assert_eq!(
            read(base64, "ab cd  ef"),
            ("ab+cd++ef".into(), Normalization { spaces_as_plus: true, ..Default::default() })
        );
        let wrapped = read(base64, "  abcd\r\n  efgh \r\n  ij+k\n\t  lm==\n");
        assert_eq!(wrapped.0, "abcdefghij+klm==");
        assert_eq!(wrapped.1, Normalization { whitespace_removed: true, ..Default::default() });
        // Form-decoded and wrapped: the space inside a line is still a '+'.
        assert_eq!(read(base64, "ab c\nd ef").0, "ab+cd+ef");
        assert_eq!(read(base64, "a\tb").0, "ab");
        // Wrapped and form-decoded: a line short of the width had a '+' at its end.
        assert_eq!(read(base64, "abcd\n efg\nhij \nk l=\n").0, "abcd+efghij+k+l=");
        assert_eq!(read(base64, "    abcd\n     efg\n    hij \n    k l=  \n").0, "abcd+efghij+k+l=");
        assert_eq!(read(base64, "abcd   \nefgh   \nij==   \n").0, "abcdefghij==");
        // Spaces before the first line are not part of the text; after it, beyond the shared
        // indentation, they are.
        assert_eq!(read(base64, "   abcd\nefgh\nij==\n").0, "abcdefghij==");
        assert_eq!(read(base64, "   abcd\n  efgh\n   fgh\n  ij==\n").0, "abcdefgh+fghij==");
        // A '+' at either end of one line, turned into a space: length says it was one.
        assert_eq!(read(base64, " bcd efg\n").0, "+bcd+efg");
        assert_eq!(read(base64, "abcd ef ").0, "abcd+ef+");
        assert_eq!(read(base64, " cd efg=   ").0, "+cd+efg=");
        assert_eq!(read(base64, " abcd efgh ").0, "abcd+efgh");
        assert_eq!(read(TextEncoding::Base64UrlSafe, " abc").0, "abc");
    }

    #[test]
    fn escapes_of_base64_characters_are_decoded_in_either_case() {
        let (text, applied) = read(TextEncoding::Base64, "a%2Bb%2fc%3D%3d");
        assert_eq!(text, "a+b/c==");
        assert!(applied.percent_decoded && !applied.spaces_as_plus && !applied.whitespace_removed);
        assert_eq!(applied.to_string(), "percent-decoded");
        // Other escapes, and broken ones, are left for decoding to reject.
        assert_eq!(read(TextEncoding::Base64, "a%20b%zz%4").0, "a%20b%zz%4");
        assert_eq!(read(TextEncoding::Base64UrlSafe, "a%2Db%5f").0, "a-b_");
    }

    #[test]
    fn hex_drops_every_space() {
        let (text, applied) = read(TextEncoding::Hex, "0a 1b\n2c  3d");
        assert_eq!(text, "0a1b2c3d");
        assert_eq!(applied, Normalization { whitespace_removed: true, ..Default::default() });
        assert_eq!(TextEncoding::Hex.decode("0a 1B\r\n2c").ok(), Some(vec![0x0a, 0x1b, 0x2c]));
    }

    #[test]
    fn errors_name_the_first_foreign_character_where_it_was_given() {
        let reason = |encoding: TextEncoding, text: &str| match encoding.decode(text) {
            Err(CryptoError::InvalidEncoding { reason, .. }) => reason,
            other => panic!("{text:?}: {other:?}"),
        };
        assert_eq!(reason(TextEncoding::Base64, "  hello world!"), "character '!' at position 13");
        assert_eq!(reason(TextEncoding::Base64, "%2Babc-"), "character '-' at position 6");
        assert_eq!(reason(TextEncoding::Base64UrlSafe, "ab cd"), "character ' ' at position 2");
        assert_eq!(reason(TextEncoding::Hex, "0a 1g"), "character 'g' at position 4");
        assert_eq!(reason(TextEncoding::Hex, "0a 1"), "odd number of hex digits (3)");
        assert!(reason(TextEncoding::Base64, "AAAAA").contains("cut short"));
        assert_eq!(TextEncoding::Base64.decode(" \r\n "), Err(CryptoError::EmptyCiphertext));
    }
}
