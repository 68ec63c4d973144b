//! The batch pipeline: a reader thread cuts the input into blocks of whole CSV records (it
//! only reads, and finds the last record end of each block by jumping from quote to quote),
//! worker threads parse their blocks, build the URLs and encode the output rows, and the
//! caller takes the chunks back in input order. A fixed pool of chunks goes round (reader, a
//! worker, the caller, back to the reader), so memory stays the same whatever the input size,
//! and a chunk's buffers are reused from one trip to the next: no allocation per row.

use std::collections::BTreeMap;
use std::io::Read;
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::sync::mpsc::{sync_channel, Receiver, SyncSender};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::SystemTime;

use anyhow::{anyhow, Context};
use csv_core::ReadRecordResult;
use faceauth::crypto::NonceSource;
use faceauth::token::{NewToken, TokenGenerator, TokenRule};
use faceauth::url::UrlBuilder;
use indicatif::ProgressBar;
use memchr::{memchr, memchr2, memchr3};

use super::quotes;
use super::{row_params, Columns, Field, Row};
use crate::output;

/// Bytes of input the reader reads into a block before cutting it at its last record end
/// (a record longer than that grows the block): large enough that handing blocks between
/// threads costs nothing per row, small enough that the pool stays a few MiB.
pub const BLOCK: usize = 128 * 1024;

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

/// One row as a worker left it.
pub enum Outcome {
    /// Built: its encoded output row ends at `end` in the chunk's encoding; `token` is its
    /// index in the chunk's tokens when it carries one to record. `line` counts from the
    /// chunk's first line (1): add the chunk's `lines_before`.
    Built { end: usize, line: u64, token: Option<usize> },
    /// Failed, with the message to report at its line (counted as in `Built`).
    Failed { line: u64, message: String },
}

/// A block of consecutive input records, on its way round the pipeline.
pub struct Chunk {
    /// Its place in the input (0, 1, 2, …).
    seq: u64,
    /// The block is `input[..len]`, whole records (the rest of the input when `last`); the
    /// vector keeps its length, so that reading into it never clears memory again.
    input: Vec<u8>,
    len: usize,
    /// Line ends in the block, for the lines of the chunks after it.
    pub newlines: u64,
    /// What became of each record, in order.
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
            // Zeroed by the kernel, page by page as it is first written.
            input: vec![0; BLOCK],
            len: 0,
            newlines: 0,
            outcomes: Vec::new(),
            encoded: Vec::new(),
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
    /// Starts the reader and `jobs` workers on `input`, whose first bytes, `carry`, were read
    /// already (`consumed` bytes before them, for the progress bar), with room for `ahead`
    /// built chunks waiting beyond those the workers hold (so that they go on while the caller
    /// is busy with that many). Blocks are cut at the last record end after `block` bytes.
    /// The threads end with the input, or when the pipeline is dropped.
    ///
    /// # Errors
    /// When a thread cannot be started.
    #[allow(clippy::too_many_arguments)]
    pub fn start(
        input: Box<dyn Read + Send>,
        carry: Vec<u8>,
        consumed: u64,
        block: usize,
        job: Job,
        jobs: usize,
        ahead: usize,
        progress: Option<ProgressBar>,
    ) -> anyhow::Result<Pipeline> {
        // Every worker busy with one chunk and one read ahead for each, the one the caller
        // writes, and `ahead` more.
        let pool = 2 * jobs + 2 + ahead;
        let (free_tx, free_rx) = sync_channel::<Chunk>(pool);
        let (work_tx, work_rx) = sync_channel::<Chunk>(pool);
        let (done_tx, done_rx) = sync_channel::<Chunk>(pool);
        for _ in 0..pool {
            // Cannot fail: the channel holds `pool` and its receiver is alive.
            free_tx.send(Chunk::new()).ok();
        }
        let reader = std::thread::Builder::new().name("batch-read".to_owned());
        let blocks = Blocks { input, carry, consumed, block, ended: false };
        reader
            .spawn(move || read(blocks, &free_rx, &work_tx, progress.as_ref()))
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

/// The input as the reader thread reads it.
struct Blocks {
    input: Box<dyn Read + Send>,
    /// Read, not yet in a chunk: the start of the next block.
    carry: Vec<u8>,
    /// Bytes read so far, for the progress bar.
    consumed: u64,
    /// Bytes to read before looking for the block's end.
    block: usize,
    /// The input has ended.
    ended: bool,
}

impl Blocks {
    /// Reads into `chunk` until it holds `want` bytes or more, or the input ends (then
    /// `true`), or a read returns less than asked for (a pipe whose writer is slower than us:
    /// what is there goes on rather than waiting for more).
    fn fill(&mut self, chunk: &mut Chunk, want: usize) -> std::io::Result<bool> {
        if chunk.input.len() < want {
            chunk.input.resize(want, 0);
        }
        while chunk.len < want && !self.ended {
            match self.input.read(&mut chunk.input[chunk.len..want]) {
                Ok(0) => self.ended = true,
                Ok(n) => {
                    chunk.len += n;
                    self.consumed += n as u64;
                    if chunk.len < want {
                        return Ok(false);
                    }
                }
                Err(err) if err.kind() == std::io::ErrorKind::Interrupted => {}
                Err(err) => return Err(err),
            }
        }
        Ok(self.ended)
    }

    /// Fills `chunk` with the next block of whole records (or the rest of the input): `true`
    /// when the input ends with it.
    fn next(&mut self, chunk: &mut Chunk) -> anyhow::Result<bool> {
        if chunk.input.len() < self.carry.len() {
            chunk.input.resize(self.carry.len(), 0);
        }
        chunk.input[..self.carry.len()].copy_from_slice(&self.carry);
        chunk.len = self.carry.len();
        self.carry.clear();
        let mut want = self.block.max(1);
        // Bytes searched for a record end in vain: a record can only end at a line end read
        // since (a long record through a pipe would otherwise be searched again at every read).
        let mut searched = 0;
        loop {
            let filled = self.fill(chunk, want);
            let ended = match filled {
                Ok(ended) => ended,
                Err(err) => {
                    // The whole records read are still built; the run ends after them.
                    let cut = quotes::last_record_end(&chunk.input[..chunk.len]).unwrap_or(0);
                    chunk.len = cut;
                    return Err(anyhow::Error::new(err).context("cannot read the input"));
                }
            };
            // What was carried over may be longer than a block: a block is cut within its
            // first `want` bytes.
            let end = chunk.len.min(want);
            if ended && end == chunk.len {
                return Ok(true);
            }
            if memchr2(b'\n', b'\r', &chunk.input[searched.min(end)..end]).is_some() {
                if let Some(cut) = quotes::last_record_end(&chunk.input[..end]) {
                    self.carry.extend_from_slice(&chunk.input[cut..chunk.len]);
                    chunk.len = cut;
                    return Ok(false);
                }
            }
            searched = end;
            // No record ends yet: a longer one (or a slow pipe), read on.
            want =
                if chunk.len > want { want.saturating_mul(2) } else { want.max(chunk.len.saturating_mul(2)) };
        }
    }
}

/// The reader thread: fills free chunks with blocks of records and sends them to the workers,
/// in order.
fn read(
    mut blocks: Blocks,
    free: &Receiver<Chunk>,
    work: &SyncSender<Chunk>,
    progress: Option<&ProgressBar>,
) {
    for seq in 0.. {
        let Ok(mut chunk) = free.recv() else { return };
        chunk.seq = seq;
        chunk.fatal = None;
        let ended = match blocks.next(&mut chunk) {
            Ok(ended) => ended,
            Err(err) => {
                chunk.fatal = Some(err);
                true
            }
        };
        chunk.last = ended;
        if let Some(bar) = progress {
            bar.set_position(blocks.consumed);
        }
        if work.send(chunk).is_err() || ended {
            return;
        }
    }
}

/// A worker thread: builds the chunks it takes, until the reader is done.
fn build(job: &Job, work: &Mutex<Receiver<Chunk>>, done: &SyncSender<Chunk>) {
    let mut worker = Worker {
        parser: Parser::new(),
        generator: TokenGenerator::new(),
        scratch: Vec::new(),
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

/// A CSV parser that reads records as the `csv` crate does (default settings), and the
/// buffers for one record, reused from record to record. A record without quotes, nearly
/// all, is split at its commas where it lies; one with quotes goes through the crate's own
/// parser, `csv_core`.
struct Parser {
    core: csv_core::Reader,
    fields: Vec<u8>,
    ends: Vec<usize>,
    /// Where each field of a record without quotes ends in its line.
    commas: Vec<usize>,
}

impl Parser {
    fn new() -> Parser {
        Parser { core: csv_core::Reader::new(), fields: vec![0; 1024], ends: vec![0; 32], commas: Vec::new() }
    }

    /// Reads the next record from `rest`, the rest of a block of whole records or of the
    /// input, with the line it is numbered by (where its reading started, as the `csv` crate
    /// numbers it: empty lines before a record, and the `\n` of a `\r\n` ending the record
    /// before, are read with it); `line` is the line reading is at. `None` once there is none.
    fn next<'a, 'b: 'a>(&'a mut self, rest: &mut &'b [u8], line: &mut u64) -> Option<(u64, Row<'a>)> {
        let at = *line;
        let empty = rest.iter().take_while(|&&b| matches!(b, b'\r' | b'\n')).count();
        let body = &rest[empty..];
        // One pass over the line (most are short: a call per comma would cost more): its
        // commas, its end, and whether it has a quote.
        self.commas.clear();
        let Some(end) = scan_line(body, &mut self.commas) else { return self.quoted(rest, line) };
        *line += rest[..empty].iter().filter(|&&b| b == b'\n').count() as u64;
        if body.is_empty() {
            *rest = body;
            return None;
        }
        // The line end is read with the record (a `\n` after a `\r`, with the next).
        let ended = end < body.len();
        *line += u64::from(ended && body[end] == b'\n');
        *rest = &body[end + usize::from(ended)..];
        self.commas.push(end);
        Some((at, Row::new(&body[..end], &self.commas, 1)))
    }

    /// [`Parser::next`] for a record with quotes, through `csv_core`.
    fn quoted<'a>(&'a mut self, rest: &mut &[u8], line: &mut u64) -> Option<(u64, Row<'a>)> {
        let at = *line;
        self.core.reset();
        self.core.set_line(at);
        let (mut out, mut ends) = (0, 0);
        loop {
            let (result, read, wrote, ended) =
                self.core.read_record(rest, &mut self.fields[out..], &mut self.ends[ends..]);
            *rest = &rest[read..];
            out += wrote;
            ends += ended;
            match result {
                // `rest` is empty: the next call, given nothing, ends the last record.
                ReadRecordResult::InputEmpty => {}
                ReadRecordResult::OutputFull => {
                    let len = self.fields.len() * 2;
                    self.fields.resize(len, 0);
                }
                ReadRecordResult::OutputEndsFull => {
                    let len = self.ends.len() * 2;
                    self.ends.resize(len, 0);
                }
                ReadRecordResult::Record => {
                    *line = self.core.line();
                    return Some((at, Row::new(&self.fields, &self.ends[..ends], 0)));
                }
                ReadRecordResult::End => {
                    *line = self.core.line();
                    return None;
                }
            }
        }
    }
}

/// Scans `body` up to its first line end (`\r` or `\n`), eight bytes at a time, pushing
/// the offset of each comma to `commas`: the line end's offset (`body.len()` without one), or
/// `None` at a quote.
fn scan_line(body: &[u8], commas: &mut Vec<usize>) -> Option<usize> {
    const LOW: u64 = 0x7f7f_7f7f_7f7f_7f7f;
    const HIGH: u64 = 0x8080_8080_8080_8080;
    const fn splat(byte: u8) -> u64 {
        0x0101_0101_0101_0101 * byte as u64
    }
    // The high bit of each byte of `x` is set when the byte is not zero (no carry crosses a
    // byte: 0x7f + 0x7f < 0x100).
    fn nonzero(x: u64) -> u64 {
        ((x & LOW) + LOW) | x
    }
    let mut found = |at: usize, byte: u8| -> Option<Option<usize>> {
        match byte {
            b',' => {
                commas.push(at);
                None
            }
            b'"' => Some(None),
            _ => Some(Some(at)),
        }
    };
    let mut words = body.chunks_exact(8);
    let mut base = 0;
    for word in words.by_ref() {
        let mut bytes = [0; 8];
        bytes.copy_from_slice(word);
        let x = u64::from_le_bytes(bytes);
        let plain = nonzero(x ^ splat(b','))
            & nonzero(x ^ splat(b'"'))
            & nonzero(x ^ splat(b'\r'))
            & nonzero(x ^ splat(b'\n'));
        // One high bit per comma, quote or line end, the first byte lowest.
        let mut special = !plain & HIGH;
        while special != 0 {
            let i = (special.trailing_zeros() / 8) as usize;
            if let Some(end) = found(base + i, word[i]) {
                return end;
            }
            special &= special - 1;
        }
        base += 8;
    }
    for (i, &byte) in words.remainder().iter().enumerate() {
        if matches!(byte, b',' | b'"' | b'\r' | b'\n') {
            if let Some(end) = found(base + i, byte) {
                return end;
            }
        }
    }
    Some(body.len())
}

/// A worker's own buffers.
struct Worker {
    parser: Parser,
    generator: TokenGenerator,
    /// A URL on its way to being quoted.
    scratch: Vec<u8>,
    minted: String,
}

impl Worker {
    fn build(&mut self, job: &Job, chunk: &mut Chunk) {
        let Chunk { input, len, newlines, outcomes, encoded, tokens, used, fatal, last, .. } = chunk;
        outcomes.clear();
        encoded.clear();
        *used = 0;
        let block = &input[..*len];
        // At the end of the input, a quote never closed: the record it opened in ran to the
        // end, and fails.
        let unclosed = if *last && fatal.is_none() { quotes::unclosed_quote(block) } else { None };
        let columns = &job.columns;
        let width = columns.width;
        let token_column = columns.of(Field::Token);
        // GCM nonces and CBC IVs from the OS a block at a time, for this chunk only: a source
        // is never shared between workers, nor kept past the chunk (so never across a fork).
        let mut nonces = NonceSource::new();
        // The ciphertext in a URL is percent-encoded: only a base URL with a comma or a
        // quote in it makes URLs that need quotes.
        let (prefix, suffix) = job.builder.fixed_parts();
        let quote_urls = needs_quotes(prefix.as_bytes()) || needs_quotes(suffix.as_bytes());
        let Worker { parser, generator, scratch, minted } = self;
        let mut rest = block;
        let mut at = 1;
        loop {
            let start = block.len() - rest.len();
            let Some((line, record)) = parser.next(&mut rest, &mut at) else { break };
            let end = block.len() - rest.len();
            if let Some(open) = unclosed.filter(|&open| start <= open && open < end) {
                outcomes.push(Outcome::Failed {
                    line: quotes::line_at(block, open),
                    message:
                        "a quote opened here is never closed; the rest of the input was read into this row"
                            .to_owned(),
                });
                continue;
            }
            if record.len() > width {
                let message = format!(
                    "the row has {}, the header {width}",
                    output::counted(record.len() as u64, "field", "fields")
                );
                outcomes.push(Outcome::Failed { line, message });
                continue;
            }
            minted.clear();
            let mut params = match row_params(columns, &record) {
                Ok(params) => params,
                Err(message) => {
                    outcomes.push(Outcome::Failed { line, message });
                    continue;
                }
            };
            if job.new_tokens && params.token.is_none() {
                if let Err(err) = generator.next_ordered_into(SystemTime::now(), minted) {
                    outcomes.push(Outcome::Failed { line, message: err.to_string() });
                    continue;
                }
                params.token = Some(minted.as_str().into());
            }
            // The row's cells, then its URL built straight into the output after them.
            let start = encoded.len();
            let minted_in_column = token_column.is_some() && !minted.is_empty();
            match record.plain() {
                // A line without quotes is its cells as they are written: copied whole, and
                // the missing cells after it empty.
                Some(line) if !minted_in_column => {
                    encoded.extend_from_slice(line);
                    encoded.resize(encoded.len() + (width - record.len()), b',');
                }
                _ => {
                    let cells = (0..width).map(|i| {
                        let minted_here = Some(i) == token_column && !minted.is_empty();
                        if minted_here {
                            minted.as_bytes()
                        } else {
                            record.get(i).unwrap_or_default()
                        }
                    });
                    encode_cells(encoded, cells);
                }
            }
            encoded.push(b',');
            let url = encoded.len();
            if let Err(err) = job.builder.build_bytes_with(&params, &mut nonces, encoded) {
                encoded.truncate(start);
                outcomes.push(Outcome::Failed { line, message: err.to_string() });
                continue;
            }
            if quote_urls && needs_quotes(&encoded[url..]) {
                scratch.clear();
                scratch.extend_from_slice(&encoded[url..]);
                encoded.truncate(url);
                encode_cells(encoded, std::iter::once(scratch.as_slice()));
            }
            if job.append_token {
                encoded.push(b',');
                encode_cells(encoded, std::iter::once(minted.as_bytes()));
            }
            encoded.push(b'\n');
            let end = encoded.len();
            let token = job.record.and_then(|rule| {
                // Every token that went into the URL is recorded: minted here, or given.
                let token = if minted.is_empty() {
                    columns.get(&record, Field::Token).ok().flatten()
                } else {
                    Some(minted.as_str())
                }?;
                let sid = columns.get(&record, Field::Sid).ok().flatten().unwrap_or_default();
                let user_id = columns.get(&record, Field::UserId).ok().flatten();
                if *used == tokens.len() {
                    tokens.push(NewToken::new(String::new(), String::new(), rule));
                }
                fill(&mut tokens[*used], token, sid, user_id, rule);
                *used += 1;
                Some(*used - 1)
            });
            outcomes.push(Outcome::Built { end, line, token });
        }
        *newlines = at - 1;
    }
}

/// Appends `cells` to `out`, comma-separated, byte for byte as the `csv` crate writes them
/// (quote style "necessary"): a cell is quoted only when it holds a comma, a quote, `\r` or
/// `\n`, and its quotes are doubled. Every record has at least two cells (the `sid` column and
/// `url`), so no lone empty cell needs quotes.
fn encode_cells<'c>(out: &mut Vec<u8>, cells: impl Iterator<Item = &'c [u8]>) {
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
}

/// Whether a long cell (a URL) holds a byte that `encode_cells` quotes.
fn needs_quotes(cell: &[u8]) -> bool {
    memchr3(b',', b'"', b'\n', cell).is_some() || memchr(b'\r', cell).is_some()
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
    use super::{encode_cells, needs_quotes, scan_line, Parser};

    /// The word-at-a-time scan finds what a byte-at-a-time one finds, wherever in a word the
    /// bytes fall.
    #[test]
    fn lines_are_scanned_as_byte_by_byte() {
        let bytes = [b'a', b',', b'"', b'\r', b'\n', 0x80, 0xff, 0x00, 0x2b, 0x0d ^ 0x80];
        let mut state = 0x2545_f491_4f6c_dd1d_u64;
        for len in 0..40 {
            for _ in 0..200 {
                let line: Vec<u8> = (0..len)
                    .map(|_| {
                        state ^= state << 13;
                        state ^= state >> 7;
                        state ^= state << 17;
                        // Mostly plain bytes, so that lines run long.
                        if state % 4 == 0 {
                            bytes[(state >> 8) as usize % bytes.len()]
                        } else {
                            b'x'
                        }
                    })
                    .collect();
                let mut expected_commas = Vec::new();
                let mut expected = Some(line.len());
                for (i, &b) in line.iter().enumerate() {
                    match b {
                        b',' => expected_commas.push(i),
                        b'"' => {
                            expected = None;
                            break;
                        }
                        b'\r' | b'\n' => {
                            expected = Some(i);
                            break;
                        }
                        _ => {}
                    }
                }
                let mut commas = Vec::new();
                let end = scan_line(&line, &mut commas);
                assert_eq!(end, expected, "{line:?}");
                if end.is_some() {
                    assert_eq!(commas, expected_commas, "{line:?}");
                }
            }
        }
    }

    /// The parser reads the records the `csv` crate reads, field for field, on the lines it
    /// numbers them by, and counts the same line ends.
    #[test]
    fn records_are_read_as_the_csv_crate_reads_them() {
        let inputs: [&[u8]; 12] = [
            b"a,b\nc,d\n",
            b"a,b\r\nc,,d\r\ne\r\n",
            b"a\rb\r\rc",
            b"\n\na,\"x\ny\",b\n\n\nc\r\n\r\n,\n",
            b"a,\"x\"\"\ny\"\"\",b\nc\n",
            b"a,b\"c\nd,\"e\n\"\n\"a\"b\"c,\"\"\n",
            b"a,\"never closed\nb\nc\n",
            b"x,\"a\rb\",\"\r\n\"\r\ny",
            b"caf\xc3\xa9,\xff\xfe,\"\xc3\",\xa9\n",
            b",,,\n,\n",
            b"one record without a line end",
            b"",
        ];
        for input in inputs {
            let mut reader = csv::ReaderBuilder::new().has_headers(false).flexible(true).from_reader(input);
            let mut expected = Vec::new();
            let mut record = csv::ByteRecord::new();
            while reader.read_byte_record(&mut record).expect("reads") {
                let fields: Vec<Vec<u8>> = record.iter().map(<[u8]>::to_vec).collect();
                expected.push((record.position().expect("a position").line(), fields));
            }
            let mut parser = Parser::new();
            let (mut rest, mut line) = (input, 1);
            let mut read = Vec::new();
            while let Some((at, row)) = parser.next(&mut rest, &mut line) {
                let fields: Vec<Vec<u8>> =
                    (0..row.len()).map(|i| row.get(i).expect("a field").to_vec()).collect();
                read.push((at, fields));
            }
            assert_eq!(read, expected, "{:?}", String::from_utf8_lossy(input));
            let newlines = input.iter().filter(|&&b| b == b'\n').count() as u64;
            assert_eq!(line - 1, newlines, "{:?}", String::from_utf8_lossy(input));
        }
    }

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
        for cell in cells {
            let special = cell.iter().any(|b| matches!(b, b',' | b'"' | b'\r' | b'\n'));
            assert_eq!(needs_quotes(cell), special, "{cell:?}");
        }
        for first in cells {
            for second in cells {
                let mut ours = Vec::new();
                encode_cells(&mut ours, [first, second, b"x".as_slice()].into_iter());
                ours.push(b'\n');
                let mut theirs = csv::WriterBuilder::new().flexible(true).from_writer(Vec::new());
                theirs.write_record([first, second, b"x".as_slice()]).expect("writes");
                let theirs = theirs.into_inner().expect("flushes");
                assert_eq!(ours, theirs, "{first:?} {second:?}");
            }
        }
    }
}
