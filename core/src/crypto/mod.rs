//! AES-256 encryption of FaceAuth query strings and payloads, keyed by the project's API key.
//!
//! The recipe is fixed in `shared/spec/encryption.md`: the key is SHA-256 of the key string, ECB
//! (the default) and legacy CBC pad with PKCS7, GCM lays out `nonce ‖ ciphertext ‖ tag`, and the
//! result travels as standard base64. Every choice lives in one [`Variant`], so a project whose
//! ciphertexts came out differently from Argos's tool switches variant by name, after
//! [`diagnose`] has said which one matches.

mod cipher;
mod diagnose;
mod error;
mod key;
mod nonce;
mod text;
mod variant;

pub use cipher::Cipher;
pub(crate) use cipher::IvFrom;
pub use diagnose::{diagnose, Diagnosis, Outcome};
pub use error::CryptoError;
pub use key::{check_key_text, Key};
pub use nonce::NonceSource;
pub use text::{Normalization, TextEncoding};
pub use variant::{KeyDerivation, Scheme, Variant};
