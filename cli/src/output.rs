//! Standard output for every command: each write is checked, and a failure says it was stdout.
//!
//! `println!` panics when stdout is full or closed; these writers return the error instead.
//! The error keeps its [`std::io::ErrorKind`], so `main` can end quietly on a closed pipe
//! (`faceauth … | head -1`) and exit 1 with one line for anything else (a full disk).

use std::fmt::Display;
use std::io::{self, StdoutLock, Write};

/// A locked stdout whose write errors name stdout.
pub struct Stdout(StdoutLock<'static>);

/// Standard output, locked for this command.
pub fn stdout() -> Stdout {
    Stdout(io::stdout().lock())
}

/// Prints `text` and a line end, and flushes: for commands that print one result.
pub fn line(text: impl Display) -> io::Result<()> {
    let mut out = stdout();
    writeln!(out, "{text}")?;
    out.flush()
}

/// The same error kind, with a message that says what could not be written.
fn describe(err: io::Error) -> io::Error {
    io::Error::new(err.kind(), format!("cannot write to stdout: {err}"))
}

impl Write for Stdout {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        self.0.write(buf).map_err(describe)
    }

    fn write_all(&mut self, buf: &[u8]) -> io::Result<()> {
        self.0.write_all(buf).map_err(describe)
    }

    fn flush(&mut self) -> io::Result<()> {
        self.0.flush().map_err(describe)
    }
}

/// A line on stderr (progress, warnings, summaries). A closed or full stderr cannot be told
/// anything, and must not turn into a panic as `eprintln!` would: the line is dropped.
/// The line goes out in one `write` (stderr is unbuffered: `writeln!` would make one system
/// call per piece, and lines from several threads could interleave).
pub fn note(text: impl Display) {
    let mut line = text.to_string();
    line.push('\n');
    let _ = io::stderr().write_all(line.as_bytes());
}

/// `count` and the noun, singular for 1: `1 URL`, `2 URLs`, `0 rows`.
pub fn counted(count: u64, singular: &str, plural: &str) -> String {
    format!("{count} {}", if count == 1 { singular } else { plural })
}

#[cfg(test)]
mod tests {
    #[test]
    fn counts_are_singular_only_for_one() {
        assert_eq!(super::counted(1, "URL", "URLs"), "1 URL");
        assert_eq!(super::counted(0, "URL", "URLs"), "0 URLs");
        assert_eq!(super::counted(2, "row", "rows"), "2 rows");
    }
}
