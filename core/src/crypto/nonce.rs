//! Random IVs and GCM nonces for bulk work: one OS call per block instead of one per message.

use zeroize::Zeroize;

use super::CryptoError;

/// The largest block read from the OS at once: 341 GCM nonces, 256 CBC IVs.
const MAX_BLOCK: usize = 4096;
/// The first block: small, so a bulk call of a few messages reads little more than it uses.
const FIRST_BLOCK: usize = 192;

/// Random IVs (CBC) and nonces (GCM) for one bulk job, read from the OS random source
/// (`getrandom`) a block at a time: the first block holds 16 GCM nonces, and each next one twice
/// as many, up to 4 KiB (341 nonces). The bytes are the OS's own, so every nonce is as
/// unpredictable, and as unlikely to repeat, as one read on its own; only the system calls are
/// shared (one per ~341 URLs instead of one per URL, which was most of a GCM URL's time).
///
/// Make one per bulk call (or per batch and worker thread), use it at once, and drop it with the
/// call: do not keep one in a long-lived object or across `fork()`, since a child process
/// copies the unused bytes and would repeat its parent's nonces. A fork made by another thread
/// during the call is safe: the child runs only the forking thread, never the call. Bytes are
/// wiped once handed out, and the rest on drop.
///
/// ```
/// use faceauth::crypto::{Key, NonceSource, Scheme};
/// use faceauth::url::{AuthParams, UrlBuilder};
///
/// let links = UrlBuilder::new("pid-1", &Key::derive("0123456789abcdefghijABCDEFGHIJ0123456789")?, Scheme::Gcm)?;
/// let mut nonces = NonceSource::new();
/// let mut url = String::new();
/// for sid in ["sub-1", "sub-2"] {
///     url.clear();
///     links.build_with(&AuthParams::new(sid), &mut nonces, &mut url)?;
/// }
/// # Ok::<(), faceauth::Error>(())
/// ```
pub struct NonceSource {
    block: Box<[u8; MAX_BLOCK]>,
    /// Bytes of `block` read from the OS in the last fill.
    filled: usize,
    /// Bytes of `block` already handed out (and wiped).
    used: usize,
}

impl NonceSource {
    /// An empty source; it reads the OS random source on first use.
    pub fn new() -> NonceSource {
        NonceSource { block: Box::new([0; MAX_BLOCK]), filled: 0, used: 0 }
    }

    /// The next `N` random bytes, wiped from the block as they are handed out.
    ///
    /// # Errors
    /// [`CryptoError::RandomSource`] if the OS random source fails.
    pub(crate) fn take<const N: usize>(&mut self) -> Result<[u8; N], CryptoError> {
        if self.filled - self.used < N {
            self.refill()?;
        }
        let mut out = [0u8; N];
        let bytes = &mut self.block[self.used..self.used + N];
        out.copy_from_slice(bytes);
        bytes.zeroize();
        self.used += N;
        Ok(out)
    }

    fn refill(&mut self) -> Result<(), CryptoError> {
        // Wipe what is left of the last block, then read the next one, twice the last's size.
        self.block[self.used..self.filled].zeroize();
        let size = (self.filled * 2).clamp(FIRST_BLOCK, MAX_BLOCK);
        (self.filled, self.used) = (0, 0);
        getrandom::fill(&mut self.block[..size]).map_err(CryptoError::random)?;
        self.filled = size;
        Ok(())
    }
}

impl Default for NonceSource {
    fn default() -> Self {
        NonceSource::new()
    }
}

impl Drop for NonceSource {
    fn drop(&mut self) {
        self.block[self.used..self.filled].zeroize();
    }
}

/// Shows only how much is left, never the bytes.
impl std::fmt::Debug for NonceSource {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("NonceSource").field("bytes_left", &(self.filled - self.used)).finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashSet;

    #[test]
    fn nonces_are_distinct_across_blocks_and_sources() {
        let mut seen = HashSet::new();
        for _ in 0..3 {
            let mut source = NonceSource::new();
            for _ in 0..2_000 {
                let nonce: [u8; 12] = source.take().expect("random");
                assert!(seen.insert(nonce), "a nonce repeated");
            }
        }
    }

    #[test]
    fn blocks_grow_to_the_limit_and_handed_out_bytes_are_wiped() {
        let mut source = NonceSource::new();
        let _: [u8; 16] = source.take().expect("random");
        assert_eq!(source.filled, FIRST_BLOCK);
        assert!(source.block[..16].iter().all(|&b| b == 0), "handed-out bytes stay in the block");
        for _ in 0..2_000 {
            let _: [u8; 16] = source.take().expect("random");
        }
        assert_eq!(source.filled, MAX_BLOCK);
        assert!(source.block[..source.used].iter().all(|&b| b == 0));
        assert!(format!("{source:?}").starts_with("NonceSource { bytes_left: "));
    }
}
