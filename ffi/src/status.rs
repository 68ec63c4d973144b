//! `faceauth_status`: the one status enum, whose numbers are `faceauth::ErrorKind`'s.

use std::ffi::{c_char, CStr, CString};
use std::sync::OnceLock;

use faceauth::ErrorKind;

/// The result of every fallible call: `FACEAUTH_STATUS_OK` (0) or why it failed.
///
/// The values are the SDK's stable error codes (`faceauth::ErrorKind` in Rust), in ranges by
/// area: 1–99 generic, 100–199 crypto, 200–299 token and ledger, 300–399 REST API and HTTP,
/// 400–499 webhook. 90–99 are the ABI's own: a NULL pointer, invalid UTF-8, an output that
/// cannot be a C string, an unmapped error and a caught panic. Values are never renumbered;
/// new ones may be added, so a `switch` over them needs a `default`.
#[repr(C)]
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum faceauth_status {
    /// Success.
    Ok = 0,
    /// An argument is empty, holds a control character, or is otherwise malformed.
    InvalidArgument = 1,
    /// The call was cancelled through its cancel handle (faceauth_cancel_trigger).
    Cancelled = 2,
    /// The text given to inspect is not a FaceAuth URL (no query, no `pid` or `encrypted`).
    InvalidUrl = 10,
    /// A URL decrypted, but not to the FaceAuth JSON payload (not an object, no `sid`).
    InvalidPayload = 11,
    /// A pointer argument that must not be NULL was NULL.
    NullPointer = 90,
    /// A string argument is not valid UTF-8.
    InvalidUtf8 = 91,
    /// A string to return holds a NUL byte, so it cannot be a C string (decrypted text that
    /// contains "\0": use faceauth_cipher_decrypt_bytes).
    NulInOutput = 92,
    /// An error this build of the ABI has no status for (a bug in libfaceauth: please report it).
    Internal = 98,
    /// A panic (a bug in libfaceauth) was caught at the ABI boundary; the call did nothing.
    Panic = 99,
    /// Key material is empty or the wrong length, or the key begins or ends with white space.
    InvalidKey = 100,
    /// An encryption variant or scheme name is not known.
    UnknownVariant = 101,
    /// The ciphertext is empty.
    EmptyCiphertext = 102,
    /// The ciphertext is not valid base64 (or hex, for that variant).
    InvalidEncoding = 103,
    /// The ciphertext is not a whole number of AES blocks.
    InvalidLength = 104,
    /// The ciphertext is shorter than its IV or nonce and tag.
    TooShort = 105,
    /// Padding did not check out after decryption: usually the wrong key or scheme.
    BadPadding = 106,
    /// A GCM tag did not verify: the wrong key or scheme, or altered data.
    TagMismatch = 107,
    /// The decrypted data is not UTF-8.
    NotUtf8 = 108,
    /// An injected IV or nonce has the wrong length, or the variant takes none.
    InvalidIv = 109,
    /// The OS random source failed.
    RandomSource = 110,
    /// A token id breaks the id rule (8–64 of `[A-Za-z0-9._-]`, letter or digit at both ends).
    InvalidToken = 200,
    /// The token ledger already holds a token with this id.
    TokenExists = 201,
    /// The token ledger holds no token with this id.
    TokenUnknown = 202,
    /// The token ledger's storage failed (I/O, a lock held past the busy timeout, a full disk).
    LedgerStorage = 203,
    /// The token ledger's file has a newer schema than this build knows, or is not a ledger.
    LedgerSchema = 204,
    /// The token ledger location names a store this build does not include (a URL scheme
    /// other than postgres:// or postgresql://).
    LedgerUnsupported = 205,
    /// 400 from the API: missing or malformed parameters (an unknown record asked for by id is
    /// api_not_found, 306).
    ApiInvalidRequest = 300,
    /// 403 with an explicit deny: the caller's IP is not allowed.
    ApiIpNotAllowed = 301,
    /// 403 Forbidden: the API key is missing or wrong.
    ApiAuthentication = 302,
    /// 413: the request is too large.
    ApiPayloadTooLarge = 303,
    /// 5xx: an Argos server or gateway error.
    ApiServer = 304,
    /// Any other non-success HTTP status.
    ApiUnexpectedStatus = 305,
    /// The record asked for does not exist: the API's 400 with the error code NOT_FOUND (or
    /// "Cannot find submission") for an auth id, or a success response without it. It refines
    /// api_invalid_request, 300 (see faceauth_status_parent).
    ApiNotFound = 306,
    /// A connect or request timeout.
    ApiTimeout = 307,
    /// A connection failure (DNS, refused, reset, TLS).
    ApiConnection = 308,
    /// A success response that does not decode.
    ApiDecode = 309,
    /// The server's TLS certificate is not trusted (an unknown issuer, such as a TLS-inspecting
    /// gateway's CA not given with faceauth_client_options_set_ca_file; expired; for another
    /// name).
    ApiTlsUntrusted = 310,
    /// A webhook body is not JSON, or a documented field has the wrong type.
    WebhookMalformed = 400,
    /// A webhook body is encrypted and no key was given.
    WebhookKeyRequired = 401,
    /// An encrypted webhook body does not decrypt with the key given.
    WebhookDecrypt = 402,
    /// Argos has no FaceAuth result with the webhook's authentication id.
    WebhookUnconfirmed = 403,
    /// Argos's FaceAuth result belongs to another submission or user than the webhook names.
    WebhookMismatch = 404,
    /// A webhook that cannot be confirmed: a plain token_expired body, a faceAuth event without
    /// an authentication id, another trigger, or a result Argos has erased.
    WebhookUnverifiable = 405,
}

/// The statuses of the ABI itself, which no `ErrorKind` has, with their names.
const ABI_STATUSES: [(faceauth_status, &CStr); 6] = [
    (faceauth_status::Ok, c"ok"),
    (faceauth_status::NullPointer, c"null_pointer"),
    (faceauth_status::InvalidUtf8, c"invalid_utf8"),
    (faceauth_status::NulInOutput, c"nul_in_output"),
    (faceauth_status::Internal, c"internal"),
    (faceauth_status::Panic, c"panic"),
];

/// The one mapping from `ErrorKind` to `faceauth_status`: each kind goes to the status of the
/// same name, the compiler checks that both carry the same number, and [`KINDS`] lists them
/// for the tests (which also check that core has no kind missing here).
macro_rules! map_error_kinds {
    ($($kind:ident),* $(,)?) => {
        impl From<ErrorKind> for faceauth_status {
            fn from(kind: ErrorKind) -> Self {
                match kind {
                    $(ErrorKind::$kind => faceauth_status::$kind,)*
                    // `ErrorKind` is non_exhaustive; `every_error_kind_of_core_is_mapped`
                    // fails before a kind added to core can get here.
                    _ => faceauth_status::Internal,
                }
            }
        }

        /// Every `ErrorKind` this build maps, in core's order.
        pub(crate) const KINDS: &[ErrorKind] = &[$(ErrorKind::$kind),*];

        $(const _: () = assert!(
            ErrorKind::$kind as u16 as i64 == faceauth_status::$kind as i64,
            concat!("faceauth_status::", stringify!($kind), " differs from ErrorKind's number"),
        );)*
    };
}

map_error_kinds!(
    InvalidArgument,
    Cancelled,
    InvalidUrl,
    InvalidPayload,
    InvalidKey,
    UnknownVariant,
    EmptyCiphertext,
    InvalidEncoding,
    InvalidLength,
    TooShort,
    BadPadding,
    TagMismatch,
    NotUtf8,
    InvalidIv,
    RandomSource,
    InvalidToken,
    TokenExists,
    TokenUnknown,
    LedgerStorage,
    LedgerSchema,
    LedgerUnsupported,
    ApiInvalidRequest,
    ApiIpNotAllowed,
    ApiAuthentication,
    ApiPayloadTooLarge,
    ApiServer,
    ApiUnexpectedStatus,
    ApiNotFound,
    ApiTimeout,
    ApiConnection,
    ApiDecode,
    ApiTlsUntrusted,
    WebhookMalformed,
    WebhookKeyRequired,
    WebhookDecrypt,
    WebhookUnconfirmed,
    WebhookMismatch,
    WebhookUnverifiable,
);

/// A `faceauth_status` as C passes it in: any integer, since C lets a caller pass a value that
/// is no enumerator, which a Rust enum must never hold. The header names the type
/// `faceauth_status` (cbindgen.toml renames it); the ABI is that of a C enum (an `int`-sized
/// integer).
#[repr(transparent)]
#[derive(Clone, Copy, Debug)]
pub struct faceauth_status_value(pub u32);

/// The static names of the statuses, built once from `ErrorKind::name` (plus the ABI's own).
fn names() -> &'static [(u32, CString)] {
    static NAMES: OnceLock<Vec<(u32, CString)>> = OnceLock::new();
    NAMES.get_or_init(|| {
        let abi = ABI_STATUSES.iter().map(|(status, name)| (*status as u32, CString::from(*name)));
        let kinds = KINDS.iter().filter_map(|kind| {
            let name = CString::new(kind.name()).ok()?;
            Some((faceauth_status::from(*kind) as u32, name))
        });
        abi.chain(kinds).collect()
    })
}

/// The name of a status, such as "ok", "bad_padding" or "null_pointer": the same snake_case
/// names the `faceauth` command and the other bindings use.
///
/// Ownership: the string is static; never free it. A value that is no `faceauth_status` gives
/// "unknown". Thread safety: any thread. Never fails.
#[no_mangle]
pub extern "C" fn faceauth_status_str(status: faceauth_status_value) -> *const c_char {
    ffi_boundary!(infallible c"unknown".as_ptr(), {
        names()
            .iter()
            .find(|(code, _)| *code == status.0)
            .map_or(c"unknown".as_ptr(), |(_, name)| name.as_ptr())
    })
}

/// The broader status that `status` refines, or FACEAUTH_STATUS_OK when it refines none:
/// FACEAUTH_STATUS_API_NOT_FOUND refines FACEAUTH_STATUS_API_INVALID_REQUEST (Argos answers
/// "does not exist" with a 400), so code that handles the broader status can handle both. Walk
/// it until FACEAUTH_STATUS_OK to test "is this status, or a refinement of it".
///
/// A value that is no `faceauth_status` gives FACEAUTH_STATUS_OK. Thread safety: any thread.
/// Never fails.
#[no_mangle]
pub extern "C" fn faceauth_status_parent(status: faceauth_status_value) -> faceauth_status {
    ffi_boundary!(infallible faceauth_status::Ok, {
        KINDS
            .iter()
            .find(|kind| u32::from(kind.code()) == status.0)
            .and_then(|kind| kind.parent())
            .map_or(faceauth_status::Ok, faceauth_status::from)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn name_of(status: u32) -> String {
        // SAFETY: faceauth_status_str always returns a static NUL-terminated string.
        let name = unsafe { CStr::from_ptr(faceauth_status_str(faceauth_status_value(status))) };
        name.to_string_lossy().into_owned()
    }

    /// The `Name = number` lines of `pub enum ErrorKind` in core's source.
    fn kinds_in_core_source() -> Vec<(String, u16)> {
        let source = include_str!("../../core/src/error.rs");
        let start = source.find("pub enum ErrorKind {").map(|i| i + "pub enum ErrorKind {".len());
        let body = start.and_then(|start| Some(&source[start..start + source[start..].find("\n}")?]));
        let Some(body) = body else { panic!("no `pub enum ErrorKind` in core/src/error.rs") };
        body.lines()
            .map(str::trim)
            .filter(|line| !line.starts_with("//") && !line.starts_with('#') && !line.is_empty())
            .map(|line| {
                let (name, number) = line.trim_end_matches(',').split_once(" = ").unwrap_or_default();
                (name.to_owned(), number.parse().unwrap_or_default())
            })
            .collect()
    }

    #[test]
    fn every_error_kind_maps_to_the_same_number_and_name() {
        assert!(KINDS.len() >= 32);
        for &kind in KINDS {
            let status = faceauth_status::from(kind);
            assert_ne!(status, faceauth_status::Internal, "{kind:?} is not mapped");
            assert_eq!(status as u32, u32::from(kind.code()), "{kind:?}");
            assert_eq!(format!("{status:?}"), format!("{kind:?}"), "a kind maps to another name");
            assert_eq!(name_of(status as u32), kind.name());
        }
    }

    #[test]
    fn every_error_kind_of_core_is_mapped() {
        let in_source = kinds_in_core_source();
        let mapped: Vec<(String, u16)> = KINDS.iter().map(|k| (format!("{k:?}"), k.code())).collect();
        assert_eq!(in_source, mapped, "core's ErrorKind and this crate's mapping differ");
    }

    #[test]
    fn a_status_s_parent_is_its_kind_s() {
        let parent = |code: u32| faceauth_status_parent(faceauth_status_value(code)) as u32;
        assert_eq!(parent(306), 300);
        assert_eq!((parent(300), parent(106), parent(0), parent(99), parent(u32::MAX)), (0, 0, 0, 0, 0));
        for &kind in KINDS {
            let expected = kind.parent().map_or(0, |p| u32::from(p.code()));
            assert_eq!(parent(u32::from(kind.code())), expected, "{kind:?}");
        }
    }

    #[test]
    fn abi_statuses_sit_in_the_generic_range_apart_from_every_kind() {
        for (status, name) in ABI_STATUSES {
            let code = status as u32;
            assert!(code == 0 || (90..100).contains(&code), "{name:?}");
            assert!(KINDS.iter().all(|k| u32::from(k.code()) != code), "{name:?} collides");
            assert_eq!(name_of(code), name.to_string_lossy());
        }
        assert_eq!(name_of(0), "ok");
        assert_eq!(name_of(99), "panic");
        assert_eq!(name_of(106), "bad_padding");
        assert_eq!(name_of(12345), "unknown");
        assert_eq!(name_of(u32::MAX), "unknown");
    }
}
