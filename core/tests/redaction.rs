//! Every public type that can hold a key, a URL with `user:password@` or a PostgreSQL password
//! formats (`{:?}`, `{:#?}` and, where it has one, `{}`) without any of them.

use std::collections::BTreeMap;
use std::fmt::{Debug, Display};
use std::time::SystemTime;

use faceauth::api::{Client, ListQuery, Submission};
use faceauth::crypto::{Cipher, Key, Scheme};
use faceauth::token::{issue_url, open_ledger, LinkIssuer, MemoryLedger, TokenGenerator, TokenRule};
use faceauth::url::{inspect, redact_credentials, AuthParams, UrlBuilder};

const KEY: &str = "SeCrEt-api-key-0123456789abcdefghij";
const URL_PASSWORD: &str = "s3cretpw";
const PG_PASSWORD: &str = "pg-Pa55word";

fn base_url() -> String {
    format!("http://user:{URL_PASSWORD}@127.0.0.1:9/v3")
}

fn pg_location() -> String {
    format!("postgres://faceauth:{PG_PASSWORD}@127.0.0.1:1/faceauth?connect_timeout=2")
}

/// Panics if any formatting of `shown` holds a secret.
fn assert_hidden(what: &str, shown: &str) {
    for secret in [KEY, URL_PASSWORD, PG_PASSWORD] {
        assert!(!shown.contains(secret), "{what} shows {secret}: {shown}");
    }
}

fn check_debug(what: &str, value: &dyn Debug) {
    assert_hidden(what, &format!("{value:?}"));
    assert_hidden(what, &format!("{value:#?}"));
}

fn check_display(what: &str, value: &dyn Display) {
    assert_hidden(what, &format!("{value}"));
    assert_hidden(what, &format!("{value:>80}"));
}

#[test]
fn no_type_formats_a_key_a_url_password_or_a_postgres_password() {
    let key = Key::derive(KEY).expect("key");
    let cipher = Cipher::new(&key, Scheme::Gcm);
    let builder =
        UrlBuilder::new("pid-1", &key, Scheme::Ecb).expect("builder").base_url(&base_url()).expect("base");
    let url = builder.build(&AuthParams::new("sub_1").token("tok_abcdefgh")).expect("url");
    let inspection = inspect(&url, &Cipher::new(&key, Scheme::Ecb)).expect("inspects");
    let ledger = MemoryLedger::new();
    let link = issue_url(
        &builder,
        &ledger,
        TokenRule::Count,
        &AuthParams::new("sub_1"),
        &BTreeMap::new(),
        SystemTime::now(),
    )
    .expect("issues");
    let issuer = LinkIssuer::new(&builder, &ledger);
    let client_builder = Client::builder(KEY).base_url(&base_url());
    let client = Client::builder(KEY).base_url(&base_url()).build().expect("client");
    let api_error = client.get("fa_1").expect_err("nothing listens on port 9");
    let submission = Submission::new("sub_1", b"\xff\xd8\xff");
    check_debug("Key", &key);
    check_debug("Cipher", &cipher);
    check_debug("UrlBuilder", &builder);
    check_debug("Inspection", &inspection);
    check_debug("IssuedLink", &link);
    check_debug("LinkIssuer", &issuer);
    check_debug("ClientBuilder", &client_builder);
    check_debug("Client", &client);
    check_debug("ApiError", &api_error);
    check_display("ApiError", &api_error);
    check_debug("Submission", &submission);
    check_debug("ListQuery", &ListQuery::new());
    check_debug("TokenGenerator", &TokenGenerator::new());

    // A location that cannot be opened: its error holds no password, whatever this build has.
    let Err(error) = open_ledger(&pg_location()) else { panic!("nothing listens on port 1") };
    check_debug("LedgerError", &error);
    check_display("LedgerError", &error);
    check_debug("Error", &faceauth::Error::from(error.clone()));
    check_display("Error", &faceauth::Error::from(error));
    for location in [
        format!("host=db password={PG_PASSWORD}"),
        format!("postgres://faceauth@db/l?password={PG_PASSWORD}"),
        format!("postgresql://faceauth:{PG_PASSWORD}@db/l"),
    ] {
        check_display("redact_credentials", &redact_credentials(&location));
    }
}

#[cfg(feature = "postgres")]
#[test]
fn an_open_postgres_ledger_formats_without_its_password() {
    use faceauth::token::PostgresLedger;
    let Ok(server) = std::env::var("FACEAUTH_TEST_POSTGRES") else {
        eprintln!("skipped: FACEAUTH_TEST_POSTGRES is not set (scripts/with-postgres.sh sets it)");
        return;
    };
    let password = server.split_once("://").and_then(|(_, rest)| rest.split_once('@')).map(|(info, _)| info);
    let password =
        password.and_then(|info| info.split_once(':')).map(|(_, pw)| pw.to_owned()).expect("a password");
    let ledger = PostgresLedger::open(&server).expect("opens");
    for shown in [format!("{ledger:?}"), format!("{ledger:#?}"), ledger.location().to_owned()] {
        assert!(!shown.contains(&password) && shown.contains("<redacted>"), "{shown}");
    }
    // The same password in the query string instead.
    let (without, _) = server.split_once('@').expect("user-info");
    let host = &server[without.len() + 1..];
    let in_query = format!("postgres://faceauth@{host}?password={password}");
    let shown = redact_credentials(&in_query);
    assert!(!shown.contains(&password), "{shown}");
}
