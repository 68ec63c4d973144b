//! `faceauth batch`: one FaceAuth URL per CSV row, built on every core, written in input
//! order, streamed in constant memory.

mod pipeline;
mod quotes;

use std::fs::File;
use std::io::{BufWriter, IsTerminal, Read, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::{Instant, SystemTime};

use anyhow::{bail, Context};
use clap::Args;
use csv::{ByteRecord, ReaderBuilder, WriterBuilder};
use faceauth::token::{Durability, NewToken, TokenRule};
use faceauth::url::AuthParams;
use indicatif::{ProgressBar, ProgressStyle};

use self::pipeline::{Job, Outcome, Pipeline};

use crate::exit::UsageError;
use crate::files;
use crate::ledger_arg::Source;
use crate::ledger_store::Ledger;
use crate::output;
use crate::url_cmd::LinkArgs;

/// Exit code when the batch ran to the end but some rows failed.
const EXIT_SOME_ROWS_FAILED: u8 = crate::exit::SOME_ROWS_FAILED;
/// Write buffer size.
const BUFFER: usize = 1 << 16;

#[derive(Args)]
pub struct BatchArgs {
    #[command(flatten)]
    link: LinkArgs,
    /// Input CSV with a header line naming its columns: sid, and any of user_id, cf1, cf2, cf3,
    /// token. Other columns are copied through. `-` reads stdin.
    #[arg(long, value_name = "PATH")]
    input: PathBuf,
    /// Output CSV: the input columns, then `url` (and `token` when minting). `-` writes stdout.
    /// It must not be the input file (by any name, or stdout redirected onto it).
    #[arg(long, value_name = "PATH")]
    output: PathBuf,
    /// Mint a fresh token id for every row without one: `tok_`, the time in 10 characters,
    /// then 128 random bits (40 characters), so that the ids of one run sort together and a
    /// ledger records them at the end of its index.
    #[arg(long)]
    new_tokens: bool,
    /// Record every token that goes into a URL (minted, or from the token column) in this
    /// token ledger before its URL is written, so every URL in the output is recorded even if
    /// the job is killed: an SQLite file path, or a PostgreSQL database,
    /// postgres://USER@HOST:PORT/DB (the password from PGPASSWORD or ~/.pgpass, or in the URL).
    /// Tokens are recorded 8,192 to a transaction. A token already in the ledger fails its row.
    /// Default: FACEAUTH_LEDGER, else FACEAUTH_TOKENS_DB, used when the URLs carry tokens.
    #[arg(long, visible_alias = "db", value_name = "PATH|URL")]
    ledger: Option<PathBuf>,
    /// The project's token rule for recorded tokens: count, or time:SECONDS (also time:24h)
    /// [default: count].
    #[arg(long, value_name = "RULE", value_parser = crate::ledger_cmd::rule)]
    rule: Option<TokenRule>,
    /// How the ledger's commits reach the disk. full (the default): each chunk of tokens is
    /// on disk before its URLs are written, so even a power cut loses no token whose URL went
    /// out; normal: a crash or kill of this command still loses none, a power cut (SQLite) or
    /// a crash of the server (PostgreSQL) may lose the last commits.
    #[arg(long, value_name = "MODE", value_parser = crate::ledger_cmd::durability)]
    durability: Option<Durability>,
    /// Threads that build URLs (besides one reading the input and one writing the output)
    /// [default: the number of CPUs]. The output is the same, in the same order, for any
    /// number.
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u16).range(1..=1024))]
    jobs: Option<u16>,
    /// For benchmarks: a PostgreSQL ledger records a chunk through COPY only from this many
    /// tokens (default 256; a larger number than the chunk, 8,192, keeps the single INSERT …
    /// unnest of earlier versions).
    #[arg(long, hide = true, value_name = "TOKENS")]
    postgres_copy_from: Option<usize>,
    /// For tests: bytes the reader reads before cutting a block at its last record end
    /// (default 131,072, at most 16 MiB), so that small inputs cross many block boundaries.
    #[arg(long, hide = true, value_name = "BYTES", value_parser = clap::value_parser!(u32).range(1..=1 << 24))]
    read_block: Option<u32>,
}

/// Rows recorded in one ledger transaction (and then written out together).
const LEDGER_CHUNK: usize = 8192;

/// Tokens waiting for their ledger transaction, and the output rows waiting for them. Both
/// reuse their memory from one chunk to the next: no allocation per row.
struct Pending {
    ledger: Ledger,
    /// The chunk's tokens are `tokens[..used]`; the rest are spare, for their strings.
    tokens: Vec<NewToken>,
    used: usize,
    /// The chunk's output rows, encoded.
    encoded: Vec<u8>,
    /// Where recorded rows go.
    out: BufWriter<Box<dyn Write>>,
    /// For each row: where it ends in `encoded`, its input line and, if it carries a token,
    /// its index in `tokens`.
    rows: Vec<(usize, u64, Option<usize>)>,
}

impl Pending {
    fn new(ledger: Ledger, out: BufWriter<Box<dyn Write>>) -> Pending {
        Pending {
            ledger,
            tokens: Vec::with_capacity(LEDGER_CHUNK),
            used: 0,
            encoded: Vec::with_capacity(LEDGER_CHUNK * 256),
            out,
            rows: Vec::with_capacity(LEDGER_CHUNK),
        }
    }

    /// Queues one encoded output row, and its token (if any) to record first. The token is
    /// taken by swapping it with a spare one, which the caller reuses.
    fn push(&mut self, row: &[u8], line: u64, token: Option<&mut NewToken>) {
        let index = token.map(|token| {
            if self.used == self.tokens.len() {
                self.tokens.push(NewToken::new(String::new(), String::new(), TokenRule::Count));
            }
            std::mem::swap(&mut self.tokens[self.used], token);
            self.used += 1;
            self.used - 1
        });
        self.encoded.extend_from_slice(row);
        self.rows.push((self.encoded.len(), line, index));
    }

    fn is_full(&self) -> bool {
        self.rows.len() >= LEDGER_CHUNK
    }

    /// Records the waiting tokens in one transaction, then writes their rows. Nothing is
    /// written for a token that was not recorded: a token already in the ledger fails its
    /// row, returned as (line, message).
    fn flush(&mut self) -> anyhow::Result<Vec<(u64, String)>> {
        let tokens = &self.tokens[..self.used];
        let skipped =
            if tokens.is_empty() { Vec::new() } else { self.ledger.issue_new(tokens, SystemTime::now())? };
        let mut skipped = skipped.into_iter().peekable();
        let mut refused = Vec::new();
        let mut start = 0;
        for &(end, line, token) in &self.rows {
            let row = &self.encoded[start..end];
            start = end;
            if let Some(index) = token {
                if skipped.peek() == Some(&index) {
                    skipped.next();
                    let id = &tokens[index].token_id;
                    refused.push((
                        line,
                        format!("token {id} is already in the ledger; its URL was not written"),
                    ));
                    continue;
                }
            }
            self.out.write_all(row).context("cannot write the output")?;
        }
        self.out.flush().context("cannot write the output")?;
        self.rows.clear();
        self.encoded.clear();
        self.used = 0;
        Ok(refused)
    }
}

/// Where built rows go: straight out, or through the ledger first.
enum Sink {
    Direct(BufWriter<Box<dyn Write>>),
    Ledger(Box<Pending>),
}

/// A CSV writer into memory, set up as the output's.
fn encoder(buffer: Vec<u8>) -> csv::Writer<Vec<u8>> {
    WriterBuilder::new().flexible(true).from_writer(buffer)
}

/// The payload fields a CSV column can hold.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Field {
    Sid,
    UserId,
    Cf1,
    Cf2,
    Cf3,
    Token,
}

impl Field {
    const ALL: [Field; 6] = [Field::Sid, Field::UserId, Field::Cf1, Field::Cf2, Field::Cf3, Field::Token];

    /// Recognises a header name, ignoring case, `_` and `-` (`user_id`, `authUserId`, …).
    fn from_header(name: &[u8]) -> Option<Field> {
        let name: String = String::from_utf8_lossy(name)
            .trim()
            .chars()
            .filter(|c| !matches!(c, '_' | '-' | ' '))
            .flat_map(char::to_lowercase)
            .collect();
        Some(match name.as_str() {
            "sid" | "submissionid" => Field::Sid,
            "userid" | "authuserid" => Field::UserId,
            "cf1" | "authcf1" => Field::Cf1,
            "cf2" | "authcf2" => Field::Cf2,
            "cf3" | "authcf3" => Field::Cf3,
            "token" | "tokenid" => Field::Token,
            _ => return None,
        })
    }

    fn name(self) -> &'static str {
        match self {
            Field::Sid => "sid",
            Field::UserId => "user_id",
            Field::Cf1 => "cf1",
            Field::Cf2 => "cf2",
            Field::Cf3 => "cf3",
            Field::Token => "token",
        }
    }
}

/// Where each field sits in the input, by column index.
struct Columns {
    index: [Option<usize>; 6],
    width: usize,
}

impl Columns {
    fn from_header(header: &ByteRecord) -> anyhow::Result<Columns> {
        let mut index = [None; 6];
        for (i, name) in header.iter().enumerate() {
            if let Some(field) = Field::from_header(name) {
                let slot = &mut index[field as usize];
                if slot.is_some() {
                    bail!("the header names the {} column twice", field.name());
                }
                *slot = Some(i);
            }
        }
        if index[Field::Sid as usize].is_none() {
            bail!("the header line has no sid column (expected: sid[,user_id,cf1,cf2,cf3,token])");
        }
        Ok(Columns { index, width: header.len() })
    }

    fn of(&self, field: Field) -> Option<usize> {
        self.index[field as usize]
    }

    /// A field of `record` as text; `None` when the column is absent or the cell empty.
    #[inline]
    fn get<'r>(&self, record: &Row<'r>, field: Field) -> Result<Option<&'r str>, String> {
        let Some(i) = self.of(field) else { return Ok(None) };
        match record.text(i) {
            None | Some(Ok("")) => Ok(None),
            Some(Ok(text)) => Ok(Some(text)),
            Some(Err(())) => Err(format!("the {} column is not UTF-8", field.name())),
        }
    }
}

/// One parsed input record: its fields one after another, `gap` bytes apart (0 as the CSV
/// parser writes them; 1, a comma, when read straight from a line without quotes), and where
/// each ends.
pub struct Row<'r> {
    fields: &'r [u8],
    ends: &'r [usize],
    gap: usize,
    /// All the fields as text, when they are valid UTF-8 together (nearly always): a field is
    /// then checked by slicing it, not by reading it again.
    text: Option<&'r str>,
}

impl<'r> Row<'r> {
    fn new(fields: &'r [u8], ends: &'r [usize], gap: usize) -> Row<'r> {
        let fields = &fields[..ends.last().copied().unwrap_or(0)];
        Row { fields, ends, gap, text: std::str::from_utf8(fields).ok() }
    }

    fn len(&self) -> usize {
        self.ends.len()
    }

    #[inline]
    fn span(&self, i: usize) -> Option<std::ops::Range<usize>> {
        let end = *self.ends.get(i)?;
        let start = if i == 0 { 0 } else { self.ends[i - 1] + self.gap };
        Some(start..end)
    }

    /// The record's line as it lies in the input, when it was read straight from it (no
    /// quotes, so none of its fields needs quotes in the output either).
    fn plain(&self) -> Option<&'r [u8]> {
        (self.gap == 1).then_some(self.fields)
    }

    /// Field `i`; `None` past the last.
    fn get(&self, i: usize) -> Option<&'r [u8]> {
        self.fields.get(self.span(i)?)
    }

    /// Field `i` as text (`Err` when it is not UTF-8); `None` past the last.
    #[inline]
    fn text(&self, i: usize) -> Option<Result<&'r str, ()>> {
        let span = self.span(i)?;
        // A field that cuts a character of valid text in two is not UTF-8 on its own.
        if let Some(text) = self.text.and_then(|text| text.get(span.clone())) {
            return Some(Ok(text));
        }
        Some(std::str::from_utf8(self.fields.get(span)?).map_err(|_| ()))
    }
}

/// Counts for the closing summary.
#[derive(Default)]
struct Tally {
    rows: u64,
    failed: u64,
}

pub fn batch(args: BatchArgs) -> anyhow::Result<ExitCode> {
    let builder = args.link.builder()?;
    // --ledger, else the environment's ledger; --rule and --durability only say how to use one.
    let given = crate::ledger_arg::resolve(args.ledger.as_ref());
    if given.is_none() && (args.rule.is_some() || args.durability.is_some()) {
        return Err(UsageError(
            "--rule and --durability say how tokens are recorded: pass --ledger (or set FACEAUTH_LEDGER)"
                .to_owned(),
        )
        .into());
    }
    let rule = args.rule.unwrap_or(TokenRule::Count);
    let durability = args.durability.unwrap_or(Durability::Full);
    // Before anything is opened for writing: a same-file output would truncate the input.
    let mut location = match given {
        Some((path, source)) => Some((crate::ledger_store::location(&path)?, source)),
        None => None,
    };
    let mut writes = vec![args.output.as_path()];
    writes.extend(location.as_ref().and_then(|(location, _)| location.path()));
    files::refuse_same_file(&[args.input.as_path()], &writes)?;

    let (mut input, input_len) = open_input(&args.input)?;
    let Header { header, rest, consumed, newlines } = read_header(&mut input)?;
    if header.is_empty() {
        bail!("the input is empty: expected a header line");
    }
    let columns = Columns::from_header(&header)?;
    if !args.new_tokens && columns.of(Field::Token).is_none() {
        match location {
            Some((_, Source::Option)) => {
                return Err(UsageError(
                    "--ledger records the tokens in the URLs, but there are none: pass --new-tokens or give \
                     a token column"
                        .to_owned(),
                )
                .into())
            }
            // The environment's ledger serves the jobs that have tokens to record.
            Some((_, Source::Environment)) => location = None,
            None => {}
        }
    }
    let ledger = match location.as_ref().map(|(location, _)| location) {
        Some(location) => Some(Ledger::open_tuned(location, durability, false, args.postgres_copy_from)?),
        None => None,
    };
    let append_token = args.new_tokens && columns.of(Field::Token).is_none();

    let progress = progress_bar(input_len);
    let started = Instant::now();
    let jobs = args
        .jobs
        .map(usize::from)
        .unwrap_or_else(|| std::thread::available_parallelism().map_or(1, std::num::NonZeroUsize::get));
    let record = ledger.is_some().then_some(rule);
    let job = Job { builder, columns, new_tokens: args.new_tokens, append_token, record };
    // While a ledger chunk commits, the workers build the next one (blocks hold about a
    // thousand rows of a typical input).
    let ahead = if record.is_some() { LEDGER_CHUNK / 1024 } else { 0 };
    let block = args.read_block.map_or(pipeline::BLOCK, |bytes| bytes as usize);
    // The workers start on the rows while the output is opened: emptying a large file that
    // is there already takes milliseconds.
    let mut pipeline = Pipeline::start(input, rest, consumed, block, job, jobs, ahead, progress.clone())?;

    // With a ledger, rows wait in `Pending` for their tokens to be recorded; without, they go
    // straight out.
    let out = BufWriter::with_capacity(BUFFER, open_output(&args.output)?);
    let mut header_row = encoder(Vec::new());
    let mut out_header = header;
    out_header.push_field(b"url");
    if append_token {
        out_header.push_field(b"token");
    }
    header_row.write_byte_record(&out_header).context("cannot write the output")?;
    let header_row =
        header_row.into_inner().map_err(|e| anyhow::anyhow!("cannot write the output: {}", e.error()))?;
    let mut sink = match ledger {
        Some(ledger) => {
            let mut pending = Box::new(Pending::new(ledger, out));
            pending.push(&header_row, 1, None);
            pending.flush()?;
            Sink::Ledger(pending)
        }
        None => {
            let mut out = out;
            out.write_all(&header_row).context("cannot write the output")?;
            Sink::Direct(out)
        }
    };

    let report = |line: u64, message: &str| {
        let text = format!("faceauth: line {line}: {message}");
        match &progress {
            Some(bar) => bar.suspend(|| output::note(&text)),
            None => output::note(&text),
        }
    };
    let mut tally = Tally::default();
    // Line ends before the chunk: its rows' lines count from its start.
    let mut lines_before = newlines;
    while let Some(mut chunk) = pipeline.next_chunk()? {
        let mut start = 0;
        for outcome in &chunk.outcomes {
            tally.rows += 1;
            match *outcome {
                Outcome::Failed { line, ref message } => {
                    tally.failed += 1;
                    report(lines_before + line, message);
                }
                Outcome::Built { end, line, token } => {
                    if let Sink::Ledger(pending) = &mut sink {
                        let token = token.and_then(|i| chunk.tokens.get_mut(i));
                        pending.push(&chunk.encoded[start..end], lines_before + line, token);
                        if pending.is_full() {
                            for (line, message) in pending.flush()? {
                                tally.failed += 1;
                                report(line, &message);
                            }
                        }
                    }
                    start = end;
                }
            }
        }
        if let Sink::Direct(out) = &mut sink {
            out.write_all(&chunk.encoded).context("cannot write the output")?;
        }
        if let Some(err) = chunk.fatal.take() {
            return Err(err);
        }
        lines_before += chunk.newlines;
        pipeline.recycle(chunk);
    }
    match &mut sink {
        Sink::Ledger(pending) => {
            for (line, message) in pending.flush()? {
                tally.failed += 1;
                report(line, &message);
            }
        }
        Sink::Direct(out) => out.flush().context("cannot write the output")?,
    }
    if let Some(bar) = &progress {
        bar.finish_and_clear();
    }

    let seconds = started.elapsed().as_secs_f64();
    let written = tally.rows - tally.failed;
    output::note(format_args!(
        "faceauth: {}, {} written, {} failed ({seconds:.2}s, {:.0} rows/s)",
        output::counted(tally.rows, "row", "rows"),
        output::counted(written, "URL", "URLs"),
        tally.failed,
        tally.rows as f64 / seconds.max(1e-9)
    ));
    Ok(if tally.failed == 0 { ExitCode::SUCCESS } else { ExitCode::from(EXIT_SOME_ROWS_FAILED) })
}

/// The payload fields of one row.
fn row_params<'r>(columns: &Columns, record: &Row<'r>) -> Result<AuthParams<'r>, String> {
    let mut values = [None; 6];
    for field in Field::ALL {
        values[field as usize] = columns.get(record, field)?;
    }
    let [sid, user_id, cf1, cf2, cf3, token] = values.map(|v| v.map(Into::into));
    Ok(AuthParams { sid: sid.unwrap_or_default(), user_id, cf1, cf2, cf3, token })
}

/// The header line, and what was read past it.
struct Header {
    header: ByteRecord,
    /// Bytes read past the header line: the start of the rows.
    rest: Vec<u8>,
    /// Bytes read in all.
    consumed: u64,
    /// Line ends up to the end of the header line.
    newlines: u64,
}

/// The UTF-8 byte-order mark, which may start the input.
const BOM: &[u8] = b"\xef\xbb\xbf";

/// Reads the input up to the end of its header line (its first record).
fn read_header(input: &mut dyn Read) -> anyhow::Result<Header> {
    let mut read = Vec::new();
    let mut filled = 0;
    // Bytes searched in vain: the header can only end at a line end read since.
    let mut searched = 0;
    let end = loop {
        // The `csv` crate skips a byte-order mark: the first field starts after it, and so does
        // a quote that opens it. (A part of a mark holds no quote and no line end.)
        let bom = if read[..filled].starts_with(BOM) { BOM.len() } else { 0 };
        if memchr::memchr2(b'\n', b'\r', &read[searched..filled]).is_some() {
            if let Some(end) = quotes::first_record_end(&read[bom..filled]) {
                break bom + end;
            }
        }
        searched = filled;
        read.resize(filled + BUFFER, 0);
        match input.read(&mut read[filled..]) {
            Ok(0) => {
                if let Some(open) = quotes::unclosed_quote(&read[bom..filled]) {
                    let line = quotes::line_at(&read, bom + open);
                    bail!("line {line}: a quote opened here is never closed, so the header runs to the end of the input");
                }
                break filled;
            }
            Ok(n) => filled += n,
            Err(err) if err.kind() == std::io::ErrorKind::Interrupted => {}
            Err(err) => return Err(anyhow::Error::new(err).context("cannot read the header line")),
        }
    };
    let mut reader = ReaderBuilder::new().flexible(true).from_reader(&read[..end]);
    let header = reader.byte_headers().context("cannot read the header line")?.clone();
    Ok(Header {
        header,
        rest: read[end..filled].to_vec(),
        consumed: filled as u64,
        newlines: quotes::line_at(&read, end) - 1,
    })
}

/// The input stream and, for a regular file, its length (for the progress bar).
fn open_input(path: &Path) -> anyhow::Result<(Box<dyn Read + Send>, Option<u64>)> {
    if files::is_stdio(path) {
        // Read on the reader thread: `Stdin` (not its lock) can go there.
        return Ok((Box::new(std::io::stdin()), None));
    }
    let file = File::open(path).with_context(|| format!("cannot open {}", path.display()))?;
    let len = file.metadata().ok().filter(|m| m.is_file()).map(|m| m.len());
    Ok((Box::new(file), len))
}

fn open_output(path: &Path) -> anyhow::Result<Box<dyn Write>> {
    if files::is_stdio(path) {
        return Ok(Box::new(output::stdout()));
    }
    let file = File::create(path).with_context(|| format!("cannot create {}", path.display()))?;
    Ok(Box::new(file))
}

/// A progress bar on stderr, only when stderr is a terminal.
fn progress_bar(input_len: Option<u64>) -> Option<ProgressBar> {
    if !std::io::stderr().is_terminal() {
        return None;
    }
    let bar = match input_len {
        Some(len) => ProgressBar::new(len).with_style(
            ProgressStyle::with_template("{bar:40} {bytes}/{total_bytes} {elapsed} (eta {eta})")
                .unwrap_or_else(|_| ProgressStyle::default_bar()),
        ),
        None => ProgressBar::new_spinner(),
    };
    bar.enable_steady_tick(std::time::Duration::from_millis(200));
    Some(bar)
}
