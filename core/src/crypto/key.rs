use std::fmt;

use sha2::{Digest, Sha256};
use zeroize::{Zeroize, ZeroizeOnDrop, Zeroizing};

use super::{CryptoError, KeyDerivation};

/// A 32-byte AES-256 key, wiped from memory on drop and never printed.
///
/// Most projects make it with [`Key::derive`] from the FaceAuth project's API key (or its
/// dashboard `secretKey`); [`Key::from_bytes`] takes raw key bytes.
#[derive(Clone, Zeroize, ZeroizeOnDrop)]
pub struct Key {
    bytes: [u8; 32],
}

impl Key {
    /// Derives the key the default way: SHA-256 of the UTF-8 bytes of `key_string`, as typed.
    ///
    /// # Errors
    /// [`CryptoError::EmptyKey`] for an empty string, [`CryptoError::KeyWhitespace`] for one
    /// with leading or trailing white space (see [`check_key_text`]).
    pub fn derive(key_string: &str) -> Result<Key, CryptoError> {
        Key::derive_with(key_string, KeyDerivation::Sha256)
    }

    /// Derives the key with a named, non-default derivation (see [`KeyDerivation`]).
    ///
    /// # Errors
    /// [`CryptoError::EmptyKey`] or [`CryptoError::KeyWhitespace`] as [`check_key_text`] says;
    /// [`CryptoError::InvalidKeyLength`] when [`KeyDerivation::Raw32`] gets fewer than 32 bytes.
    pub fn derive_with(key_string: &str, derivation: KeyDerivation) -> Result<Key, CryptoError> {
        check_key_text(key_string)?;
        let digest = || Zeroizing::new(<[u8; 32]>::from(Sha256::digest(key_string.as_bytes())));
        let mut bytes = [0u8; 32];
        match derivation {
            KeyDerivation::Sha256 => bytes.copy_from_slice(&*digest()),
            KeyDerivation::Raw32 => {
                let raw = key_string.as_bytes();
                let prefix =
                    raw.get(..32).ok_or(CryptoError::InvalidKeyLength { expected: 32, actual: raw.len() })?;
                bytes.copy_from_slice(prefix);
            }
            KeyDerivation::HexPrefix => {
                const HEX: &[u8; 16] = b"0123456789abcdef";
                // 16 digest bytes make the first 32 hex characters.
                for (pair, byte) in bytes.chunks_exact_mut(2).zip(digest().iter()) {
                    pair[0] = HEX[usize::from(byte >> 4)];
                    pair[1] = HEX[usize::from(byte & 0x0f)];
                }
            }
        }
        Ok(Key { bytes })
    }

    /// Wraps 32 raw key bytes.
    pub fn from_bytes(bytes: [u8; 32]) -> Key {
        Key { bytes }
    }

    /// Copies raw key bytes from a slice.
    ///
    /// # Errors
    /// [`CryptoError::InvalidKeyLength`] unless the slice is exactly 32 bytes.
    pub fn from_slice(bytes: &[u8]) -> Result<Key, CryptoError> {
        let bytes: [u8; 32] = bytes
            .try_into()
            .map_err(|_| CryptoError::InvalidKeyLength { expected: 32, actual: bytes.len() })?;
        Ok(Key { bytes })
    }

    pub(crate) fn as_bytes(&self) -> &[u8; 32] {
        &self.bytes
    }
}

/// The one rule for key text, whatever its source (an argument, the environment, a file, a
/// binding): it must not be empty, and must not begin or end with white space.
///
/// A key copied with its line end (`\n`, `\r\n`) or a stray space would otherwise derive a
/// different AES key and silently make links Argos cannot open; refusing is the only answer
/// that never yields a different key. Key files are read by line, so their line end is not
/// part of the key.
///
/// # Errors
/// [`CryptoError::EmptyKey`] or [`CryptoError::KeyWhitespace`].
pub fn check_key_text(key_string: &str) -> Result<(), CryptoError> {
    if key_string.is_empty() {
        return Err(CryptoError::EmptyKey);
    }
    if key_string.starts_with(char::is_whitespace) || key_string.ends_with(char::is_whitespace) {
        return Err(CryptoError::KeyWhitespace);
    }
    Ok(())
}

impl fmt::Debug for Key {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Key(<redacted>)")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn derivations_follow_the_spec() {
        let key = "0123456789abcdefghijABCDEFGHIJ0123456789";
        let sha = Key::derive(key).map(|k| *k.as_bytes());
        assert_eq!(sha.ok(), Some(<[u8; 32]>::from(Sha256::digest(key.as_bytes()))));

        let raw = Key::derive_with(key, KeyDerivation::Raw32).map(|k| *k.as_bytes());
        assert_eq!(raw.ok().as_ref().map(|b| &b[..]), Some(&key.as_bytes()[..32]));

        let hex_digest = hex::encode(Sha256::digest(key.as_bytes()));
        let prefix = Key::derive_with(key, KeyDerivation::HexPrefix).map(|k| *k.as_bytes());
        assert_eq!(prefix.ok().as_ref().map(|b| &b[..]), Some(&hex_digest.as_bytes()[..32]));
    }

    #[test]
    fn bad_key_material_is_a_typed_error() {
        assert_eq!(Key::derive("").err(), Some(CryptoError::EmptyKey));
        for padded in ["key\n", "key\r\n", "key ", " key", "\tkey", "key\u{a0}", "\n"] {
            for derivation in [KeyDerivation::Sha256, KeyDerivation::Raw32, KeyDerivation::HexPrefix] {
                assert_eq!(Key::derive_with(padded, derivation).err(), Some(CryptoError::KeyWhitespace));
            }
        }
        // White space inside a key is the key's own business.
        assert!(Key::derive("two words").is_ok());
        assert_eq!(
            Key::derive_with("short", KeyDerivation::Raw32).err(),
            Some(CryptoError::InvalidKeyLength { expected: 32, actual: 5 })
        );
        assert_eq!(
            Key::from_slice(&[0u8; 31]).err(),
            Some(CryptoError::InvalidKeyLength { expected: 32, actual: 31 })
        );
    }

    #[test]
    fn debug_is_redacted() {
        let key = Key::from_bytes([0x41; 32]);
        assert_eq!(format!("{key:?}"), "Key(<redacted>)");
    }
}
