//! Links issued per second through the token ledger: `LinkIssuer::issue` (mint a token, build
//! the URL, record the token in its own transaction) on SQLite, single process and with two
//! processes contending for one file, against the in-memory ledger measured in the same run;
//! and, for bulk jobs, 1,024 links recorded per `issue_many` transaction, and 8,192 per
//! `issue_new` transaction with time-ordered ids (what `faceauth batch --ledger` does). Prints
//! figures and ratios; asserts nothing about time.
//!
//! The two-process rows run this same binary again with `--child`; both children start at one
//! agreed instant, issue until one agreed deadline, and report their counts.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use faceauth::crypto::{Key, Scheme};
use faceauth::token::{
    Durability, LinkIssuer, MemoryLedger, NewToken, SqliteLedger, SqliteOptions, TokenGenerator, TokenLedger,
    TokenRule,
};
use faceauth::url::{AuthParams, UrlBuilder};

const KEY: &str = "0123456789abcdefghijABCDEFGHIJ0123456789";

/// How long each row is measured: 2 s under `cargo bench`; a short smoke run under
/// `cargo test --all-targets`, which checks the bench still works without timing a debug build.
fn round() -> Duration {
    if std::env::args().any(|a| a == "--bench") {
        Duration::from_secs(2)
    } else {
        Duration::from_millis(50)
    }
}

fn builder() -> UrlBuilder {
    UrlBuilder::new("pid-1", &Key::derive(KEY).expect("key"), Scheme::Ecb).expect("builder")
}

/// Issues links through `ledger` from `start` until `deadline`; returns how many.
fn issue_until(ledger: &dyn TokenLedger, start: SystemTime, deadline: SystemTime) -> u64 {
    if let Ok(wait) = start.duration_since(SystemTime::now()) {
        std::thread::sleep(wait);
    }
    let links = builder();
    let mut issuer = LinkIssuer::new(&links, ledger);
    let meta = BTreeMap::from([("batch".to_owned(), "bench".to_owned())]);
    let params = AuthParams::new("sub_523414080").user_id("user-42");
    let mut issued = 0u64;
    loop {
        let now = SystemTime::now();
        if now >= deadline {
            return issued;
        }
        issuer.issue(TokenRule::Count, &params, &meta, now).expect("issues");
        issued += 1;
    }
}

/// Like [`issue_until`], but minting and building 1,024 links at a time and recording them in
/// one `issue_many` transaction, as `faceauth batch --ledger` does.
fn issue_batches_until(ledger: &dyn TokenLedger, deadline: SystemTime) -> u64 {
    let links = builder();
    let mut generator = TokenGenerator::new();
    let mut issued = 0u64;
    while SystemTime::now() < deadline {
        let mut batch = Vec::with_capacity(1024);
        for _ in 0..1024 {
            let token = generator.next_id().expect("random");
            let params = AuthParams::new("sub_523414080").user_id("user-42").token(token.as_str());
            std::hint::black_box(links.build(&params).expect("builds"));
            batch.push(NewToken::new(token, "sub_523414080", TokenRule::Count).user_id("user-42"));
        }
        ledger.issue_many(&batch, SystemTime::now()).expect("issues");
        issued += 1024;
    }
    issued
}

/// What `faceauth batch --ledger` does: 8,192 links per `issue_new` transaction, with ids
/// from `next_ordered_into`, which sort by time and so append to the ledger's index.
fn issue_ordered_until(ledger: &SqliteLedger, deadline: SystemTime) -> u64 {
    let links = builder();
    let mut generator = TokenGenerator::new();
    let mut issued = 0u64;
    let mut url = String::new();
    while SystemTime::now() < deadline {
        let mut batch = Vec::with_capacity(8192);
        for _ in 0..8192 {
            let mut token = String::new();
            generator.next_ordered_into(SystemTime::now(), &mut token).expect("random");
            let params = AuthParams::new("sub_523414080").user_id("user-42").token(token.as_str());
            url.clear();
            links.build_to(&params, &mut url).expect("builds");
            batch.push(NewToken::new(token, "sub_523414080", TokenRule::Count).user_id("user-42"));
        }
        let skipped = ledger.issue_new(&batch, SystemTime::now()).expect("issues");
        assert!(skipped.is_empty());
        issued += 8192;
    }
    issued
}

fn options(durability: Durability) -> SqliteOptions {
    SqliteOptions::new().durability(durability).busy_timeout(Duration::from_secs(30))
}

fn durability_name(durability: Durability) -> &'static str {
    match durability {
        Durability::Full => "full",
        Durability::Normal => "normal",
    }
}

/// One process issuing for a round; links per second.
fn single(ledger: &dyn TokenLedger) -> f64 {
    let start = SystemTime::now();
    let issued = issue_until(ledger, start, start + round());
    issued as f64 / round().as_secs_f64()
}

/// Two child processes issuing into one file over the same round; total links per second.
fn two_processes(path: &Path, durability: Durability) -> f64 {
    // Creating the file first keeps schema set-up out of the measured round.
    drop(SqliteLedger::open_with(path, &options(durability)).expect("opens"));
    let start = SystemTime::now() + Duration::from_millis(300);
    let at = |t: SystemTime| t.duration_since(UNIX_EPOCH).map(|d| d.as_millis()).unwrap_or(0).to_string();
    let children: Vec<_> = (0..2)
        .map(|_| {
            Command::new(std::env::current_exe().expect("own path"))
                .args(["--child", &path.display().to_string(), durability_name(durability)])
                .args([at(start), at(start + round())])
                .stdout(Stdio::piped())
                .spawn()
                .expect("spawns a child")
        })
        .collect();
    let mut total = 0u64;
    for child in children {
        let output = child.wait_with_output().expect("child runs");
        assert!(output.status.success(), "a child failed");
        total += String::from_utf8_lossy(&output.stdout).trim().parse::<u64>().expect("a count");
    }
    let stored = SqliteLedger::open(path)
        .and_then(|l| l.list(&faceauth::token::ListFilter::new(), SystemTime::now()))
        .expect("lists")
        .len() as u64;
    assert_eq!(stored, total, "every issued token is stored");
    total as f64 / round().as_secs_f64()
}

/// `--child PATH DURABILITY START_MS DEADLINE_MS`: issue into PATH, print the count.
fn child(args: &[String]) {
    let ms = |text: &String| UNIX_EPOCH + Duration::from_millis(text.parse().expect("milliseconds"));
    let durability = if args[1] == "full" { Durability::Full } else { Durability::Normal };
    let ledger = SqliteLedger::open_with(&args[0], &options(durability)).expect("opens");
    println!("{}", issue_until(&ledger, ms(&args[2]), ms(&args[3])));
}

/// A fresh directory for the bench's files.
fn scratch() -> PathBuf {
    let nanos = SystemTime::now().duration_since(UNIX_EPOCH).map(|d| d.as_nanos()).unwrap_or(0);
    let dir = std::env::temp_dir().join(format!("faceauth-ledger-bench-{}-{nanos}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("creates the scratch dir");
    dir
}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    if let Some(at) = args.iter().position(|a| a == "--child") {
        child(&args[at + 1..]);
        return;
    }
    let dir = scratch();
    let baseline = single(&MemoryLedger::new());
    let mut rows = vec![("in-memory ledger (baseline)".to_owned(), baseline)];
    for durability in [Durability::Full, Durability::Normal] {
        let name = durability_name(durability);
        let path = dir.join(format!("single-{name}.db"));
        let ledger = SqliteLedger::open_with(&path, &options(durability)).expect("opens");
        rows.push((format!("sqlite, {name}, 1 process"), single(&ledger)));
        let path = dir.join(format!("batched-{name}.db"));
        let ledger = SqliteLedger::open_with(&path, &options(durability)).expect("opens");
        let started = SystemTime::now();
        let issued = issue_batches_until(&ledger, started + round());
        let elapsed = started.elapsed().unwrap_or(round()).as_secs_f64();
        rows.push((format!("sqlite, {name}, issue_many x1024"), issued as f64 / elapsed));
        let path = dir.join(format!("ordered-{name}.db"));
        let ledger = SqliteLedger::open_with(&path, &options(durability)).expect("opens");
        let started = SystemTime::now();
        let issued = issue_ordered_until(&ledger, started + round());
        let elapsed = started.elapsed().unwrap_or(round()).as_secs_f64();
        rows.push((format!("sqlite, {name}, issue_new x8192, ordered ids"), issued as f64 / elapsed));
        let path = dir.join(format!("two-{name}.db"));
        rows.push((format!("sqlite, {name}, 2 processes (total)"), two_processes(&path, durability)));
    }
    std::fs::remove_dir_all(&dir).ok();

    println!("links issued per second (mint + URL + one transaction each), {:?} per row", round());
    for (name, per_second) in rows {
        println!("{name:<42} {per_second:>10.0} issues/s  {:>7.4}x baseline", per_second / baseline);
    }
}
