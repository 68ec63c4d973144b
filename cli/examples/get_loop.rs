//! Sequential GET /faceauth?authId=… requests with one reused client; prints requests/s.
//! Used by `bench/api_get_vs_python.py`.
//!
//! Usage: get_loop BASE_URL AUTH_ID SECONDS   (API key in FACEAUTH_API_KEY)

use std::time::{Duration, Instant};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().collect();
    let [_, base_url, auth_id, seconds] = args.as_slice() else {
        return Err("usage: get_loop BASE_URL AUTH_ID SECONDS".into());
    };
    let key = std::env::var("FACEAUTH_API_KEY")?;
    let client = faceauth::api::Client::builder(&key).base_url(base_url).build()?;
    let round = Duration::from_secs_f64(seconds.parse()?);
    let started = Instant::now();
    let mut calls = 0u64;
    while started.elapsed() < round {
        client.get(auth_id)?;
        calls += 1;
    }
    println!("{:.1}", calls as f64 / started.elapsed().as_secs_f64());
    Ok(())
}
