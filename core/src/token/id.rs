//! Token ids: the rule they follow, and how fresh ones are made.
//!
//! An id is only single-use if it is unique, so [`generate`] draws 128 bits from the OS random
//! source. Ids follow ID check's rule, which this SDK applies to every id it makes or accepts:
//! 8–64 characters of `[A-Za-z0-9._-]`, starting and ending with a letter or digit.

/// The shortest token id allowed.
pub const MIN_LEN: usize = 8;
/// The longest token id allowed.
pub const MAX_LEN: usize = 64;
/// The prefix of generated ids.
pub const PREFIX: &str = "tok_";

/// Random bytes in a generated id (128 bits).
const RANDOM_BYTES: usize = 16;
/// Lowercase RFC 4648 base32: letters and digits only, so ids start and end cleanly.
const BASE32: &[u8; 32] = b"abcdefghijklmnopqrstuvwxyz234567";
/// Base32 characters for 128 bits (26 × 5 = 130 ≥ 128).
const ENCODED_LEN: usize = 26;

/// Why a token id is not valid.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum TokenError {
    /// The id is shorter than [`MIN_LEN`] or longer than [`MAX_LEN`] characters.
    #[error("token id is {}; it must be {MIN_LEN} to {MAX_LEN}", crate::error::counted(*len, "character", "characters"))]
    InvalidLength {
        /// The id's length in characters.
        len: usize,
    },
    /// The id holds a character outside `[A-Za-z0-9._-]`.
    #[error(
        "token id has {found:?} at position {position}; only letters, digits, '.', '_' and '-' are allowed"
    )]
    InvalidCharacter {
        /// The offending character.
        found: char,
        /// Its position, counted in characters from 0.
        position: usize,
    },
    /// The id starts or ends with `.`, `_` or `-`.
    #[error("token id must start and end with a letter or digit")]
    InvalidEdge,
    /// The OS random source failed while generating an id.
    #[error("the OS random source failed: {reason}")]
    RandomSource {
        /// The OS error.
        reason: String,
    },
}

/// Checks a token id against the rule: 8–64 characters of `[A-Za-z0-9._-]`, starting and ending
/// with a letter or digit.
///
/// # Errors
/// The first rule broken, as a [`TokenError`].
#[inline]
pub fn validate(id: &str) -> Result<(), TokenError> {
    // The hot path of every URL with a token: a table, four bytes a step and then the last
    // three (which may overlap them), no early exit (an iterator's `fold` cost twice as much on
    // a 12-byte id), inlined into the caller.
    let bytes = id.as_bytes();
    let n = bytes.len();
    if (MIN_LEN..=MAX_LEN).contains(&n) {
        let class = |b: u8| ID_CLASS[usize::from(b)];
        let mut all = 0;
        for quad in bytes.chunks_exact(4) {
            all |= class(quad[0]) | class(quad[1]) | class(quad[2]) | class(quad[3]);
        }
        if n % 4 != 0 {
            all |= class(bytes[n - 3]) | class(bytes[n - 2]) | class(bytes[n - 1]);
        }
        if all & NOT_ID == 0 && class(bytes[0]) | class(bytes[n - 1]) == 0 {
            return Ok(());
        }
    }
    invalid(id)
}

/// The first rule `id` breaks, in the order [`validate`] states them.
#[cold]
#[inline(never)]
fn invalid(id: &str) -> Result<(), TokenError> {
    let allowed = |b: u8| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'_' | b'-');
    // Name the first bad character by its position in characters, not bytes.
    let bad = id.chars().enumerate().find(|&(_, c)| !(c.is_ascii() && allowed(c as u8)));
    if let Some((position, found)) = bad {
        return Err(TokenError::InvalidCharacter { found, position });
    }
    // Every character is ASCII now, so bytes are characters.
    let bytes = id.as_bytes();
    if !(MIN_LEN..=MAX_LEN).contains(&bytes.len()) {
        return Err(TokenError::InvalidLength { len: bytes.len() });
    }
    let edge_ok = |b: Option<&u8>| b.is_some_and(u8::is_ascii_alphanumeric);
    if !edge_ok(bytes.first()) || !edge_ok(bytes.last()) {
        return Err(TokenError::InvalidEdge);
    }
    Ok(())
}

/// In [`ID_CLASS`]: a byte a token id may not hold.
const NOT_ID: u8 = 2;
/// In [`ID_CLASS`]: `.`, `_` or `-`, which a token id may hold but not start or end with.
const NOT_EDGE: u8 = 1;

/// Each byte's class for a token id: 0 for ASCII letters and digits, [`NOT_EDGE`] for `.`, `_`
/// and `-`, [`NOT_ID`] for the others.
static ID_CLASS: [u8; 256] = {
    let mut table = [NOT_ID; 256];
    let mut b = 0;
    while b < 256 {
        let c = b as u8;
        if c.is_ascii_alphanumeric() {
            table[b] = 0;
        } else if c == b'.' || c == b'_' || c == b'-' {
            table[b] = NOT_EDGE;
        }
        b += 1;
    }
    table
};

/// Generates a fresh token id: `tok_` and 26 lowercase base32 characters carrying 128 bits from
/// the OS random source (30 characters in all).
///
/// # Errors
/// [`TokenError::RandomSource`] if the OS random source fails.
pub fn generate() -> Result<String, TokenError> {
    TokenGenerator::new().next_id()
}

/// Generates many token ids cheaply: it reads the OS random source in large blocks rather than
/// once per id, which matters when minting millions of links. Every id still carries 128 bits
/// straight from the OS source; used random bytes are wiped.
pub struct TokenGenerator {
    pool: Box<[u8; POOL]>,
    used: usize,
}

/// Random bytes fetched from the OS at once: 256 ids' worth.
const POOL: usize = RANDOM_BYTES * 256;

impl TokenGenerator {
    /// Makes a generator; it reads the OS random source on first use.
    pub fn new() -> TokenGenerator {
        TokenGenerator { pool: Box::new([0; POOL]), used: POOL }
    }

    /// The next fresh token id, as [`generate`] makes.
    ///
    /// # Errors
    /// [`TokenError::RandomSource`] if the OS random source fails.
    pub fn next_id(&mut self) -> Result<String, TokenError> {
        let mut id = String::with_capacity(PREFIX.len() + ENCODED_LEN);
        self.next_into(&mut id)?;
        Ok(id)
    }

    /// Appends the next fresh token id to `out`.
    ///
    /// # Errors
    /// [`TokenError::RandomSource`] if the OS random source fails; `out` is then unchanged.
    pub fn next_into(&mut self, out: &mut String) -> Result<(), TokenError> {
        if self.used + RANDOM_BYTES > POOL {
            getrandom::fill(&mut self.pool[..])
                .map_err(|e| TokenError::RandomSource { reason: e.to_string() })?;
            self.used = 0;
        }
        let chunk = &mut self.pool[self.used..self.used + RANDOM_BYTES];
        let value = u128::from_le_bytes(chunk.try_into().unwrap_or_default());
        chunk.fill(0);
        self.used += RANDOM_BYTES;

        out.push_str(PREFIX);
        for i in 0..ENCODED_LEN {
            let digit = (value >> (i * 5)) & 0x1f;
            out.push(char::from(BASE32[digit as usize]));
        }
        Ok(())
    }

    /// Appends a fresh token id that sorts by time: `tok_`, `now` in milliseconds as 10
    /// characters that sort as the times do, then the 26 characters of 128 random bits that
    /// [`next_into`](Self::next_into) makes (40 characters in all). Ids minted in one run sort
    /// together, so a bulk job that records them in an index (the SQLite ledger) appends to
    /// its end instead of touching a random page of it for every id. The id shows when it was
    /// minted, to whoever sees it (Argos, in webhooks); it is as unique as any other.
    ///
    /// # Errors
    /// [`TokenError::RandomSource`] if the OS random source fails; `out` is then unchanged.
    pub fn next_ordered_into(
        &mut self,
        now: std::time::SystemTime,
        out: &mut String,
    ) -> Result<(), TokenError> {
        let start = out.len();
        self.next_into(out)?;
        let ms = super::time::to_ms(now).clamp(0, (1 << (5 * TIME_LEN)) - 1) as u64;
        let mut stamp = [0u8; TIME_LEN];
        for (i, slot) in stamp.iter_mut().enumerate() {
            let shift = 5 * (TIME_LEN - 1 - i);
            *slot = SORTED_BASE32[((ms >> shift) & 0x1f) as usize];
        }
        let stamp = std::str::from_utf8(&stamp).unwrap_or_default();
        out.insert_str(start + PREFIX.len(), stamp);
        Ok(())
    }
}

/// Characters of the time in [`TokenGenerator::next_ordered_into`]: 50 bits of milliseconds.
const TIME_LEN: usize = 10;
/// The base32 characters in ASCII order, so that encoded numbers sort as the numbers do.
const SORTED_BASE32: &[u8; 32] = b"234567abcdefghijklmnopqrstuvwxyz";

impl Default for TokenGenerator {
    fn default() -> Self {
        TokenGenerator::new()
    }
}

impl Drop for TokenGenerator {
    fn drop(&mut self) {
        zeroize::Zeroize::zeroize(&mut self.pool[..]);
    }
}

impl std::fmt::Debug for TokenGenerator {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("TokenGenerator(<redacted>)")
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashSet;

    #[test]
    fn generated_ids_are_valid_and_distinct() {
        let mut generator = TokenGenerator::new();
        let ids: HashSet<String> = (0..2000).map(|_| generator.next_id().expect("random")).collect();
        assert_eq!(ids.len(), 2000);
        for id in &ids {
            assert_eq!(validate(id), Ok(()), "{id}");
            assert_eq!(id.len(), PREFIX.len() + ENCODED_LEN);
        }
        assert_eq!(validate(&generate().expect("random")), Ok(()));
    }

    #[test]
    fn generated_ids_use_every_bit() {
        // Across many ids each base32 position must take many values; a stuck position (a
        // bug in the bit slicing) would show as one value.
        let mut generator = TokenGenerator::new();
        let ids: Vec<String> = (0..512).map(|_| generator.next_id().expect("random")).collect();
        for position in PREFIX.len()..PREFIX.len() + ENCODED_LEN - 1 {
            let seen: HashSet<u8> = ids.iter().map(|id| id.as_bytes()[position]).collect();
            assert!(seen.len() > 16, "position {position} took {} values", seen.len());
        }
    }

    #[test]
    fn ordered_ids_sort_by_time_and_keep_their_random_part() {
        use std::time::{Duration, UNIX_EPOCH};
        let mut generator = TokenGenerator::new();
        let at = |ms: u64| UNIX_EPOCH + Duration::from_millis(ms);
        let mut ids = Vec::new();
        for ms in [0, 1, 31, 32, 1_762_914_193_588, 1_762_914_193_589, 1_762_914_193_589, 4_102_444_800_000] {
            let mut id = String::from("x");
            generator.next_ordered_into(at(ms), &mut id).expect("random");
            let id = id.split_off(1);
            assert_eq!(validate(&id), Ok(()), "{id}");
            assert_eq!(id.len(), PREFIX.len() + TIME_LEN + ENCODED_LEN);
            ids.push((ms, id));
        }
        for pair in ids.windows(2) {
            let (a, b) = (&pair[0].1[..PREFIX.len() + TIME_LEN], &pair[1].1[..PREFIX.len() + TIME_LEN]);
            assert!(a <= b && (a == b) == (pair[0].0 == pair[1].0), "{a} vs {b}");
        }
        assert_ne!(ids[5].1, ids[6].1, "the same millisecond, different ids");
        let distinct: HashSet<&str> = ids.iter().map(|(_, id)| &id[PREFIX.len() + TIME_LEN..]).collect();
        assert_eq!(distinct.len(), ids.len());
    }

    #[test]
    fn the_rule_is_enforced_at_its_boundaries() {
        assert_eq!(validate("abcdefg1"), Ok(()));
        assert_eq!(validate(&"a".repeat(64)), Ok(()));
        assert_eq!(validate("a.b_c-d9"), Ok(()));
        assert_eq!(validate("abcdefg"), Err(TokenError::InvalidLength { len: 7 }));
        assert_eq!(validate(&"a".repeat(65)), Err(TokenError::InvalidLength { len: 65 }));
        assert_eq!(validate(""), Err(TokenError::InvalidLength { len: 0 }));
        assert_eq!(validate("_abcdefgh"), Err(TokenError::InvalidEdge));
        assert_eq!(validate("abcdefgh-"), Err(TokenError::InvalidEdge));
        assert_eq!(validate("abcd efgh"), Err(TokenError::InvalidCharacter { found: ' ', position: 4 }));
        assert_eq!(validate("tökenid12"), Err(TokenError::InvalidCharacter { found: 'ö', position: 1 }));
        assert_eq!(validate("abc\ndefgh"), Err(TokenError::InvalidCharacter { found: '\n', position: 3 }));
    }
}
