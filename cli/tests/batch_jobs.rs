//! `faceauth batch --jobs N`: rows built on N threads come out exactly as on one, in input
//! order, bad rows reported at the same lines, in memory that does not grow with the input.

use std::io::{BufRead, BufReader, Read, Write};
use std::process::{Child, Command, Output, Stdio};

use assert_cmd::cargo::CommandCargoExt;

mod support;

use support::TempDir;

const KEY: &str = "0123456789abcdefghijABCDEFGHIJ0123456789";

fn faceauth() -> Command {
    let mut cmd = Command::cargo_bin("faceauth").expect("binary");
    cmd.env("FACEAUTH_API_KEY", KEY).env_remove("FACEAUTH_TOKENS_DB").env_remove("FACEAUTH_LEDGER");
    cmd
}

/// `faceauth batch` from stdin to stdout with `jobs` workers, every stream a pipe, started.
fn spawn_piped(jobs: &str) -> Child {
    faceauth()
        .args(["batch", "--pid", "p", "--input", "-", "--output", "-", "--jobs", jobs])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawns")
}

/// `rows` data rows with bad ones sprinkled in: an empty sid, an invalid token, a row wider
/// than the header, a cell that is not UTF-8, a CSV quote spanning two lines (a good row that
/// moves every later line number), a token already used earlier in the input. ECB and given
/// tokens make every URL deterministic.
fn sprinkled_input(rows: usize) -> Vec<u8> {
    let mut input = b"sid,user_id,cf1,token,note\n".to_vec();
    for i in 0..rows {
        let row = match i {
            _ if i % 97 == 5 => format!(",user-{i},,tok_row{i:08},no sid\n"),
            _ if i % 131 == 7 => format!("sub-{i},user-{i},,bad token,\n"),
            _ if i % 173 == 11 => format!("sub-{i},user-{i},,tok_row{i:08},note,extra\n"),
            _ if i % 59 == 3 => format!("sub-{i},user-{i},\"two\nlines\",tok_row{i:08},quoted\n"),
            _ if i % 211 == 13 => format!("sub-{i},user-{i},,tok_row{:08},reused\n", i - 13),
            _ => format!("sub-{i},user-{i},mail{i}@example.com,tok_row{i:08},\n"),
        };
        input.extend_from_slice(row.as_bytes());
        if i % 251 == 17 {
            input.extend_from_slice(format!("sub-{i}b,").as_bytes());
            input.extend_from_slice(b"\xff\xfe");
            input.extend_from_slice(format!(",,tok_rowb{i:07},not utf-8\n").as_bytes());
        }
    }
    input
}

/// The stderr lines that name rows (the summary line carries the timing, so only its counts).
fn reports(output: &Output) -> Vec<String> {
    let stderr = String::from_utf8_lossy(&output.stderr);
    stderr
        .lines()
        .map(|line| match line.split_once(" (") {
            Some((counts, _)) if line.contains(" rows/s)") => counts.to_owned(),
            _ => line.to_owned(),
        })
        .collect()
}

/// `faceauth batch --pid p ARGS` on `input`, through a file (a pipe written whole before the
/// output is read would fill both ways), the output on stdout.
fn run(args: &[&str], input: &[u8]) -> Output {
    let dir = TempDir::new("batch-jobs-input");
    let path = dir.join("in.csv");
    std::fs::write(&path, input).expect("writes the input");
    faceauth()
        .args(["batch", "--pid", "p", "--input", path.to_str().expect("path"), "--output", "-"])
        .args(args)
        .stdin(Stdio::null())
        .output()
        .expect("runs")
}

#[test]
fn every_job_count_writes_the_same_bytes_in_the_same_order() {
    let input = sprinkled_input(30_000);
    let one = run(&["--jobs", "1"], &input);
    assert_eq!(one.status.code(), Some(3), "{}", String::from_utf8_lossy(&one.stderr));
    let reported = reports(&one);
    assert!(reported.iter().any(|l| l.contains("sid must not be empty")), "{reported:?}");
    assert!(reported.iter().any(|l| l.contains("invalid token")), "{reported:?}");
    assert!(reported.iter().any(|l| l.contains("the row has 6 fields, the header 5")), "{reported:?}");
    assert!(reported.iter().any(|l| l.contains("the user_id column is not UTF-8")), "{reported:?}");
    // Rows in input order: the sids of the written rows ascend.
    let mut reader = csv::Reader::from_reader(one.stdout.as_slice());
    let numbers: Vec<u64> = reader
        .records()
        .map(|r| {
            r.expect("row")[0].trim_start_matches("sub-").trim_end_matches('b').parse().expect("a number")
        })
        .collect();
    assert!(numbers.len() > 25_000, "{} rows written", numbers.len());
    assert!(numbers.windows(2).all(|w| w[0] <= w[1]), "rows out of order");

    for jobs in ["2", "3", "8"] {
        let many = run(&["--jobs", jobs], &input);
        assert_eq!(many.status.code(), Some(3), "--jobs {jobs}");
        assert!(many.stdout == one.stdout, "--jobs {jobs}: the output differs from --jobs 1");
        assert_eq!(reports(&many), reported, "--jobs {jobs}: the reports differ");
    }
    // The default (every core) too.
    let default = run(&[], &input);
    assert!(default.stdout == one.stdout, "the default --jobs: the output differs from --jobs 1");
}

#[test]
fn every_job_count_records_the_same_tokens_and_refuses_the_same_rows() {
    let input = sprinkled_input(20_000);
    let dir = TempDir::new("batch-jobs-ledger");
    let mut first: Option<(Output, Vec<String>)> = None;
    for jobs in ["1", "2", "5"] {
        let db = dir.join(&format!("ledger-{jobs}.db"));
        let output = run(&["--jobs", jobs, "--ledger", db.to_str().expect("path")], &input);
        assert_eq!(
            output.status.code(),
            Some(3),
            "--jobs {jobs}: {}",
            String::from_utf8_lossy(&output.stderr)
        );
        let reported = reports(&output);
        // The reused tokens are refused by the ledger, each at its own line.
        assert!(reported.iter().any(|l| l.contains("is already in the ledger")), "{reported:?}");
        let ledger = faceauth::token::SqliteLedger::open_read_only(&db).expect("opens");
        let rows = support::written_tokens(&String::from_utf8_lossy(&output.stdout));
        let now = std::time::SystemTime::now();
        for (token, sid) in &rows {
            let status = faceauth::token::TokenLedger::status(&ledger, token, now).expect("reads");
            assert_eq!(&status.expect("recorded").record.submission_id, sid, "--jobs {jobs}");
        }
        match &first {
            None => first = Some((output, reported)),
            Some((one, one_reported)) => {
                assert!(output.stdout == one.stdout, "--jobs {jobs}: the output differs from --jobs 1");
                assert_eq!(&reported, one_reported, "--jobs {jobs}: the reports differ");
            }
        }
    }
}

/// Inputs whose quoted fields (line ends inside, doubled quotes), `\r\n` line ends, empty
/// lines, stray quotes and last row (without a line end, or with a quote never closed) fall
/// across the reader's block boundaries at every place: every block size writes the same bytes
/// and reports the same rows at the same lines as one block holding the whole input.
#[test]
fn every_block_size_reads_the_same_rows_at_the_same_lines() {
    let crlf = String::from_utf8_lossy(&sprinkled_input(400)).replace('\n', "\r\n").into_bytes();
    let mut tricky = b"sid,user_id,cf1,token,note\n\
        s1,u1,\"a\"\"\nb\"\"\",tok_aaaaaaaa,\"x\"\"\"\"y\"\n\
        \n\n\
        ,u-after-empty-lines,,tok_ffffffff,no sid\n\
        s2,u2,,tok_bbbbbbbb,\"multi\r\nline\nnote\"\r\n\
        s3,u\"3,,tok_cccccccc,n\"o\n\
        \"\",u-quoted-empty-sid,,tok_gggggggg,\"\"\r\n\
        s4,,,tok_dddddddd,\"\"\"\"\r\r\n"
        .to_vec();
    tricky.extend_from_slice(b"s5,\xff,,tok_eeeeeeee,bad user\n");
    tricky.extend_from_slice(b"s6,u6,,tok_hhhhhhhh,\"last row without a line end\"");
    let unclosed = b"sid,note\ns1,a\r\ns2,\"x\"\"y\",\n,\"never\nclosed\ns3,x\n".to_vec();
    for (name, input) in
        [("sprinkled", sprinkled_input(400)), ("crlf", crlf), ("tricky", tricky), ("unclosed", unclosed)]
    {
        let whole = run(&["--jobs", "2"], &input);
        assert_eq!(whole.status.code(), Some(3), "{name}: {}", String::from_utf8_lossy(&whole.stderr));
        let reported = reports(&whole);
        assert!(reported.iter().filter(|l| l.contains(": line ")).count() >= 2, "{name}: {reported:?}");
        for block in ["1", "2", "3", "5", "8", "13", "61", "256", "4099"] {
            let cut = run(&["--jobs", "2", "--read-block", block], &input);
            assert_eq!(cut.status.code(), whole.status.code(), "{name}, --read-block {block}");
            assert!(cut.stdout == whole.stdout, "{name}, --read-block {block}: the output differs");
            assert_eq!(reports(&cut), reported, "{name}, --read-block {block}: the reports differ");
        }
    }
}

/// A base URL with a comma and a quote in it: every URL cell is quoted, its quote doubled,
/// and reads back whole.
#[test]
fn urls_with_commas_and_quotes_are_quoted() {
    let base = "https://forms.example/a,b\"c";
    let output = run(&["--base-url", base, "--jobs", "2"], b"sid,note\ns1,x\ns2,\"y,z\"\n");
    assert_eq!(output.status.code(), Some(0), "{}", String::from_utf8_lossy(&output.stderr));
    let text = String::from_utf8_lossy(&output.stdout);
    assert!(
        text.lines().nth(1).is_some_and(|l| l.starts_with("s1,x,\"https://forms.example/a,b\"\"c/")),
        "{text}"
    );
    let mut reader = csv::Reader::from_reader(output.stdout.as_slice());
    let rows: Vec<csv::StringRecord> = reader.records().map(|r| r.expect("a row")).collect();
    assert_eq!(rows.len(), 2);
    for row in &rows {
        assert_eq!(row.len(), 3, "{row:?}");
        assert!(row[2].starts_with(&format!("{base}/")), "{row:?}");
    }
    assert_eq!(&rows[1][1], "y,z");
}

/// A header and a row far longer than a read, through a pipe written in small pieces: both
/// come out whole, with the rows around them.
#[test]
fn records_longer_than_a_read_come_through_a_pipe_whole() {
    let long_name = "n".repeat(200_000);
    let long_cell = "x".repeat(3_000_000);
    let mut input = format!("sid,{long_name}\ns1,a\ns2,\"{long_cell}\"\ns3,b\n").into_bytes();
    input.extend_from_slice(b"s4,\"quoted\nline\"");
    let mut child = spawn_piped("2");
    let mut stdin = child.stdin.take().expect("stdin");
    let writer = std::thread::spawn(move || {
        for piece in input.chunks(4_093) {
            stdin.write_all(piece).expect("writes");
        }
    });
    let output = child.wait_with_output().expect("runs");
    writer.join().expect("the writer thread");
    assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
    let mut reader = csv::Reader::from_reader(output.stdout.as_slice());
    assert_eq!(reader.headers().expect("a header").get(1).map(str::len), Some(200_000));
    let rows: Vec<csv::StringRecord> = reader.records().map(|r| r.expect("a row")).collect();
    let cells: Vec<(&str, usize)> = rows.iter().map(|r| (&r[0], r[1].len())).collect();
    assert_eq!(cells, [("s1", 1), ("s2", 3_000_000), ("s3", 1), ("s4", 11)]);
}

#[test]
fn jobs_must_be_a_positive_count() {
    for jobs in ["0", "-1", "many", "100000"] {
        let output = run(&["--jobs", jobs], b"sid\ns1\n");
        assert_eq!(output.status.code(), Some(2), "--jobs {jobs}");
        assert!(output.stdout.is_empty(), "--jobs {jobs}");
    }
}

/// Streams a generated input through a pipe, reading the output as it comes, and reports the
/// process's peak resident memory from /proc just before the input ends (a report, not a
/// pass/fail figure: it depends on the allocator and the build). What is checked: every row
/// comes out, in order, while the input is still being written.
#[test]
fn a_large_piped_input_streams_through_in_order() {
    const ROWS: u64 = 300_000;
    let mut child = spawn_piped("3");
    let pid = child.id();
    let mut stdin = child.stdin.take().expect("stdin");
    let stdout = child.stdout.take().expect("stdout");
    let reader = std::thread::spawn(move || {
        let mut lines = BufReader::new(stdout).split(b'\n');
        let header = lines.next().expect("a header").expect("reads");
        assert_eq!(&header[..], b"sid,user_id,url");
        let (mut expected, mut bytes) = (0u64, header.len() as u64);
        for line in lines {
            let line = line.expect("reads");
            bytes += line.len() as u64 + 1;
            let sid = line.split(|&b| b == b',').next().expect("a sid");
            assert_eq!(sid, format!("submission-{expected:09}").as_bytes(), "row {expected} out of order");
            expected += 1;
        }
        (expected, bytes)
    });
    stdin.write_all(b"sid,user_id\n").expect("writes");
    let mut block = String::with_capacity(1 << 20);
    let mut written = 0u64;
    for i in 0..ROWS {
        block.push_str(&format!("submission-{i:09},user-{i}\n"));
        if block.len() > (1 << 20) - 64 {
            stdin.write_all(block.as_bytes()).expect("writes");
            written += block.len() as u64;
            block.clear();
        }
    }
    stdin.write_all(block.as_bytes()).expect("writes");
    written += block.len() as u64;
    let peak = std::fs::read_to_string(format!("/proc/{pid}/status"))
        .ok()
        .and_then(|status| status.lines().find(|l| l.starts_with("VmHWM:")).map(str::to_owned));
    drop(stdin);
    let mut stderr = String::new();
    child.stderr.take().expect("stderr").read_to_string(&mut stderr).expect("reads");
    assert!(child.wait().expect("exits").success(), "{stderr}");
    let (rows, out_bytes) = reader.join().expect("the reader thread");
    assert_eq!(rows, ROWS);
    eprintln!(
        "report: {written} input bytes and {out_bytes} output bytes streamed through; peak resident memory \
         before the input ended: {}",
        peak.as_deref().unwrap_or("VmHWM: unavailable").trim_start_matches("VmHWM:").trim()
    );
}

/// GCM and CBC rows take their nonces and IVs from a block source per chunk of rows (one
/// `getrandom` per block): across many rows, chunks and workers no nonce or IV repeats, and
/// every URL decrypts back to its own row.
#[test]
fn gcm_and_cbc_batches_carry_distinct_nonces_and_decrypt_row_for_row() {
    use faceauth::crypto::{Cipher, Scheme};
    use std::collections::HashSet;

    const ROWS: usize = 20_000;
    let mut input = b"sid,user_id,token\n".to_vec();
    for i in 0..ROWS {
        input.extend_from_slice(format!("sub-{i},user-{i},tok_row{i:08}\n").as_bytes());
    }
    // Base64 symbols that cover only the nonce or IV: 12 bytes are 16 symbols exactly; of a
    // 16-byte IV, the first 15 bytes (20 symbols), so that no ciphertext byte can tell two equal
    // IVs apart.
    for (scheme, symbols) in [(Scheme::Gcm, 16), (Scheme::Cbc, 20)] {
        let cipher = Cipher::from_key_string(KEY, scheme.variant()).expect("cipher");
        let mut seen = HashSet::new();
        for jobs in ["1", "3"] {
            let output = run(&["--scheme", scheme.name(), "--jobs", jobs], &input);
            assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
            let mut reader = csv::Reader::from_reader(output.stdout.as_slice());
            let mut count = 0;
            for (i, record) in reader.records().enumerate() {
                let record = record.expect("row");
                let url = &record[3];
                let inspection = faceauth::url::inspect(url, &cipher).expect("decrypts");
                assert_eq!(&*inspection.params.sid, format!("sub-{i}"), "--jobs {jobs}");
                assert_eq!(inspection.params.user_id.as_deref(), Some(format!("user-{i}").as_str()));
                assert_eq!(inspection.params.token.as_deref(), Some(format!("tok_row{i:08}").as_str()));
                let encrypted = url.split_once("&encrypted=").expect("an encrypted value").1;
                let text = percent_encoding::percent_decode_str(encrypted).decode_utf8().expect("text");
                let nonce = text[..symbols].to_owned();
                assert!(seen.insert(nonce), "{}: a repeated nonce at row {i} (--jobs {jobs})", scheme.name());
                count += 1;
            }
            assert_eq!(count, ROWS, "--jobs {jobs}");
        }
    }
}
