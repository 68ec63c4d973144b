//! The shared test vectors, made with Python's `cryptography` (OpenSSL): an implementation
//! independent of this one.

use faceauth::crypto::{Cipher, Key, Scheme};
use serde_json::Value;

const FIXTURE: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../tests/fixtures/crypto.json");
const SHARED: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../../shared/vectors/crypto.json");

struct Case {
    key: String,
    plaintext: String,
    ecb: String,
    cbc: String,
    cbc_iv: Vec<u8>,
    gcm: String,
    gcm_nonce: Vec<u8>,
}

fn cases() -> Vec<Case> {
    let text = std::fs::read_to_string(FIXTURE).expect("fixture readable");
    let doc: Value = serde_json::from_str(&text).expect("fixture is JSON");
    let field = |case: &Value, name: &str| case[name].as_str().expect(name).to_owned();
    let cases: Vec<Case> = doc["cases"]
        .as_array()
        .expect("cases")
        .iter()
        .map(|c| Case {
            key: field(c, "key"),
            plaintext: field(c, "plaintext"),
            ecb: field(c, "ecb"),
            cbc: field(c, "cbc"),
            cbc_iv: hex::decode(field(c, "cbc_iv_hex")).expect("iv hex"),
            gcm: field(c, "gcm"),
            gcm_nonce: hex::decode(field(c, "gcm_nonce_hex")).expect("nonce hex"),
        })
        .collect();
    assert!(cases.len() >= 30, "expected the full vector set, found {}", cases.len());
    cases
}

fn cipher(key: &str, scheme: Scheme) -> Cipher {
    Cipher::new(&Key::derive(key).expect("non-empty key"), scheme)
}

#[test]
fn the_committed_copy_matches_shared_vectors() {
    // The fixture is a copy so a checkout without shared/ still tests; when shared/ is there,
    // the copy must not have drifted from it.
    if let Ok(shared) = std::fs::read_to_string(SHARED) {
        let fixture = std::fs::read_to_string(FIXTURE).expect("fixture readable");
        assert_eq!(fixture, shared, "tests/fixtures/crypto.json differs from shared/vectors");
    }
}

#[test]
fn ecb_matches_byte_for_byte() {
    for case in cases() {
        let ecb = cipher(&case.key, Scheme::Ecb);
        assert_eq!(ecb.encrypt(&case.plaintext).expect("encrypts"), case.ecb, "key {:?}", case.key);
        assert_eq!(ecb.decrypt(&case.ecb).expect("decrypts"), case.plaintext);
    }
}

#[test]
fn cbc_and_gcm_match_with_the_injected_iv_and_decrypt_as_given() {
    for case in cases() {
        for (scheme, expected, iv) in
            [(Scheme::Cbc, &case.cbc, &case.cbc_iv), (Scheme::Gcm, &case.gcm, &case.gcm_nonce)]
        {
            let c = cipher(&case.key, scheme);
            let sealed = c.dangerous_encrypt_with_iv(case.plaintext.as_bytes(), iv).expect("encrypts");
            assert_eq!(&sealed, expected, "{scheme}, key {:?}, {} bytes", case.key, case.plaintext.len());
            assert_eq!(c.decrypt(expected).expect("decrypts"), case.plaintext);
        }
    }
}

#[test]
fn the_spec_reference_case_matches() {
    let ecb = cipher("0123456789abcdefghijABCDEFGHIJ0123456789", Scheme::Ecb);
    let plaintext = r#"{"sid":"abc123xyz","authUserId":"user-1","token":"tok_abc12345"}"#;
    let expected = "Xvg7uxPli/O9VuUW0jaEfCW8iRefWOY6DTH9eqQuWVdcOAJuFcKlHSxqds6WHAJCXtdicWVYGEnRpaFqAcrvXNLZYkpCg04dO4YFimGWuF8=";
    assert_eq!(ecb.encrypt(plaintext).expect("encrypts"), expected);
}

#[test]
fn random_ivs_differ_and_still_decrypt() {
    let case = &cases()[5];
    for scheme in [Scheme::Cbc, Scheme::Gcm] {
        let c = cipher(&case.key, scheme);
        let (a, b) = (c.encrypt(&case.plaintext).expect("a"), c.encrypt(&case.plaintext).expect("b"));
        assert_ne!(a, b, "{scheme}: two encryptions share an IV/nonce");
        assert_eq!(c.decrypt(&a).expect("decrypts a"), case.plaintext);
        assert_eq!(c.decrypt(&b).expect("decrypts b"), case.plaintext);
    }
}
