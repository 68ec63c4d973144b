//! Every command's stdout can be full or closed: a full one is one error line and exit 1, a
//! closed pipe ends the command quietly, and neither is ever a panic.

use std::fs::File;
use std::io::Write;
use std::process::{Command, Output, Stdio};

use assert_cmd::cargo::CommandCargoExt;

mod support;

const KEY: &str = "0123456789abcdefghijABCDEFGHIJ0123456789";
const REFERENCE_CT: &str = "Xvg7uxPli/O9VuUW0jaEfCW8iRefWOY6DTH9eqQuWVdcOAJuFcKlHSxqds6WHAJCXtdicWVYGEnRpaFqAcrvXNLZYkpCg04dO4YFimGWuF8=";
const WEBHOOK: &str = r#"{"webhook_trigger":"token_expired","token_id":"tok_abcdefgh","expired_condition":"count","expired_at":"2025-11-12T02:23:13.588Z","service":"faceAuth"}"#;

fn faceauth() -> Command {
    let mut cmd = Command::cargo_bin("faceauth").expect("binary built");
    cmd.env("FACEAUTH_API_KEY", KEY).env_remove("FACEAUTH_TOKENS_DB").env_remove("FACEAUTH_LEDGER");
    cmd
}

/// Runs `args` with `stdin` and stdout on /dev/full.
fn into_full_disk(args: &[String], stdin: &str) -> Output {
    let full = File::options().write(true).open("/dev/full").expect("/dev/full");
    let mut child = faceauth()
        .args(args)
        .stdin(Stdio::piped())
        .stdout(full)
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawns");
    let mut input = child.stdin.take().expect("stdin");
    input.write_all(stdin.as_bytes()).ok();
    drop(input);
    child.wait_with_output().expect("runs")
}

fn args(line: &str) -> Vec<String> {
    line.split(' ').map(str::to_owned).collect()
}

#[test]
fn a_full_stdout_is_one_error_line_and_exit_1_for_every_command() {
    let dir = support::TempDir::new("stdout-full");
    let mock = support::Mock::start(&[]);
    mock.control("/_mock/results", serde_json::json!({"count": 3}));
    let db = dir.db();
    let url = String::from_utf8(
        faceauth().args(["url", "--pid", "p", "--sid", "s"]).output().expect("runs").stdout,
    )
    .expect("utf-8");
    let csv = dir.join("in.csv");
    std::fs::write(&csv, "sid,user_id\ns1,u1\n").expect("writes");
    let csv = csv.to_str().expect("utf-8").to_owned();
    let out = faceauth()
        .args(["ledger", "--db", &db, "issue", "--pid", "p", "--sid", "s", "--rule", "count"])
        .output()
        .expect("runs");
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let issued: serde_json::Value = serde_json::from_slice(&out.stdout).expect("JSON");
    let token = issued["token"].as_str().expect("a token").to_owned();

    let cases: Vec<(Vec<String>, &str)> = vec![
        (args("url --pid p --sid s"), ""),
        (args("url --pid p --sid s --json --new-token"), ""),
        (vec!["inspect".into(), url.trim().into()], ""),
        (args("encrypt x"), ""),
        (args("encrypt"), "from stdin"),
        (vec!["decrypt".into(), REFERENCE_CT.into()], ""),
        (vec!["diagnose".into(), REFERENCE_CT.into()], ""),
        (vec!["diagnose".into(), "--json".into(), REFERENCE_CT.into()], ""),
        (args("token generate --count 3"), ""),
        (args("token validate tok_abcdefgh"), ""),
        (
            vec![
                "batch".into(),
                "--pid".into(),
                "p".into(),
                "--input".into(),
                csv.clone(),
                "--output".into(),
                "-".into(),
            ],
            "",
        ),
        (args("webhook parse"), WEBHOOK),
        (
            vec![
                "ledger".into(),
                "--db".into(),
                db.clone(),
                "issue".into(),
                "--pid".into(),
                "p".into(),
                "--sid".into(),
                "s".into(),
                "--rule".into(),
                "count".into(),
            ],
            "",
        ),
        (vec!["ledger".into(), "--db".into(), db.clone(), "status".into(), token.clone()], ""),
        (vec!["ledger".into(), "--db".into(), db.clone(), "list".into()], ""),
        (vec!["ledger".into(), "--db".into(), db.clone(), "mark-used".into(), token.clone()], ""),
        (vec!["ledger".into(), "--db".into(), db.clone(), "apply-webhook".into()], WEBHOOK),
        (
            vec![
                "ledger".into(),
                "--db".into(),
                db.clone(),
                "purge".into(),
                "--older-than".into(),
                "30d".into(),
            ],
            "",
        ),
        (
            vec![
                "auth".into(),
                "--base-url".into(),
                mock.url.clone(),
                "--api-key".into(),
                support::API_KEY.into(),
                "list".into(),
            ],
            "",
        ),
        (args("mock --port 0"), ""),
    ];
    for (args, stdin) in &cases {
        let out = into_full_disk(args, stdin);
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(1), "{args:?}: {stderr}");
        assert!(!stderr.contains("panicked"), "{args:?}: {stderr}");
        let lines: Vec<&str> = stderr.lines().filter(|l| l.starts_with("faceauth: error:")).collect();
        assert_eq!(lines.len(), 1, "{args:?}: {stderr}");
        assert!(lines[0].contains("stdout") || lines[0].contains("output"), "{args:?}: {stderr}");
    }
}

/// Spawns `args`, closes the read end of its stdout, then feeds `stdin`: its first write
/// meets a pipe nobody reads.
fn into_closed_pipe(args: &[&str], stdin: &str) -> Output {
    let mut child = faceauth()
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawns");
    drop(child.stdout.take());
    let mut input = child.stdin.take().expect("stdin");
    input.write_all(stdin.as_bytes()).ok();
    drop(input);
    child.wait_with_output().expect("runs")
}

#[test]
fn a_closed_pipe_ends_quietly() {
    for (args, stdin) in [
        (&["decrypt"][..], REFERENCE_CT),
        (&["encrypt"][..], "{\"sid\":\"s\"}"),
        (&["webhook", "parse"][..], WEBHOOK),
        (&["batch", "--pid", "p", "--input", "-", "--output", "-"][..], "sid\ns1\ns2\n"),
    ] {
        let out = into_closed_pipe(args, stdin);
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(0), "{args:?}: {stderr}");
        assert!(!stderr.contains("error") && !stderr.contains("panicked"), "{args:?}: {stderr}");
    }
    // Long output cut short by `head -1`.
    let out = Command::new("sh")
        .arg("-c")
        .arg(format!(
            "{} token generate --count 200000 | head -1",
            faceauth().get_program().to_string_lossy()
        ))
        .output()
        .expect("runs");
    assert_eq!(String::from_utf8_lossy(&out.stdout).lines().count(), 1);
    assert!(out.stderr.is_empty(), "{}", String::from_utf8_lossy(&out.stderr));
}

#[test]
fn a_full_stderr_is_never_a_panic() {
    let dir = support::TempDir::new("stderr-full");
    let csv = dir.join("in.csv");
    std::fs::write(&csv, "sid\ns1\n\ns2,extra\n").expect("writes");
    let out_csv = dir.join("out.csv");
    for (args, code) in [
        // Bad rows are reported on stderr, and the summary too: exit 3 all the same.
        (
            vec![
                "batch",
                "--pid",
                "p",
                "--input",
                csv.to_str().expect("utf-8"),
                "--output",
                out_csv.to_str().expect("utf-8"),
            ],
            3,
        ),
        // An error message that cannot be written still gives the error's exit code.
        (vec!["decrypt", "AAAA"], 1),
        (vec!["url", "--pid", "p", "--sid", "s", "--api-key", "padded "], 2),
        (vec!["url", "--pid", "p"], 2),
    ] {
        let full = File::options().write(true).open("/dev/full").expect("/dev/full");
        let out = faceauth().args(&args).stdout(Stdio::null()).stderr(full).output().expect("runs");
        assert_eq!(out.status.code(), Some(code), "{args:?}");
    }
}
