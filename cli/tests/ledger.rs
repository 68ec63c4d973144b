//! `faceauth ledger`: the token ledger from the shell, and several processes on one file.

use std::collections::HashSet;
use std::process::{Command, Output, Stdio};
use std::time::Instant;

use assert_cmd::cargo::CommandCargoExt;
use faceauth::crypto::{Cipher, Key, Scheme};
use serde_json::Value;
use support::TempDir;

mod support;

const KEY: &str = "0123456789abcdefghijABCDEFGHIJ0123456789";
const WEBHOOK_KEY: &str = "id-check-webhook-key-31c9";

fn faceauth() -> Command {
    let mut cmd = Command::cargo_bin("faceauth").expect("binary built");
    cmd.env("FACEAUTH_API_KEY", KEY)
        .env_remove("FACEAUTH_TOKENS_DB")
        .env_remove("FACEAUTH_LEDGER")
        .env_remove("FACEAUTH_WEBHOOK_KEY");
    cmd
}

fn run_with(mut cmd: Command, args: &[&str], stdin: &str) -> Output {
    let output = support::run_piped(cmd.args(args), stdin.as_bytes());
    let all = format!("{}{}", text(&output.stdout), text(&output.stderr));
    assert!(!all.contains(KEY) && !all.contains(WEBHOOK_KEY), "a key leaked: {all}");
    output
}

fn run(args: &[&str], stdin: &str) -> Output {
    run_with(faceauth(), args, stdin)
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

/// The JSON lines of a successful run.
fn lines(args: &[&str], stdin: &str) -> Vec<Value> {
    let output = run(args, stdin);
    assert!(output.status.success(), "{args:?}: {}", text(&output.stderr));
    text(&output.stdout).lines().map(|line| serde_json::from_str(line).expect("a JSON line")).collect()
}

fn one(args: &[&str], stdin: &str) -> Value {
    let mut all = lines(args, stdin);
    assert_eq!(all.len(), 1, "{all:?}");
    all.remove(0)
}

/// Runs a command expected to fail; returns its exit code and stderr.
fn failure(args: &[&str], stdin: &str) -> (i32, String) {
    let output = run(args, stdin);
    assert!(!output.status.success(), "{args:?} succeeded: {}", text(&output.stdout));
    (output.status.code().unwrap_or(-1), text(&output.stderr))
}

fn face_auth_body(token: &str, auth_id: &str) -> String {
    format!(
        r#"{{"webhook_trigger": "faceAuth", "data": {{"Submission_id": "sub-1", "Auth_Status": "approved",
            "Create_Time": "2025-11-12T02:23:13.588Z", "Token_id": "{token}", "Authentication_id": "{auth_id}"}}}}"#
    )
}

#[test]
fn issue_status_list_webhook_and_purge() {
    let dir = TempDir::new("flow");
    let db = dir.db();
    let issued = lines(
        &[
            "ledger",
            "issue",
            "--db",
            &db,
            "--pid",
            "pid-1",
            "--sid",
            "sub-1",
            "--rule",
            "time:24h",
            "--user-id",
            "user-1",
            "--meta",
            "batch=7",
            "--meta",
            "note=a=b",
            "--count",
            "3",
        ],
        "",
    );
    assert_eq!(issued.len(), 3);
    let cipher = Cipher::new(&Key::derive(KEY).expect("key"), Scheme::Ecb);
    for link in &issued {
        assert_eq!(link["rule"], "time:86400");
        let token = link["token"].as_str().expect("token");
        let back = faceauth::url::inspect(link["url"].as_str().expect("url"), &cipher).expect("inspects");
        assert_eq!(back.params.token.as_deref(), Some(token));
        assert_eq!(back.params.user_id.as_deref(), Some("user-1"));
    }
    let first = issued[0]["token"].as_str().expect("token");

    // --db may also come before the subcommand.
    let status = one(&["ledger", "--db", &db, "status", first], "");
    assert_eq!((status["state"].as_str(), status["submission_id"].as_str()), (Some("unused"), Some("sub-1")));
    assert_eq!(status["metadata"], serde_json::json!({"batch": "7", "note": "a=b"}));
    assert_eq!(status["user_id"], "user-1");

    let used = one(&["ledger", "mark-used", "--db", &db, first, "--at", "2030-01-01T00:00:00Z"], "");
    assert_eq!(used["state"], "active");
    assert_eq!(used["until"], "2030-01-02T00:00:00.000Z");

    let second = issued[1]["token"].as_str().expect("token");
    let outcome = one(&["ledger", "apply-webhook", "--db", &db, "-"], &face_auth_body(second, "fa-1"));
    assert_eq!(outcome["outcome"], "recorded");
    assert_eq!(outcome["status"]["state"], "completed");
    assert_eq!(outcome["status"]["result"]["auth_id"], "fa-1");
    // The same webhook again, from a file: the same state.
    let file = dir.path().join("body.json");
    std::fs::write(&file, face_auth_body(second, "fa-1")).expect("writes");
    let again = one(&["ledger", "apply-webhook", "--db", &db, file.to_str().expect("utf-8")], "");
    assert_eq!(again["status"]["results"], outcome["status"]["results"]);

    let state_of = |state: &str| -> Vec<String> {
        lines(&["ledger", "list", "--db", &db, "--state", state], "")
            .iter()
            .map(|s| s["token"].as_str().expect("token").to_owned())
            .collect()
    };
    assert_eq!(state_of("completed"), [second]);
    assert_eq!(state_of("unused"), [issued[2]["token"].as_str().expect("token")]);
    assert_eq!(state_of("active").len(), 1);
    assert!(state_of("expired").is_empty());
    assert_eq!(lines(&["ledger", "list", "--db", &db, "--submission", "sub-1"], "").len(), 3);
    assert!(lines(&["ledger", "list", "--db", &db, "--submission", "sub-2"], "").is_empty());
    assert!(lines(&["ledger", "list", "--db", &db, "--until", "2020-01-01"], "").is_empty());
    assert_eq!(lines(&["ledger", "list", "--db", &db, "--since", "2020-01-01T00:00:00+09:00"], "").len(), 3);
    assert_eq!(lines(&["ledger", "list", "--db", &db, "--limit", "2"], "").len(), 2);

    // Nothing is older than a day yet; everything is older than nothing.
    assert_eq!(one(&["ledger", "purge", "--db", &db, "--older-than", "1d"], "")["purged"], 0);
    assert_eq!(one(&["ledger", "purge", "--db", &db, "--older-than", "0s"], "")["purged"], 3);
    assert!(lines(&["ledger", "list", "--db", &db], "").is_empty());
}

#[test]
fn webhooks_for_other_tokens_are_reported_not_fatal() {
    let dir = TempDir::new("outcomes");
    let db = dir.db();
    // A webhook that matches no token says so on stdout and in its exit code (5).
    let unmatched = |body: &str| {
        let output = run(&["ledger", "apply-webhook", "--db", &db], body);
        assert_eq!(output.status.code(), Some(5), "{}", text(&output.stderr));
        serde_json::from_str::<Value>(text(&output.stdout).trim()).expect("a JSON line")
    };
    let unknown = unmatched(&face_auth_body("tok_nobody01", "fa-1"));
    assert_eq!(
        (unknown["outcome"].as_str(), unknown["token"].as_str()),
        (Some("unknown_token"), Some("tok_nobody01"))
    );
    let no_token = r#"{"webhook_trigger": "faceAuth", "auth_id": "fa-1", "data": {"submission_id": "s"}}"#;
    assert_eq!(unmatched(no_token)["outcome"], "no_token");
    // An event for another service is not this ledger's to match: success.
    let id_check = r#"{"webhook_trigger": "token_expired", "token_id": "tok_abc12345", "expired_condition": "count",
        "expired_at": "2025-11-12T02:23:13.588Z", "service": "idCheck"}"#;
    assert_eq!(one(&["ledger", "apply-webhook", "--db", &db], id_check)["outcome"], "ignored");

    // An encrypted body needs the key, given by option or environment.
    let token = one(&["ledger", "issue", "--db", &db, "--pid", "p", "--sid", "s", "--rule", "count"], "")
        ["token"]
        .as_str()
        .expect("token")
        .to_owned();
    let sealed = Cipher::new(&Key::derive(WEBHOOK_KEY).expect("key"), Scheme::Ecb)
        .encrypt(&face_auth_body(&token, "fa-9"))
        .expect("encrypts");
    let body = serde_json::json!({ "data": sealed }).to_string();
    let (code, stderr) = failure(&["ledger", "apply-webhook", "--db", &db], &body);
    assert_eq!(code, 1);
    assert!(stderr.contains("--webhook-key"), "{stderr}");
    let outcome = one(&["ledger", "apply-webhook", "--db", &db, "--webhook-key", WEBHOOK_KEY], &body);
    assert_eq!(outcome["status"]["result"]["auth_id"], "fa-9");
    let mut cmd = faceauth();
    cmd.env("FACEAUTH_WEBHOOK_KEY", WEBHOOK_KEY);
    let output = run_with(cmd, &["ledger", "apply-webhook", "--db", &db], &body);
    assert!(output.status.success(), "{}", text(&output.stderr));
}

#[test]
fn bad_input_fails_clearly() {
    let dir = TempDir::new("bad");
    let db = dir.db();
    let issue = |extra: &[&str]| {
        let mut args = vec!["ledger", "issue", "--db", &db, "--pid", "p", "--sid", "s"];
        args.extend_from_slice(extra);
        failure(&args, "")
    };
    let cases: [(&[&str], i32, &str); 6] = [
        (&["--rule", "weekly"], 2, "expected count or time:DURATION"),
        (&["--rule", "time:1y"], 2, "expected count or time:DURATION"),
        (&["--rule", "count", "--meta", "novalue"], 2, "KEY=VALUE"),
        (&["--rule", "count", "--meta", "=x"], 2, "KEY=VALUE"),
        (&["--rule", "count", "--count", "0"], 2, "0"),
        (&["--rule", "count", "--user-id", "a\tb"], 2, "control character"),
    ];
    for (extra, code, message) in cases {
        let (got, stderr) = issue(extra);
        assert_eq!(got, code, "{extra:?}: {stderr}");
        assert!(stderr.contains(message), "{extra:?}: {stderr}");
    }
    let (code, stderr) = failure(
        &[
            "ledger",
            "issue",
            "--db",
            &db,
            "--pid",
            "p",
            "--sid",
            "s",
            "--rule",
            "count",
            "--durability",
            "fast",
        ],
        "",
    );
    assert!(code == 2 && stderr.contains("expected full or normal"), "{stderr}");
    let (code, stderr) = failure(&["ledger", "status", "--db", &db, "tok_nobody01"], "");
    assert_eq!(code, 1);
    assert!(stderr.contains("tok_nobody01 is not in the ledger"), "{stderr}");
    let (code, stderr) = failure(&["ledger", "status", "--db", &db, "bad id"], "");
    assert!(code == 2 && stderr.contains("token id"), "{stderr}");
    let (code, stderr) = failure(&["ledger", "mark-used", "--db", &db, "tok_nobody01"], "");
    assert!(code == 1 && stderr.contains("not in the ledger"), "{stderr}");
    let (code, stderr) = failure(&["ledger", "list", "--db", &db, "--since", "yesterday"], "");
    assert!(code == 2 && stderr.contains("RFC 3339"), "{stderr}");
    let (code, stderr) = failure(&["ledger", "list", "--db", &db, "--state", "done"], "");
    assert!(code == 2 && stderr.contains("unused, active, completed or expired"), "{stderr}");
    let (code, stderr) = failure(&["ledger", "purge", "--db", &db, "--older-than", "soon"], "");
    assert!(code == 2 && stderr.contains("30d"), "{stderr}");
    let scratch = dir.path().join("never.db");
    let scratch = scratch.to_str().expect("utf-8");
    let (code, stderr) = failure(&["ledger", "apply-webhook", "--db", scratch, "--scheme", "rot13"], "{}");
    assert!(code == 2 && stderr.contains("rot13"), "{stderr}");
    assert!(!std::path::Path::new(scratch).exists(), "a usage error opened the ledger");
    let (code, stderr) = failure(&["ledger", "apply-webhook", "--db", &db], "not json");
    assert!(code == 1 && stderr.contains("cannot parse the webhook"), "{stderr}");

    // A file that is not a ledger is refused, and left as it was.
    let notes = dir.path().join("notes.txt");
    let content = "these are my notes, not a database; ".repeat(40);
    std::fs::write(&notes, &content).expect("writes");
    let (code, stderr) = failure(&["ledger", "list", "--db", notes.to_str().expect("utf-8")], "");
    assert!(code == 1 && stderr.contains("not a faceauth token ledger"), "{stderr}");
    assert_eq!(std::fs::read_to_string(&notes).expect("reads"), content);
}

#[test]
fn the_default_ledger_lives_in_the_user_data_directory() {
    let dir = TempDir::new("default");
    let xdg = dir.path().join("xdg");
    let mut cmd = faceauth();
    cmd.env("XDG_DATA_HOME", &xdg);
    let output = run_with(cmd, &["ledger", "issue", "--pid", "p", "--sid", "s", "--rule", "count"], "");
    assert!(output.status.success(), "{}", text(&output.stderr));
    assert!(xdg.join("faceauth").join("tokens.db").is_file());

    let home = dir.path().join("home");
    std::fs::create_dir_all(&home).expect("creates");
    let with_home = || {
        let mut cmd = faceauth();
        cmd.env_remove("XDG_DATA_HOME").env("HOME", &home);
        cmd
    };
    // Reading creates nothing, not even the directory.
    let output = run_with(with_home(), &["ledger", "list"], "");
    assert_eq!(output.status.code(), Some(1));
    let expected = home.join(".local/share/faceauth/tokens.db");
    assert!(
        text(&output.stderr).contains(&format!("no token ledger at {}", expected.display())),
        "{}",
        text(&output.stderr)
    );
    assert!(!home.join(".local").exists());
    let output =
        run_with(with_home(), &["ledger", "issue", "--pid", "p", "--sid", "s", "--rule", "count"], "");
    assert!(output.status.success(), "{}", text(&output.stderr));
    assert!(expected.is_file());
    let output = run_with(with_home(), &["ledger", "list"], "");
    assert!(output.status.success(), "{}", text(&output.stderr));
    assert_eq!(text(&output.stdout).lines().count(), 1);
}

#[test]
fn reading_a_missing_ledger_says_so_and_creates_nothing() {
    let dir = TempDir::new("missing");
    let db = dir.db();
    for args in [vec!["ledger", "list", "--db", &db], vec!["ledger", "status", "--db", &db, "tok_nobody01"]] {
        let (code, stderr) = failure(&args, "");
        assert_eq!(code, 1, "{args:?}: {stderr}");
        assert!(stderr.contains(&format!("no token ledger at {db}")), "{args:?}: {stderr}");
        assert_eq!(std::fs::read_dir(dir.path()).expect("lists").count(), 0, "{args:?} created a file");
    }
}

#[test]
fn reading_does_not_wait_for_a_writer() {
    let dir = TempDir::new("reader");
    let db = dir.db();
    let token = one(&["ledger", "issue", "--db", &db, "--pid", "p", "--sid", "s-1", "--rule", "count"], "")
        ["token"]
        .as_str()
        .expect("token")
        .to_owned();
    // Another connection holds the write lock, with an insert not yet committed.
    let writer = rusqlite::Connection::open(&db).expect("opens");
    writer
        .execute_batch(
            "BEGIN IMMEDIATE; INSERT INTO tokens (token_id, submission_id, rule, issued_ms) \
             VALUES ('tok_uncommitted', 's-2', 'count', 0);",
        )
        .expect("holds the write lock");
    // A writing command cannot get in (it fails after its busy timeout)...
    let (code, stderr) = failure(&["ledger", "mark-used", "--db", &db, &token], "");
    assert_eq!(code, 1, "{stderr}");
    // ...but the reading ones read the committed state.
    let listed = lines(&["ledger", "list", "--db", &db], "");
    assert_eq!(listed.len(), 1);
    assert_eq!(listed[0]["token"], token.as_str());
    assert_eq!(one(&["ledger", "status", "--db", &db, &token], "")["state"], "unused");
    let (code, stderr) = failure(&["ledger", "status", "--db", &db, "tok_uncommitted"], "");
    assert!(code == 1 && stderr.contains("not in the ledger"), "{stderr}");
    writer.execute_batch("COMMIT").expect("commits");
    assert_eq!(lines(&["ledger", "list", "--db", &db], "").len(), 2);
}

/// Two processes issue 10,000 links each into one file while a third applies webhooks to
/// tokens issued earlier: every token is recorded once, none is handed out twice, no webhook
/// is lost. Each link is its own transaction, as in a real service. `--durability normal`
/// keeps the run short; the locking is the same as with `full`.
#[test]
fn processes_issuing_at_once_lose_nothing_and_share_no_token() {
    const PROCESSES: usize = 2;
    const EACH: usize = 10_000;
    const HOOKS: usize = 40;
    let dir = TempDir::new("processes");
    let db = dir.db();
    let early = lines(
        &[
            "ledger",
            "issue",
            "--db",
            &db,
            "--pid",
            "p",
            "--sid",
            "sub-0",
            "--rule",
            "count",
            "--count",
            &HOOKS.to_string(),
        ],
        "",
    );
    let early: Vec<String> = early.iter().map(|l| l["token"].as_str().expect("token").to_owned()).collect();

    let started = Instant::now();
    let issuers: Vec<_> = (0..PROCESSES)
        .map(|n| {
            faceauth()
                .args([
                    "ledger",
                    "issue",
                    "--db",
                    &db,
                    "--durability",
                    "normal",
                    "--pid",
                    "p",
                    "--rule",
                    "count",
                ])
                .args(["--sid", &format!("sub-{}", n + 1), "--count", &EACH.to_string()])
                .stdout(Stdio::piped())
                .stderr(Stdio::piped())
                .spawn()
                .expect("spawns an issuer")
        })
        .collect();
    // Meanwhile, one process per webhook, each its own write.
    for (i, token) in early.iter().enumerate() {
        let outcome = one(
            &["ledger", "apply-webhook", "--db", &db, "--durability", "normal"],
            &face_auth_body(token, &format!("fa-{i}")),
        );
        assert_eq!(outcome["outcome"], "recorded");
    }
    let mut printed = Vec::new();
    for issuer in issuers {
        let output = issuer.wait_with_output().expect("runs");
        assert!(output.status.success(), "an issuer failed: {}", text(&output.stderr));
        let tokens: Vec<String> = text(&output.stdout)
            .lines()
            .map(|line| {
                let value: Value = serde_json::from_str(line).expect("a JSON line");
                value["token"].as_str().expect("token").to_owned()
            })
            .collect();
        assert_eq!(tokens.len(), EACH);
        printed.extend(tokens);
    }
    let elapsed = started.elapsed();
    let distinct: HashSet<&String> = printed.iter().collect();
    assert_eq!(distinct.len(), PROCESSES * EACH, "a token was handed out twice");

    let stored = lines(&["ledger", "list", "--db", &db], "");
    assert_eq!(stored.len(), PROCESSES * EACH + HOOKS);
    let stored_ids: HashSet<&str> = stored.iter().map(|s| s["token"].as_str().expect("token")).collect();
    assert!(distinct.iter().all(|t| stored_ids.contains(t.as_str())), "a printed token is not recorded");
    for n in 1..=PROCESSES {
        let sid = format!("sub-{n}");
        assert_eq!(lines(&["ledger", "list", "--db", &db, "--submission", &sid], "").len(), EACH);
    }
    let completed = lines(&["ledger", "list", "--db", &db, "--state", "completed"], "");
    assert_eq!(completed.len(), HOOKS, "a webhook was lost");
    eprintln!(
        "{PROCESSES} processes x {EACH} issues (+{HOOKS} webhook processes): {:.1} s, {:.0} issues/s",
        elapsed.as_secs_f64(),
        (PROCESSES * EACH) as f64 / elapsed.as_secs_f64()
    );
}

/// SQLite would read `file:…` as a URI and every other check as a path (`issue` wrote
/// `real.db`, then `list` found no ledger): refused by every subcommand, creating nothing;
/// `:memory:` keeps nothing once the command ends, so it is refused too.
#[test]
fn file_uris_and_memory_are_refused_and_create_nothing() {
    let dir = TempDir::new("tokens-uri");
    for db in ["file:real.db", "file:real.db?mode=memory", "FILE:real.db", ":memory:"] {
        for args in [
            &["issue", "--pid", "p", "--sid", "s", "--rule", "count", "--base-url", "http://127.0.0.1:9"][..],
            &["list"][..],
            &["status", "tok_abcdefgh"][..],
        ] {
            let mut cmd = faceauth();
            cmd.current_dir(dir.path()).args(["ledger", "--db", db]);
            let output = run_with(cmd, args, "");
            assert_eq!(output.status.code(), Some(2), "{db} {args:?}: {}", text(&output.stderr));
            let stderr = text(&output.stderr);
            assert!(stderr.contains("cannot open the token ledger"), "{stderr}");
            if db.to_ascii_lowercase().starts_with("file:") {
                assert!(stderr.contains("file: URI"), "{stderr}");
            }
        }
    }
    let left: Vec<_> = std::fs::read_dir(dir.path()).expect("lists").collect();
    assert!(left.is_empty(), "{left:?}");
}

/// A ledger that group or others can read is warned about (it holds user ids, cf fields and
/// results); a new one is created 0600, with no warning.
#[cfg(unix)]
#[test]
fn a_ledger_others_can_read_is_warned_about() {
    use std::os::unix::fs::PermissionsExt;
    let dir = TempDir::new("tokens-mode");
    let db = dir.join("tokens.db");
    let db = db.to_str().expect("utf-8");
    let issue = [
        "ledger",
        "--db",
        db,
        "issue",
        "--pid",
        "p",
        "--sid",
        "s",
        "--rule",
        "count",
        "--base-url",
        "http://127.0.0.1:9",
    ];
    let mut cmd = Command::new("sh");
    cmd.args(["-c", "umask 000; exec \"$0\" \"$@\""])
        .arg(assert_cmd::cargo::cargo_bin("faceauth"))
        .env("FACEAUTH_API_KEY", KEY)
        .env_remove("FACEAUTH_TOKENS_DB");
    let output = run_with(cmd, &issue, "");
    assert!(output.status.success(), "{}", text(&output.stderr));
    assert!(!text(&output.stderr).contains("warning"), "{}", text(&output.stderr));
    let mode = std::fs::metadata(db).expect("created").permissions().mode() & 0o777;
    assert_eq!(mode, 0o600);

    std::fs::set_permissions(db, std::fs::Permissions::from_mode(0o640)).expect("chmod");
    let output = run(&["ledger", "--db", db, "list"], "");
    assert!(output.status.success(), "{}", text(&output.stderr));
    let stderr = text(&output.stderr);
    assert!(stderr.contains("warning: the token ledger") && stderr.contains("mode 640"), "{stderr}");
}

#[test]
fn tokens_is_a_hidden_alias_of_ledger() {
    let dir = TempDir::new("alias");
    let db = dir.db();
    let issued = one(&["ledger", "issue", "--db", &db, "--pid", "p", "--sid", "s", "--rule", "count"], "");
    let token = issued["token"].as_str().expect("token");
    // The name before 0.1.0 reads the same ledger.
    let status = one(&["tokens", "status", "--db", &db, token], "");
    assert_eq!(status["state"], "unused");
    let help = run(&["--help"], "");
    let help = text(&help.stdout);
    assert!(help.contains("  ledger "), "{help}");
    assert!(!help.contains("  tokens "), "the alias is shown: {help}");
}
