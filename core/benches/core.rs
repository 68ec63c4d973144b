//! Criterion benchmarks: URL building, and encrypt/decrypt of a typical ~100-byte payload.

use std::hint::black_box;

use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use faceauth::crypto::{Cipher, Key, Scheme};
use faceauth::url::{AuthParams, UrlBuilder};

const KEY: &str = "0123456789abcdefghijABCDEFGHIJ0123456789";
/// A typical query payload: 98 bytes.
const PAYLOAD: &str =
    r#"{"sid":"sub_523414080","authUserId":"user-42-1","authCf1":"a&b=c d+e/f","token":"tok_833080370247"}"#;

fn params() -> AuthParams<'static> {
    AuthParams::new("sub_523414080").user_id("user-42-1").cf1("a&b=c d+e/f").token("tok_833080370247")
}

fn url_building(c: &mut Criterion) {
    let key = Key::derive(KEY).expect("key");
    let mut group = c.benchmark_group("url");
    group.throughput(Throughput::Elements(1));
    for scheme in Scheme::ALL {
        let builder = UrlBuilder::new("pid-1", &key, scheme).expect("builder");
        let params = params();
        group.bench_function(format!("build/{scheme}"), |b| b.iter(|| builder.build(black_box(&params))));
        let mut out = String::with_capacity(512);
        group.bench_function(format!("build_to/{scheme}"), |b| {
            b.iter(|| {
                out.clear();
                builder.build_to(black_box(&params), &mut out)
            })
        });
    }
    let builder = UrlBuilder::new("pid-1", &key, Scheme::Ecb).expect("builder");
    let url = builder.build(&params()).expect("builds");
    group.bench_function("inspect/ecb", |b| {
        b.iter(|| faceauth::url::inspect(black_box(&url), builder.cipher()))
    });
    group.finish();
}

fn payload_crypto(c: &mut Criterion) {
    let key = Key::derive(KEY).expect("key");
    let mut group = c.benchmark_group("payload-98B");
    group.throughput(Throughput::Bytes(PAYLOAD.len() as u64));
    for scheme in Scheme::ALL {
        let cipher = Cipher::new(&key, scheme);
        let sealed = cipher.encrypt(PAYLOAD).expect("encrypts");
        group.bench_function(format!("encrypt/{scheme}"), |b| b.iter(|| cipher.encrypt(black_box(PAYLOAD))));
        group.bench_function(format!("decrypt/{scheme}"), |b| b.iter(|| cipher.decrypt(black_box(&sealed))));
    }
    group.bench_function("key-derive+schedule", |b| {
        b.iter(|| Cipher::new(&Key::derive(black_box(KEY)).expect("key"), Scheme::Ecb))
    });
    group.finish();
}

criterion_group!(benches, url_building, payload_crypto);
criterion_main!(benches);
