//! The `faceauth` command, run as a user runs it.

use std::collections::HashSet;
use std::io::{BufRead, BufReader, Write};
use std::process::{Command, Output, Stdio};
use std::sync::mpsc;
use std::time::Duration;

use assert_cmd::cargo::CommandCargoExt;
use faceauth::crypto::{Cipher, Key, Scheme};

mod support;

const KEY: &str = "0123456789abcdefghijABCDEFGHIJ0123456789";
const REFERENCE_CT: &str = "Xvg7uxPli/O9VuUW0jaEfCW8iRefWOY6DTH9eqQuWVdcOAJuFcKlHSxqds6WHAJCXtdicWVYGEnRpaFqAcrvXNLZYkpCg04dO4YFimGWuF8=";

fn faceauth() -> Command {
    let mut cmd = Command::cargo_bin("faceauth").expect("binary built");
    cmd.env("FACEAUTH_API_KEY", KEY);
    cmd
}

fn run(args: &[&str], stdin: impl AsRef<[u8]>) -> Output {
    let output = support::run_piped(faceauth().args(args), stdin.as_ref());
    let all = format!("{}{}", text(&output.stdout), text(&output.stderr));
    assert!(!all.contains(KEY), "the key leaked: {all}");
    output
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

fn stdout_ok(args: &[&str], stdin: &str) -> String {
    let output = run(args, stdin);
    assert!(output.status.success(), "{args:?}: {}", text(&output.stderr));
    text(&output.stdout)
}

fn cipher(scheme: Scheme) -> Cipher {
    Cipher::new(&Key::derive(KEY).expect("key"), scheme)
}

#[test]
fn url_prints_the_reference_url_and_inspect_reads_it_back() {
    let url = stdout_ok(
        &["url", "--pid", "pid-1", "--sid", "abc123xyz", "--user-id", "user-1", "--token", "tok_abc12345"],
        "",
    );
    let expected_ct = REFERENCE_CT.replace('/', "%2F").replace('=', "%3D");
    assert_eq!(
        url.trim(),
        format!("https://form.argosidentity.com/face-auth?pid=pid-1&encrypted={expected_ct}")
    );

    let report: serde_json::Value =
        serde_json::from_str(&stdout_ok(&["inspect", url.trim()], "")).expect("JSON");
    assert_eq!(report["pid"], "pid-1");
    assert_eq!(report["variant"], "ecb-sha256");
    assert_eq!(report["params"]["sid"], "abc123xyz");
    assert_eq!(report["params"]["authUserId"], "user-1");
    assert_eq!(report["params"]["token"], "tok_abc12345");
}

#[test]
fn url_json_with_a_new_token_for_each_scheme() {
    for scheme in ["ecb", "gcm", "cbc", "gcm-nonce-tag-ct"] {
        let out = stdout_ok(
            &[
                "url",
                "--pid",
                "p",
                "--sid",
                "s1",
                "--new-token",
                "--json",
                "--lang",
                "en",
                "--scheme",
                scheme,
            ],
            "",
        );
        let value: serde_json::Value = serde_json::from_str(&out).expect("JSON");
        let (url, token) = (value["url"].as_str().expect("url"), value["token"].as_str().expect("token"));
        assert!(faceauth::token::validate(token).is_ok(), "{token}");
        assert!(url.ends_with("&lang=en") && !url.contains(token), "{url}");
        let back = stdout_ok(&["inspect", url, "--scheme", scheme], "");
        assert!(back.contains(token), "{scheme}: {back}");
    }
}

#[test]
fn encrypt_and_decrypt_through_stdin() {
    let plaintext = r#"{"sid":"abc123xyz","authUserId":"user-1","token":"tok_abc12345"}"#;
    assert_eq!(stdout_ok(&["encrypt"], &format!("{plaintext}\n")).trim(), REFERENCE_CT);
    assert_ne!(stdout_ok(&["encrypt", "--raw"], &format!("{plaintext}\n")).trim(), REFERENCE_CT);
    assert_eq!(stdout_ok(&["decrypt"], REFERENCE_CT).trim_end(), plaintext);
    // Pasted from a URL, percent-encoded.
    let pasted = REFERENCE_CT.replace('/', "%2F").replace('=', "%3D");
    assert_eq!(stdout_ok(&["decrypt", &pasted], "").trim_end(), plaintext);
    for scheme in ["gcm", "cbc"] {
        let sealed = stdout_ok(&["encrypt", "--scheme", scheme, plaintext], "");
        assert_eq!(stdout_ok(&["decrypt", "--scheme", scheme], &sealed).trim_end(), plaintext);
    }
}

#[test]
fn bad_input_fails_clearly_without_the_key() {
    // Input to work on is exit 1; a malformed option value is a usage error, exit 2.
    let cases: [(&[&str], &str, &str, i32); 6] = [
        (&["decrypt", "AAAA"], "", "not a whole number of 16-byte blocks", 1),
        (&["decrypt", "@@@@"], "", "not valid base64", 1),
        (&["decrypt"], "", "no ciphertext given", 1),
        (&["url", "--pid", "p", "--sid", "s", "--token", "x"], "", "token id is 1 character;", 2),
        (
            &["url", "--pid", "p", "--sid", "s", "--cf1", "a\nb"],
            "",
            "authCf1 contains a control character",
            2,
        ),
        (&["inspect", "https://form.argosidentity.com/face-auth?pid=p"], "", "no encrypted parameter", 1),
    ];
    let output = run(&["decrypt", "--scheme", "des", "AAAA"], "");
    assert_eq!(output.status.code(), Some(2));
    assert!(text(&output.stderr).contains("unknown encryption variant"), "{}", text(&output.stderr));
    for (args, stdin, expected, code) in cases {
        let output = run(args, stdin);
        assert_eq!(output.status.code(), Some(code), "{args:?}");
        let stderr = text(&output.stderr);
        assert!(stderr.contains(expected), "{args:?}: {stderr}");
        assert!(output.stdout.is_empty(), "{args:?} printed to stdout");
    }
    // The wrong key: a padding error, and the key passed on the command line is not echoed.
    let mut cmd = faceauth();
    let output = cmd
        .env_remove("FACEAUTH_API_KEY")
        .args(["decrypt", "--api-key", "wrong-key-d0a7c1", REFERENCE_CT])
        .output()
        .expect("runs");
    let stderr = text(&output.stderr);
    assert!(stderr.contains("bad padding") && !stderr.contains("wrong-key-d0a7c1"), "{stderr}");

    let output = faceauth()
        .env_remove("FACEAUTH_API_KEY")
        .args(["url", "--pid", "p", "--sid", "s"])
        .output()
        .expect("runs");
    assert_eq!(output.status.code(), Some(2));
    assert!(text(&output.stderr).contains("no API key"), "{}", text(&output.stderr));
}

#[test]
fn the_key_can_come_from_a_file() {
    let dir = support::TempDir::new("key");
    let path = dir.join("key");
    std::fs::write(&path, format!("{KEY}\n")).expect("writes");
    let output = faceauth()
        .env_remove("FACEAUTH_API_KEY")
        .args(["decrypt", "--api-key-file", path.to_str().expect("utf-8 path"), REFERENCE_CT])
        .output()
        .expect("runs");
    assert!(text(&output.stdout).contains("abc123xyz"), "{}", text(&output.stderr));
}

#[test]
fn diagnose_names_the_variant() {
    let sealed = cipher(Scheme::Gcm).encrypt(r#"{"sid":"x"}"#).expect("encrypts");
    let report: serde_json::Value =
        serde_json::from_str(&stdout_ok(&["diagnose", "--json", &sealed], "")).expect("JSON");
    assert_eq!(report["best"], "gcm-nonce-ct-tag");
    assert_eq!(report["variants"].as_array().map(Vec::len), Some(10));

    // Pasted from a URL: decoded once, and the report says so.
    let pasted = REFERENCE_CT.replace('/', "%2F").replace('=', "%3D");
    let report: serde_json::Value =
        serde_json::from_str(&stdout_ok(&["diagnose", "--json", &pasted], "")).expect("JSON");
    assert_eq!(
        (report["best"].as_str(), report["percent_decoded"].as_bool()),
        (Some("ecb-sha256"), Some(true))
    );

    let human = stdout_ok(&["diagnose"], REFERENCE_CT);
    assert!(human.contains("best match: ecb-sha256"), "{human}");

    let output = run(&["diagnose", "--api-key", "some other key", REFERENCE_CT], "");
    assert_eq!(output.status.code(), Some(4));
    assert!(text(&output.stdout).contains("no variant decrypts this"));
}

/// An ECB ciphertext (so the same on every run) whose base64 has a '+', with its plaintext.
fn sealed_with_plus() -> (String, String) {
    let ecb = cipher(Scheme::Ecb);
    (0..)
        .map(|i| format!(r#"{{"sid":"s{i}","authCf1":"{}"}}"#, "x".repeat(120)))
        .map(|plain| (ecb.encrypt(&plain).expect("encrypts"), plain))
        .find(|(sealed, _)| sealed.contains('+'))
        .expect("some ciphertext has a '+'")
}

/// `text` wrapped every 76 characters with `eol`, as MIME does.
fn wrap76(text: &str, eol: &str) -> String {
    let lines: Vec<&str> = (0..text.len()).step_by(76).map(|i| &text[i..(i + 76).min(text.len())]).collect();
    lines.join(eol)
}

#[test]
fn decrypt_diagnose_and_inspect_read_pasted_text_alike() {
    let (sealed, plain) = sealed_with_plus();
    let form_decoded = sealed.replace('+', " ");
    let escaped = sealed.replace('+', "%2b").replace('/', "%2F").replace('=', "%3d");
    for (args, stdin) in [
        (vec!["decrypt", form_decoded.as_str()], String::new()),
        (vec!["decrypt"], wrap76(&sealed, "\r\n") + "\r\n"),
        (vec!["decrypt"], wrap76(&sealed, "\n")),
        (vec!["decrypt", escaped.as_str()], String::new()),
    ] {
        assert_eq!(stdout_ok(&args, &stdin).trim_end(), plain, "{args:?} {stdin:?}");
    }

    let report: serde_json::Value =
        serde_json::from_str(&stdout_ok(&["diagnose", "--json", &form_decoded], "")).expect("JSON");
    assert_eq!(report["best"], "ecb-sha256");
    assert_eq!(
        (report["spaces_as_plus"].as_bool(), report["percent_decoded"].as_bool()),
        (Some(true), Some(false))
    );
    let report: serde_json::Value =
        serde_json::from_str(&stdout_ok(&["diagnose", "--json"], &wrap76(&sealed, "\r\n"))).expect("JSON");
    assert_eq!(
        (report["best"].as_str(), report["whitespace_removed"].as_bool()),
        (Some("ecb-sha256"), Some(true))
    );
    let human = stdout_ok(&["diagnose"], &wrap76(&form_decoded, "\n"));
    assert!(human.starts_with("text read as: spaces read as '+', whitespace removed"), "{human}");
    assert!(human.contains("best match: ecb-sha256"), "{human}");

    let url = format!("https://form.argosidentity.com/face-auth?pid=p&encrypted={form_decoded}");
    let report: serde_json::Value = serde_json::from_str(&stdout_ok(&["inspect", &url], "")).expect("JSON");
    assert_eq!(report["params"]["sid"].as_str().map(|s| s.starts_with('s')), Some(true));
    assert_eq!((&report["spaces_as_plus"], &report["percent_decoded"]), (&true.into(), &false.into()));
}

#[test]
fn diagnose_calls_text_that_is_no_ciphertext_an_input_error() {
    for (input, expected) in [
        ("hello world!", "character '!' at position 11, and not hex either"),
        (r#"{"data": "abc"}"#, "character '{' at position 0, and not hex either; the text looks like JSON"),
        ("<html><body>502 Bad Gateway</body></html>", "looks like HTML"),
    ] {
        for args in [vec!["diagnose", input], vec!["diagnose", "--json", input]] {
            let output = run(&args, "");
            assert_eq!(output.status.code(), Some(1), "{args:?}");
            let stderr = text(&output.stderr);
            assert!(stderr.contains("not valid base64") && stderr.contains(expected), "{args:?}: {stderr}");
            assert!(!stderr.contains("check the key"), "{stderr}");
            assert!(output.stdout.is_empty(), "{args:?} printed to stdout");
        }
    }
    // Text that decodes but that no variant decrypts keeps its own exit code.
    let output = run(&["diagnose", "AAAAAAAAAAAAAAAAAAAAAA=="], "");
    assert_eq!(output.status.code(), Some(4));
}

#[test]
fn inspect_shows_unknown_fields_apart_with_exact_numbers() {
    let sealed = cipher(Scheme::Ecb)
        .encrypt(r#"{"sid":"x","n":12345678901234567890123,"authUserId":"u","flag":true}"#)
        .expect("encrypts");
    let url = format!("pid=p&encrypted={}", sealed.replace('+', "%2B"));
    let out = stdout_ok(&["inspect", &url], "");
    assert!(out.contains("\"n\": 12345678901234567890123"), "{out}");
    let report: serde_json::Value = serde_json::from_str(&out).expect("JSON");
    let keys = |v: &serde_json::Value| v.as_object().map(|o| o.keys().cloned().collect::<Vec<_>>());
    assert_eq!(keys(&report["params"]), Some(vec!["sid".to_owned(), "authUserId".to_owned()]));
    assert_eq!(keys(&report["unknown_fields"]), Some(vec!["n".to_owned(), "flag".to_owned()]));
    assert_eq!(report["unknown_fields"]["flag"], true);
}

#[test]
fn token_new_and_check() {
    let out = stdout_ok(&["token", "generate", "--count", "50"], "");
    let ids: HashSet<&str> = out.lines().collect();
    assert_eq!(ids.len(), 50);
    assert!(ids.iter().all(|id| faceauth::token::validate(id).is_ok()));
    assert_eq!(run(&["token", "generate", "--count", "0"], "").status.code(), Some(2));
    assert!(run(&["token", "validate", "tok_12345678"], "").status.success());
    assert_eq!(run(&["token", "validate", "tok_12345678", "short"], "").status.code(), Some(1));
}

#[test]
fn batch_builds_good_rows_and_reports_bad_ones_by_line() {
    let input = "sid,user_id,cf1,cf2,cf3,token,note\n\
                 abc123xyz,user-1,,,,tok_abc12345,first\n\
                 ,no-sid,,,,,second\n\
                 s2,u2,\"a,b\",,,,third\n\
                 s3,u3,,,,bad token,fourth\n\
                 s4\n";
    let output = run(&["batch", "--pid", "pid-1", "--input", "-", "--output", "-", "--new-tokens"], input);
    assert_eq!(output.status.code(), Some(3), "some rows failed");
    let stderr = text(&output.stderr);
    assert!(stderr.contains("line 3: sid must not be empty"), "{stderr}");
    assert!(stderr.contains("line 5: invalid token"), "{stderr}");
    assert!(stderr.contains("5 rows, 3 URLs written, 2 failed"), "{stderr}");

    let mut reader = csv::Reader::from_reader(output.stdout.as_slice());
    let header: Vec<String> = reader.headers().expect("header").iter().map(str::to_owned).collect();
    assert_eq!(header, ["sid", "user_id", "cf1", "cf2", "cf3", "token", "note", "url"]);
    let rows: Vec<csv::StringRecord> = reader.records().map(|r| r.expect("row")).collect();
    let sids: Vec<&str> = rows.iter().map(|r| &r[0]).collect();
    assert_eq!(sids, ["abc123xyz", "s2", "s4"]);

    let ecb = cipher(Scheme::Ecb);
    for row in &rows {
        let found = faceauth::url::inspect(&row[7], &ecb).expect("URL inspects");
        assert_eq!(found.params.sid, &row[0]);
        assert_eq!(found.params.token.as_deref(), Some(&row[5]), "the token column holds the link's token");
        assert!(faceauth::token::validate(&row[5]).is_ok());
    }
    assert_eq!(&rows[0][5], "tok_abc12345", "an existing token is kept");
    assert_eq!(&rows[1][2], "a,b");
    assert!(rows[0][7].contains(&REFERENCE_CT.replace('/', "%2F").replace('=', "%3D")));
}

#[test]
fn batch_appends_a_token_column_when_minting_without_one() {
    let out = stdout_ok(
        &["batch", "--pid", "p", "--input", "-", "--output", "-", "--new-tokens", "--scheme", "gcm"],
        "sid\na\nb\n",
    );
    let mut reader = csv::Reader::from_reader(out.as_bytes());
    assert_eq!(reader.headers().expect("header").iter().collect::<Vec<_>>(), ["sid", "url", "token"]);
    let gcm = cipher(Scheme::Gcm);
    for row in reader.records() {
        let row = row.expect("row");
        let found = faceauth::url::inspect(&row[1], &gcm).expect("inspects");
        assert_eq!(found.params.token.as_deref(), Some(&row[2]));
    }
}

#[test]
fn batch_rejects_inputs_it_cannot_read() {
    for (input, expected) in [
        ("", "the input is empty"),
        ("user,mail\nu,m\n", "no sid column"),
        ("sid,SID\na,b\n", "names the sid column twice"),
    ] {
        let output = run(&["batch", "--pid", "p", "--input", "-", "--output", "-"], input);
        assert_eq!(output.status.code(), Some(1), "{input:?}");
        assert!(text(&output.stderr).contains(expected), "{}", text(&output.stderr));
    }
    // A row that is not UTF-8 fails alone.
    let output =
        run(&["batch", "--pid", "p", "--input", "-", "--output", "-"], b"sid,user_id\ns1,\xff\xfe\ns2,u2\n");
    assert_eq!(output.status.code(), Some(3));
    assert!(
        text(&output.stderr).contains("line 2: the user_id column is not UTF-8"),
        "{}",
        text(&output.stderr)
    );
    assert_eq!(text(&output.stdout).lines().count(), 2, "header and the good row");
}

#[test]
fn batch_streams_output_before_its_input_ends() {
    let mut child = faceauth()
        .args(["batch", "--pid", "p", "--input", "-", "--output", "-"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("spawns");
    let mut stdin = child.stdin.take().expect("stdin");
    let stdout = child.stdout.take().expect("stdout");
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        let mut lines = BufReader::new(stdout).lines();
        let first = lines.next();
        tx.send(first.is_some()).ok();
        lines.count()
    });
    // Far more than the output buffer, yet the input stays open.
    let mut rows = String::from("sid\n");
    for i in 0..20_000 {
        rows.push_str(&format!("submission-{i}\n"));
    }
    stdin.write_all(rows.as_bytes()).expect("writes");
    stdin.flush().expect("flushes");
    let got_output = rx.recv_timeout(Duration::from_secs(60)).unwrap_or(false);
    drop(stdin);
    assert!(child.wait().expect("exits").success());
    assert!(got_output, "no output arrived while the input was still open");
}
