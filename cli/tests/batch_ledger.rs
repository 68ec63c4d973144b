//! `faceauth batch --ledger`: every URL the job wrote is recorded, even when it is killed.

use std::io::Write;
use std::process::{Command, Stdio};
use std::time::SystemTime;

use assert_cmd::cargo::CommandCargoExt;
use faceauth::token::{SqliteLedger, StateKind, TokenLedger};

mod support;

use support::TempDir;

const KEY: &str = "0123456789abcdefghijABCDEFGHIJ0123456789";

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
    let rows = support::written_tokens(&String::from_utf8_lossy(&output.stdout));
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
    let db = dir.join("tokens.db");
    let rows = support::batch_killed_mid_run(faceauth(), &dir, db.to_str().expect("path"));
    let ledger = SqliteLedger::open(&db).expect("the database survives the kill");
    let now = SystemTime::now();
    let missing = rows.iter().filter(|(token, _)| ledger.status(token, now).ok().flatten().is_none()).count();
    assert_eq!(missing, 0, "of {} written rows, {missing} have no recorded token", rows.len());
}

fn faceauth() -> Command {
    let mut cmd = Command::cargo_bin("faceauth").expect("binary");
    cmd.env("FACEAUTH_API_KEY", KEY);
    cmd
}

/// Runs `faceauth batch --pid p ARGS` with `stdin` as its input; returns (code, stdout, stderr).
fn batch(args: &[&str], stdin: &str) -> (i32, String, String) {
    let output = support::run_piped(faceauth().args(["batch", "--pid", "p"]).args(args), stdin.as_bytes());
    (
        output.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&output.stdout).into_owned(),
        String::from_utf8_lossy(&output.stderr).into_owned(),
    )
}

fn path(p: &std::path::Path) -> &str {
    p.to_str().expect("a UTF-8 temp path")
}

#[test]
fn the_output_may_not_be_the_input_by_any_name() {
    let dir = TempDir::new("same-file");
    let input = dir.join("in.csv");
    let content = "sid,user_id\ns1,u1\ns2,u2\n";
    std::fs::write(&input, content).expect("writes");
    let symlink = dir.join("link.csv");
    std::os::unix::fs::symlink(&input, &symlink).expect("symlinks");
    let hard = dir.join("hard.csv");
    std::fs::hard_link(&input, &hard).expect("links");
    let dotted = format!("{}/./in.csv", path(dir.path()));
    let db = dir.join("tokens.db");

    let cases: [(&str, Vec<&str>); 7] = [
        ("same path", vec!["--input", path(&input), "--output", path(&input)]),
        ("another spelling", vec!["--input", path(&input), "--output", &dotted]),
        ("a symlink", vec!["--input", path(&symlink), "--output", path(&input)]),
        ("a hard link", vec!["--input", path(&input), "--output", path(&hard)]),
        (
            "the ledger is the input",
            vec!["--input", path(&input), "--output", "-", "--new-tokens", "--ledger", path(&hard)],
        ),
        (
            "the ledger is the output",
            vec!["--input", path(&input), "--output", path(&db), "--new-tokens", "--ledger", path(&db)],
        ),
        ("stdin is the output", vec!["--input", "-", "--output", path(&symlink)]),
    ];
    for (name, args) in cases {
        let stdin = if name == "stdin is the output" {
            Stdio::from(std::fs::File::open(&input).expect("opens"))
        } else {
            Stdio::null()
        };
        let output = faceauth()
            .args(["batch", "--pid", "p"])
            .args(&args)
            .stdin(stdin)
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .output()
            .expect("runs");
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert_eq!(output.status.code(), Some(2), "{name}: {stderr}");
        assert!(stderr.contains("are the same file"), "{name}: {stderr}");
        assert_eq!(std::fs::read_to_string(&input).expect("reads"), content, "{name}: the input changed");
        assert!(!db.exists(), "{name}: the ledger was created");
    }

    // `--output -` with stdout appended onto the input: `faceauth batch ... --output - >> in.csv`.
    let appending = std::fs::OpenOptions::new().append(true).open(&input).expect("opens");
    let output = faceauth()
        .args(["batch", "--pid", "p", "--input", path(&input), "--output", "-"])
        .stdout(Stdio::from(appending))
        .stderr(Stdio::piped())
        .output()
        .expect("runs");
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(2), "{stderr}");
    assert!(stderr.contains("stdout (written) are the same file"), "{stderr}");
    assert_eq!(std::fs::read_to_string(&input).expect("reads"), content, "the input changed");

    // Distinct files, a terminal-less `-` both ways: fine.
    let (code, stdout, stderr) = batch(&["--input", "-", "--output", "-"], content);
    assert_eq!(code, 0, "{stderr}");
    assert_eq!(stdout.lines().count(), 3);
}

#[test]
fn a_row_wider_than_the_header_fails_alone() {
    let (code, stdout, stderr) = batch(
        &["--input", "-", "--output", "-"],
        "sid,user_id\ns1,u1\ns2,u2,https://elsewhere.example\ns3\n",
    );
    assert_eq!(code, 3, "{stderr}");
    assert!(stderr.contains("faceauth: line 3: the row has 3 fields, the header 2"), "{stderr}");
    let rows: Vec<&str> = stdout.lines().collect();
    assert_eq!(rows.len(), 3, "header, s1 and s3: {stdout}");
    assert!(rows[1].starts_with("s1,u1,https://") && rows[2].starts_with("s3,,https://"), "{stdout}");
    assert!(!stdout.contains("elsewhere"), "{stdout}");
}

#[test]
fn an_unclosed_quote_is_reported_where_it_opened() {
    // Row 3 is a legal two-line quoted cell; the quote on line 6 never closes and swallows
    // lines 6-8, which must not come out as one row with a long note.
    let input = "sid,note\ns1,plain\ns2,\"two\nlines\"\ns3,ok\ns4,\"never closed\ns5,lost\ns6,lost\n";
    let (code, stdout, stderr) = batch(&["--input", "-", "--output", "-"], input);
    assert_eq!(code, 3, "{stderr}");
    assert!(stderr.contains("faceauth: line 6: a quote opened here is never closed"), "{stderr}");
    assert!(stderr.contains("4 rows, 3 URLs written, 1 failed"), "{stderr}");
    let mut reader = csv::Reader::from_reader(stdout.as_bytes());
    let sids: Vec<String> = reader.records().map(|r| r.expect("row")[0].to_owned()).collect();
    assert_eq!(sids, ["s1", "s2", "s3"]);

    // In the header, the input cannot be read at all.
    let (code, _, stderr) = batch(&["--input", "-", "--output", "-"], "sid,\"note\ns1,x\n");
    assert_eq!(code, 1, "{stderr}");
    assert!(stderr.contains("line 1: a quote opened here is never closed"), "{stderr}");
    // After a byte-order mark too, which the CSV reader skips: the quote still opens a field.
    let (code, _, stderr) = batch(&["--input", "-", "--output", "-"], "\u{feff}\"sid,note\ns1,x\n");
    assert_eq!(code, 1, "{stderr}");
    assert!(stderr.contains("line 1: a quote opened here is never closed"), "{stderr}");
}

#[test]
fn a_quoted_header_field_after_a_byte_order_mark_may_hold_a_line_end() {
    // The header is `a note` (over two lines) and `sid`: one row, built.
    let input = "\u{feff}\"a\nnote\",sid\nx,s1\n";
    let (code, stdout, stderr) = batch(&["--input", "-", "--output", "-"], input);
    assert_eq!(code, 0, "{stderr}");
    let mut reader = csv::Reader::from_reader(stdout.as_bytes());
    assert_eq!(reader.headers().expect("a header").iter().collect::<Vec<_>>(), ["a\nnote", "sid", "url"]);
    let rows: Vec<csv::StringRecord> = reader.records().map(|r| r.expect("a row")).collect();
    assert_eq!(rows.len(), 1, "{stdout}");
    assert_eq!((&rows[0][0], &rows[0][1]), ("x", "s1"));
    let (code, stdout, stderr) = batch(&["--input", "-", "--output", "-"], "\u{feff}\"sid\nx\",note\ns1,x\n");
    assert_eq!(code, 1, "{stderr}");
    assert!(stderr.contains("no sid column") && stdout.is_empty(), "{stderr}");
}

#[test]
fn given_tokens_are_recorded_and_a_known_one_fails_its_row() {
    let dir = TempDir::new("given-tokens");
    let db = dir.db();
    let input = "sid,user_id,token\ns1,u1,tok_given0001\ns2,u2,\ns3,u3,tok_given0003\n";
    // Without --new-tokens: the given tokens are recorded, the row without one has none.
    let (code, stdout, stderr) =
        batch(&["--input", "-", "--output", "-", "--ledger", &db, "--rule", "time:1h"], input);
    assert_eq!(code, 0, "{stderr}");
    assert_eq!(stdout.lines().count(), 4);
    let ledger = SqliteLedger::open_read_only(&db).expect("opens");
    let now = SystemTime::now();
    for (token, sid) in [("tok_given0001", "s1"), ("tok_given0003", "s3")] {
        let status = ledger.status(token, now).expect("reads").expect("recorded");
        assert_eq!(status.record.submission_id, sid);
        assert_eq!(status.record.rule.to_string(), "time:3600");
    }
    drop(ledger);

    // Again, minting for the empty cell: the given tokens are known now, so their rows fail.
    let again = "sid,user_id,token\ns1,u1,tok_given0001\ns2,u2,\ns4,u4,tok_given0004\ns5,u5,tok_given0004\n";
    let (code, stdout, stderr) =
        batch(&["--input", "-", "--output", "-", "--new-tokens", "--ledger", &db], again);
    assert_eq!(code, 3, "{stderr}");
    assert!(stderr.contains("faceauth: line 2: token tok_given0001 is already in the ledger"), "{stderr}");
    assert!(stderr.contains("faceauth: line 5: token tok_given0004 is already in the ledger"), "{stderr}");
    let rows = support::written_tokens(&stdout);
    let sids: Vec<&str> = rows.iter().map(|(_, sid)| sid.as_str()).collect();
    assert_eq!(sids, ["s2", "s4"]);
    let ledger = SqliteLedger::open_read_only(&db).expect("opens");
    for (token, sid) in &rows {
        assert_eq!(&ledger.status(token, now).expect("reads").expect("recorded").record.submission_id, sid);
    }
    assert_eq!(ledger.status("tok_given0001", now).expect("reads").expect("kept").record.submission_id, "s1");

    // A ledger with nothing to record is a usage error.
    let (code, _, stderr) = batch(&["--input", "-", "--output", "-", "--ledger", &db], "sid\ns1\n");
    assert_eq!(code, 2, "{stderr}");
    assert!(stderr.contains("--new-tokens"), "{stderr}");
}

#[test]
fn malformed_options_are_usage_errors() {
    let dir = TempDir::new("batch-usage");
    let db = dir.db();
    for (args, message) in [
        (vec!["--new-tokens", "--ledger", db.as_str(), "--rule", "bogus"], "expected count or time"),
        (vec!["--new-tokens", "--ledger", db.as_str(), "--rule", "time:soon"], "expected count or time"),
        (vec!["--new-tokens", "--ledger", db.as_str(), "--durability", "fast"], "expected full or normal"),
        (vec!["--new-tokens", "--rule", "count"], "--ledger"),
    ] {
        let mut all = vec!["--input", "-", "--output", "-"];
        all.extend(args.iter().copied());
        let (code, _, stderr) = batch(&all, "sid\ns1\n");
        assert_eq!(code, 2, "{args:?}: {stderr}");
        assert!(stderr.contains(message), "{args:?}: {stderr}");
    }
    assert!(!std::path::Path::new(&db).exists());
}

/// `file:ledger.db?mode=memory` exited 0 with the tokens stored nowhere: a `file:` URI is
/// refused before any URL is written, and nothing is created.
#[test]
fn a_file_uri_ledger_is_refused_before_any_url_is_written() {
    let dir = TempDir::new("batch-uri");
    for ledger in ["file:ledger.db?mode=memory", "file:ledger.db", ":memory:"] {
        let output = support::run_piped(
            faceauth()
                .current_dir(dir.path())
                .args(["batch", "--pid", "p", "--input", "-", "--output", "-"])
                .args(["--new-tokens", "--ledger", ledger]),
            b"sid\nsub-1\n",
        );
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert_eq!(output.status.code(), Some(2), "{ledger}: {stderr}");
        assert!(stderr.contains("cannot open the token ledger"), "{stderr}");
        assert!(output.stdout.is_empty(), "{ledger}: a URL was written");
    }
    let left: Vec<_> = std::fs::read_dir(dir.path()).expect("lists").collect();
    assert!(left.is_empty(), "{left:?}");
}

/// Past the file size limit (`ulimit -f`), the output write fails with EFBIG, not SIGXFSZ:
/// exit 1 and a message, not a silent death.
#[test]
fn a_file_size_limit_on_the_output_fails_with_a_message() {
    let dir = TempDir::new("batch-fsize");
    let out = dir.join("out.csv");
    let mut input = String::from("sid,user_id\n");
    for i in 0..500 {
        input.push_str(&format!("sub-{i},user-{i}\n"));
    }
    let mut cmd = Command::new("prlimit");
    cmd.args(["--fsize=4096", "--"])
        .arg(assert_cmd::cargo::cargo_bin("faceauth"))
        .args(["batch", "--pid", "p", "--input", "-", "--output", path(&out)])
        .env("FACEAUTH_API_KEY", KEY);
    let output = support::run_piped(&mut cmd, input.as_bytes());
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(1), "{:?}: {stderr}", output.status);
    assert!(stderr.contains("cannot write") && stderr.contains("too large"), "{stderr}");
}
