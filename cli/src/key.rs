//! Where the API key comes from, and the options every keyed command shares.

use std::path::{Path, PathBuf};

use anyhow::Context;
use clap::Args;
use faceauth::crypto::{check_key_text, Cipher, Variant};
use zeroize::Zeroizing;

use crate::exit::UsageError;

/// The environment variable that holds the API key when no option names one.
const API_KEY_ENV: &str = "FACEAUTH_API_KEY";

/// Where the API key comes from, for every command that needs it: `--api-key`, else
/// `--api-key-file`, else `FACEAUTH_API_KEY`. An explicit option wins over the environment.
#[derive(Args)]
pub struct ApiKeyArgs {
    /// The FaceAuth project's API key (or secretKey). Prefer FACEAUTH_API_KEY or --api-key-file:
    /// other users of this machine can read command lines. [env: FACEAUTH_API_KEY]
    #[arg(long, global = true, value_name = "KEY")]
    api_key: Option<String>,
    /// Read the API key from the first line of this file (its line end is not part of the key).
    #[arg(long, global = true, value_name = "PATH", conflicts_with = "api_key")]
    api_key_file: Option<PathBuf>,
}

/// The key and encryption options of every command that encrypts or decrypts.
#[derive(Args)]
pub struct KeyArgs {
    #[command(flatten)]
    key: ApiKeyArgs,
    /// Encryption scheme: ecb (default), gcm, cbc, or a variant id from `faceauth diagnose`.
    #[arg(long, default_value = "ecb", value_name = "SCHEME", value_parser = parse_variant)]
    scheme: Variant,
}

impl ApiKeyArgs {
    /// Whether any source names a key: an option, or `FACEAUTH_API_KEY` in the environment.
    pub fn given(&self) -> bool {
        self.api_key.is_some() || self.api_key_file.is_some() || std::env::var_os(API_KEY_ENV).is_some()
    }

    /// The key string, wiped when dropped. Every source follows one rule
    /// ([`check_key_text`]): a key that begins or ends with white space is refused, never
    /// trimmed into a different key.
    pub fn key_string(&self) -> anyhow::Result<Zeroizing<String>> {
        let (key, source) = if let Some(key) = &self.api_key {
            (Zeroizing::new(key.clone()), "--api-key".to_owned())
        } else if let Some(path) = &self.api_key_file {
            (read_key_file(path)?, format!("the API key file {}", path.display()))
        } else {
            match std::env::var_os(API_KEY_ENV) {
                Some(value) => {
                    let value = Zeroizing::new(
                        value
                            .into_string()
                            .map_err(|_| UsageError(format!("{API_KEY_ENV} is not valid UTF-8")))?,
                    );
                    (value, API_KEY_ENV.to_owned())
                }
                None => {
                    return Err(UsageError(format!(
                        "no API key: pass --api-key or --api-key-file, or set {API_KEY_ENV}"
                    ))
                    .into())
                }
            }
        };
        check_key_text(&key).with_context(|| format!("the API key from {source} is not usable"))?;
        Ok(key)
    }
}

/// The first line of a key file, without its line end. Warns, as ssh does, when the file can
/// be read by group or others.
fn read_key_file(path: &Path) -> anyhow::Result<Zeroizing<String>> {
    let text = Zeroizing::new(
        std::fs::read_to_string(path)
            .with_context(|| format!("cannot read the API key file {}", path.display()))?,
    );
    warn_if_shared(path);
    Ok(Zeroizing::new(text.lines().next().unwrap_or("").to_owned()))
}

/// A warning on stderr when a secret's file is readable by group or others.
#[cfg(unix)]
pub fn warn_if_shared(path: &Path) {
    use std::os::unix::fs::PermissionsExt;
    if let Ok(meta) = std::fs::metadata(path) {
        let mode = meta.permissions().mode() & 0o777;
        if mode & 0o077 != 0 {
            crate::output::note(format_args!(
                "faceauth: warning: {} is readable by others (mode {mode:03o}); chmod 600 it",
                path.display()
            ));
        }
    }
}

/// Permissions are not checked where there are no Unix modes.
#[cfg(not(unix))]
pub fn warn_if_shared(_path: &Path) {}

/// `--scheme` values, checked while the command line is parsed (a bad one is a usage error).
pub fn parse_variant(name: &str) -> Result<Variant, faceauth::crypto::CryptoError> {
    name.parse()
}

impl KeyArgs {
    /// The key string, wiped when dropped.
    pub fn key_string(&self) -> anyhow::Result<Zeroizing<String>> {
        self.key.key_string()
    }

    /// The cipher for this key and variant.
    pub fn cipher(&self) -> anyhow::Result<Cipher> {
        let key = self.key_string()?;
        Ok(Cipher::from_key_string(&key, self.scheme)?)
    }
}

impl Drop for ApiKeyArgs {
    fn drop(&mut self) {
        if let Some(key) = &mut self.api_key {
            zeroize::Zeroize::zeroize(key);
        }
    }
}
