//! The PostgreSQL ledger from many processes: `faceauth ledger` and `batch --ledger` against
//! the server FACEAUTH_TEST_POSTGRES names (`make test` starts one with
//! scripts/with-postgres.sh); each test is skipped, saying so, when it is unset. The restart
//! test also needs FACEAUTH_TEST_PG_CTL (the script's pg_ctl wrapper).

use std::collections::{BTreeMap, BTreeSet};
use std::io::Write;
use std::process::{Command, Output, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, RwLock};
use std::time::{Duration, SystemTime};

use assert_cmd::cargo::CommandCargoExt;
use faceauth::token::{
    Durability, LedgerError, ListFilter, NewToken, PostgresLedger, PostgresOptions, StateKind, TokenLedger,
    TokenRule,
};
use faceauth::ErrorKind;
use serde_json::Value;

mod support;

use support::TempDir;

const KEY: &str = "0123456789abcdefghijABCDEFGHIJ0123456789";

/// Tests share one server; the restart test stops it, so it runs alone.
static SERVER: RwLock<()> = RwLock::new(());

fn server() -> Option<String> {
    match std::env::var("FACEAUTH_TEST_POSTGRES") {
        Ok(url) if !url.is_empty() => Some(url),
        _ => {
            eprintln!(
                "skipped: FACEAUTH_TEST_POSTGRES is not set (make test sets it: scripts/with-postgres.sh \
                 runs the tests against a throwaway server)"
            );
            None
        }
    }
}

/// The password in a `postgres://user:password@…` URL.
fn password(url: &str) -> String {
    let userinfo = url.split("://").nth(1).and_then(|rest| rest.split_once('@')).map(|(u, _)| u);
    userinfo.and_then(|u| u.split_once(':')).map(|(_, p)| p.to_owned()).unwrap_or_default()
}

/// A fresh schema on the test server, dropped on drop; `location` has it as the search path.
struct Schema {
    name: String,
    location: String,
    server: String,
}

impl Schema {
    fn new(tag: &str) -> Option<Schema> {
        static NEXT: AtomicUsize = AtomicUsize::new(0);
        let server = server()?;
        let nanos =
            SystemTime::now().duration_since(SystemTime::UNIX_EPOCH).map(|d| d.subsec_nanos()).unwrap_or(0);
        let name = format!("c_{tag}_{}_{}_{nanos}", std::process::id(), NEXT.fetch_add(1, Ordering::Relaxed));
        let mut client = postgres::Client::connect(&server, postgres::NoTls).expect("connects");
        client.batch_execute(&format!("CREATE SCHEMA {name}")).expect("creates a schema");
        let location = format!("{server}?options=-c%20search_path%3D{name}");
        Some(Schema { name, location, server })
    }
}

impl Drop for Schema {
    fn drop(&mut self) {
        if let Ok(mut client) = postgres::Client::connect(&self.server, postgres::NoTls) {
            client.batch_execute(&format!("DROP SCHEMA {} CASCADE", self.name)).ok();
        }
    }
}

fn faceauth() -> Command {
    let mut cmd = Command::cargo_bin("faceauth").expect("binary");
    cmd.env("FACEAUTH_API_KEY", KEY).env_remove("FACEAUTH_TOKENS_DB").env_remove("FACEAUTH_LEDGER");
    cmd
}

/// `faceauth ledger ARGS` against `location` (through FACEAUTH_TOKENS_DB, as a fleet would
/// pass a password), `stdin` piped in.
fn tokens(location: &str, args: &[&str], stdin: &str) -> Output {
    let mut child = faceauth()
        .arg("ledger")
        .args(args)
        .env("FACEAUTH_TOKENS_DB", location)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawns");
    child.stdin.take().expect("stdin").write_all(stdin.as_bytes()).ok();
    child.wait_with_output().expect("runs")
}

fn json_lines(output: &Output) -> Vec<Value> {
    assert!(output.status.success(), "failed: {}", String::from_utf8_lossy(&output.stderr));
    String::from_utf8_lossy(&output.stdout)
        .lines()
        .map(|line| serde_json::from_str(line).expect("a JSON line"))
        .collect()
}

fn face_auth_body(token: &str, auth_id: &str, second: u32) -> String {
    format!(
        r#"{{"webhook_trigger": "faceAuth", "data": {{"Submission_id": "sub-1", "Auth_Status": "approved",
            "Create_Time": "2025-11-12T02:23:{second:02}.000Z", "Token_id": "{token}", "Authentication_id": "{auth_id}"}}}}"#
    )
}

fn expired_body(token: &str, second: u32) -> String {
    format!(
        r#"{{"webhook_trigger": "token_expired", "token_id": "{token}", "expired_condition": "time",
            "expected_expired_at": "2025-11-13T00:00:{second:02}.000Z", "service": "faceAuth"}}"#
    )
}

/// 8 processes issue links while 8 others apply webhooks, all to the same few tokens, at once:
/// every issued token is recorded once, and every webhooked token holds every result and the
/// earliest expiry and use, whatever the interleaving.
#[test]
fn eight_issuers_and_eight_webhook_appliers_lose_nothing() {
    let _shared = SERVER.read().unwrap_or_else(|e| e.into_inner());
    let Some(schema) = Schema::new("fleet") else { return };
    let location = schema.location.as_str();
    const TARGETS: usize = 6;
    const PER_ISSUER: usize = 25;
    let targets: Vec<String> = json_lines(&tokens(
        location,
        &["issue", "--pid", "p", "--sid", "sub-1", "--rule", "time:3600", "--count", &TARGETS.to_string()],
        "",
    ))
    .iter()
    .map(|line| line["token"].as_str().expect("a token").to_owned())
    .collect();
    assert_eq!(targets.len(), TARGETS);

    let issued: Vec<Vec<String>> = std::thread::scope(|scope| {
        let issuers: Vec<_> = (0..8)
            .map(|i| {
                scope.spawn(move || {
                    let sid = format!("sub-issuer-{i}");
                    let count = PER_ISSUER.to_string();
                    let args = ["issue", "--pid", "p", "--sid", &sid, "--rule", "count", "--count", &count];
                    json_lines(&tokens(location, &args, ""))
                        .iter()
                        .map(|line| line["token"].as_str().expect("a token").to_owned())
                        .collect::<Vec<_>>()
                })
            })
            .collect();
        let appliers: Vec<_> = (0..8u32)
            .map(|a| {
                let targets = &targets;
                scope.spawn(move || {
                    for (n, token) in targets.iter().enumerate() {
                        // Applier a sends result fa-a (created at second a) and an expiry
                        // (at second 10 + a) for every target, each twice.
                        for body in [
                            face_auth_body(token, &format!("fa-{a}"), a),
                            expired_body(token, 10 + a),
                            face_auth_body(token, &format!("fa-{a}"), a),
                        ] {
                            let output = tokens(location, &["apply-webhook"], &body);
                            let outcome = json_lines(&output);
                            assert_eq!(outcome[0]["outcome"], "recorded", "applier {a}, target {n}");
                        }
                    }
                })
            })
            .collect();
        for applier in appliers {
            applier.join().expect("an applier");
        }
        issuers.into_iter().map(|issuer| issuer.join().expect("an issuer")).collect()
    });

    let ledger = PostgresLedger::open(location).expect("opens");
    let now = SystemTime::now();
    let listed = ledger.list(&ListFilter::new(), now).expect("lists");
    let by_id: BTreeMap<&str, _> = listed.iter().map(|s| (s.record.token_id.as_str(), s)).collect();
    assert_eq!(by_id.len(), listed.len(), "each token listed once");
    let issued_ids: BTreeSet<&str> = issued.iter().flatten().map(String::as_str).collect();
    assert_eq!(issued_ids.len(), 8 * PER_ISSUER, "every issued token distinct");
    assert_eq!(listed.len(), TARGETS + 8 * PER_ISSUER, "nothing else recorded");
    for (i, tokens) in issued.iter().enumerate() {
        for token in tokens {
            let status = by_id.get(token.as_str()).unwrap_or_else(|| panic!("{token} not recorded"));
            assert_eq!(status.record.submission_id, format!("sub-issuer-{i}"));
            assert_eq!(status.state.kind(), StateKind::Unused);
        }
    }
    for token in &targets {
        let record = &by_id[token.as_str()].record;
        let auth_ids: Vec<_> = record.results.iter().map(|r| r.auth_id.clone().unwrap_or_default()).collect();
        let expected: Vec<_> = (0..8).map(|a| format!("fa-{a}")).collect();
        assert_eq!(auth_ids, expected, "every result of {token}, oldest first");
        let expiry = record.reported_expiry.as_ref().expect("an expiry");
        assert_eq!(faceauth::token::time::format_rfc3339(expiry.at), "2025-11-13T00:00:10.000Z");
        let first_use = record.first_used_at.map(faceauth::token::time::format_rfc3339);
        assert_eq!(first_use.as_deref(), Some("2025-11-12T02:23:00.000Z"));
        assert_eq!(by_id[token.as_str()].state.kind(), StateKind::Completed);
    }
}

fn pg_ctl(action: &str) {
    let Ok(script) = std::env::var("FACEAUTH_TEST_PG_CTL") else { panic!("FACEAUTH_TEST_PG_CTL is not set") };
    let status = Command::new(script).arg(action).status().expect("runs pg_ctl");
    assert!(status.success(), "pg_ctl {action} failed");
}

/// Batches of 50 tokens, each all or none.
fn batch_of(round: usize) -> Vec<NewToken> {
    (0..50).map(|i| NewToken::new(format!("tok_r{round:05}_{i:03}"), "sub-r", TokenRule::Count)).collect()
}

/// The server restarts, then stops, under a ledger in use: calls while it is down fail with
/// `ledger_storage` (never a password in the message), calls after it is back succeed on a
/// new connection, and every batch is recorded whole or not at all.
#[test]
fn a_server_restart_fails_calls_cleanly_and_the_ledger_reconnects() {
    let _alone = SERVER.write().unwrap_or_else(|e| e.into_inner());
    let Some(schema) = Schema::new("restart") else { return };
    if std::env::var_os("FACEAUTH_TEST_PG_CTL").is_none() {
        eprintln!("skipped: FACEAUTH_TEST_PG_CTL is not set (scripts/with-postgres.sh sets it)");
        return;
    }
    let options = PostgresOptions::new().durability(Durability::Full).connect_timeout(Duration::from_secs(2));
    let ledger = Arc::new(PostgresLedger::open_with(&schema.location, &options).expect("opens"));
    let secret = password(&schema.location);

    // A writer issues batches while the server restarts under it.
    let stop = Arc::new(std::sync::atomic::AtomicBool::new(false));
    let writer = {
        let (ledger, stop) = (Arc::clone(&ledger), Arc::clone(&stop));
        std::thread::spawn(move || {
            let mut outcomes = Vec::new();
            let mut round = 0;
            while !stop.load(Ordering::Relaxed) || round < 20 {
                outcomes.push((round, ledger.issue_many(&batch_of(round), SystemTime::now())));
                round += 1;
                std::thread::sleep(Duration::from_millis(2));
            }
            outcomes
        })
    };
    std::thread::sleep(Duration::from_millis(100));
    pg_ctl("restart");
    std::thread::sleep(Duration::from_millis(200));
    stop.store(true, Ordering::Relaxed);
    let outcomes = writer.join().expect("the writer");

    // Down: every call fails with a typed storage error, without the password.
    pg_ctl("stop");
    let down = [
        ledger.issue(&NewToken::new("tok_during_outage", "s", TokenRule::Count), SystemTime::now()).err(),
        ledger.status("tok_r00000_000", SystemTime::now()).err(),
        ledger.list(&ListFilter::new(), SystemTime::now()).err(),
    ];
    let cli = tokens(&schema.location, &["status", "tok_r00000_000"], "");
    pg_ctl("start");
    for err in down {
        let err = err.expect("a call while the server is down fails");
        assert_eq!(err.kind(), ErrorKind::LedgerStorage, "{err}");
        assert!(matches!(err, LedgerError::Storage { .. }));
        assert!(!format!("{err} {err:?}").contains(&secret), "{err}");
    }
    assert_eq!(cli.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&cli.stderr);
    assert!(stderr.contains("storage failed") && !stderr.contains(&secret), "{stderr}");
    assert!(stderr.contains("<redacted>"), "{stderr}");

    // Up again: the same ledger reconnects on its next call.
    ledger
        .issue(&NewToken::new("tok_after_outage", "s", TokenRule::Count), SystemTime::now())
        .expect("reconnects");
    assert!(ledger.status("tok_after_outage", SystemTime::now()).expect("reads").is_some());
    assert!(ledger.status("tok_during_outage", SystemTime::now()).expect("reads").is_none());

    // Every batch whole or absent; every one reported recorded is there.
    let recorded: BTreeSet<String> = ledger
        .list(&ListFilter::new(), SystemTime::now())
        .expect("lists")
        .into_iter()
        .map(|s| s.record.token_id)
        .collect();
    for (round, outcome) in &outcomes {
        let present = batch_of(*round).iter().filter(|t| recorded.contains(&t.token_id)).count();
        match outcome {
            Ok(()) => assert_eq!(present, 50, "round {round} was reported recorded"),
            Err(err) => {
                assert_eq!(err.kind(), ErrorKind::LedgerStorage, "round {round}: {err}");
                assert!(present == 0 || present == 50, "round {round} half-written: {present} of 50");
            }
        }
    }
    assert!(outcomes.iter().any(|(_, o)| o.is_ok()));
}

#[test]
fn a_batch_into_postgres_killed_mid_run_has_recorded_every_url_it_wrote() {
    let _shared = SERVER.read().unwrap_or_else(|e| e.into_inner());
    let Some(schema) = Schema::new("batch") else { return };
    let dir = TempDir::new("batch-pg-kill");
    let rows = support::batch_killed_mid_run(faceauth(), &dir, &schema.location);
    let ledger = PostgresLedger::open(&schema.location).expect("opens");
    let recorded: BTreeMap<String, String> = ledger
        .list(&ListFilter::new(), SystemTime::now())
        .expect("lists")
        .into_iter()
        .map(|s| (s.record.token_id, s.record.submission_id))
        .collect();
    let missing = rows.iter().filter(|(token, sid)| recorded.get(token) != Some(sid)).count();
    assert_eq!(missing, 0, "of {} written rows, {missing} have no recorded token", rows.len());
    // Whole chunks only: what is recorded is a multiple of the chunk size.
    assert_eq!(recorded.len() % 8192, 0, "{} recorded", recorded.len());
}

#[test]
fn a_batch_with_known_tokens_fails_their_rows_only() {
    let _shared = SERVER.read().unwrap_or_else(|e| e.into_inner());
    let Some(schema) = Schema::new("batch_known") else { return };
    let ledger = PostgresLedger::open(&schema.location).expect("opens");
    ledger
        .issue(&NewToken::new("tok_known_0001", "sub-0", TokenRule::Count), SystemTime::now())
        .expect("issues");
    let input = "sid,token\nsub-1,tok_fresh_0001\nsub-2,tok_known_0001\nsub-3,tok_fresh_0002\n";
    let mut child = faceauth()
        .args(["batch", "--pid", "p", "--input", "-", "--output", "-", "--ledger", &schema.location])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawns");
    child.stdin.take().expect("stdin").write_all(input.as_bytes()).expect("writes");
    let output = child.wait_with_output().expect("runs");
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("tok_known_0001 is already in the ledger"), "{stderr}");
    assert!(!stderr.contains(&password(&schema.location)), "{stderr}");
    let rows = support::written_tokens(&String::from_utf8_lossy(&output.stdout));
    assert_eq!(
        rows.iter().map(|(t, _)| t.as_str()).collect::<Vec<_>>(),
        ["tok_fresh_0001", "tok_fresh_0002"]
    );
    let known = ledger.status("tok_known_0001", SystemTime::now()).expect("reads").expect("there");
    assert_eq!(known.record.submission_id, "sub-0", "unchanged");
}

#[test]
fn the_password_never_shows_in_cli_errors_or_help() {
    let _shared = SERVER.read().unwrap_or_else(|e| e.into_inner());
    let Some(server) = server() else { return };
    let secret = password(&server);
    let wrong = server.replacen(&format!(":{secret}@"), ":wrong-s3cret@", 1);
    let unreachable = "postgres://faceauth:pw-s3cret@127.0.0.1:1/faceauth".to_owned();
    let Some(empty) = Schema::new("empty") else { return };
    for location in [&wrong, &unreachable, &empty.location] {
        for args in [&["status", "tok_nothing_here"][..], &["list"], &["mark-used", "tok_nothing_here"]] {
            let output = tokens(location, args, "");
            let stderr = String::from_utf8_lossy(&output.stderr);
            for hidden in ["wrong-s3cret", "pw-s3cret", secret.as_str()] {
                assert!(!stderr.contains(hidden), "{args:?}: {stderr}");
            }
        }
        let output = faceauth()
            .args(["ledger", "--db", location, "status", "tok_nothing_here"])
            .output()
            .expect("runs");
        assert!(!output.status.success());
        assert!(!String::from_utf8_lossy(&output.stderr).contains(&secret));
    }
    // FACEAUTH_TOKENS_DB's value is not shown in the help.
    let help =
        faceauth().args(["ledger", "--help"]).env("FACEAUTH_TOKENS_DB", &server).output().expect("runs");
    let help = String::from_utf8_lossy(&help.stdout);
    assert!(help.contains("PostgreSQL") && help.contains("SQLite"), "{help}");
    assert!(!help.contains(&secret), "{help}");
}

/// The password need not be in the location, where `ps` shows it: `PGPASSWORD`, or a password
/// file of mode 0600 (`PGPASSFILE`, else `~/.pgpass`), as libpq reads them. A password file
/// that others can read is ignored, and the refused login says why.
#[test]
fn the_password_comes_from_pgpassword_or_a_password_file() {
    let _shared = SERVER.read().unwrap_or_else(|e| e.into_inner());
    let Some(schema) = Schema::new("pgpass") else { return };
    let secret = password(&schema.location);
    assert!(!secret.is_empty(), "the test server has a password");
    let bare = schema.location.replacen(&format!(":{secret}@"), "@", 1);
    assert!(!bare.contains(&secret));
    let host_port = bare.split('@').nth(1).and_then(|rest| rest.split('/').next()).expect("host:port");
    let home = TempDir::new("pg-home");
    let files = TempDir::new("pg-files");
    let run = |envs: &[(&str, &str)], args: &[&str]| {
        let output = faceauth()
            .env_remove("PGPASSWORD")
            .env_remove("PGPASSFILE")
            .env("HOME", home.path())
            .args(["ledger", "--ledger", &bare])
            .args(args)
            .envs(envs.iter().copied())
            .stdin(Stdio::null())
            .output()
            .expect("runs");
        let all =
            format!("{}{}", String::from_utf8_lossy(&output.stdout), String::from_utf8_lossy(&output.stderr));
        assert!(!all.contains(&secret), "the password leaked: {all}");
        output
    };
    let issue = ["issue", "--pid", "p", "--sid", "s", "--rule", "count"];
    let stderr = |output: &Output| String::from_utf8_lossy(&output.stderr).into_owned();

    // No password anywhere: the server refuses the login.
    let refused = run(&[], &issue);
    assert_eq!(refused.status.code(), Some(1), "{}", stderr(&refused));
    assert!(stderr(&refused).contains("password"), "{}", stderr(&refused));

    // PGPASSWORD.
    let output = run(&[("PGPASSWORD", &secret)], &issue);
    assert!(output.status.success(), "{}", stderr(&output));

    // PGPASSFILE, mode 0600: the first matching line wins; comments and other users skipped.
    let file = files.join("pgpass");
    let lines = format!(
        "# the ledger\n{host_port}:faceauth:nobody:wrong\n{host_port}:*:faceauth:{secret}\n*:*:*:*:wrong-too\n"
    );
    let set = |mode: u32| {
        use std::os::unix::fs::PermissionsExt;
        std::fs::write(&file, &lines).expect("writes the password file");
        std::fs::set_permissions(&file, std::fs::Permissions::from_mode(mode)).expect("chmod");
    };
    set(0o600);
    let file_text = file.to_str().expect("utf-8");
    let output = run(&[("PGPASSFILE", file_text)], &issue);
    assert!(output.status.success(), "{}", stderr(&output));

    // Readable by group or others: ignored, as libpq ignores it, and the failure says so.
    set(0o644);
    let output = run(&[("PGPASSFILE", file_text)], &issue);
    assert_eq!(output.status.code(), Some(1));
    assert!(stderr(&output).contains("group or world access"), "{}", stderr(&output));

    // ~/.pgpass when PGPASSFILE is unset; read-only commands too.
    let dot = home.join(".pgpass");
    std::fs::rename(&file, &dot).expect("moves the file");
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&dot, std::fs::Permissions::from_mode(0o600)).expect("chmod");
    }
    let output = run(&[], &["list"]);
    assert!(output.status.success(), "{}", stderr(&output));
    assert_eq!(String::from_utf8_lossy(&output.stdout).lines().count(), 2);

    // A password in the location comes first: a wrong PGPASSWORD does not matter then.
    let output = faceauth()
        .args(["ledger", "list", "--ledger", &schema.location])
        .env("PGPASSWORD", "wrong")
        .output()
        .expect("runs");
    assert!(output.status.success(), "{}", stderr(&output));
}
