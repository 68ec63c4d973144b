use std::time::Instant;
use aes::cipher::{BlockEncrypt, KeyInit, BlockEncryptMut};
use aes::cipher::crypto_common::InnerInit;
use aes::cipher::block_padding::Pkcs7;
fn main() {
    let key = [7u8; 32];
    let aes = aes::Aes256::new(&key.into());
    let n = 2_000_000;
    let mut blocks = [aes::Block::default(); 7];
    let t = Instant::now();
    for _ in 0..n { aes.encrypt_blocks(&mut blocks); std::hint::black_box(&blocks); }
    println!("encrypt_blocks x7: {:?}/op", t.elapsed() / n);
    let t = Instant::now();
    for _ in 0..n { let c = aes.clone(); std::hint::black_box(&c); }
    println!("clone: {:?}/op", t.elapsed() / n);
    let mut buf = [0u8; 112];
    let t = Instant::now();
    for _ in 0..n { let _ = ecb::Encryptor::<aes::Aes256>::inner_init(aes.clone()).encrypt_padded_mut::<Pkcs7>(&mut buf, 98); std::hint::black_box(&buf); }
    println!("ecb clone+encrypt: {:?}/op", t.elapsed() / n);
    let t = Instant::now();
    for _ in 0..n { let e = sha2::Sha256::digest_helper(); std::hint::black_box(e); }
    println!("sha: {:?}/op", t.elapsed() / n);
    full();
}
trait H { fn digest_helper() -> [u8;32]; }
impl H for sha2::Sha256 { fn digest_helper() -> [u8;32] { use sha2::Digest; sha2::Sha256::digest(b"0123456789abcdefghijABCDEFGHIJ0123456789").into() } }
#[allow(dead_code)]
pub fn full() {
    use faceauth::crypto::*; use faceauth::url::*;
    let key = Key::derive("0123456789abcdefghijABCDEFGHIJ0123456789").unwrap();
    let n = 1_000_000;
    let c = Cipher::new(&key, Scheme::Ecb);
    let p = r#"{"sid":"sub_523414080","authUserId":"user-42-1","authCf1":"a&b=c d+e/f","token":"tok_833080370247"}"#;
    let t = Instant::now();
    for _ in 0..n { std::hint::black_box(c.encrypt(p).unwrap()); }
    let n = 4_000_000;
    println!("cipher.encrypt: {:?}/op", t.elapsed() / n);
    let b = UrlBuilder::new("pid-1", &key, Scheme::Ecb).unwrap();
    let params = AuthParams::new("sub_523414080").user_id("user-42-1").cf1("a&b=c d+e/f").token("tok_833080370247");
    let mut out = String::new();
    let t = Instant::now();
    for _ in 0..n { out.clear(); b.build_to(&params, &mut out).unwrap(); std::hint::black_box(&out); }
    println!("build_to: {:?}/op", t.elapsed() / n);
}
#[allow(dead_code)]
pub fn pieces() {
    use base64::Engine;
    let n = 1_000_000;
    let data = [9u8; 112];
    let t = Instant::now();
    for _ in 0..n { let mut s = String::new(); base64::engine::general_purpose::STANDARD.encode_string(&data, &mut s); std::hint::black_box(s); }
    println!("encode_string: {:?}/op", t.elapsed() / n);
    let t = Instant::now();
    for _ in 0..n { std::hint::black_box(base64::engine::general_purpose::STANDARD.encode(&data)); }
    println!("encode: {:?}/op", t.elapsed() / n);
    let t = Instant::now();
    for _ in 0..n { let v = vec![0u8; 112]; std::hint::black_box(v); }
    println!("vec: {:?}/op", t.elapsed() / n);
}
