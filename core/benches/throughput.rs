//! URLs per second on one core: `UrlBuilder` against the code an integrator writes by hand
//! today (derive the key and set up AES per link, `serde_json`, `base64`, `percent-encoding`),
//! both measured in this run. Prints figures and ratios; asserts nothing about time.

use std::hint::black_box;
use std::time::{Duration, Instant};

use aes::cipher::block_padding::Pkcs7;
use aes::cipher::{BlockEncryptMut, KeyInit};
use base64::Engine;
use faceauth::crypto::{Key, Scheme};
use faceauth::url::{AuthParams, UrlBuilder};
use sha2::{Digest, Sha256};

const KEY: &str = "0123456789abcdefghijABCDEFGHIJ0123456789";

/// How long each row is measured: 2 s under `cargo bench`; a short smoke run under
/// `cargo test --all-targets`, which checks the bench still works without timing a debug build.
fn round() -> Duration {
    if std::env::args().any(|a| a == "--bench") {
        Duration::from_secs(2)
    } else {
        Duration::from_millis(20)
    }
}

/// Calls `f` in batches for about [`round`] and returns calls per second.
fn rate(mut f: impl FnMut(u64)) -> f64 {
    let (started, round) = (Instant::now(), round());
    let mut calls = 0u64;
    while started.elapsed() < round {
        for _ in 0..1_000 {
            f(calls);
            calls += 1;
        }
    }
    calls as f64 / started.elapsed().as_secs_f64()
}

/// Calls `f`, which does `per_call` units of work, for about [`round`]; returns units per second.
fn rate_of_batches(per_call: usize, mut f: impl FnMut()) -> f64 {
    let (started, round) = (Instant::now(), round());
    let mut calls = 0usize;
    while started.elapsed() < round {
        f();
        calls += 1;
    }
    (calls * per_call) as f64 / started.elapsed().as_secs_f64()
}

/// The hand-written baseline: one link, everything set up per call.
fn by_hand(sid: &str, user: &str, token: &str) -> String {
    let key: [u8; 32] = Sha256::digest(KEY.as_bytes()).into();
    let payload = format!(
        "{{\"sid\":{},\"authUserId\":{},\"token\":{}}}",
        serde_json::to_string(sid).unwrap_or_default(),
        serde_json::to_string(user).unwrap_or_default(),
        serde_json::to_string(token).unwrap_or_default()
    );
    let sealed =
        ecb::Encryptor::<aes::Aes256>::new(&key.into()).encrypt_padded_vec_mut::<Pkcs7>(payload.as_bytes());
    let text = base64::engine::general_purpose::STANDARD.encode(sealed);
    let query: String =
        percent_encoding::utf8_percent_encode(&text, percent_encoding::NON_ALPHANUMERIC).collect();
    format!("https://form.argosidentity.com/face-auth?pid=pid-1&encrypted={query}")
}

fn main() {
    let sids: Vec<String> = (0..1024).map(|i| format!("sub_{:09}", 523_414_080 + i)).collect();
    let users: Vec<String> = (0..1024).map(|i| format!("user-{i}")).collect();
    let token = "tok_833080370247";
    let pick = |i: u64| (i % 1024) as usize;

    let key = Key::derive(KEY).expect("key");
    let builder = UrlBuilder::new("pid-1", &key, Scheme::Ecb).expect("builder");
    let params =
        |i: u64| AuthParams::new(sids[pick(i)].as_str()).user_id(users[pick(i)].as_str()).token(token);
    assert_eq!(
        builder.build(&params(7)).expect("builds"),
        by_hand(&sids[7], &users[7], token),
        "the baseline must build the same URL"
    );

    let baseline = rate(|i| {
        black_box(by_hand(&sids[pick(i)], &users[pick(i)], token));
    });
    let mut results = vec![("hand-written baseline (key + AES setup per link)", baseline)];
    for scheme in Scheme::ALL {
        let builder = UrlBuilder::new("pid-1", &key, scheme).expect("builder");
        results.push((
            match scheme {
                Scheme::Ecb => "faceauth UrlBuilder::build, ecb",
                Scheme::Gcm => "faceauth UrlBuilder::build, gcm",
                Scheme::Cbc => "faceauth UrlBuilder::build, cbc",
            },
            rate(|i| {
                black_box(builder.build(&params(i)).ok());
            }),
        ));
    }
    let mut out = String::with_capacity(512);
    results.push((
        "faceauth UrlBuilder::build_to (reused buffer), ecb",
        rate(|i| {
            out.clear();
            black_box(builder.build_to(&params(i), &mut out).ok());
        }),
    ));

    // Bulk GCM: nonces from a NonceSource (one getrandom per block), as build_many and batch do.
    let gcm = UrlBuilder::new("pid-1", &key, Scheme::Gcm).expect("builder");
    let mut nonces = faceauth::crypto::NonceSource::new();
    results.push((
        "faceauth UrlBuilder::build_with (NonceSource), gcm",
        rate(|i| {
            out.clear();
            black_box(gcm.build_with(&params(i), &mut nonces, &mut out).ok());
        }),
    ));
    let rows: Vec<AuthParams<'_>> = (0..1024).map(|i| params(i as u64)).collect();
    let many = rate_of_batches(1024, || {
        black_box(gcm.build_many(&rows).ok());
    });
    results.push(("faceauth UrlBuilder::build_many x1024, gcm", many));

    println!("URL building, one core, {:?} per row, ~75-byte payload", round());
    for (name, per_second) in results {
        println!("{name:<52} {:>10.0} URLs/s  {:>5.2}x baseline", per_second, per_second / baseline);
    }

    // Payload encryption: a 98-byte JSON payload, against a per-call key set-up baseline.
    let payload = r#"{"sid":"sub_523414080","authUserId":"user-42-1","authCf1":"a&b=c d+e/f","token":"tok_833080370247"}"#;
    let baseline = rate(|_| {
        let key: [u8; 32] = Sha256::digest(KEY.as_bytes()).into();
        let sealed = ecb::Encryptor::<aes::Aes256>::new(&key.into())
            .encrypt_padded_vec_mut::<Pkcs7>(black_box(payload).as_bytes());
        black_box(base64::engine::general_purpose::STANDARD.encode(sealed));
    });
    println!("\npayload encryption, one core, 98-byte payload");
    println!(
        "{:<52} {:>10.0} ops/s   {:>5.2}x baseline",
        "hand-written ECB encrypt (key set-up per call)", baseline, 1.0
    );
    for scheme in Scheme::ALL {
        let cipher = faceauth::crypto::Cipher::new(&key, scheme);
        let sealed = cipher.encrypt(payload).expect("encrypts");
        let enc = rate(|_| {
            black_box(cipher.encrypt(black_box(payload)).ok());
        });
        let dec = rate(|_| {
            black_box(cipher.decrypt(black_box(&sealed)).ok());
        });
        println!(
            "{:<52} {:>10.0} ops/s   {:>5.2}x baseline",
            format!("faceauth Cipher::encrypt, {scheme}"),
            enc,
            enc / baseline
        );
        println!("{:<52} {:>10.0} ops/s", format!("faceauth Cipher::decrypt, {scheme}"), dec);
    }
}
