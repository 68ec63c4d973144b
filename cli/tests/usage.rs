//! How the command is used: the README's exit-code table against the binary, one error line,
//! options where a user types them, `--help` that lists them, and one name for the ledger.

use std::collections::BTreeSet;
use std::io::{BufRead, BufReader};
use std::process::{Command, Output, Stdio};

use assert_cmd::cargo::CommandCargoExt;

mod support;

use support::{canned_server, TempDir};

const KEY: &str = "0123456789abcdefghijABCDEFGHIJ0123456789";

/// The binary with a clean environment for what these tests set themselves.
fn faceauth() -> Command {
    let mut cmd = Command::cargo_bin("faceauth").expect("binary built");
    for name in [
        "FACEAUTH_API_KEY",
        "FACEAUTH_LEDGER",
        "FACEAUTH_TOKENS_DB",
        "FACEAUTH_BASE_URL",
        "FACEAUTH_WEBHOOK_KEY",
        "FACEAUTH_MOCK_API_KEY",
    ] {
        cmd.env_remove(name);
    }
    cmd
}

fn run(cmd: &mut Command, stdin: &str) -> Output {
    let output = support::run_piped(cmd, stdin.as_bytes());
    let all = format!("{}{}", text(&output.stdout), text(&output.stderr));
    assert!(!all.contains(KEY), "the key leaked: {all}");
    output
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

fn code(output: &Output) -> i32 {
    output.status.code().expect("exited, not killed")
}

/// The rows of the README's exit-code table: (code, meaning).
fn readme_exit_codes() -> Vec<(i32, String)> {
    let readme =
        std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/../README.md")).expect("README");
    let start = readme.find("Exit codes, the same for every command").expect("the exit-code section");
    let table = &readme[start..];
    let table = &table[table.find("| code |").expect("the table")..];
    table
        .lines()
        .take_while(|line| line.starts_with('|'))
        .skip(2)
        .map(|line| {
            let mut cells = line.trim_matches('|').splitn(2, '|');
            let code = cells.next().expect("a code").trim().parse().expect("a number");
            (code, cells.next().expect("a meaning").trim().to_owned())
        })
        .collect()
}

/// A real case for every documented exit code: the command and its stdin.
fn case(code: i32, dir: &TempDir) -> Vec<(Command, String)> {
    let db = dir.db();
    let one = |args: &[&str], stdin: &str| {
        let mut cmd = faceauth();
        cmd.args(args);
        (cmd, stdin.to_owned())
    };
    let keyed = |args: &[&str], stdin: &str| {
        let mut cmd = faceauth();
        cmd.env("FACEAUTH_API_KEY", KEY).args(args);
        (cmd, stdin.to_owned())
    };
    let api = |status: &str, body: &'static str| {
        let url = canned_server(status, "application/json", body);
        keyed(&["auth", "get", "fa_1", "--base-url", &url, "--max-retries", "0"], "")
    };
    match code {
        0 => vec![one(&["token", "generate"], "")],
        1 => vec![
            keyed(&["decrypt", "not*a*ciphertext"], ""),
            keyed(&["ledger", "status", "tok_nobody01", "--ledger", &db], ""),
        ],
        2 => vec![
            keyed(&["url", "--pid", "p"], ""),
            one(&["url", "--pid", "p", "--sid", "s"], ""),
            one(&["mock", "--port", "0", "--api-key", "k "], ""),
            one(&["url", "--pid", "p", "--sid", "s", "--api-key", "k "], ""),
            keyed(&["url", "--pid", "p", "--sid", "s", "--bogus"], ""),
            keyed(&["url", "--pid", "p", "--sid", "s", "--scheme", "rot13"], ""),
            keyed(&["diagnose", "--scheme", "gcm", "abc"], ""),
            keyed(&["auth", "get", "fa_1", "--timeout=-1"], ""),
        ],
        3 => vec![keyed(&["batch", "--pid", "p", "--input", "-", "--output", "-"], "sid\ns1\n\"\"\n")],
        4 => {
            let other = faceauth::crypto::Cipher::new(
                &faceauth::crypto::Key::derive("another key").expect("key"),
                faceauth::crypto::Scheme::Ecb,
            );
            let sealed = other.encrypt(r#"{"sid":"s"}"#).expect("encrypts");
            vec![keyed(&["diagnose", &sealed], "")]
        }
        5 => vec![keyed(
            &["ledger", "apply-webhook", "--ledger", &db],
            r#"{"webhook_trigger": "faceAuth", "data": {"Submission_id": "s", "Auth_Status": "approved",
                "Token_id": "tok_unknown01", "Authentication_id": "fa-1"}}"#,
        )],
        10 => vec![api("403 Forbidden", r#"{"message": "Forbidden"}"#)],
        11 => vec![api("200 OK", "[]")],
        12 => vec![keyed(
            &["auth", "get", "fa_1", "--base-url", "http://127.0.0.1:1", "--max-retries", "0"],
            "",
        )],
        13 => vec![api("500 Internal Server Error", r#"{"message": "boom"}"#)],
        14 => vec![api("400 Bad Request", r#"{"message": "invalid authId"}"#)],
        other => panic!("the README documents exit code {other}, and this test has no case for it"),
    }
}

#[test]
fn every_exit_code_in_the_readme_is_what_the_binary_does() {
    let table = readme_exit_codes();
    let codes: BTreeSet<i32> = table.iter().map(|(code, _)| *code).collect();
    assert_eq!(codes, BTreeSet::from([0, 1, 2, 3, 4, 5, 10, 11, 12, 13, 14]), "{table:?}");
    for (expected, meaning) in &table {
        let dir = TempDir::new("exit");
        for (mut cmd, stdin) in case(*expected, &dir) {
            let shown = format!("{cmd:?}");
            let output = run(&mut cmd, &stdin);
            let stderr = text(&output.stderr);
            assert_eq!(code(&output), *expected, "{shown} ({meaning}): {stderr}");
            // Errors (not reports: 3, 4 and 5 print what they found) are one line.
            if !matches!(expected, 0 | 3 | 4 | 5) {
                let lines: Vec<&str> = stderr.lines().collect();
                assert_eq!(lines.len(), 1, "{shown}: not one line: {stderr}");
                assert!(lines[0].starts_with("faceauth: error: "), "{shown}: {stderr}");
            }
        }
    }
}

#[test]
fn usage_errors_are_one_line_that_names_the_help_to_read() {
    for (args, says) in [
        (&["url", "--pid", "p"][..], "--sid"),
        (&["auth", "get", "fa_1", "--bogus"], "'--bogus'"),
        (&["auth"], "subcommand"),
        (&["ledger", "list", "--durability", "normal"], "'--durability'"),
        (&["nosuchcommand"], "nosuchcommand"),
    ] {
        let output = run(faceauth().env("FACEAUTH_API_KEY", KEY).args(args), "");
        let stderr = text(&output.stderr);
        assert_eq!(code(&output), 2, "{args:?}: {stderr}");
        assert_eq!(stderr.lines().count(), 1, "{args:?}: {stderr}");
        assert!(stderr.starts_with("faceauth: error: ") && stderr.contains(says), "{args:?}: {stderr}");
        assert!(stderr.contains("--help'"), "{args:?}: {stderr}");
    }
    // A value that fails validation is not repeated: it may be a key typed in the wrong place.
    let output =
        run(faceauth().args(["url", "--pid", "p", "--sid", "s", "--scheme", "sk_live_SECRET/+="]), "");
    let stderr = text(&output.stderr);
    assert_eq!(code(&output), 2, "{stderr}");
    assert!(!stderr.contains("SECRET") && stderr.contains("--scheme"), "{stderr}");
    // A huge value does not make a huge line.
    let huge = "x".repeat(100_000);
    let output = run(faceauth().args(["token", "generate", &huge]), "");
    assert_eq!(code(&output), 2);
    assert!(output.stderr.len() < 1000, "{} bytes", output.stderr.len());
    // --help and --version still print as usual, and succeed.
    let output = run(faceauth().args(["url", "--help"]), "");
    assert_eq!(code(&output), 0);
    assert!(text(&output.stdout).contains("--sid"));
    assert_eq!(code(&run(faceauth().arg("--version"), "")), 0);
}

/// The options each subcommand takes, as its `--help` must list them.
const SUBCOMMAND_OPTIONS: &[(&[&str], &[&str])] = &[
    (
        &["auth", "submit"],
        &[
            "--submission-id",
            "--image",
            "--api-key",
            "--api-key-file",
            "--base-url",
            "--timeout",
            "--max-retries",
        ],
    ),
    (&["auth", "get"], &["--api-key", "--api-key-file", "--base-url", "--timeout", "--max-retries"]),
    (
        &["auth", "list"],
        &[
            "--start-date",
            "--count",
            "--api-key",
            "--api-key-file",
            "--base-url",
            "--timeout",
            "--max-retries",
        ],
    ),
    (
        &["auth", "image"],
        &["--output", "--api-key", "--api-key-file", "--base-url", "--timeout", "--max-retries"],
    ),
    (
        &["auth", "delete"],
        &[
            "--api-key",
            "--api-key-file",
            "--base-url",
            "--timeout",
            "--max-retries",
            "--ca-file",
            "--platform-roots",
            "--proxy",
            "--no-proxy",
        ],
    ),
    (
        &["ledger", "issue"],
        &["--ledger", "--durability", "--rule", "--pid", "--sid", "--api-key", "--scheme"],
    ),
    (&["ledger", "status"], &["--ledger"]),
    (&["ledger", "mark-used"], &["--ledger", "--durability", "--at"]),
    (&["ledger", "list"], &["--ledger", "--state", "--since"]),
    (&["ledger", "apply-webhook"], &["--ledger", "--durability", "--webhook-key", "--scheme"]),
    (&["ledger", "purge"], &["--ledger", "--durability", "--older-than"]),
    (&["webhook", "parse"], &["--key", "--scheme"]),
    (
        &["webhook", "serve"],
        &[
            "--ledger",
            "--listen",
            "--path",
            "--webhook-key",
            "--scheme",
            "--max-body",
            "--workers",
            "--api-key",
            "--api-key-file",
            "--base-url",
            "--unverified",
            "--allow-from",
            "--trusted-proxy",
        ],
    ),
    (&["batch"], &["--ledger", "--rule", "--durability", "--input", "--api-key"]),
    (&["diagnose"], &["--api-key", "--json"]),
    (&["url"], &["--pid", "--sid", "--api-key", "--api-key-file", "--scheme", "--base-url"]),
    (&["mock"], &["--api-key", "--url-key", "--webhook-key", "--port"]),
];

#[test]
fn every_subcommand_help_lists_every_option_it_takes() {
    for (command, options) in SUBCOMMAND_OPTIONS {
        let output = run(faceauth().args(*command).arg("--help"), "");
        let help = text(&output.stdout);
        assert_eq!(code(&output), 0, "{command:?}");
        for option in *options {
            // An option is followed by its value, or by the line end when clap puts its help on
            // the next line (it does once any help text is long).
            let listed = [" ", "\n"].iter().any(|end| help.contains(&format!("{option}{end}")));
            assert!(listed, "{command:?} --help lacks {option}:\n{help}");
        }
        // No environment value (or empty one) is ever shown.
        assert!(!help.contains("=]"), "{command:?}:\n{help}");
    }
    // Reading commands offer no --durability; diagnose tries every scheme, so takes no --scheme.
    for command in [&["ledger", "status"][..], &["ledger", "list"], &["diagnose"]] {
        let help = text(&run(faceauth().args(command).arg("--help"), "").stdout);
        assert!(!help.contains("--durability"), "{help}");
        assert!(!help.contains("--scheme"), "{help}");
    }
    let help = text(&run(faceauth().args(["auth", "--help"]).env_remove("FACEAUTH_BASE_URL"), "").stdout);
    assert!(help.contains("[env: FACEAUTH_BASE_URL]"), "{help}");
}

#[test]
fn auth_options_work_after_the_subcommand() {
    let url = canned_server("200 OK", "application/json", "[]");
    // Before and after the subcommand alike: the answer has no such record (exit 11), so the
    // key and base URL were both taken.
    for args in [
        &["auth", "--api-key", KEY, "--base-url", &url, "get", "fa_1"][..],
        &[
            "auth",
            "get",
            "fa_1",
            "--api-key",
            KEY,
            "--base-url",
            &url,
            "--max-retries",
            "0",
            "--timeout",
            "5",
        ],
        &["auth", "get", "--api-key", KEY, "fa_1", "--base-url", &url],
    ] {
        let output = run(faceauth().args(args), "");
        assert_eq!(code(&output), 11, "{args:?}: {}", text(&output.stderr));
    }
    let dir = TempDir::new("keyfile");
    let key_file = dir.join("key");
    std::fs::write(&key_file, format!("{KEY}\n")).expect("writes the key");
    let key_file = key_file.to_str().expect("utf-8");
    let output = run(faceauth().args(["auth", "list", "--base-url", &url, "--api-key-file", key_file]), "");
    assert_eq!(code(&output), 0, "{}", text(&output.stderr));
}

fn issue(ledger_args: &[&str], envs: &[(&str, &str)]) -> Output {
    let mut cmd = faceauth();
    cmd.env("FACEAUTH_API_KEY", KEY).args(["ledger", "issue", "--pid", "p", "--sid", "s", "--rule", "count"]);
    cmd.args(ledger_args).envs(envs.iter().copied());
    run(&mut cmd, "")
}

fn count_in(db: &str) -> usize {
    let output = run(faceauth().args(["ledger", "list", "--ledger", db]), "");
    assert_eq!(code(&output), 0, "{}", text(&output.stderr));
    text(&output.stdout).lines().count()
}

#[test]
fn tokens_take_the_ledger_from_option_alias_and_environment_in_order() {
    let dir = TempDir::new("ledger-names");
    let [a, b, c, d] =
        ["a.db", "b.db", "c.db", "d.db"].map(|name| dir.join(name).to_str().expect("utf-8").to_owned());
    let env = [("FACEAUTH_LEDGER", b.as_str()), ("FACEAUTH_TOKENS_DB", c.as_str())];
    // The option wins, in either spelling, before or after the subcommand.
    assert_eq!(code(&issue(&["--ledger", &a], &env)), 0);
    assert_eq!(code(&issue(&["--db", &a], &env)), 0);
    let output = run(faceauth().env("FACEAUTH_API_KEY", KEY).args(["ledger", "--ledger", &a, "list"]), "");
    assert_eq!(text(&output.stdout).lines().count(), 2, "{}", text(&output.stderr));
    // Then FACEAUTH_LEDGER, then FACEAUTH_TOKENS_DB.
    assert_eq!(code(&issue(&[], &env)), 0);
    assert_eq!(code(&issue(&[], &[("FACEAUTH_TOKENS_DB", c.as_str())])), 0);
    assert_eq!(code(&issue(&[], &[("FACEAUTH_LEDGER", ""), ("FACEAUTH_TOKENS_DB", d.as_str())])), 0);
    assert_eq!((count_in(&a), count_in(&b), count_in(&c), count_in(&d)), (2, 1, 1, 1));
    // Readers follow the same order.
    let output = run(faceauth().args(["ledger", "list"]).envs(env), "");
    assert_eq!(text(&output.stdout).lines().count(), 1, "{}", text(&output.stderr));
}

#[test]
fn batch_takes_the_ledger_from_option_alias_and_environment() {
    let dir = TempDir::new("batch-names");
    let [a, b] = ["a.db", "b.db"].map(|name| dir.join(name).to_str().expect("utf-8").to_owned());
    let batch = |args: &[&str], envs: &[(&str, &str)], input: &str| {
        let mut cmd = faceauth();
        cmd.env("FACEAUTH_API_KEY", KEY).args(["batch", "--pid", "p", "--input", "-", "--output", "-"]);
        run(cmd.args(args).envs(envs.iter().copied()), input)
    };
    assert_eq!(code(&batch(&["--new-tokens", "--db", &a], &[], "sid\ns1\n")), 0);
    assert_eq!(code(&batch(&["--new-tokens"], &[("FACEAUTH_LEDGER", &b)], "sid\ns1\ns2\n")), 0);
    assert_eq!(
        code(&batch(&["--new-tokens", "--rule", "time:1h"], &[("FACEAUTH_TOKENS_DB", &b)], "sid\ns3\n")),
        0
    );
    assert_eq!((count_in(&a), count_in(&b)), (1, 3));
    // A job whose URLs carry no token records nothing in the environment's ledger, and is
    // no error; named with --ledger, it is a usage error.
    let output = batch(&[], &[("FACEAUTH_LEDGER", &b)], "sid\ns4\n");
    assert_eq!(code(&output), 0, "{}", text(&output.stderr));
    assert_eq!(count_in(&b), 3);
    assert_eq!(code(&batch(&["--ledger", &b], &[], "sid\ns4\n")), 2);
    // --rule without any ledger is a usage error.
    let output = batch(&["--new-tokens", "--rule", "count"], &[], "sid\ns1\n");
    assert_eq!(code(&output), 2);
    assert!(text(&output.stderr).contains("--ledger"));
}

/// Starts `webhook serve` with `args` and `envs`; the address it listens on, once it says.
fn serve(args: &[&str], envs: &[(&str, &str)]) -> (std::process::Child, String) {
    let mut child = faceauth()
        .args(["webhook", "serve", "--listen", "127.0.0.1:0", "--unverified"])
        .args(args)
        .envs(envs.iter().copied())
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .expect("serve starts");
    let stderr = child.stderr.take().expect("stderr");
    for line in BufReader::new(stderr).lines() {
        let line = line.expect("reads stderr");
        if let Some(url) = line.strip_prefix("faceauth: listening on ") {
            return (child, url.trim().to_owned());
        }
    }
    child.kill().ok();
    child.wait().ok();
    panic!("serve never said where it listens");
}

#[test]
fn webhook_serve_takes_the_ledger_from_option_alias_and_environment() {
    let dir = TempDir::new("serve-names");
    let db = dir.db();
    for (args, envs) in [
        (vec!["--ledger", db.as_str()], vec![]),
        (vec!["--db", db.as_str()], vec![]),
        (vec![], vec![("FACEAUTH_LEDGER", db.as_str())]),
        (vec![], vec![("FACEAUTH_TOKENS_DB", db.as_str())]),
    ] {
        let (mut child, url) = serve(&args, &envs);
        let base = &url[..url.rfind('/').expect("a path")];
        let health = ureq::get(&format!("{base}/healthz")).call();
        child.kill().ok();
        child.wait().ok();
        assert_eq!(health.map(|r| r.status()).ok(), Some(200), "{args:?} {envs:?}");
    }
    // No ledger from anywhere: a usage error.
    let output = run(faceauth().args(["webhook", "serve", "--listen", "127.0.0.1:0"]), "");
    assert_eq!(code(&output), 2, "{}", text(&output.stderr));
    assert!(text(&output.stderr).contains("FACEAUTH_LEDGER"));
}

#[test]
fn inspect_names_the_scheme_a_link_was_made_with() {
    let url = run(
        faceauth().env("FACEAUTH_API_KEY", KEY).args(["url", "--pid", "p", "--sid", "s", "--scheme", "gcm"]),
        "",
    );
    let url = text(&url.stdout);
    let output = run(faceauth().env("FACEAUTH_API_KEY", KEY).args(["inspect", url.trim()]), "");
    let stderr = text(&output.stderr);
    assert_eq!(code(&output), 1, "{stderr}");
    assert!(stderr.contains("made with gcm, not ecb"), "{stderr}");
}
