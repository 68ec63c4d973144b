//! A huge input never comes back as a huge error message: every message quotes at most an
//! excerpt of it (`faceauth::excerpt`). One megabyte per family of error sites.

use std::str::FromStr;
use std::time::SystemTime;

use faceauth::api::{ApiError, ListQuery};
use faceauth::crypto::{Cipher, Key, Scheme, Variant};
use faceauth::token::{open_ledger, MemoryLedger, SqliteLedger, StateKind, TokenLedger};

const MIB: usize = 1 << 20;

/// The longest message any of these inputs may produce.
const SHORT: usize = 600;

fn huge(unit: &str) -> String {
    unit.repeat(MIB / unit.len())
}

fn assert_short(what: &str, message: &str) {
    assert!(message.len() < SHORT, "{what}: a {} byte message: {}…", message.len(), &message[..200]);
    assert!(message.contains("bytes)"), "{what}: the excerpt names the input's size: {message}");
}

#[test]
fn api_errors_quote_an_excerpt() {
    let date = huge("2025-01-01");
    for (start, end) in [(date.as_str(), "2025-01-01"), ("2025-01-01", date.as_str())] {
        let err = ListQuery::new().dates(start, end).validate().expect_err("not a date");
        assert_short("a date", &err.to_string());
    }
    let not_found = ApiError::NotFound { auth_id: huge("fa_"), failure: None };
    assert_short("an auth id", &not_found.to_string());
    let lost = ApiError::AnswerLost {
        submission_id: huge("s"),
        date: "2025-01-01".to_owned(),
        cause: Box::new(ApiError::Timeout { reason: "no answer".to_owned() }),
    };
    assert_short("a submission id", &lost.to_string());
}

#[test]
fn ledger_errors_quote_an_excerpt() {
    let err = StateKind::from_str(&huge("x")).expect_err("no such state");
    assert_short("a state name", &err.to_string());
    let ledger = MemoryLedger::new();
    let err = ledger.mark_used(&huge("tok_"), SystemTime::now()).expect_err("no such token");
    assert!(err.to_string().len() < SHORT, "a token id: {} bytes", err.to_string().len());
    let location = format!("{}://host/db", huge("a"));
    let err = open_ledger(&location).err().expect("no such store");
    assert_short("a location's scheme", &err.to_string());
    let err = SqliteLedger::open_read_only(huge("d/")).expect_err("no ledger there");
    assert!(err.to_string().len() < 5000, "a path: {} bytes", err.to_string().len());
}

#[test]
fn crypto_and_url_errors_never_echo_the_input() {
    let err = Variant::from_str(&huge("ecb")).expect_err("no such variant");
    assert!(err.to_string().len() < SHORT, "a variant name: {} bytes", err.to_string().len());
    let cipher =
        Cipher::new(&Key::derive("0123456789abcdefghijABCDEFGHIJ0123456789").expect("key"), Scheme::Ecb);
    let err = cipher.decrypt(&huge("!")).expect_err("not base64");
    assert!(err.to_string().len() < SHORT, "a ciphertext: {} bytes", err.to_string().len());
    let err = faceauth::url::inspect(&huge("x"), &cipher).expect_err("not a URL");
    assert!(err.to_string().len() < SHORT, "a URL: {} bytes", err.to_string().len());
    let err = faceauth::webhook::parse(huge("{").as_bytes(), None).expect_err("not JSON");
    assert!(err.to_string().len() < SHORT, "a webhook: {} bytes", err.to_string().len());
}
