//! What the library hands out: strings and byte buffers, and the functions that free them.

use std::ffi::{c_char, CString};

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

/// Turns a result into a C string the caller frees with `faceauth_string_free`.
///
/// # Errors
/// `FACEAUTH_STATUS_NUL_IN_OUTPUT` if `text` holds a NUL byte. Either way `text` is wiped
/// (it is copied once, into an allocation with room for the NUL, so no unwiped copy is freed).
pub(crate) fn into_c_string(mut text: String, what: &str) -> Result<*mut c_char, Failure> {
    let position = text.bytes().position(|b| b == 0);
    let result = match position {
        Some(position) => Err(Failure::new(
            faceauth_status::NulInOutput,
            format!("{what} holds a NUL byte at offset {position}, so it cannot be a C string"),
        )),
        None => {
            let mut bytes = Vec::with_capacity(text.len() + 1);
            bytes.extend_from_slice(text.as_bytes());
            bytes.push(0);
            CString::from_vec_with_nul(bytes)
                .map(CString::into_raw)
                .map_err(|_| Failure::new(faceauth_status::Internal, format!("{what} cannot be a C string")))
        }
    };
    text.zeroize();
    result
}

/// Frees a string returned by this library, wiping it first (it may hold decrypted data).
/// NULL is allowed and does nothing.
///
/// Thread safety: any thread, once no other thread uses `s`.
///
/// # Safety
/// `s` is NULL or a string this library returned, not freed before, whose length (the position
/// of its NUL) the caller has not changed; do not use it after.
#[no_mangle]
pub unsafe extern "C" fn faceauth_string_free(s: *mut c_char) {
    ffi_boundary!(infallible(), {
        if !s.is_null() {
            // SAFETY: the caller promises s came from CString::into_raw here, unchanged in
            // length, and is freed only now.
            let text = unsafe { CString::from_raw(s) };
            text.into_bytes_with_nul().zeroize();
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
    fn a_string_with_a_nul_is_refused() {
        let failure = into_c_string("a\0b".to_owned(), "the plaintext").err();
        assert_eq!(failure.map(|f| f.status), Some(faceauth_status::NulInOutput));
        let text = into_c_string("ab".to_owned(), "the plaintext").unwrap_or(std::ptr::null_mut());
        assert!(!text.is_null());
        // SAFETY: text came from into_c_string.
        unsafe { faceauth_string_free(text) };
    }
}
