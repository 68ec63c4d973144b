//! Where records end in a block of CSV, found by jumping from quote to quote rather than
//! reading the block byte by byte, so that the reader can cut the input into blocks of whole
//! records and leave the parsing to the workers.
//!
//! The rules are the `csv` crate's (`csv_core`, default settings): a quote opens a quoted field
//! only at the start of a field (after a comma, a line end or at the start of a record;
//! elsewhere it is a plain byte), a doubled quote inside a quoted field is a quote, and a
//! record ends at `\r` or `\n` outside quotes (`\r\n` counting as one end, empty lines skipped).

use memchr::{memchr, memchr2, memrchr2};

/// Walks `block`, which starts at the start of a record, quoted field by quoted field, as the
/// `csv` crate reads it: calls `outside(start, end)` for every run of bytes outside quoted
/// fields, in order, and returns the offset of the quote that opened a field still open at
/// the end of the block, if one is.
///
/// A quote that is the block's last byte inside a quoted field is taken as closing it: the
/// run after it is then empty, so no record end is found past it either way.
fn walk(block: &[u8], mut outside: impl FnMut(usize, usize)) -> Option<usize> {
    let mut pos = 0;
    loop {
        // Outside a quoted field: the next quote that starts a field opens one.
        let mut from = pos;
        let open = loop {
            let Some(i) = memchr(b'"', &block[from..]) else {
                outside(pos, block.len());
                return None;
            };
            let quote = from + i;
            if quote == 0 || matches!(block[quote - 1], b',' | b'\r' | b'\n') {
                break quote;
            }
            from = quote + 1;
        };
        outside(pos, open);
        // Inside: up to a quote that is not one of a doubled pair.
        let mut from = open + 1;
        pos = loop {
            let Some(i) = memchr(b'"', &block[from..]) else { return Some(open) };
            let quote = from + i;
            if block.get(quote + 1) == Some(&b'"') {
                from = quote + 2;
            } else {
                break quote + 1;
            }
        };
    }
}

/// Where the last whole record of `block` ends (just past its `\r` or `\n`), `block` starting
/// at the start of a record; `None` when no record ends in it.
///
/// Only a line end that ends a record counts: the `\n` of a `\r\n` pair, and empty lines, are
/// where the next record's reading starts, as the `csv` crate numbers lines (a record's line is
/// the one its reading started on), so a block never starts past them.
pub fn last_record_end(block: &[u8]) -> Option<usize> {
    let mut found = None;
    walk(block, |start, end| {
        let mut end = end;
        while let Some(i) = memrchr2(b'\n', b'\r', &block[start..end]) {
            let at = start + i;
            if ends_record(block, at) {
                found = Some(at + 1);
                return;
            }
            end = at;
        }
    });
    found
}

/// Where the first record of `block` ends (just past its `\r` or `\n`), `block` starting at
/// the start of a record; `None` when no record ends in it.
pub fn first_record_end(block: &[u8]) -> Option<usize> {
    let mut found = None;
    walk(block, |start, end| {
        if found.is_some() {
            return;
        }
        let mut from = start;
        while let Some(i) = memchr2(b'\n', b'\r', &block[from..end]) {
            let at = from + i;
            if ends_record(block, at) {
                found = Some(at + 1);
                return;
            }
            from = at + 1;
        }
    });
    found
}

/// Whether the line end at `at`, outside quotes, ends a record: not one right after another
/// line end (or at the block's start, a record's start), which ends no record.
fn ends_record(block: &[u8], at: usize) -> bool {
    at > 0 && !matches!(block[at - 1], b'\r' | b'\n')
}

/// Where a quote that is never closed opened in `block`, the rest of the input, which starts
/// at the start of a record: the record from there runs to the end of the input.
pub fn unclosed_quote(block: &[u8]) -> Option<usize> {
    walk(block, |_, _| {})
}

/// The line `offset` is on in `block`, counting from 1 at its start.
pub fn line_at(block: &[u8], offset: usize) -> u64 {
    1 + memchr::memchr_iter(b'\n', &block[..offset]).count() as u64
}

#[cfg(test)]
mod tests {
    use super::{first_record_end, last_record_end, line_at, unclosed_quote};

    /// Where the `csv` crate ends each record of `input`, and the line it reads each on.
    fn csv_record_ends(input: &[u8]) -> Vec<(usize, u64)> {
        let mut reader = csv::ReaderBuilder::new().has_headers(false).flexible(true).from_reader(input);
        let mut record = csv::ByteRecord::new();
        let mut ends = Vec::new();
        while reader.read_byte_record(&mut record).expect("reads") {
            let line = record.position().expect("a position").line();
            ends.push((reader.position().byte() as usize, line));
        }
        ends
    }

    /// Whether the `csv` crate's record ending at `end` is whole there: it ends before the
    /// input does, or another record follows it once the input goes on.
    fn whole_at(input: &[u8], end: usize) -> bool {
        end < input.len() || {
            let mut more = input.to_vec();
            more.extend_from_slice(b"z");
            csv_record_ends(&more).len() > csv_record_ends(input).len()
        }
    }

    const INPUTS: [&[u8]; 14] = [
        b"a,b\nc,d\n",
        b"a,b\r\nc,d\r\ne\r\n",
        b"a\rb\rc",
        b"a,\"x\ny\",b\nc\n",
        b"a,\"x\"\"\ny\"\"\",b\nc\n",
        b"a,\"\"\"\"\nb,\"\"\nc\n",
        b"a,b\"c\nd,\"e\n\"\n",
        b"\"a\"b\"c\nd\n",
        b"\n\na\n\n\nb\r\n\r\nc",
        b"a,\"never closed\nb\nc\n",
        b"a,\n,\n,,\n\"\"\n",
        b"x,\"a\rb\",\"\r\n\"\r\ny",
        b"\"\",\"\"\"\",\"\n\"\"\n\"\n",
        b"one record without a line end",
    ];

    /// Every cut falls where the `csv` crate ends a record: each prefix of each input is
    /// cut at its last record end as the crate reads the whole input (or not at all).
    #[test]
    fn cuts_fall_where_the_csv_crate_ends_records() {
        for input in INPUTS {
            let ends = csv_record_ends(input);
            for len in 0..=input.len() {
                let prefix = &input[..len];
                let cut = last_record_end(prefix);
                // The crate's last record end within the prefix, whose record is whole there
                // (the final record of an input without a line end ends only with the input).
                let expected = ends
                    .iter()
                    .map(|&(end, _)| end)
                    .filter(|&end| end <= len && end > 0)
                    .rfind(|&end| whole_at(input, end));
                assert_eq!(cut, expected, "{:?} cut at {len}", String::from_utf8_lossy(prefix));
            }
        }
    }

    /// Reading from a cut on gives the records, on the lines, that reading the whole gives:
    /// a record's line there, plus the line ends before the cut.
    #[test]
    fn reading_from_a_cut_numbers_lines_as_reading_the_whole() {
        for input in INPUTS {
            let whole = csv_record_ends(input);
            for len in 0..=input.len() {
                let Some(cut) = last_record_end(&input[..len]) else { continue };
                let before = line_at(input, cut) - 1;
                let rest: Vec<(usize, u64)> = csv_record_ends(&input[cut..])
                    .iter()
                    .map(|&(end, line)| (cut + end, before + line))
                    .collect();
                let expected: Vec<(usize, u64)> =
                    whole.iter().copied().filter(|&(end, _)| end > cut).collect();
                assert_eq!(rest, expected, "{:?} from {cut}", String::from_utf8_lossy(input));
            }
        }
    }

    #[test]
    fn the_first_cut_is_where_the_csv_crate_ends_the_first_record() {
        for input in INPUTS {
            let ends = csv_record_ends(input);
            let expected = ends.first().map(|&(end, _)| end).filter(|&end| whole_at(input, end));
            assert_eq!(first_record_end(input), expected, "{:?}", String::from_utf8_lossy(input));
        }
    }

    #[test]
    fn a_quote_never_closed_is_found_where_it_opened() {
        assert_eq!(unclosed_quote(b"a,\"never closed\nb\nc\n"), Some(2));
        assert_eq!(unclosed_quote(b"a,\"closed\nb\"\nc\n"), None);
        // Doubled quotes stay inside; a quote inside an unquoted field opens nothing.
        assert_eq!(unclosed_quote(b"a,\"x\"\"\nb"), Some(2));
        assert_eq!(unclosed_quote(b"a,b\"c\nd"), None);
        assert_eq!(unclosed_quote(b"\"a\"b\"c\nd"), None);
        assert_eq!(unclosed_quote(b"a,\"b\"\n\"c"), Some(6));
        assert_eq!(line_at(b"a\nb\n\"c", 4), 3);
    }
}
