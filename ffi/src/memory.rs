//! What the library hands out: strings and byte buffers, and the functions that free them.

use std::ffi::c_char;

use zeroize::Zeroize;

use crate::error::Failure;
use crate::status::faceauth_status;

/// Bytes the library returns (decrypted data, images): `len` bytes at `data`.
///
/// Ownership: the caller owns a filled buffer and frees it with faceauth_buf_free, which wipes
/// the bytes first. An empty result has `data` NULL and `len` 0.
#[repr(C)]
#[derive(Debug)]
pub struct faceauth_buf {
    /// The first byte, or NULL when `len` is 0.
    pub data: *mut u8,
    /// The number of bytes.
    pub len: usize,
}

impl faceauth_buf {
    /// Hands C an exact-size copy of `bytes`, then wipes `bytes` (shrinking it in place could
    /// free a copy of the data unwiped).
    pub(crate) fn from_vec(mut bytes: Vec<u8>) -> faceauth_buf {
        if bytes.is_empty() {
            return faceauth_buf { data: std::ptr::null_mut(), len: 0 };
        }
        let boxed: Box<[u8]> = Box::from(bytes.as_slice());
        bytes.zeroize();
        let len = boxed.len();
        faceauth_buf { data: Box::into_raw(boxed).cast::<u8>(), len }
    }
}

/// Bytes in front of every string the library returns: the allocation's capacity and how many
/// bytes of text to wipe when it is freed (two `usize`, native endian): the string's length, or 0
/// for a URL, which holds nothing secret. They let `faceauth_string_free` free a string without
/// measuring it, and let a result built in place (a URL) be handed over without a copy.
const HEADER: usize = 16;
/// The size of each header field.
const WORD: usize = std::mem::size_of::<usize>();
const _: () = assert!(2 * WORD <= HEADER);

/// A string being written for C: the header's room, then the text; [`OutString::finish`] adds
/// the NUL and hands the allocation over.
pub(crate) struct OutString(String);

impl OutString {
    /// Room for `capacity` bytes of text (it grows if needed).
    pub(crate) fn with_capacity(capacity: usize) -> OutString {
        let mut text = String::with_capacity(HEADER + capacity + 1);
        text.push_str("\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0");
        OutString(text)
    }

    /// The text so far, to append to.
    pub(crate) fn text(&mut self) -> &mut String {
        &mut self.0
    }

    /// The C string the caller frees with `faceauth_string_free`.
    ///
    /// # Errors
    /// `FACEAUTH_STATUS_NUL_IN_OUTPUT` if the text holds a NUL byte; the text is wiped then.
    pub(crate) fn finish(self, what: &str) -> Result<*mut c_char, Failure> {
        // `contains` on bytes is a memchr; the position is looked for only when there is one.
        if self.0.as_bytes()[HEADER..].contains(&0) {
            let bytes = self.0.into_bytes();
            let position = bytes[HEADER..].iter().position(|b| *b == 0).unwrap_or_default();
            wipe_vec(bytes);
            return Err(Failure::new(
                faceauth_status::NulInOutput,
                format!("{what} holds a NUL byte at offset {position}, so it cannot be a C string"),
            ));
        }
        Ok(self.hand_over(true))
    }

    /// As [`finish`](Self::finish), for a URL: it holds no NUL byte by construction (its base
    /// URL has no control character, and everything else in it is percent-encoded or checked
    /// ASCII), so none is looked for (were one there, C would only see the URL cut short), and
    /// it is ciphertext meant to be handed out, so `faceauth_string_free` does not wipe it.
    pub(crate) fn finish_url(self) -> *mut c_char {
        debug_assert!(!self.0.as_bytes()[HEADER..].contains(&0), "a NUL byte in a URL");
        self.hand_over(false)
    }

    /// Adds the NUL, fills the header, and gives up the allocation. Inlined: a call here was
    /// ~10 of the ~80 instructions a URL pays to cross the C ABI.
    #[inline(always)]
    fn hand_over(self, wipe: bool) -> *mut c_char {
        let mut bytes = self.0.into_bytes();
        let wipe_len = if wipe { bytes.len() - HEADER } else { 0 };
        bytes.push(0);
        let capacity = bytes.capacity();
        let mut bytes = std::mem::ManuallyDrop::new(bytes);
        bytes[..WORD].copy_from_slice(&capacity.to_ne_bytes());
        bytes[WORD..2 * WORD].copy_from_slice(&wipe_len.to_ne_bytes());
        // SAFETY: HEADER bytes precede the text in this allocation, so the result points inside
        // it; faceauth_string_free steps back by HEADER and rebuilds the Vec from the header.
        unsafe { bytes.as_mut_ptr().add(HEADER) }.cast::<c_char>()
    }
}

/// Overwrites `len` bytes at `ptr` with zeros, with volatile writes (a word at a time where
/// aligned) that the compiler may not remove.
///
/// # Safety
/// `ptr` is valid for writing `len` bytes.
unsafe fn wipe_raw(ptr: *mut u8, len: usize) {
    let head = ptr.align_offset(std::mem::align_of::<u64>()).min(len);
    let words = (len - head) / 8;
    // SAFETY: every write below stays within the `len` bytes the caller vouches for: `head`
    // single bytes, `words` aligned u64s after them, then the remaining bytes.
    unsafe {
        for i in 0..head {
            std::ptr::write_volatile(ptr.add(i), 0);
        }
        let aligned = ptr.add(head).cast::<u64>();
        for i in 0..words {
            std::ptr::write_volatile(aligned.add(i), 0);
        }
        for i in head + words * 8..len {
            std::ptr::write_volatile(ptr.add(i), 0);
        }
    }
    std::sync::atomic::compiler_fence(std::sync::atomic::Ordering::SeqCst);
}

/// Wipes a vector's bytes, then frees it.
fn wipe_vec(mut bytes: Vec<u8>) {
    // SAFETY: the pointer is valid for the vector's `len` initialised bytes.
    unsafe { wipe_raw(bytes.as_mut_ptr(), bytes.len()) };
}

/// Turns a result into a C string the caller frees with `faceauth_string_free`.
///
/// # Errors
/// `FACEAUTH_STATUS_NUL_IN_OUTPUT` if `text` holds a NUL byte. Either way `text` is wiped
/// (it is copied once, into an allocation with room for the header and the NUL, so no unwiped
/// copy is freed).
pub(crate) fn into_c_string(text: String, what: &str) -> Result<*mut c_char, Failure> {
    let mut out = OutString::with_capacity(text.len());
    out.text().push_str(&text);
    wipe_vec(text.into_bytes());
    out.finish(what)
}

/// Frees a string returned by this library, wiping it first when it may hold secrets (decrypted
/// data, and everything else but URLs). NULL is allowed and does nothing.
///
/// Thread safety: any thread, once no other thread uses `s`.
///
/// # Safety
/// `s` is NULL or a string this library returned, not freed before; do not use it after.
#[no_mangle]
pub unsafe extern "C" fn faceauth_string_free(s: *mut c_char) {
    ffi_boundary!(infallible(), {
        if !s.is_null() {
            // SAFETY: the caller promises s came from OutString and is freed only now: HEADER
            // bytes before it hold the allocation's capacity and how many bytes of text after
            // them to wipe (at most the text's length), and the allocation is a Vec<u8> of that
            // capacity.
            unsafe {
                let base = s.cast::<u8>().sub(HEADER);
                let mut word = [0u8; WORD];
                std::ptr::copy_nonoverlapping(base, word.as_mut_ptr(), WORD);
                let capacity = usize::from_ne_bytes(word);
                std::ptr::copy_nonoverlapping(base.add(WORD), word.as_mut_ptr(), WORD);
                let wipe_len = usize::from_ne_bytes(word);
                if wipe_len > 0 {
                    wipe_raw(s.cast::<u8>(), wipe_len);
                }
                drop(Vec::from_raw_parts(base, 0, capacity));
            }
        }
    })
}

/// Wipes and frees the bytes of a buffer this library filled, then sets `data` to NULL and `len`
/// to 0, so a second call does nothing. NULL `buf`, or a buffer with NULL `data`, is allowed.
///
/// Thread safety: any thread, once no other thread uses the buffer.
///
/// # Safety
/// `buf` is NULL or points to a faceauth_buf this library filled (or that is all zero), whose
/// `data` and `len` the caller has not changed.
#[no_mangle]
pub unsafe extern "C" fn faceauth_buf_free(buf: *mut faceauth_buf) {
    ffi_boundary!(infallible(), {
        // SAFETY: the caller promises buf is NULL or a valid, writable faceauth_buf.
        let Some(buf) = (unsafe { buf.as_mut() }) else { return };
        if !buf.data.is_null() {
            let slice = std::ptr::slice_from_raw_parts_mut(buf.data, buf.len);
            // SAFETY: data and len came from Box<[u8]>::into_raw in from_vec, unchanged, and
            // the bytes are freed only now (data is reset below).
            let mut bytes = unsafe { Box::from_raw(slice) };
            bytes.zeroize();
        }
        buf.data = std::ptr::null_mut();
        buf.len = 0;
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn buffers_round_trip_and_free_twice_safely() {
        let mut buf = faceauth_buf::from_vec(b"secret".to_vec());
        assert_eq!(buf.len, 6);
        // SAFETY: data points to len initialised bytes from from_vec.
        assert_eq!(unsafe { std::slice::from_raw_parts(buf.data, buf.len) }, b"secret");
        // SAFETY: buf was filled by from_vec; the second call sees NULL data.
        unsafe {
            faceauth_buf_free(&mut buf);
            faceauth_buf_free(&mut buf);
            faceauth_buf_free(std::ptr::null_mut());
        }
        assert!(buf.data.is_null());
        assert_eq!(buf.len, 0);
        let empty = faceauth_buf::from_vec(Vec::new());
        assert!(empty.data.is_null());
    }

    #[test]
    fn a_string_that_outgrew_its_capacity_frees_whole() {
        let mut out = OutString::with_capacity(1);
        out.text().push_str(&"é".repeat(1000));
        let text = out.finish("the text").unwrap_or(std::ptr::null_mut());
        assert!(!text.is_null());
        // SAFETY: text came from finish: NUL-terminated, freed once below.
        let back = unsafe { std::ffi::CStr::from_ptr(text) };
        assert_eq!(back.to_str().ok(), Some("é".repeat(1000).as_str()));
        // SAFETY: as above.
        unsafe { faceauth_string_free(text) };
    }

    #[test]
    fn a_string_with_a_nul_is_refused() {
        let failure = into_c_string("a\0b".to_owned(), "the plaintext").err();
        assert_eq!(failure.map(|f| f.status), Some(faceauth_status::NulInOutput));
        let text = into_c_string("ab".to_owned(), "the plaintext").unwrap_or(std::ptr::null_mut());
        assert!(!text.is_null());
        // SAFETY: text came from into_c_string.
        unsafe { faceauth_string_free(text) };
    }
}
