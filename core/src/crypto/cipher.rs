use std::fmt;

use aes::cipher::block_padding::Pkcs7;
use aes::cipher::consts::U16;
use aes::cipher::crypto_common::InnerInit;
use aes::cipher::generic_array::GenericArray;
use aes::cipher::{
    BlockBackend, BlockClosure, BlockDecryptMut, BlockEncrypt, BlockEncryptMut, BlockSizeUser, InnerIvInit,
    KeyInit,
};
use aes::Aes256;
use aes_gcm::aead::AeadInPlace;
use aes_gcm::{Aes256Gcm, Nonce, Tag};
use zeroize::Zeroizing;

use super::variant::{CbcIv, GcmLayout, Mode};
use super::{CryptoError, Key, NonceSource, Normalization, Scheme, Variant};

const BLOCK: usize = 16;
const CBC_IV: usize = 16;
const GCM_NONCE: usize = 12;
const GCM_TAG: usize = 16;

/// The expanded key schedule, computed once per cipher, with the mode that uses it.
#[derive(Clone)]
enum Engine {
    /// The raw block cipher (encryption and decryption schedules).
    Ecb(Box<Aes256>),
    /// The raw block cipher, and where the IV comes from.
    Cbc(Box<Aes256>, CbcIv),
    /// The block cipher and its GHASH key, and where the tag goes.
    Gcm(Box<Aes256Gcm>, GcmLayout),
}

/// A reusable encryptor/decryptor for one key and one [`Variant`].
///
/// The AES key schedule is expanded once, in the constructor; `encrypt` and `decrypt` take
/// `&self`, so one `Cipher` can serve many threads. Key material is wiped on drop.
#[derive(Clone)]
pub struct Cipher {
    variant: Variant,
    engine: Engine,
    /// The IV of the fixed-IV CBC variants (`cbc-keyiv` copies key bytes, so it is secret).
    fixed_iv: Zeroizing<[u8; CBC_IV]>,
    /// The key, for [`Cipher::sibling`]; wiped on drop.
    key: Key,
}

impl Cipher {
    /// Makes a cipher for `key` and the default variant of `scheme`.
    pub fn new(key: &Key, scheme: Scheme) -> Cipher {
        Cipher::with_variant(key, scheme.variant())
    }

    /// Makes a cipher for `key` and a named variant. The key is used as given: the variant's
    /// [`KeyDerivation`](super::KeyDerivation) applies only in [`Cipher::from_key_string`].
    pub fn with_variant(key: &Key, variant: Variant) -> Cipher {
        let bytes = key.as_bytes();
        let engine = match variant.mode() {
            Mode::Ecb => Engine::Ecb(Box::new(Aes256::new(bytes.into()))),
            Mode::Cbc(source) => Engine::Cbc(Box::new(Aes256::new(bytes.into())), source),
            Mode::Gcm(layout) => Engine::Gcm(Box::new(Aes256Gcm::new(bytes.into())), layout),
        };
        let mut fixed_iv = Zeroizing::new([0u8; CBC_IV]);
        if variant.mode() == Mode::Cbc(CbcIv::FromKey) {
            fixed_iv.copy_from_slice(&bytes[..CBC_IV]);
        }
        Cipher { variant, engine, fixed_iv, key: key.clone() }
    }

    /// A cipher for `variant` with this cipher's key, if `variant` derives its key from the key
    /// string as this one's does (so the same key bytes are what it would use): how
    /// [`inspect`](crate::url::inspect) finds the scheme a link was made with.
    pub(crate) fn sibling(&self, variant: Variant) -> Option<Cipher> {
        (variant.key_derivation() == self.variant.key_derivation())
            .then(|| Cipher::with_variant(&self.key, variant))
    }

    /// Derives the key from a key string the way `variant` says, and makes the cipher.
    ///
    /// # Errors
    /// As [`Key::derive_with`].
    pub fn from_key_string(key_string: &str, variant: Variant) -> Result<Cipher, CryptoError> {
        let key = Key::derive_with(key_string, variant.key_derivation())?;
        Ok(Cipher::with_variant(&key, variant))
    }

    /// The variant this cipher implements.
    pub fn variant(&self) -> Variant {
        self.variant
    }

    /// Encrypts UTF-8 text and returns the ciphertext as text (base64 unless the variant says
    /// otherwise). CBC and GCM draw a fresh IV/nonce from the OS for every call.
    ///
    /// # Errors
    /// [`CryptoError::RandomSource`] if the OS random source fails (CBC and GCM only).
    pub fn encrypt(&self, plaintext: &str) -> Result<String, CryptoError> {
        self.encrypt_bytes(plaintext.as_bytes())
    }

    /// Encrypts bytes; otherwise as [`Cipher::encrypt`].
    ///
    /// # Errors
    /// As [`Cipher::encrypt`].
    pub fn encrypt_bytes(&self, plaintext: &[u8]) -> Result<String, CryptoError> {
        let mut out = String::new();
        self.encrypt_to(plaintext, &mut out)?;
        Ok(out)
    }

    /// Encrypts bytes and appends the ciphertext text to `out`, for callers that reuse buffers.
    ///
    /// # Errors
    /// As [`Cipher::encrypt`]; `out` is left as it was on error.
    pub fn encrypt_to(&self, plaintext: &[u8], out: &mut String) -> Result<(), CryptoError> {
        self.seal(plaintext, IvFrom::Os, out)
    }

    /// Encrypts with a caller-chosen IV (CBC, 16 bytes) or nonce (GCM, 12 bytes).
    ///
    /// Dangerous: reusing an IV with CBC leaks equal prefixes, and reusing a GCM nonce with the
    /// same key breaks both secrecy and authentication. This exists to check output against test
    /// vectors; [`Cipher::encrypt`] is what production code calls.
    ///
    /// # Errors
    /// [`CryptoError::InvalidIv`] if the variant takes no IV or `iv` has the wrong length.
    pub fn dangerous_encrypt_with_iv(&self, plaintext: &[u8], iv: &[u8]) -> Result<String, CryptoError> {
        if self.variant.iv_len() != Some(iv.len()) {
            return Err(CryptoError::InvalidIv {
                variant: self.variant,
                expected: self.variant.iv_len(),
                actual: iv.len(),
            });
        }
        let mut out = String::new();
        self.seal(plaintext, IvFrom::Given(iv), &mut out)?;
        Ok(out)
    }

    /// Decrypts ciphertext text into UTF-8 text.
    ///
    /// The text is read leniently first, as [`TextEncoding::read`](super::TextEncoding::read)
    /// says: surrounding whitespace, `%2B`-style escapes, a `+` that form decoding turned into a
    /// space, and base64 wrapped over several lines are all fine.
    ///
    /// # Errors
    /// A distinct [`CryptoError`] for each way the input can be wrong: empty, not in the
    /// variant's text encoding, not whole blocks, too short for its IV/nonce, bad padding
    /// (usually the wrong key), a GCM tag that does not verify, or a plaintext that is not UTF-8.
    pub fn decrypt(&self, ciphertext: &str) -> Result<String, CryptoError> {
        self.decrypt_reading(ciphertext).map(|(plaintext, _)| plaintext)
    }

    /// As [`Cipher::decrypt`], and says how the text was read.
    pub(crate) fn decrypt_reading(&self, ciphertext: &str) -> Result<(String, Normalization), CryptoError> {
        let (data, applied) = self.variant.text_encoding().read_and_decode(ciphertext)?;
        let plaintext = String::from_utf8(self.open(data)?)
            .map_err(|e| CryptoError::NotUtf8 { valid_up_to: e.utf8_error().valid_up_to() })?;
        Ok((plaintext, applied))
    }

    /// Decrypts ciphertext text into bytes, without the UTF-8 check; the text is read as for
    /// [`Cipher::decrypt`].
    ///
    /// # Errors
    /// As [`Cipher::decrypt`], except [`CryptoError::NotUtf8`].
    pub fn decrypt_bytes(&self, ciphertext: &str) -> Result<Vec<u8>, CryptoError> {
        let (data, _) = self.variant.text_encoding().read_and_decode(ciphertext)?;
        self.open(data)
    }

    /// Bytes a sealed message may add to its plaintext (IV or nonce, tag, padding), so callers
    /// can size one buffer for [`Cipher::seal_in_place`].
    pub(crate) fn overhead(&self) -> usize {
        CBC_IV + BLOCK
    }

    /// Where the plaintext goes in a buffer given to [`Cipher::seal_in_place`]: after the room
    /// for what the variant's layout puts before the ciphertext (an IV, a nonce and a tag).
    pub(crate) fn head_room(&self) -> usize {
        match &self.engine {
            Engine::Ecb(_) | Engine::Cbc(_, CbcIv::FromKey | CbcIv::Zero) => 0,
            Engine::Cbc(_, CbcIv::Prefix) => CBC_IV,
            Engine::Gcm(_, GcmLayout::NonceCtTag) => GCM_NONCE,
            Engine::Gcm(_, GcmLayout::NonceTagCt) => GCM_NONCE + GCM_TAG,
        }
    }

    fn seal(&self, plaintext: &[u8], iv: IvFrom<'_>, out: &mut String) -> Result<(), CryptoError> {
        let head = self.head_room();
        let mut buf = vec![0u8; head + plaintext.len() + self.overhead()];
        buf[head..head + plaintext.len()].copy_from_slice(plaintext);
        let len = self.seal_in_place(&mut buf, plaintext.len(), iv)?;
        self.variant.text_encoding().encode_into(&buf[..len], out);
        Ok(())
    }

    /// Encrypts, in place, the `plain_len` bytes of plaintext at `buf[head_room()..]`, and
    /// returns the length of the binary message in the variant's layout, which starts at
    /// `buf[0]`. `buf` must hold [`Cipher::head_room`] + `plain_len` + [`Cipher::overhead`]
    /// bytes (the caller sizes it: a shorter one is a bug, reported as `BadPadding`).
    pub(crate) fn seal_in_place(
        &self,
        buf: &mut [u8],
        plain_len: usize,
        iv: IvFrom<'_>,
    ) -> Result<usize, CryptoError> {
        let head = self.head_room();
        let padded = (plain_len / BLOCK + 1) * BLOCK;
        if buf.len() < head + padded.max(plain_len + GCM_TAG) {
            return Err(CryptoError::BadPadding);
        }
        match &self.engine {
            Engine::Ecb(aes) => {
                // PKCS#7 by hand (one 16-byte store; `buf` has room past `padded`), and the
                // blocks straight to the cipher's backend: the `ecb` crate's padding and block
                // plumbing cost about as much as the AES rounds of a URL's 5 blocks.
                let pad = (padded - plain_len) as u8;
                buf[plain_len..plain_len + BLOCK].copy_from_slice(&[pad; BLOCK]);
                aes.encrypt_with_backend(EcbBlocks(&mut buf[..padded]));
                Ok(padded)
            }
            Engine::Cbc(aes, source) => {
                let iv: [u8; CBC_IV] = match source {
                    CbcIv::Prefix => iv.take()?,
                    CbcIv::FromKey | CbcIv::Zero => *self.fixed_iv,
                };
                cbc::Encryptor::<&Aes256>::inner_iv_init(aes, &iv.into())
                    .encrypt_padded_mut::<Pkcs7>(&mut buf[head..head + padded], plain_len)
                    .map_err(|_| CryptoError::BadPadding)?;
                buf[..head].copy_from_slice(&iv[..head]);
                Ok(head + padded)
            }
            Engine::Gcm(gcm, layout) => {
                let nonce: [u8; GCM_NONCE] = iv.take()?;
                let tag = gcm
                    .encrypt_in_place_detached(
                        Nonce::from_slice(&nonce),
                        b"",
                        &mut buf[head..head + plain_len],
                    )
                    .map_err(|_| CryptoError::TagMismatch)?;
                buf[..GCM_NONCE].copy_from_slice(&nonce);
                let tag_at = match layout {
                    GcmLayout::NonceCtTag => head + plain_len,
                    GcmLayout::NonceTagCt => GCM_NONCE,
                };
                buf[tag_at..tag_at + GCM_TAG].copy_from_slice(&tag);
                Ok(GCM_NONCE + GCM_TAG + plain_len)
            }
        }
    }

    fn open(&self, mut data: Vec<u8>) -> Result<Vec<u8>, CryptoError> {
        let len = data.len();
        match &self.engine {
            Engine::Ecb(aes) => {
                check_blocks(len, 0)?;
                let plain = ecb::Decryptor::<&Aes256>::inner_init(aes)
                    .decrypt_padded_mut::<Pkcs7>(&mut data)
                    .map_err(|_| CryptoError::BadPadding)?
                    .len();
                data.truncate(plain);
                Ok(data)
            }
            Engine::Cbc(aes, source) => {
                let prefix = if *source == CbcIv::Prefix { CBC_IV } else { 0 };
                check_blocks(len, prefix)?;
                let iv = if prefix == 0 { *self.fixed_iv } else { array(&data[..CBC_IV]) };
                let plain = cbc::Decryptor::<&Aes256>::inner_iv_init(aes, &iv.into())
                    .decrypt_padded_mut::<Pkcs7>(&mut data[prefix..])
                    .map_err(|_| CryptoError::BadPadding)?
                    .len();
                data.drain(..prefix);
                data.truncate(plain);
                Ok(data)
            }
            Engine::Gcm(gcm, layout) => {
                if len < GCM_NONCE + GCM_TAG {
                    return Err(CryptoError::TooShort { len, min: GCM_NONCE + GCM_TAG });
                }
                let nonce: [u8; GCM_NONCE] = array(&data[..GCM_NONCE]);
                let (tag, body) = match layout {
                    GcmLayout::NonceCtTag => (len - GCM_TAG, GCM_NONCE..len - GCM_TAG),
                    GcmLayout::NonceTagCt => (GCM_NONCE, GCM_NONCE + GCM_TAG..len),
                };
                let tag: [u8; GCM_TAG] = array(&data[tag..tag + GCM_TAG]);
                let mut body = data[body].to_vec();
                gcm.decrypt_in_place_detached(
                    Nonce::from_slice(&nonce),
                    b"",
                    &mut body,
                    Tag::from_slice(&tag),
                )
                .map_err(|_| CryptoError::TagMismatch)?;
                Ok(body)
            }
        }
    }
}

impl fmt::Debug for Cipher {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Cipher")
            .field("variant", &self.variant)
            .field("key", &format_args!("<redacted>"))
            .finish()
    }
}

/// Checks that `len` holds a `prefix`-byte IV and then one or more whole blocks.
fn check_blocks(len: usize, prefix: usize) -> Result<(), CryptoError> {
    let too_short = CryptoError::TooShort { len, min: prefix + BLOCK };
    let body = len.checked_sub(prefix).ok_or(too_short.clone())?;
    if body % BLOCK != 0 {
        return Err(CryptoError::InvalidLength { len });
    }
    if body == 0 {
        return Err(too_short);
    }
    Ok(())
}

/// Copies a slice whose length the caller has checked into an array.
fn array<const N: usize>(bytes: &[u8]) -> [u8; N] {
    let mut out = [0u8; N];
    out.copy_from_slice(&bytes[..N]);
    out
}

/// Whole blocks, encrypted in place one after another (ECB) by the block cipher's backend, in
/// one call: the backend keeps the round keys in registers across the blocks.
struct EcbBlocks<'a>(&'a mut [u8]);

impl BlockSizeUser for EcbBlocks<'_> {
    type BlockSize = U16;
}

impl BlockClosure for EcbBlocks<'_> {
    #[inline(always)]
    fn call<B: BlockBackend<BlockSize = U16>>(self, backend: &mut B) {
        for block in self.0.chunks_exact_mut(BLOCK) {
            backend.proc_block(GenericArray::from_mut_slice(block).into());
        }
    }
}

/// Where an IV or nonce comes from.
pub(crate) enum IvFrom<'a> {
    /// The OS random source, one call for this message.
    Os,
    /// A block of the OS's bytes shared by a bulk call.
    Source(&'a mut NonceSource),
    /// The caller (test vectors; the length was checked).
    Given(&'a [u8]),
}

impl IvFrom<'_> {
    fn take<const N: usize>(self) -> Result<[u8; N], CryptoError> {
        match self {
            IvFrom::Os => {
                let mut out = [0u8; N];
                getrandom::fill(&mut out).map_err(CryptoError::random)?;
                Ok(out)
            }
            IvFrom::Source(source) => source.take(),
            IvFrom::Given(iv) => Ok(array(iv)),
        }
    }
}
