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
    #[error("token id is {len} characters; it must be {MIN_LEN} to {MAX_LEN}")]
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
pub fn validate(id: &str) -> Result<(), TokenError> {
    let allowed = |b: u8| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'_' | b'-');
    if !id.bytes().all(allowed) {
        // Name the first bad character by its position in characters, not bytes.
        let bad = id.chars().enumerate().find(|&(_, c)| !(c.is_ascii() && allowed(c as u8)));
        if let Some((position, found)) = bad {
            return Err(TokenError::InvalidCharacter { found, position });
        }
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
}

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
