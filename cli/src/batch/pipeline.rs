//! The batch pipeline: a reader thread cuts the input into chunks of rows, worker threads
//! build their URLs and encode their output rows, and the caller takes the chunks back in
//! input order. A fixed pool of chunks goes round (reader, a worker, the caller, back to the
//! reader), so memory stays the same whatever the input size, and a chunk's buffers are
//! reused from one trip to the next: no allocation per row.

use std::collections::BTreeMap;
use std::io::Read;
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::sync::mpsc::{sync_channel, Receiver, SyncSender};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::SystemTime;

use anyhow::{anyhow, Context};
use csv::ByteRecord;
use faceauth::crypto::NonceSource;
use faceauth::token::{NewToken, TokenGenerator, TokenRule};
use faceauth::url::UrlBuilder;
use indicatif::ProgressBar;

use super::quotes::QuoteTracker;
use super::{row_params, Columns, Field};
use crate::output;

/// Rows in one chunk: large enough that handing chunks between threads costs nothing per
/// row, small enough that the pool stays a few MiB.
const CHUNK_ROWS: usize = 1024;
/// Rows between progress updates.
const PROGRESS_EVERY: u64 = 16_384;

/// The CSV reader the pipeline reads from, past the header line.
pub type Input = csv::Reader<QuoteTracker<Box<dyn Read + Send>>>;

/// What every worker needs to turn a row into its output row.
pub struct Job {
    pub builder: UrlBuilder,
    pub columns: Columns,
    /// Mint a token for every row without one.
    pub new_tokens: bool,
    /// Mint into a `token` column appended to the output (the input has none).
    pub append_token: bool,
    /// Hand each row's token (minted or given) to the ledger, under this rule.
    pub record: Option<TokenRule>,
}

/// One input row as the reader left it.
enum Entry {
    /// Read whole; the record is in the chunk's slot of the same index.
    Row { line: u64 },
    /// Not a row that can be built: a CSV error, an unclosed quote, too many fields.
    Failed { line: u64, message: String },
}

/// One row as a worker left it.
pub enum Outcome {
    /// Built: its encoded output row ends at `end` in the chunk's encoding; `token` is its
    /// index in the chunk's tokens when it carries one to record.
    Built { end: usize, line: u64, token: Option<usize> },
    /// Failed, with the message to report at its line.
    Failed { line: u64, message: String },
}

/// A run of consecutive input rows, on its way round the pipeline.
pub struct Chunk {
    /// Its place in the input (0, 1, 2, …).
    seq: u64,
    /// Input records; slot `i` belongs to `entries[i]` (unused when that row failed).
    records: Vec<ByteRecord>,
    entries: Vec<Entry>,
    /// What became of each entry, in order.
    pub outcomes: Vec<Outcome>,
    /// The built rows, CSV-encoded one after another.
    pub encoded: Vec<u8>,
    /// The tokens to record are `tokens[..used]`; the rest keep their strings for reuse.
    pub tokens: Vec<NewToken>,
    used: usize,
    /// Reading the input failed after this chunk's rows (or a worker failed on it): the run
    /// ends with this error once the chunk's rows are out.
    pub fatal: Option<anyhow::Error>,
    /// The input ends with this chunk.
    last: bool,
}

impl Chunk {
    fn new() -> Chunk {
        Chunk {
            seq: 0,
            records: Vec::with_capacity(CHUNK_ROWS),
            entries: Vec::with_capacity(CHUNK_ROWS),
            outcomes: Vec::with_capacity(CHUNK_ROWS),
            encoded: Vec::with_capacity(CHUNK_ROWS * 256),
            tokens: Vec::new(),
            used: 0,
            fatal: None,
            last: false,
        }
    }
}

/// The running pipeline, seen from the caller: chunks come back in input order.
pub struct Pipeline {
    done: Receiver<Chunk>,
    free: SyncSender<Chunk>,
    waiting: BTreeMap<u64, Chunk>,
    next: u64,
    /// The last chunk was handed out: the input is all done.
    ended: bool,
}

impl Pipeline {
    /// Starts the reader and `jobs` workers on `input`, with room for `ahead` built rows
    /// waiting beyond those the workers hold (so that they go on while the caller is busy
    /// with that many). The threads end with the input, or when the pipeline is dropped.
    ///
    /// # Errors
    /// When a thread cannot be started.
    pub fn start(
        input: Input,
        job: Job,
        jobs: usize,
        ahead: usize,
        progress: Option<ProgressBar>,
    ) -> anyhow::Result<Pipeline> {
        // Every worker busy with one chunk and one read ahead for each, the one the caller
        // writes, and `ahead` rows more.
        let pool = 2 * jobs + 2 + ahead.div_ceil(CHUNK_ROWS);
        let (free_tx, free_rx) = sync_channel::<Chunk>(pool);
        let (work_tx, work_rx) = sync_channel::<Chunk>(pool);
        let (done_tx, done_rx) = sync_channel::<Chunk>(pool);
        for _ in 0..pool {
            // Cannot fail: the channel holds `pool` and its receiver is alive.
            free_tx.send(Chunk::new()).ok();
        }
        let width = job.columns.width;
        let reader = std::thread::Builder::new().name("batch-read".to_owned());
        reader
            .spawn(move || read(input, width, &free_rx, &work_tx, progress.as_ref()))
            .context("cannot start a thread")?;
        let job = Arc::new(job);
        let work = Arc::new(Mutex::new(work_rx));
        for _ in 0..jobs {
            let (job, work, done) = (Arc::clone(&job), Arc::clone(&work), done_tx.clone());
            let worker = std::thread::Builder::new().name("batch-build".to_owned());
            worker.spawn(move || build(&job, &work, &done)).context("cannot start a thread")?;
        }
        Ok(Pipeline { done: done_rx, free: free_tx, waiting: BTreeMap::new(), next: 0, ended: false })
    }

    /// The next chunk in input order; `None` once the input is all done.
    pub fn next_chunk(&mut self) -> anyhow::Result<Option<Chunk>> {
        loop {
            if self.ended {
                return Ok(None);
            }
            if let Some(chunk) = self.waiting.remove(&self.next) {
                self.next += 1;
                self.ended = chunk.last;
                return Ok(Some(chunk));
            }
            match self.done.recv() {
                Ok(chunk) => {
                    self.waiting.insert(chunk.seq, chunk);
                }
                // Every thread is gone before the last chunk came: never a short output.
                Err(_) => {
                    return Err(anyhow!("internal error: the batch pipeline stopped before the input ended"))
                }
            }
        }
    }

    /// Hands a written chunk back to the reader.
    pub fn recycle(&self, chunk: Chunk) {
        // The reader is gone once the input ended: the chunk is then just dropped.
        self.free.send(chunk).ok();
    }
}

/// The reader thread: fills free chunks with rows and sends them to the workers, in order.
fn read(
    mut input: Input,
    width: usize,
    free: &Receiver<Chunk>,
    work: &SyncSender<Chunk>,
    progress: Option<&ProgressBar>,
) {
    let mut rows = 0u64;
    for seq in 0.. {
        let Ok(mut chunk) = free.recv() else { return };
        chunk.seq = seq;
        chunk.entries.clear();
        chunk.fatal = None;
        chunk.last = false;
        let mut ended = false;
        while chunk.entries.len() < CHUNK_ROWS {
            let slot = chunk.entries.len();
            if chunk.records.len() == slot {
                chunk.records.push(ByteRecord::new());
            }
            let record = &mut chunk.records[slot];
            let line = input.position().line();
            match input.read_byte_record(record) {
                Ok(true) => {}
                Ok(false) => {
                    ended = true;
                    break;
                }
                Err(err) if err.is_io_error() => {
                    chunk.fatal = Some(anyhow::Error::new(err).context("cannot read the input"));
                    ended = true;
                    break;
                }
                Err(err) => {
                    chunk.entries.push(Entry::Failed { line, message: err.to_string() });
                    rows += 1;
                    continue;
                }
            }
            rows += 1;
            let line = record.position().map_or(line, |p| p.line());
            if rows % PROGRESS_EVERY == 0 {
                if let (Some(bar), Some(pos)) = (progress, record.position()) {
                    bar.set_position(pos.byte());
                }
            }
            let entry = if let Some(opened) = input.get_ref().unclosed() {
                // The record ran from the open quote to the end of the input.
                Entry::Failed {
                    line: opened,
                    message:
                        "a quote opened here is never closed; the rest of the input was read into this row"
                            .to_owned(),
                }
            } else if record.len() > width {
                let message = format!(
                    "the row has {}, the header {width}",
                    output::counted(record.len() as u64, "field", "fields")
                );
                Entry::Failed { line, message }
            } else {
                Entry::Row { line }
            };
            chunk.entries.push(entry);
        }
        chunk.last = ended;
        if work.send(chunk).is_err() || ended {
            return;
        }
    }
}

/// A worker thread: builds the chunks it takes, until the reader is done.
fn build(job: &Job, work: &Mutex<Receiver<Chunk>>, done: &SyncSender<Chunk>) {
    let mut worker = Worker {
        generator: TokenGenerator::new(),
        url: String::with_capacity(512),
        minted: String::with_capacity(48),
    };
    loop {
        // The lock is held only while waiting for the next chunk.
        let taken = work.lock().unwrap_or_else(PoisonError::into_inner).recv();
        let Ok(mut chunk) = taken else { return };
        if catch_unwind(AssertUnwindSafe(|| worker.build(job, &mut chunk))).is_err() {
            chunk.fatal = Some(anyhow!("internal error: building a chunk of rows panicked"));
        }
        if done.send(chunk).is_err() {
            return;
        }
    }
}

/// A worker's own buffers.
struct Worker {
    generator: TokenGenerator,
    url: String,
    minted: String,
}

impl Worker {
    fn build(&mut self, job: &Job, chunk: &mut Chunk) {
        let Chunk { records, entries, outcomes, encoded, tokens, used, .. } = chunk;
        outcomes.clear();
        encoded.clear();
        *used = 0;
        let columns = &job.columns;
        let token_column = columns.of(Field::Token);
        // GCM nonces and CBC IVs from the OS a block at a time, for this chunk only: a source
        // is never shared between workers, nor kept past the chunk (so never across a fork).
        let mut nonces = NonceSource::new();
        for (entry, record) in entries.iter_mut().zip(records.iter()) {
            let line = match entry {
                Entry::Row { line } => *line,
                Entry::Failed { line, message } => {
                    outcomes.push(Outcome::Failed { line: *line, message: std::mem::take(message) });
                    continue;
                }
            };
            let minted = &mut self.minted;
            minted.clear();
            let url = &mut self.url;
            let generator = &mut self.generator;
            let nonces = &mut nonces;
            let built = row_params(columns, record).and_then(|mut params| {
                if job.new_tokens && params.token.is_none() {
                    generator.next_ordered_into(SystemTime::now(), minted).map_err(|e| e.to_string())?;
                    params.token = Some(minted.as_str().into());
                }
                url.clear();
                job.builder.build_with(&params, nonces, url).map_err(|e| e.to_string())
            });
            if let Err(message) = built {
                outcomes.push(Outcome::Failed { line, message });
                continue;
            }
            let cells = (0..columns.width).map(|i| {
                let minted_here = Some(i) == token_column && !minted.is_empty();
                if minted_here {
                    minted.as_bytes()
                } else {
                    record.get(i).unwrap_or_default()
                }
            });
            let appended = job.append_token.then_some(minted.as_bytes());
            encode_record(encoded, cells.chain(Some(url.as_bytes())).chain(appended));
            let end = encoded.len();
            let token = job.record.and_then(|rule| {
                // Every token that went into the URL is recorded: minted here, or given.
                let token = if minted.is_empty() {
                    columns.get(record, Field::Token).ok().flatten()
                } else {
                    Some(minted.as_str())
                }?;
                let sid = columns.get(record, Field::Sid).ok().flatten().unwrap_or_default();
                let user_id = columns.get(record, Field::UserId).ok().flatten();
                if *used == tokens.len() {
                    tokens.push(NewToken::new(String::new(), String::new(), rule));
                }
                fill(&mut tokens[*used], token, sid, user_id, rule);
                *used += 1;
                Some(*used - 1)
            });
            outcomes.push(Outcome::Built { end, line, token });
        }
    }
}

/// Appends `cells` to `out` as one CSV record, byte for byte as the `csv` crate writes it for
/// the header line (quote style "necessary", `\n` after the record): a cell is quoted only
/// when it holds a comma, a quote, `\r` or `\n`, and its quotes are doubled. Every record has
/// at least two cells (the `sid` column and `url`), so no lone empty cell needs quotes.
fn encode_record<'c>(out: &mut Vec<u8>, cells: impl Iterator<Item = &'c [u8]>) {
    for (i, cell) in cells.enumerate() {
        if i > 0 {
            out.push(b',');
        }
        // No early exit, so that the scan vectorises: most cells hold none of these.
        let special = cell.iter().fold(false, |found, &b| found | matches!(b, b',' | b'"' | b'\r' | b'\n'));
        if !special {
            out.extend_from_slice(cell);
            continue;
        }
        out.push(b'"');
        for &b in cell {
            if b == b'"' {
                out.push(b'"');
            }
            out.push(b);
        }
        out.push(b'"');
    }
    out.push(b'\n');
}

/// Overwrites `new` in place, keeping its strings' memory.
fn fill(new: &mut NewToken, token_id: &str, sid: &str, user_id: Option<&str>, rule: TokenRule) {
    new.token_id.clear();
    new.token_id.push_str(token_id);
    new.submission_id.clear();
    new.submission_id.push_str(sid);
    new.rule = rule;
    match (user_id, &mut new.user_id) {
        (Some(id), Some(kept)) => {
            kept.clear();
            kept.push_str(id);
        }
        (id, kept) => *kept = id.map(str::to_owned),
    }
}

#[cfg(test)]
mod tests {
    use super::encode_record;

    /// The hand-written encoder writes what the `csv` crate writes, cell for cell.
    #[test]
    fn records_are_encoded_as_the_csv_crate_encodes_them() {
        let cells: [&[u8]; 12] = [
            b"plain",
            b"",
            b"a,b",
            b"say \"hi\"",
            b"\"",
            b"two\nlines",
            b"cr\rhere",
            b"crlf\r\n",
            b" spaced ",
            "caf\u{e9} \u{1f600}".as_bytes(),
            b"\xff\xfe not utf-8",
            b"https://form.example/face-auth?pid=p&encrypted=a%2Bb%3D",
        ];
        for first in cells {
            for second in cells {
                let mut ours = Vec::new();
                encode_record(&mut ours, [first, second, b"x".as_slice()].into_iter());
                let mut theirs = csv::WriterBuilder::new().flexible(true).from_writer(Vec::new());
                theirs.write_record([first, second, b"x".as_slice()]).expect("writes");
                let theirs = theirs.into_inner().expect("flushes");
                assert_eq!(ours, theirs, "{first:?} {second:?}");
            }
        }
    }
}
