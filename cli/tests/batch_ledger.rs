//! `faceauth batch --ledger`: every URL the job wrote is recorded, even when it is killed.

use std::io::Write;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant, SystemTime};

use assert_cmd::cargo::CommandCargoExt;
use faceauth::token::{SqliteLedger, StateKind, TokenLedger};

mod support;

use support::TempDir;

const KEY: &str = "0123456789abcdefghijABCDEFGHIJ0123456789";

/// (token, sid) of every complete output row.
fn written_tokens(output: &str) -> Vec<(String, String)> {
    let complete = &output[..output.rfind('\n').map_or(0, |i| i + 1)];
    let mut reader = csv::Reader::from_reader(complete.as_bytes());
    let token = reader.headers().expect("header").iter().position(|h| h == "token").expect("a token column");
    reader.records().map(|r| r.expect("row")).map(|r| (r[token].to_owned(), r[0].to_owned())).collect()
}

#[test]
fn every_written_url_is_recorded() {
    let dir = TempDir::new("batch-ledger");
    let db = dir.join("tokens.db");
    let mut child = Command::cargo_bin("faceauth")
        .expect("binary")
        .args(["batch", "--pid", "p", "--input", "-", "--output", "-", "--new-tokens"])
        .args(["--ledger", db.to_str().expect("path"), "--rule", "time:3600"])
        .env("FACEAUTH_API_KEY", KEY)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .expect("spawns");
    let mut input = String::from("sid,user_id\n");
    for i in 0..2500 {
        input.push_str(&format!("sub-{i},user-{i}\n"));
    }
    child.stdin.take().expect("stdin").write_all(input.as_bytes()).expect("writes");
    let output = child.wait_with_output().expect("runs");
    assert!(output.status.success());
    let rows = written_tokens(&String::from_utf8_lossy(&output.stdout));
    assert_eq!(rows.len(), 2500);

    let ledger = SqliteLedger::open(&db).expect("opens");
    let now = SystemTime::now();
    for (token, sid) in &rows {
        let status = ledger.status(token, now).expect("reads").expect("recorded");
        assert_eq!(status.state.kind(), StateKind::Unused);
        assert_eq!(&status.record.submission_id, sid);
    }
}

#[test]
fn a_batch_killed_mid_run_has_recorded_every_url_it_wrote() {
    let dir = TempDir::new("batch-kill");
    let (db, input, out) = (dir.join("tokens.db"), dir.join("in.csv"), dir.join("out.csv"));
    let total = 400_000;
    let mut text = String::with_capacity(total * 16);
    text.push_str("sid\n");
    for i in 0..total {
        text.push_str(&format!("sub-{i}\n"));
    }
    std::fs::write(&input, text).expect("writes input");

    let mut child = Command::cargo_bin("faceauth")
        .expect("binary")
        .args(["batch", "--pid", "p", "--new-tokens", "--ledger", db.to_str().expect("path")])
        .args(["--input", input.to_str().expect("path"), "--output", out.to_str().expect("path")])
        .env("FACEAUTH_API_KEY", KEY)
        .stderr(Stdio::null())
        .spawn()
        .expect("spawns");
    // Wait until a few ledger chunks are out, then kill -9.
    let started = Instant::now();
    while std::fs::metadata(&out).map_or(0, |m| m.len()) < 600_000 {
        assert!(started.elapsed() < Duration::from_secs(120), "the batch wrote too little");
        assert!(child.try_wait().expect("polls").is_none(), "the batch finished before the kill");
        std::thread::sleep(Duration::from_millis(5));
    }
    child.kill().expect("SIGKILL");
    child.wait().expect("reaped");

    let rows = written_tokens(&std::fs::read_to_string(&out).expect("output"));
    assert!(rows.len() > 1000 && rows.len() < total, "killed mid-run: {} rows written", rows.len());
    let ledger = SqliteLedger::open(&db).expect("the database survives the kill");
    let now = SystemTime::now();
    let missing = rows.iter().filter(|(token, _)| ledger.status(token, now).ok().flatten().is_none()).count();
    assert_eq!(missing, 0, "of {} written rows, {missing} have no recorded token", rows.len());
}
