//! Typed results of the REST API: `faceauth_auth_result` (a submission's answer) and
//! `faceauth_auth_record` (a row of GET /faceauth), with accessors for what a program branches
//! on, beside the JSON the other calls return.

use std::ffi::{c_char, CString};
use std::sync::OnceLock;

use faceauth::api::{AuthRecord, AuthResult, AuthStatus, FailCode};

use crate::boundary::{free_handle, handle, handle_mut, into_handle, out, text};
use crate::call::faceauth_call_options;
use crate::client::{faceauth_client, faceauth_records};
use crate::error::{faceauth_error, Failure};
use crate::status::faceauth_status;

/// The status of a FaceAuth result (`auth_status`), as a C enum. The values are stable; a
/// status this version does not know is FACEAUTH_AUTH_STATUS_UNKNOWN (read the text with the
/// `_status_str` accessor), so a `switch` over it needs a `default`.
#[repr(C)]
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum faceauth_auth_status {
    /// A status this version does not know (or no handle): see the `_status_str` accessors.
    Unknown = 0,
    /// `approved`: the face matched.
    Approved = 1,
    /// `rejected`: the face did not match, or a check failed (see the fail codes).
    Rejected = 2,
}

impl From<&AuthStatus> for faceauth_auth_status {
    fn from(status: &AuthStatus) -> faceauth_auth_status {
        match status {
            AuthStatus::Approved => faceauth_auth_status::Approved,
            AuthStatus::Rejected => faceauth_auth_status::Rejected,
            AuthStatus::Other(_) => faceauth_auth_status::Unknown,
        }
    }
}

/// A fail code of a rejected result (`fail_code`), as a C enum. The values are stable; a code
/// this version does not know is FACEAUTH_FAIL_CODE_UNKNOWN (read it as sent with
/// faceauth_auth_result_fail_code_str), so a `switch` over it needs a `default`.
#[repr(C)]
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum faceauth_fail_code {
    /// A code this version does not know (or no such code): see faceauth_auth_result_fail_code_str.
    Unknown = 0,
    /// `face_compare_underscore`: the similarity is under the project's threshold.
    FaceCompare = 1,
    /// `Face_Occluded_fail`: the face is occluded.
    FaceOccluded = 2,
    /// `Face_cover_fail`: face protection gear is missing.
    FaceCover = 3,
    /// `Head_cover_fail`: head protection gear is missing.
    HeadCover = 4,
}

impl From<&FailCode> for faceauth_fail_code {
    fn from(code: &FailCode) -> faceauth_fail_code {
        match code {
            FailCode::FaceCompare => faceauth_fail_code::FaceCompare,
            FailCode::FaceOccluded => faceauth_fail_code::FaceOccluded,
            FailCode::FaceCover => faceauth_fail_code::FaceCover,
            FailCode::HeadCover => faceauth_fail_code::HeadCover,
            FailCode::Other(_) => faceauth_fail_code::Unknown,
        }
    }
}

/// A string for C to borrow from a handle.
///
/// # Errors
/// `FACEAUTH_STATUS_NUL_IN_OUTPUT` when it holds a NUL byte (no C string can carry it).
pub(crate) fn c_string(text: &str, what: &str) -> Result<CString, Failure> {
    CString::new(text).map_err(|e| {
        Failure::new(
            faceauth_status::NulInOutput,
            format!("{what} holds a NUL byte at offset {}, so it cannot be a C string", e.nul_position()),
        )
    })
}

/// As [`c_string`], for an optional value.
pub(crate) fn optional_c_string(text: Option<&str>, what: &str) -> Result<Option<CString>, Failure> {
    text.map(|text| c_string(text, what)).transpose()
}

/// The pointer of an optional borrowed string: NULL for None.
pub(crate) fn ptr(text: Option<&CString>) -> *const c_char {
    text.map_or(std::ptr::null(), |text| text.as_ptr())
}

/// The JSON text of a handle, made on first use and kept for the handle's life.
pub(crate) fn lazy_json(cell: &OnceLock<CString>, json: impl FnOnce() -> serde_json::Value) -> *const c_char {
    // serde_json escapes a NUL in a string as \u0000, so the text never holds one.
    cell.get_or_init(|| CString::new(json().to_string()).unwrap_or_default()).as_ptr()
}

/// Writes `*out` when `value` is present; says whether it was.
///
/// # Safety
/// `out` is NULL or writable for one `T`.
pub(crate) unsafe fn write_optional<T>(value: Option<T>, out: *mut T) -> bool {
    match (value, out.is_null()) {
        (Some(value), false) => {
            // SAFETY: not NULL, and the caller promises it is writable.
            unsafe { out.write(value) };
            true
        }
        _ => false,
    }
}

/// The answer to a submission (POST /faceauth), typed (opaque): made by
/// faceauth_client_submit_result, read with the faceauth_auth_result_* accessors, freed by
/// faceauth_auth_result_free.
///
/// Strings from its accessors are borrowed from it: valid until faceauth_auth_result_free,
/// never freed by the caller. Thread safety: immutable; any number of threads may read one at
/// once. A NULL handle gives each accessor's "absent" value (NULL, false, 0 or UNKNOWN).
pub struct faceauth_auth_result {
    result: AuthResult,
    auth_id: CString,
    status: CString,
    create_time: Option<CString>,
    fail_codes: Vec<CString>,
    rejected_comments: Vec<CString>,
    json: OnceLock<CString>,
}

impl faceauth_auth_result {
    pub(crate) fn new(result: AuthResult) -> Result<faceauth_auth_result, Failure> {
        Ok(faceauth_auth_result {
            auth_id: c_string(&result.auth_id, "the authentication id")?,
            status: c_string(result.status.as_str(), "the auth status")?,
            create_time: optional_c_string(result.create_time.as_deref(), "the create time")?,
            fail_codes: result
                .fail_codes
                .iter()
                .map(|c| c_string(c.as_str(), "a fail code"))
                .collect::<Result<_, _>>()?,
            rejected_comments: (result.rejected_comments.iter())
                .map(|c| c_string(c, "a rejected comment"))
                .collect::<Result<_, _>>()?,
            json: OnceLock::new(),
            result,
        })
    }
}

/// One result (a row of GET /faceauth), typed (opaque): made by faceauth_client_get_record and
/// faceauth_records_next_record, read with the faceauth_auth_record_* accessors, freed by
/// faceauth_auth_record_free.
///
/// Strings from its accessors are borrowed from it: valid until faceauth_auth_record_free,
/// never freed by the caller. Thread safety: immutable; any number of threads may read one at
/// once. A NULL handle gives each accessor's "absent" value (NULL, false, 0 or UNKNOWN).
pub struct faceauth_auth_record {
    record: AuthRecord,
    auth_id: CString,
    status: CString,
    create_time: Option<CString>,
    submit_type: Option<CString>,
    submission_id: Option<CString>,
    project_id: Option<CString>,
    reject_comments: Vec<CString>,
    json: OnceLock<CString>,
}

impl faceauth_auth_record {
    pub(crate) fn new(record: AuthRecord) -> Result<faceauth_auth_record, Failure> {
        Ok(faceauth_auth_record {
            auth_id: c_string(&record.auth_id, "the auth id")?,
            status: c_string(record.status.as_str(), "the auth status")?,
            create_time: optional_c_string(record.create_time.as_deref(), "the create time")?,
            submit_type: optional_c_string(record.submit_type.as_deref(), "the submit type")?,
            submission_id: optional_c_string(record.submission_id.as_deref(), "the submission id")?,
            project_id: optional_c_string(record.project_id.as_deref(), "the project id")?,
            reject_comments: (record.reject_comments.iter())
                .map(|c| c_string(c, "a reject comment"))
                .collect::<Result<_, _>>()?,
            json: OnceLock::new(),
            record,
        })
    }
}

const _: () = {
    const fn shareable<T: Send + Sync>() {}
    shareable::<faceauth_auth_result>();
    shareable::<faceauth_auth_record>();
};

/// Compares a selfie with an approved ID check submission (POST /faceauth), as
/// faceauth_client_submit, and returns the answer typed: `*out` receives a new
/// faceauth_auth_result (its status, scores, fail codes and ids by accessor, its JSON by
/// faceauth_auth_result_json). A rejected face is not an error.
///
/// Ownership: on success `*out` receives a new handle, freed with faceauth_auth_result_free.
/// The arguments are only borrowed.
/// NULL handling: as faceauth_client_submit (`out` must not be NULL).
/// Thread safety: `c` may be shared (see faceauth_client).
///
/// Statuses: those of faceauth_client_submit; FACEAUTH_STATUS_NUL_IN_OUTPUT (a field of the
/// answer holds a NUL byte: faceauth_client_submit still returns its JSON).
///
/// # Safety
/// `c` is NULL or a live client; strings are NULL or NUL-terminated; `image` is NULL or
/// readable for `image_len` bytes; `out` and `out_err` are NULL or writable.
#[no_mangle]
pub unsafe extern "C" fn faceauth_client_submit_result(
    c: *const faceauth_client,
    submission_id: *const c_char,
    image: *const u8,
    image_len: usize,
    user_id: *const c_char,
    cf1: *const c_char,
    cf2: *const c_char,
    cf3: *const c_char,
    out: *mut *mut faceauth_auth_result,
    out_err: *mut *mut faceauth_error,
) -> faceauth_status {
    ffi_boundary!("faceauth_client_submit_result", out_err, {
        // SAFETY: the caller's contract above covers every pointer.
        let out = unsafe { self::out(out, "out")? };
        // SAFETY: as above.
        let result = unsafe {
            crate::client::submit(c, None, submission_id, image, image_len, [user_id, cf1, cf2, cf3])?
        };
        out.write(into_handle(faceauth_auth_result::new(result)?));
        Ok(())
    })
}

/// faceauth_client_submit_result with call options: `call_opts_or_null` (NULL for none) may
/// carry a cancel handle (FACEAUTH_STATUS_CANCELLED once it is triggered) and a deadline for the
/// whole call (FACEAUTH_STATUS_API_TIMEOUT, saying how many attempts were made). Everything else
/// is as faceauth_client_submit_result, whose documentation this follows.
///
/// # Safety
/// As faceauth_client_submit_result; `call_opts_or_null` is NULL or live call options no other
/// thread changes during the call.
#[no_mangle]
pub unsafe extern "C" fn faceauth_client_submit_result_with(
    c: *const faceauth_client,
    call_opts_or_null: *const faceauth_call_options,
    submission_id: *const c_char,
    image: *const u8,
    image_len: usize,
    user_id: *const c_char,
    cf1: *const c_char,
    cf2: *const c_char,
    cf3: *const c_char,
    out: *mut *mut faceauth_auth_result,
    out_err: *mut *mut faceauth_error,
) -> faceauth_status {
    ffi_boundary!("faceauth_client_submit_result_with", out_err, {
        // SAFETY: the caller's contract above covers every pointer.
        let out = unsafe { self::out(out, "out")? };
        // SAFETY: as above; as_ref checks NULL.
        let result = unsafe {
            crate::client::submit(
                c,
                call_opts_or_null.as_ref(),
                submission_id,
                image,
                image_len,
                [user_id, cf1, cf2, cf3],
            )?
        };
        out.write(into_handle(faceauth_auth_result::new(result)?));
        Ok(())
    })
}

/// Reads one result (GET /faceauth?authId=…), as faceauth_client_get, typed: `*out` receives a
/// new faceauth_auth_record (its JSON, faceauth_auth_record_json, is faceauth_client_get's).
///
/// Ownership: on success `*out` receives a new handle, freed with faceauth_auth_record_free.
/// NULL handling: `c`, `auth_id` and `out` must not be NULL; `out_err` may be.
/// Thread safety: `c` may be shared (see faceauth_client).
///
/// Statuses: those of faceauth_client_get; FACEAUTH_STATUS_NUL_IN_OUTPUT (a field holds a NUL
/// byte).
///
/// # Safety
/// `c` is NULL or a live client; `auth_id` is NULL or NUL-terminated; `out` and `out_err` are
/// NULL or writable.
#[no_mangle]
pub unsafe extern "C" fn faceauth_client_get_record(
    c: *const faceauth_client,
    auth_id: *const c_char,
    out: *mut *mut faceauth_auth_record,
    out_err: *mut *mut faceauth_error,
) -> faceauth_status {
    ffi_boundary!("faceauth_client_get_record", out_err, {
        // SAFETY: the caller's contract above covers every pointer.
        unsafe { get_record(c, None, auth_id, out) }
    })
}

/// faceauth_client_get_record with call options: `call_opts_or_null` (NULL for none) may carry a
/// cancel handle (FACEAUTH_STATUS_CANCELLED once it is triggered) and a deadline for the whole
/// call (FACEAUTH_STATUS_API_TIMEOUT, saying how many attempts were made). Everything else is as
/// faceauth_client_get_record, whose documentation this follows.
///
/// # Safety
/// As faceauth_client_get_record; `call_opts_or_null` is NULL or live call options no other
/// thread changes during the call.
#[no_mangle]
pub unsafe extern "C" fn faceauth_client_get_record_with(
    c: *const faceauth_client,
    call_opts_or_null: *const faceauth_call_options,
    auth_id: *const c_char,
    out: *mut *mut faceauth_auth_record,
    out_err: *mut *mut faceauth_error,
) -> faceauth_status {
    ffi_boundary!("faceauth_client_get_record_with", out_err, {
        // SAFETY: the caller's contract above covers every pointer; as_ref checks NULL.
        unsafe { get_record(c, call_opts_or_null.as_ref(), auth_id, out) }
    })
}

/// The body of faceauth_client_get_record and faceauth_client_get_record_with.
///
/// # Safety
/// As faceauth_client_get_record.
unsafe fn get_record(
    c: *const faceauth_client,
    opts: Option<&faceauth_call_options>,
    auth_id: *const c_char,
    out: *mut *mut faceauth_auth_record,
) -> Result<(), Failure> {
    // SAFETY: the caller's contract (the export's) covers every pointer.
    let (c, auth_id, out) = unsafe { (handle(c, "c")?, text(auth_id, "auth_id")?, self::out(out, "out")?) };
    let record = c.inner.get_with(&faceauth_call_options::for_call(opts), auth_id)?;
    out.write(into_handle(faceauth_auth_record::new(record)?));
    Ok(())
}

/// The next row of a listing, as faceauth_records_next, typed: `*out_or_null_at_end` receives a
/// new faceauth_auth_record, or NULL when the listing has ended (FACEAUTH_STATUS_OK with NULL).
/// The rows, the end and the errors are faceauth_records_next's; the two may be mixed on one
/// listing (each row comes once, to whichever is called).
///
/// Ownership: a row is a new handle, freed with faceauth_auth_record_free.
/// NULL handling: `it` and `out_or_null_at_end` must not be NULL; `out_err` may be.
/// Thread safety: `it` is used by one thread at a time.
///
/// Statuses: those of faceauth_records_next; FACEAUTH_STATUS_NUL_IN_OUTPUT (a field of the row
/// holds a NUL byte: that row is skipped).
///
/// # Safety
/// `it` is NULL or a live listing no other thread uses; `out_or_null_at_end` and `out_err` are
/// NULL or writable.
#[no_mangle]
pub unsafe extern "C" fn faceauth_records_next_record(
    it: *mut faceauth_records,
    out_or_null_at_end: *mut *mut faceauth_auth_record,
    out_err: *mut *mut faceauth_error,
) -> faceauth_status {
    ffi_boundary!("faceauth_records_next_record", out_err, {
        // SAFETY: the caller's contract above covers every pointer.
        let (it, out) =
            unsafe { (handle_mut(it, "it")?, self::out(out_or_null_at_end, "out_or_null_at_end")?) };
        match it.next_record()? {
            Some(record) => out.write(into_handle(faceauth_auth_record::new(record)?)),
            None => out.write(std::ptr::null_mut()),
        }
        Ok(())
    })
}

/// Frees a result. NULL is allowed and does nothing.
///
/// Thread safety: call it once, after every other use of `r` (and of the strings borrowed
/// from it) has returned.
///
/// # Safety
/// `r` is NULL or a handle from faceauth_client_submit_result, not freed before.
#[no_mangle]
pub unsafe extern "C" fn faceauth_auth_result_free(r: *mut faceauth_auth_result) {
    ffi_boundary!(infallible(), {
        // SAFETY: the caller promises r is NULL or a live handle, freed only now.
        unsafe { free_handle(r) }
    })
}

/// Frees a record. NULL is allowed and does nothing.
///
/// Thread safety: call it once, after every other use of `r` (and of the strings borrowed
/// from it) has returned.
///
/// # Safety
/// `r` is NULL or a handle from faceauth_client_get_record or faceauth_records_next_record, not
/// freed before.
#[no_mangle]
pub unsafe extern "C" fn faceauth_auth_record_free(r: *mut faceauth_auth_record) {
    ffi_boundary!(infallible(), {
        // SAFETY: the caller promises r is NULL or a live handle, freed only now.
        unsafe { free_handle(r) }
    })
}

/// Reads a field of a handle that may be NULL; `absent` for NULL.
///
/// # Safety
/// `ptr` is NULL or a live `T`.
pub(crate) unsafe fn read<T, R>(ptr: *const T, absent: R, field: impl FnOnce(&T) -> R) -> R {
    // SAFETY: forwarded from the caller.
    match unsafe { ptr.as_ref() } {
        Some(value) => field(value),
        None => absent,
    }
}

/// The authentication id (`authentication_id`): never NULL for a live handle.
///
/// Ownership: borrowed from `r` (see faceauth_auth_result). NULL for a NULL `r`. Never fails.
///
/// # Safety
/// `r` is NULL or a live result.
#[no_mangle]
pub unsafe extern "C" fn faceauth_auth_result_auth_id(r: *const faceauth_auth_result) -> *const c_char {
    // SAFETY: the caller promises r is NULL or live.
    ffi_boundary!(infallible std::ptr::null(), { unsafe { read(r, std::ptr::null(), |r| r.auth_id.as_ptr()) } })
}

/// The status (`auth_status`): FACEAUTH_AUTH_STATUS_APPROVED or _REJECTED, or
/// FACEAUTH_AUTH_STATUS_UNKNOWN for a status this version does not know (see
/// faceauth_auth_result_status_str) or a NULL `r`. Never fails.
///
/// # Safety
/// `r` is NULL or a live result.
#[no_mangle]
pub unsafe extern "C" fn faceauth_auth_result_status(r: *const faceauth_auth_result) -> faceauth_auth_status {
    ffi_boundary!(infallible faceauth_auth_status::Unknown, {
        // SAFETY: the caller promises r is NULL or live.
        unsafe { read(r, faceauth_auth_status::Unknown, |r| (&r.result.status).into()) }
    })
}

/// The status as sent ("approved", "rejected", or any other text; the known ones in lowercase).
///
/// Ownership: borrowed from `r`. NULL for a NULL `r`. Never fails.
///
/// # Safety
/// `r` is NULL or a live result.
#[no_mangle]
pub unsafe extern "C" fn faceauth_auth_result_status_str(r: *const faceauth_auth_result) -> *const c_char {
    // SAFETY: the caller promises r is NULL or live.
    ffi_boundary!(infallible std::ptr::null(), { unsafe { read(r, std::ptr::null(), |r| r.status.as_ptr()) } })
}

/// When the result was made (`create_time`, RFC 3339 as sent), or NULL when absent.
///
/// Ownership: borrowed from `r`. NULL for a NULL `r`. Never fails.
///
/// # Safety
/// `r` is NULL or a live result.
#[no_mangle]
pub unsafe extern "C" fn faceauth_auth_result_create_time(r: *const faceauth_auth_result) -> *const c_char {
    ffi_boundary!(infallible std::ptr::null(), {
        // SAFETY: the caller promises r is NULL or live.
        unsafe { read(r, std::ptr::null(), |r| ptr(r.create_time.as_ref())) }
    })
}

/// The face similarity score (`score.face_similarity_score`, 0–100).
///
/// Returns true and writes `*out` when the answer carries the score (the project's options
/// decide which it sends); false, leaving `*out` untouched, when it does not, or when `r` or
/// `out` is NULL. Never fails.
///
/// # Safety
/// `r` is NULL or a live result; `out` is NULL or writable.
#[no_mangle]
pub unsafe extern "C" fn faceauth_auth_result_face_similarity(
    r: *const faceauth_auth_result,
    out: *mut f64,
) -> bool {
    ffi_boundary!(infallible false, {
        // SAFETY: the caller promises r is NULL or live, out NULL or writable.
        unsafe { write_optional(read(r, None, |r| r.result.scores.face_similarity), out) }
    })
}

/// The occlusion score (`score.occluded_score`).
///
/// Returns true and writes `*out` when the answer carries the score (the project's options
/// decide which it sends); false, leaving `*out` untouched, when it does not, or when `r` or
/// `out` is NULL. Never fails.
///
/// # Safety
/// `r` is NULL or a live result; `out` is NULL or writable.
#[no_mangle]
pub unsafe extern "C" fn faceauth_auth_result_occluded(
    r: *const faceauth_auth_result,
    out: *mut f64,
) -> bool {
    ffi_boundary!(infallible false, {
        // SAFETY: the caller promises r is NULL or live, out NULL or writable.
        unsafe { write_optional(read(r, None, |r| r.result.scores.occluded), out) }
    })
}

/// The face cover score (`score.face_cover_score`).
///
/// Returns true and writes `*out` when the answer carries the score (the project's options
/// decide which it sends); false, leaving `*out` untouched, when it does not, or when `r` or
/// `out` is NULL. Never fails.
///
/// # Safety
/// `r` is NULL or a live result; `out` is NULL or writable.
#[no_mangle]
pub unsafe extern "C" fn faceauth_auth_result_face_cover(
    r: *const faceauth_auth_result,
    out: *mut f64,
) -> bool {
    ffi_boundary!(infallible false, {
        // SAFETY: the caller promises r is NULL or live, out NULL or writable.
        unsafe { write_optional(read(r, None, |r| r.result.scores.face_cover), out) }
    })
}

/// The head cover score (`score.head_cover_score`).
///
/// Returns true and writes `*out` when the answer carries the score (the project's options
/// decide which it sends); false, leaving `*out` untouched, when it does not, or when `r` or
/// `out` is NULL. Never fails.
///
/// # Safety
/// `r` is NULL or a live result; `out` is NULL or writable.
#[no_mangle]
pub unsafe extern "C" fn faceauth_auth_result_head_cover(
    r: *const faceauth_auth_result,
    out: *mut f64,
) -> bool {
    ffi_boundary!(infallible false, {
        // SAFETY: the caller promises r is NULL or live, out NULL or writable.
        unsafe { write_optional(read(r, None, |r| r.result.scores.head_cover), out) }
    })
}

/// How many fail codes (`fail_code`) the answer carries: 0 when approved, or for a NULL `r`.
/// Never fails.
///
/// # Safety
/// `r` is NULL or a live result.
#[no_mangle]
pub unsafe extern "C" fn faceauth_auth_result_fail_code_count(r: *const faceauth_auth_result) -> usize {
    // SAFETY: the caller promises r is NULL or live.
    ffi_boundary!(infallible 0, { unsafe { read(r, 0, |r| r.fail_codes.len()) } })
}

/// Fail code number `i` (from 0), as an enum: FACEAUTH_FAIL_CODE_UNKNOWN for a code this
/// version does not know (read it with faceauth_auth_result_fail_code_str), an `i` out of
/// range, or a NULL `r`. Never fails.
///
/// # Safety
/// `r` is NULL or a live result.
#[no_mangle]
pub unsafe extern "C" fn faceauth_auth_result_fail_code(
    r: *const faceauth_auth_result,
    i: usize,
) -> faceauth_fail_code {
    ffi_boundary!(infallible faceauth_fail_code::Unknown, {
        // SAFETY: the caller promises r is NULL or live.
        unsafe {
            read(r, faceauth_fail_code::Unknown, |r| {
                r.result.fail_codes.get(i).map_or(faceauth_fail_code::Unknown, faceauth_fail_code::from)
            })
        }
    })
}

/// Fail code number `i` (from 0) as text: a known code in its documented casing
/// ("face_compare_underscore", "Face_Occluded_fail", …), any other as sent; NULL for an `i` out
/// of range or a NULL `r`.
///
/// Ownership: borrowed from `r`. Never fails.
///
/// # Safety
/// `r` is NULL or a live result.
#[no_mangle]
pub unsafe extern "C" fn faceauth_auth_result_fail_code_str(
    r: *const faceauth_auth_result,
    i: usize,
) -> *const c_char {
    ffi_boundary!(infallible std::ptr::null(), {
        // SAFETY: the caller promises r is NULL or live.
        unsafe { read(r, std::ptr::null(), |r| ptr(r.fail_codes.get(i))) }
    })
}

/// How many rejection comments (`rejected_comment`) the answer carries; 0 for a NULL `r`.
/// Never fails.
///
/// # Safety
/// `r` is NULL or a live result.
#[no_mangle]
pub unsafe extern "C" fn faceauth_auth_result_rejected_comment_count(
    r: *const faceauth_auth_result,
) -> usize {
    // SAFETY: the caller promises r is NULL or live.
    ffi_boundary!(infallible 0, { unsafe { read(r, 0, |r| r.rejected_comments.len()) } })
}

/// Rejection comment number `i` (from 0); NULL for an `i` out of range or a NULL `r`.
///
/// Ownership: borrowed from `r`. Never fails.
///
/// # Safety
/// `r` is NULL or a live result.
#[no_mangle]
pub unsafe extern "C" fn faceauth_auth_result_rejected_comment(
    r: *const faceauth_auth_result,
    i: usize,
) -> *const c_char {
    ffi_boundary!(infallible std::ptr::null(), {
        // SAFETY: the caller promises r is NULL or live.
        unsafe { read(r, std::ptr::null(), |r| ptr(r.rejected_comments.get(i))) }
    })
}

/// The answer as JSON: the text faceauth_client_submit returns (the response as received).
///
/// Ownership: borrowed from `r` (made on the first call). NULL for a NULL `r`. Never fails.
///
/// # Safety
/// `r` is NULL or a live result.
#[no_mangle]
pub unsafe extern "C" fn faceauth_auth_result_json(r: *const faceauth_auth_result) -> *const c_char {
    ffi_boundary!(infallible std::ptr::null(), {
        // SAFETY: the caller promises r is NULL or live.
        unsafe { read(r, std::ptr::null(), |r| lazy_json(&r.json, || r.result.to_json())) }
    })
}

/// The auth id (`auth_id`): never NULL for a live handle.
///
/// Ownership: borrowed from `r` (see faceauth_auth_record). NULL for a NULL `r`. Never fails.
///
/// # Safety
/// `r` is NULL or a live record.
#[no_mangle]
pub unsafe extern "C" fn faceauth_auth_record_auth_id(r: *const faceauth_auth_record) -> *const c_char {
    // SAFETY: the caller promises r is NULL or live.
    ffi_boundary!(infallible std::ptr::null(), { unsafe { read(r, std::ptr::null(), |r| r.auth_id.as_ptr()) } })
}

/// The status (`auth_status`): FACEAUTH_AUTH_STATUS_APPROVED or _REJECTED, or
/// FACEAUTH_AUTH_STATUS_UNKNOWN for a status this version does not know (see
/// faceauth_auth_record_status_str), none, or a NULL `r`. Never fails.
///
/// # Safety
/// `r` is NULL or a live record.
#[no_mangle]
pub unsafe extern "C" fn faceauth_auth_record_status(r: *const faceauth_auth_record) -> faceauth_auth_status {
    ffi_boundary!(infallible faceauth_auth_status::Unknown, {
        // SAFETY: the caller promises r is NULL or live.
        unsafe { read(r, faceauth_auth_status::Unknown, |r| (&r.record.status).into()) }
    })
}

/// The status as sent ("approved", "rejected", any other text, or "" when the row has none).
///
/// Ownership: borrowed from `r`. NULL for a NULL `r`. Never fails.
///
/// # Safety
/// `r` is NULL or a live record.
#[no_mangle]
pub unsafe extern "C" fn faceauth_auth_record_status_str(r: *const faceauth_auth_record) -> *const c_char {
    // SAFETY: the caller promises r is NULL or live.
    ffi_boundary!(infallible std::ptr::null(), { unsafe { read(r, std::ptr::null(), |r| r.status.as_ptr()) } })
}

/// When the result was made (`create_time`, as sent).
///
/// Ownership: borrowed from `r` (see faceauth_auth_record). NULL when the row lacks it, or for
/// a NULL `r`. Never fails.
///
/// # Safety
/// `r` is NULL or a live record.
#[no_mangle]
pub unsafe extern "C" fn faceauth_auth_record_create_time(r: *const faceauth_auth_record) -> *const c_char {
    ffi_boundary!(infallible std::ptr::null(), {
        // SAFETY: the caller promises r is NULL or live.
        unsafe { read(r, std::ptr::null(), |r| ptr(r.create_time.as_ref())) }
    })
}

/// How it was submitted (`submit_type`): "form" (the hosted page) or "api".
///
/// Ownership: borrowed from `r` (see faceauth_auth_record). NULL when the row lacks it, or for
/// a NULL `r`. Never fails.
///
/// # Safety
/// `r` is NULL or a live record.
#[no_mangle]
pub unsafe extern "C" fn faceauth_auth_record_submit_type(r: *const faceauth_auth_record) -> *const c_char {
    ffi_boundary!(infallible std::ptr::null(), {
        // SAFETY: the caller promises r is NULL or live.
        unsafe { read(r, std::ptr::null(), |r| ptr(r.submit_type.as_ref())) }
    })
}

/// The ID check submission it re-authenticated (`kyc_submission_id`).
///
/// Ownership: borrowed from `r` (see faceauth_auth_record). NULL when the row lacks it, or for
/// a NULL `r`. Never fails.
///
/// # Safety
/// `r` is NULL or a live record.
#[no_mangle]
pub unsafe extern "C" fn faceauth_auth_record_submission_id(r: *const faceauth_auth_record) -> *const c_char {
    ffi_boundary!(infallible std::ptr::null(), {
        // SAFETY: the caller promises r is NULL or live.
        unsafe { read(r, std::ptr::null(), |r| ptr(r.submission_id.as_ref())) }
    })
}

/// The FaceAuth project (`faceAuth_projectId`).
///
/// Ownership: borrowed from `r` (see faceauth_auth_record). NULL when the row lacks it, or for
/// a NULL `r`. Never fails.
///
/// # Safety
/// `r` is NULL or a live record.
#[no_mangle]
pub unsafe extern "C" fn faceauth_auth_record_project_id(r: *const faceauth_auth_record) -> *const c_char {
    ffi_boundary!(infallible std::ptr::null(), {
        // SAFETY: the caller promises r is NULL or live.
        unsafe { read(r, std::ptr::null(), |r| ptr(r.project_id.as_ref())) }
    })
}

/// Whether the image and personal data were erased (`delete_check`); false for a NULL `r`.
/// Never fails.
///
/// # Safety
/// `r` is NULL or a live record.
#[no_mangle]
pub unsafe extern "C" fn faceauth_auth_record_deleted(r: *const faceauth_auth_record) -> bool {
    // SAFETY: the caller promises r is NULL or live.
    ffi_boundary!(infallible false, { unsafe { read(r, false, |r| r.record.deleted) } })
}

/// How many rejection comments (`reject_comment`) the row carries; 0 for a NULL `r`. Never
/// fails.
///
/// # Safety
/// `r` is NULL or a live record.
#[no_mangle]
pub unsafe extern "C" fn faceauth_auth_record_reject_comment_count(r: *const faceauth_auth_record) -> usize {
    // SAFETY: the caller promises r is NULL or live.
    ffi_boundary!(infallible 0, { unsafe { read(r, 0, |r| r.reject_comments.len()) } })
}

/// Rejection comment number `i` (from 0); NULL for an `i` out of range or a NULL `r`.
///
/// Ownership: borrowed from `r`. Never fails.
///
/// # Safety
/// `r` is NULL or a live record.
#[no_mangle]
pub unsafe extern "C" fn faceauth_auth_record_reject_comment(
    r: *const faceauth_auth_record,
    i: usize,
) -> *const c_char {
    ffi_boundary!(infallible std::ptr::null(), {
        // SAFETY: the caller promises r is NULL or live.
        unsafe { read(r, std::ptr::null(), |r| ptr(r.reject_comments.get(i))) }
    })
}

/// The row as JSON: the text faceauth_client_get and faceauth_records_next return.
///
/// Ownership: borrowed from `r` (made on the first call). NULL for a NULL `r`. Never fails.
///
/// # Safety
/// `r` is NULL or a live record.
#[no_mangle]
pub unsafe extern "C" fn faceauth_auth_record_json(r: *const faceauth_auth_record) -> *const c_char {
    ffi_boundary!(infallible std::ptr::null(), {
        // SAFETY: the caller promises r is NULL or live.
        unsafe { read(r, std::ptr::null(), |r| lazy_json(&r.json, || r.record.to_json())) }
    })
}

#[cfg(test)]
mod tests {
    use faceauth::api::{AuthRecord, AuthStatus, FailCode};
    use serde_json::json;

    use super::*;

    #[test]
    fn every_status_and_fail_code_maps_to_its_stable_value() {
        let statuses = [("approved", 1), ("REJECTED", 2), ("under_review", 0), ("", 0)];
        for (text, value) in statuses {
            assert_eq!(faceauth_auth_status::from(&AuthStatus::parse(text)) as u32, value, "{text}");
        }
        let codes = [
            ("face_compare_underscore", 1),
            ("Face_Occluded_fail", 2),
            ("face_cover_fail", 3),
            ("Head_cover_fail", 4),
            ("Brand_new_fail_code", 0),
        ];
        for (text, value) in codes {
            assert_eq!(faceauth_fail_code::from(&FailCode::parse(text)) as u32, value, "{text}");
        }
    }

    fn record(auth_id: &str) -> AuthRecord {
        AuthRecord {
            auth_id: auth_id.to_owned(),
            status: AuthStatus::parse("approved"),
            create_time: None,
            submit_type: None,
            submission_id: Some("sub_1".to_owned()),
            deleted: false,
            project_id: None,
            reject_comments: vec![],
            raw: json!({ "auth_id": auth_id }),
        }
    }

    #[test]
    fn a_field_with_a_nul_byte_is_a_typed_error_not_a_truncated_string() {
        let Err(failure) = faceauth_auth_record::new(record("fa\0tail")) else {
            panic!("a NUL byte in an id was accepted")
        };
        assert_eq!(failure.status, faceauth_status::NulInOutput);
        let Ok(made) = faceauth_auth_record::new(record("fa-1")) else {
            panic!("a plain record was refused")
        };
        let handle = into_handle(made);
        // SAFETY: handle is live until freed below; the strings are NUL-terminated and borrowed.
        unsafe {
            assert_eq!(std::ffi::CStr::from_ptr(faceauth_auth_record_auth_id(handle)).to_str(), Ok("fa-1"));
            assert_eq!(faceauth_auth_record_status(handle), faceauth_auth_status::Approved);
            assert!(faceauth_auth_record_create_time(handle).is_null());
            let json = std::ffi::CStr::from_ptr(faceauth_auth_record_json(handle));
            assert_eq!(json.to_str(), Ok(r#"{"auth_id":"fa-1"}"#));
            faceauth_auth_record_free(handle);
        }
    }
}
