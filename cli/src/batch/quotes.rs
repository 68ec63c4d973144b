//! Where a quoted field opened, for reporting a quote never closed at its own line.

use std::io::Read;

/// Where a quoted field opened, as the CSV reader reads the input, so that a quote never
/// closed is reported at its own line: the CSV reader sees only a last row running to the end
/// of the input, and gives no sign of it.
pub struct QuoteTracker<R> {
    inner: R,
    state: QuoteState,
    /// The line being read (1-based).
    line: u64,
    /// The line of the quote that opened the current quoted field.
    opened: u64,
    /// Bytes read so far, to recognise a byte-order mark at the start.
    read: u64,
    eof: bool,
}

/// The states of a CSV field that matter for quotes (as the `csv` crate reads them).
#[derive(Clone, Copy, PartialEq, Eq)]
enum QuoteState {
    /// At the start of a field: a quote here opens a quoted field.
    FieldStart,
    /// In an unquoted field: quotes are literal.
    Unquoted,
    /// In a quoted field.
    Quoted,
    /// Just after a quote in a quoted field: it closed the field, or is the first of a pair.
    QuoteInQuoted,
}

impl<R: Read> QuoteTracker<R> {
    pub fn new(inner: R) -> QuoteTracker<R> {
        QuoteTracker { inner, state: QuoteState::FieldStart, line: 1, opened: 0, read: 0, eof: false }
    }

    /// The line of a quote that was never closed, once the whole input has been read.
    pub fn unclosed(&self) -> Option<u64> {
        (self.eof && self.state == QuoteState::Quoted).then_some(self.opened)
    }

    fn scan(&mut self, mut bytes: &[u8]) {
        if self.read == 0 {
            // The CSV reader skips a UTF-8 byte-order mark.
            bytes = bytes.strip_prefix(b"\xef\xbb\xbf").unwrap_or(bytes);
        }
        let newlines = |bytes: &[u8]| bytes.iter().filter(|&&b| b == b'\n').count() as u64;
        // Most chunks hold no quote at all: only their end matters then.
        if !bytes.contains(&b'"') {
            match (self.state, bytes.last()) {
                (_, None) | (QuoteState::Quoted, _) => {}
                (_, Some(b',' | b'\n' | b'\r')) => self.state = QuoteState::FieldStart,
                (_, Some(_)) => self.state = QuoteState::Unquoted,
            }
            self.line += newlines(bytes);
            return;
        }
        for &byte in bytes {
            let ends_field = matches!(byte, b',' | b'\n' | b'\r');
            self.state = match (self.state, byte) {
                (QuoteState::FieldStart, b'"') => {
                    self.opened = self.line;
                    QuoteState::Quoted
                }
                (QuoteState::Quoted, b'"') => QuoteState::QuoteInQuoted,
                (QuoteState::Quoted, _) => QuoteState::Quoted,
                (QuoteState::QuoteInQuoted, b'"') => QuoteState::Quoted,
                (_, _) if ends_field => QuoteState::FieldStart,
                (_, _) => QuoteState::Unquoted,
            };
            if byte == b'\n' {
                self.line += 1;
            }
        }
    }
}

impl<R: Read> Read for QuoteTracker<R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = self.inner.read(buf)?;
        if n == 0 && !buf.is_empty() {
            self.eof = true;
        } else {
            self.scan(&buf[..n]);
            self.read += n as u64;
        }
        Ok(n)
    }
}
