//! The Rust side of the ABI benchmark (`bench/c_abi/run.sh`): builds URLS URLs with
//! `UrlBuilder::build` on the inputs `bench/c_abi/build_urls.c` passes through the C ABI, drops
//! each, and prints the nanoseconds per URL, the total length of the warm-up's URLs (which both
//! sides must agree on) and a checksum of the timed ones (so neither loop is optimised away).
//!
//! Usage: build_urls SCHEME URLS   (the demo key of docs/encryption.md, never a real project's)
//!
//! `SCHEME+bulk` (say `gcm+bulk`) builds with `UrlBuilder::build_with` and one `NonceSource`
//! per 4,096 URLs instead, as bulk callers do (`build_many`, `faceauth batch`).

use std::borrow::Cow;
use std::time::Instant;

use faceauth::crypto::{Cipher, NonceSource};
use faceauth::url::{AuthParams, UrlBuilder};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().collect();
    let [_, scheme, urls] = args.as_slice() else {
        return Err("usage: build_urls SCHEME URLS".into());
    };
    let urls: usize = urls.parse()?;
    let (scheme, bulk) = match scheme.strip_suffix("+bulk") {
        Some(scheme) => (scheme, true),
        None => (scheme.as_str(), false),
    };
    let cipher = Cipher::from_key_string("0123456789abcdefghijABCDEFGHIJ0123456789", scheme.parse()?)?;
    let builder = UrlBuilder::with_cipher("demo-project", cipher)?;
    // The same fields as the C side, borrowed as the ABI borrows them.
    let params = AuthParams {
        sid: Cow::Borrowed("abc123xyz"),
        user_id: Some(Cow::Borrowed("user-1")),
        cf1: None,
        cf2: None,
        cf3: None,
        token: Some(Cow::Borrowed("tok_abc12345")),
    };
    let mut total = 0usize;
    for _ in 0..urls / 10 + 1 {
        total += std::hint::black_box(builder.build(std::hint::black_box(&params))?).len();
    }
    let mut timed = 0usize;
    let started = Instant::now();
    if bulk {
        let mut url = String::new();
        for chunk in 0..urls.div_ceil(4096) {
            let mut nonces = NonceSource::new();
            for _ in 0..(urls - chunk * 4096).min(4096) {
                url.clear();
                builder.build_with(std::hint::black_box(&params), &mut nonces, &mut url)?;
                timed += usize::from(std::hint::black_box(&url).as_bytes()[0]);
            }
        }
    } else {
        for _ in 0..urls {
            let url = std::hint::black_box(builder.build(std::hint::black_box(&params))?);
            timed += usize::from(url.as_bytes()[0]);
        }
    }
    let ns = started.elapsed().as_nanos() as f64 / urls as f64;
    println!("{ns:.1} {total} {timed}");
    Ok(())
}
