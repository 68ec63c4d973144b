//! Where the API key comes from, and the options every keyed command shares.

use std::path::PathBuf;

use anyhow::{bail, Context};
use clap::Args;
use faceauth::crypto::{Cipher, Variant};
use zeroize::Zeroizing;

/// Where the API key comes from, for every command that needs it.
#[derive(Args)]
pub struct ApiKeyArgs {
    /// The FaceAuth project's API key (or secretKey). Prefer FACEAUTH_API_KEY or --api-key-file:
    /// other users of this machine can read command lines.
    #[arg(long, env = "FACEAUTH_API_KEY", hide_env_values = true, value_name = "KEY")]
    api_key: Option<String>,
    /// Read the API key from the first line of this file.
    #[arg(long, value_name = "PATH", conflicts_with = "api_key")]
    api_key_file: Option<PathBuf>,
}

/// The key and encryption options of every command that encrypts or decrypts.
#[derive(Args)]
pub struct KeyArgs {
    #[command(flatten)]
    key: ApiKeyArgs,
    /// Encryption scheme: ecb (default), gcm, cbc, or a variant id from `faceauth diagnose`.
    #[arg(long, default_value = "ecb", value_name = "SCHEME")]
    scheme: String,
}

impl ApiKeyArgs {
    /// The key string, wiped when dropped.
    pub fn key_string(&self) -> anyhow::Result<Zeroizing<String>> {
        if let Some(path) = &self.api_key_file {
            let text = Zeroizing::new(
                std::fs::read_to_string(path)
                    .with_context(|| format!("cannot read the API key file {}", path.display()))?,
            );
            let line = text.lines().next().unwrap_or("").trim();
            if line.is_empty() {
                bail!("the API key file {} is empty", path.display());
            }
            return Ok(Zeroizing::new(line.to_owned()));
        }
        match &self.api_key {
            Some(key) if !key.is_empty() => Ok(Zeroizing::new(key.clone())),
            _ => bail!("no API key: pass --api-key or --api-key-file, or set FACEAUTH_API_KEY"),
        }
    }
}

impl KeyArgs {
    /// The key string, wiped when dropped.
    pub fn key_string(&self) -> anyhow::Result<Zeroizing<String>> {
        self.key.key_string()
    }

    /// The variant named by `--scheme`.
    pub fn variant(&self) -> anyhow::Result<Variant> {
        Ok(self.scheme.parse::<Variant>()?)
    }

    /// The cipher for this key and variant.
    pub fn cipher(&self) -> anyhow::Result<Cipher> {
        let key = self.key_string()?;
        Ok(Cipher::from_key_string(&key, self.variant()?)?)
    }
}

impl Drop for ApiKeyArgs {
    fn drop(&mut self) {
        if let Some(key) = &mut self.api_key {
            zeroize::Zeroize::zeroize(key);
        }
    }
}
