use std::borrow::Cow;
use std::collections::HashSet;

use super::cancel::CallOptions;
use super::client::Client;
use super::model::{AuthRecord, PageKey};
use super::ApiError;

/// The filters of a listing (GET /faceauth): a date range and a page size.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ListQuery {
    pub(crate) start_date: Option<String>,
    pub(crate) end_date: Option<String>,
    pub(crate) count: Option<u32>,
}

impl ListQuery {
    /// Every result, in pages of the server's default size (2,000).
    pub fn new() -> Self {
        ListQuery::default()
    }

    /// Only results created from `start` to `end` inclusive, both `yyyy-mm-dd`.
    pub fn dates(mut self, start: &str, end: &str) -> Self {
        self.start_date = Some(start.to_owned());
        self.end_date = Some(end.to_owned());
        self
    }

    /// Rows per page, 1 to 2,000.
    pub fn count(mut self, count: u32) -> Self {
        self.count = Some(count);
        self
    }

    /// Checks the query before anything is sent.
    ///
    /// # Errors
    /// [`ApiError::InvalidArgument`] for a malformed or impossible date, a start after the end,
    /// or a count outside 1–2,000.
    pub fn validate(&self) -> Result<(), ApiError> {
        if let (Some(start), Some(end)) = (&self.start_date, &self.end_date) {
            check_date("start date", start)?;
            check_date("end date", end)?;
            // yyyy-mm-dd sorts as text.
            if start > end {
                return Err(ApiError::invalid(format!("the start date {start} is after the end date {end}")));
            }
        }
        if let Some(count) = self.count {
            if !(1..=2000).contains(&count) {
                return Err(ApiError::invalid(format!("count must be 1 to 2000, got {count}")));
            }
        }
        Ok(())
    }
}

/// Checks a `yyyy-mm-dd` calendar date.
fn check_date(what: &str, date: &str) -> Result<(), ApiError> {
    let bad = || ApiError::invalid(format!("the {what} {:?} is not a yyyy-mm-dd date", crate::excerpt(date)));
    let b = date.as_bytes();
    let digits = |range: std::ops::Range<usize>| -> Option<u32> {
        let part = date.get(range)?;
        part.bytes().all(|c| c.is_ascii_digit()).then(|| part.parse().ok()).flatten()
    };
    if b.len() != 10 || b[4] != b'-' || b[7] != b'-' {
        return Err(bad());
    }
    let (year, month, day) =
        (digits(0..4).ok_or_else(bad)?, digits(5..7).ok_or_else(bad)?, digits(8..10).ok_or_else(bad)?);
    let leap = year % 4 == 0 && (year % 100 != 0 || year % 400 == 0);
    let days = match month {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        2 if leap => 29,
        2 => 28,
        _ => return Err(bad()),
    };
    if !(1..=days).contains(&day) {
        return Err(bad());
    }
    Ok(())
}

/// Why a listing that has ended cannot know that it returned every row.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum Incomplete {
    /// A full page came without `nextPage_key` (the older flat shape), and the page asked for
    /// after its last row repeated rows already returned: the server ignores `nextKey_id` and
    /// `nextKey_date`, so rows past the first page may be out of reach.
    PagingIgnored {
        /// The page size.
        page_size: usize,
    },
    /// A full page came without `nextPage_key`, and its last row has no `create_time` to page
    /// on from.
    NoPagingKey {
        /// The page size.
        page_size: usize,
    },
    /// The server named a next page already asked for in this listing: following it would
    /// loop (a key that repeats, or keys that alternate).
    RepeatedKey {
        /// The page (counted from 1) that named it.
        page: usize,
    },
    /// A page held no row that the listing had not already returned, yet it was not the end
    /// (it named a next page, or followed one): following on would loop.
    NoNewRows {
        /// The page (counted from 1).
        page: usize,
    },
}

impl std::fmt::Display for Incomplete {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let (page_size, why) = match self {
            Incomplete::PagingIgnored { page_size } => {
                (page_size, "the server ignored the keys of the page after it")
            }
            Incomplete::NoPagingKey { page_size } => {
                (page_size, "its last row has no create_time to page on from")
            }
            Incomplete::RepeatedKey { page } => {
                return write!(
                    f,
                    "page {page} named a next page (nextPage_key) already asked for in this \
                     listing, so the listing stopped there instead of looping; more rows may exist"
                )
            }
            Incomplete::NoNewRows { page } => {
                return write!(
                    f,
                    "page {page} held no row not already returned, yet it was not the last, so \
                     the listing stopped there instead of looping; more rows may exist"
                )
            }
        };
        write!(
            f,
            "a full page of {page_size} rows came without nextPage_key and {why}, so more rows may \
             exist; ask for bigger pages (count) or shorter date ranges, so that no page comes back full"
        )
    }
}

/// The results of a listing, fetched page by page as the iterator is consumed.
///
/// Pages follow `nextPage_key`. A full page without one (the older flat shape has none) does
/// not end the listing: the next page is asked for after its last row (`auth_id` and
/// `create_time` as `nextKey_id`/`nextKey_date`), and the listing ends at a short page.
///
/// Each row is yielded once: a row already returned in this listing is skipped. A listing
/// never loops: a next page already asked for in this listing, or a page that adds no new row
/// and is not the end, ends it, and [`Records::incomplete`] says why.
///
/// Yields `Err` once if a page fails, then ends.
///
/// It borrows its client ([`Client::list`]) or owns a clone of it ([`Client::into_list`], for a
/// listing that must outlive the client's borrow, such as a handle given to C).
#[derive(Debug)]
pub struct Records<'a> {
    client: Cow<'a, Client>,
    query: ListQuery,
    options: CallOptions,
    buffer: std::vec::IntoIter<AuthRecord>,
    next: Option<PageKey>,
    /// `next` was made from the last row of a full page without `nextPage_key`.
    guessed: bool,
    /// The ids of every row returned so far.
    seen_rows: HashSet<String>,
    /// Every page key asked for so far.
    seen_keys: HashSet<PageKey>,
    incomplete: Option<Incomplete>,
    started: bool,
    done: bool,
    pages: usize,
}

impl<'a> Records<'a> {
    pub(crate) fn new(client: Cow<'a, Client>, query: ListQuery, options: CallOptions) -> Self {
        Records {
            client,
            query,
            options,
            buffer: Vec::new().into_iter(),
            next: None,
            guessed: false,
            seen_rows: HashSet::new(),
            seen_keys: HashSet::new(),
            incomplete: None,
            started: false,
            done: false,
            pages: 0,
        }
    }

    /// How many pages have been fetched so far.
    pub fn pages(&self) -> usize {
        self.pages
    }

    /// Once the listing has ended: `Some` when it cannot know that every row was returned
    /// (the server's pages gave no way to reach the rest, or would have looped). Callers
    /// should tell their user.
    pub fn incomplete(&self) -> Option<&Incomplete> {
        self.incomplete.as_ref()
    }

    fn fetch(&mut self) -> Result<(), ApiError> {
        let after = self.next.take();
        let guessed = std::mem::take(&mut self.guessed);
        let (mut rows, next) = self.client.list_page(&self.options, &self.query, after.as_ref())?;
        self.pages += 1;
        if let Some(after) = after.clone() {
            self.seen_keys.insert(after);
        }
        let page_size = self.query.count.map_or(2000, |count| count as usize);
        let received = rows.len();
        let full = received >= page_size;
        let last_key = rows.last().map(|row| (row.auth_id.clone(), row.create_time.clone()));
        rows.retain(|row| !self.seen_rows.contains(&row.auth_id));
        if rows.is_empty() && (received > 0 || next.is_some()) {
            self.incomplete = match (guessed, full) {
                // After a guessed key, a short page of old rows is the end; a full one means the
                // keys were ignored.
                (true, false) => None,
                (true, true) => Some(Incomplete::PagingIgnored { page_size }),
                (false, _) => Some(Incomplete::NoNewRows { page: self.pages }),
            };
            self.buffer = Vec::new().into_iter();
            return Ok(());
        }
        self.next = match (next, last_key) {
            (Some(next), _) => Some(next),
            (None, Some((auth_id, create_time))) if full => match create_time {
                Some(create_time) => {
                    self.guessed = true;
                    Some(PageKey { auth_id, create_time })
                }
                None => {
                    self.incomplete = Some(Incomplete::NoPagingKey { page_size });
                    None
                }
            },
            (None, _) => None,
        };
        if self.next.as_ref().is_some_and(|next| self.seen_keys.contains(next)) {
            self.next = None;
            self.guessed = false;
            self.incomplete = Some(Incomplete::RepeatedKey { page: self.pages });
        }
        self.seen_rows.extend(rows.iter().map(|row| row.auth_id.clone()));
        self.buffer = rows.into_iter();
        Ok(())
    }
}

impl Iterator for Records<'_> {
    type Item = Result<AuthRecord, ApiError>;

    fn next(&mut self) -> Option<Self::Item> {
        loop {
            if let Some(row) = self.buffer.next() {
                return Some(Ok(row));
            }
            if self.done || (self.started && self.next.is_none()) {
                return None;
            }
            self.started = true;
            if let Err(err) = self.fetch() {
                self.done = true;
                return Some(Err(err));
            }
        }
    }
}

impl std::iter::FusedIterator for Records<'_> {}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn queries_are_checked_before_sending() {
        assert!(ListQuery::new().validate().is_ok());
        assert!(ListQuery::new().dates("2024-02-29", "2024-03-01").count(2000).validate().is_ok());
        for (start, end) in [
            ("2023-02-29", "2023-03-01"),
            ("2024-1-01", "2024-01-02"),
            ("2024-13-01", "2024-12-01"),
            ("2024-01-00", "2024-01-02"),
            ("2024-01-02", "2024-01-01"),
            ("２０２４-01-01", "2024-01-02"),
            ("", ""),
        ] {
            let err = ListQuery::new().dates(start, end).validate().expect_err(start);
            assert_eq!(err.kind(), crate::ErrorKind::InvalidArgument);
        }
        assert!(ListQuery::new().count(0).validate().is_err());
        assert!(ListQuery::new().count(2001).validate().is_err());
    }
}
