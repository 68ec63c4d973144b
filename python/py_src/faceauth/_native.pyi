"""Types of the native module ``faceauth._native`` (hand-written; checked by mypy.stubtest).

One section per area, in the order of ``python/src/lib.rs``.
"""

import datetime
from collections.abc import Iterable, Mapping
from typing import Any, Optional, Union, final

# client, ledger, testing
import os
from collections.abc import Iterator, Sequence
from typing import Literal, overload

from typing_extensions import Self, disjoint_base

__version__: str

# == errors ====================================================================================

class FaceAuthError(Exception):
    """Base of every FaceAuth error."""

    kind: str
    """The stable name of the error kind, e.g. ``"bad_padding"``."""
    code: int
    """The C ABI status number of the kind."""
    row: Optional[int]
    """For an error in a bulk call (``UrlBuilder.build_many``): the row, counted from 0."""

class InvalidArgument(FaceAuthError, ValueError):
    """An empty or malformed argument (code 1); also a `ValueError`."""
class CryptoError(FaceAuthError):
    """A key, encryption or decryption error (codes 100-199)."""
class UrlError(FaceAuthError):
    """A text is not a FaceAuth URL, or its payload is not FaceAuth's."""
class TokenError(FaceAuthError):
    """A token id breaks the id rule (codes 200-299)."""
class LedgerError(TokenError):
    """The token ledger refused or failed (codes 201-299)."""
class WebhookError(FaceAuthError):
    """A webhook body that does not parse or decrypt (codes 400-499)."""

class ApiError(FaceAuthError):
    """The FaceAuth REST API failed (codes 300-399): `.status`, `.error_code`, `.message`, `.body`."""

    status: Optional[int]
    """The HTTP status, when the server answered."""
    error_code: Optional[str]
    """Argos's ``errorCode``, when the body has one."""
    message: Optional[str]
    """Argos's ``message``, when the body has one."""
    body: Optional[str]
    """The response body as received (at most 64 KiB)."""

class InvalidRequest(ApiError):
    """HTTP 400: missing or malformed parameters, or an unknown record."""
class IpNotAllowed(ApiError):
    """HTTP 403 with an explicit deny: the caller's IP is not allowed."""
class AuthenticationError(ApiError):
    """HTTP 403: the API key is missing or wrong."""
class PayloadTooLarge(ApiError):
    """HTTP 413: the request is too large."""
class ServerError(ApiError):
    """HTTP 5xx: an Argos server or gateway error."""
class NotFound(InvalidRequest):
    """The record asked for does not exist (Argos answers 400 NOT_FOUND); an `InvalidRequest` too."""
class TransportError(ApiError):
    """The request did not complete: a timeout or a connection failure."""
class Timeout(TransportError):
    """A connect or request timeout."""
class ConnectionError(TransportError):
    """A connection failure (DNS, refused, reset, TLS). Not the builtin `ConnectionError`."""
class TlsUntrusted(ConnectionError):
    """The server's TLS certificate is not trusted (give a TLS-inspecting gateway's CA as `ca_file`)."""
class Cancelled(FaceAuthError):
    """The call was cancelled: the request in flight was aborted and no further attempt made."""

# == crypto ====================================================================================

@final
class Cipher:
    """Encrypts and decrypts text with a project's API key. Thread-safe."""

    def __new__(cls, api_key: str, scheme: str = "ecb") -> Cipher: ...
    @property
    def variant(self) -> str:
        """The variant id (``ecb-sha256``, ``gcm-nonce-ct-tag``, ``cbc-ivprefix``, ...)."""
    @property
    def scheme(self) -> str:
        """``ecb``, ``gcm`` or ``cbc``."""
    def encrypt(self, plaintext: str) -> str:
        """Encrypts UTF-8 text; returns the ciphertext text (base64 for the default variants)."""
    def decrypt(self, ciphertext: str) -> str:
        """Decrypts ciphertext text to UTF-8 text."""

@final
class DiagnoseMatch:
    """One variant that decrypted a ciphertext."""

    @property
    def variant(self) -> str:
        """The variant id."""
    @property
    def scheme(self) -> str:
        """The scheme of the variant."""
    @property
    def plaintext(self) -> str:
        """The decrypted text."""
    @property
    def is_json(self) -> bool:
        """Whether the text parses as JSON."""
    @property
    def authenticated(self) -> bool:
        """True when a GCM tag verified: this variant is certainly the one used."""
    def to_dict(self) -> dict[str, Any]:
        """The match as a `dict`."""

def diagnose(ciphertext: str, api_key: str) -> list[DiagnoseMatch]:
    """Every variant that decrypts ``ciphertext`` to text, the most convincing first."""

# == url =======================================================================================

@final
class UrlBuilder:
    """Builds FaceAuth URLs for one project. Thread-safe."""

    def __new__(
        cls,
        project_id: str,
        api_key: str,
        scheme: str = "ecb",
        *,
        base_url: Optional[str] = None,
        lang: Optional[str] = None,
    ) -> UrlBuilder: ...
    @property
    def project_id(self) -> str:
        """The project id (`pid`)."""
    @property
    def variant(self) -> str:
        """The variant id (`ecb-sha256`, …)."""
    @property
    def scheme(self) -> str:
        """The scheme: `ecb`, `gcm` or `cbc`."""
    @property
    def base_url(self) -> str:
        """The base URL links point at (no trailing `/`)."""
    @property
    def lang(self) -> Optional[str]:
        """The page language, if set."""
    @property
    def cipher(self) -> Cipher:
        """The builder's cipher (the same key and variant), e.g. for `Cipher.decrypt`."""
    def build(
        self,
        sid: str,
        *,
        user_id: Optional[str] = None,
        cf1: Optional[str] = None,
        cf2: Optional[str] = None,
        cf3: Optional[str] = None,
        token: Optional[str] = None,
    ) -> str:
        """Builds the URL for one user."""
    def build_many(self, rows: Iterable[Mapping[str, Optional[str]]]) -> list[str]:
        """One URL per dict of ``build``'s keyword arguments; the GIL is released."""

@final
class Inspection:
    """A FaceAuth URL taken apart."""

    @property
    def pid(self) -> str:
        """The project id, in clear in the URL."""
    @property
    def lang(self) -> Optional[str]:
        """The page language, if the URL sets one."""
    @property
    def base_url(self) -> str:
        """Everything before `/face-auth?`."""
    @property
    def variant(self) -> str:
        """The id of the variant that decrypted it."""
    @property
    def params(self) -> dict[str, str]:
        """The decrypted parameters present, by their payload keys (`sid`, `authUserId`,
        `authCf1`…`authCf3`, `token`), in the spec's order.
        """
    @property
    def unknown_fields(self) -> dict[str, Any]:
        """Payload keys outside the spec's list, with their values as sent."""
    @property
    def sid(self) -> str:
        """`sid`: the submission id."""
    @property
    def user_id(self) -> Optional[str]:
        """`authUserId`, if present."""
    @property
    def cf1(self) -> Optional[str]:
        """`authCf1`, if present."""
    @property
    def cf2(self) -> Optional[str]:
        """`authCf2`, if present."""
    @property
    def cf3(self) -> Optional[str]:
        """`authCf3`, if present."""
    @property
    def token(self) -> Optional[str]:
        """`token`, if present."""
    def to_dict(self) -> dict[str, Any]:
        """The report as `faceauth inspect --json` prints it: `base_url`, `pid`, `lang`, `variant`,
        `params`, `unknown_fields`, `percent_decoded`, `spaces_as_plus`, `whitespace_removed`.
        """

def inspect_url(url: str, api_key: str, scheme: str = "ecb") -> Inspection:
    """`faceauth.inspect_url(url, api_key, scheme="ecb")`: takes a FaceAuth URL (or its query)
    apart and decrypts its parameters.
    """

# == token =====================================================================================

def generate_token() -> str:
    """A fresh random token id."""

def validate_token(token_id: str) -> None:
    """Raises ``TokenError`` unless ``token_id`` is a valid token id."""

# == webhook ===================================================================================

@final
class FaceAuthEvent:
    """A ``faceAuth`` webhook: a FaceAuth result reached its final status."""

    @property
    def event(self) -> str:
        """`"faceAuth"`."""
    @property
    def auth_id(self) -> Optional[str]:
        """The FaceAuth result id."""
    @property
    def submission_id(self) -> Optional[str]:
        """The ID check submission re-authenticated."""
    @property
    def status(self) -> Optional[str]:
        """The final status (`approved`, `rejected`, …), as sent."""
    @property
    def create_time(self) -> Optional[datetime.datetime]:
        """When the result was made (aware UTC), if sent as RFC 3339."""
    @property
    def user_id(self) -> Optional[str]:
        """Your id for the user."""
    @property
    def cf1(self) -> Optional[str]:
        """Custom field 1."""
    @property
    def cf2(self) -> Optional[str]:
        """Custom field 2."""
    @property
    def cf3(self) -> Optional[str]:
        """Custom field 3."""
    @property
    def token_id(self) -> Optional[str]:
        """The token id the URL carried."""
    @property
    def reference(self) -> Optional[dict[str, Optional[str]]]:
        """The `reference` object (current shape): `userid`, `email`, `cf1`…`cf3`."""
    @property
    def shape(self) -> str:
        """The shape it came in: `current`, `older` or `oldest`."""
    @property
    def encrypted(self) -> bool:
        """Whether the body was the encrypted form, decrypted with the key given."""
    @property
    def raw(self) -> dict[str, Any]:
        """The whole (decrypted) webhook JSON."""
    def to_dict(self) -> dict[str, Any]:
        """The fields as a `dict` (`event` first; `raw` left out)."""

@final
class TokenExpiredEvent:
    """A ``token_expired`` webhook: a token id expired."""

    @property
    def event(self) -> str:
        """`"token_expired"`."""
    @property
    def token_id(self) -> str:
        """The token id that expired."""
    @property
    def condition(self) -> str:
        """Why: `count`, `time`, or another condition as sent."""
    @property
    def expired_at(self) -> Optional[datetime.datetime]:
        """When it expired (count rule; aware UTC), if sent as RFC 3339."""
    @property
    def expected_expired_at(self) -> Optional[datetime.datetime]:
        """When it expires (time rule; aware UTC), if sent as RFC 3339."""
    @property
    def expires_at(self) -> Optional[datetime.datetime]:
        """`expired_at` if sent, else `expected_expired_at`."""
    @property
    def service(self) -> Optional[str]:
        """Which product sent it: `faceAuth`, `idCheck`, or another as sent."""
    @property
    def encrypted(self) -> bool:
        """Whether the body was the encrypted form, decrypted with the key given."""
    @property
    def raw(self) -> dict[str, Any]:
        """The whole (decrypted) webhook JSON."""
    def to_dict(self) -> dict[str, Any]:
        """The fields as a `dict` (`event` first; `raw` left out)."""

@final
class UnknownEvent:
    """A webhook with an unknown trigger, or none; kept whole."""

    @property
    def event(self) -> str:
        """`"unknown"`."""
    @property
    def trigger(self) -> Optional[str]:
        """The `webhook_trigger` as sent, if any."""
    @property
    def encrypted(self) -> bool:
        """Whether the body was the encrypted form, decrypted with the key given."""
    @property
    def raw(self) -> dict[str, Any]:
        """The whole (decrypted) webhook JSON."""
    def to_dict(self) -> dict[str, Any]:
        """`event`, `trigger` and `raw` as a `dict`."""

def parse_webhook(
    body: Union[bytes, bytearray, memoryview, str],
    api_key: Optional[str] = None,
    *,
    scheme: str = "ecb",
) -> Union[FaceAuthEvent, TokenExpiredEvent, UnknownEvent]:
    """`faceauth.parse_webhook(body, api_key=None, *, scheme="ecb")`: parses a webhook request body,
    decrypting it with the ID check project's key when it is encrypted (`{"data": "…"}`).
    """

@final
class ConfirmedEvent:
    """A webhook event confirmed with Argos by ``Client.confirm_webhook``."""

    @property
    def event(self) -> Union[FaceAuthEvent, TokenExpiredEvent, UnknownEvent]:
        """The event with Argos's status, time and submission (``faceAuth``)."""
    @property
    def confirmed_by(self) -> Literal["argos", "encrypted"]:
        """`"argos"` (fetched back from Argos) or `"encrypted"` (an encrypted `token_expired`)."""
    @property
    def score(self) -> Optional[float]:
        """Argos's face similarity score, when its record carries one."""
    @property
    def record(self) -> Optional[AuthRecord]:
        """Argos's record of the result (`faceAuth` only)."""
    def to_dict(self) -> dict[str, Any]:
        """The event's fields, `confirmed_by`, `score` and Argos's `record` (as JSON), as a `dict`."""

# == client ====================================================================================

@final
class Scores:
    """The scores of a result; each is ``None`` unless the project's options enable it."""

    @property
    def face_similarity(self) -> Optional[float]:
        """`face_similarity_score` (0-100)."""
    @property
    def occluded(self) -> Optional[float]:
        """`occluded_score`."""
    @property
    def face_cover(self) -> Optional[float]:
        """`face_cover_score`."""
    @property
    def head_cover(self) -> Optional[float]:
        """`head_cover_score`."""
    def to_dict(self) -> dict[str, Optional[float]]:
        """The four scores by name."""

@final
class AuthResult:
    """The answer to ``Client.submit``: approved, or rejected with fail codes and comments."""

    @property
    def auth_id(self) -> str:
        """`authentication_id`: the id of this result."""
    @property
    def status(self) -> str:
        """``approved``, ``rejected``, or any other status as sent."""
    @property
    def approved(self) -> bool:
        """True when the face matched."""
    @property
    def create_time(self) -> Optional[datetime.datetime]:
        """Aware, UTC; ``None`` when absent or unreadable."""
    @property
    def scores(self) -> Scores:
        """The scores the project's options enable."""
    @property
    def fail_codes(self) -> list[str]:
        """`fail_code`, when rejected (unknown codes are kept as sent)."""
    @property
    def rejected_comments(self) -> list[str]:
        """`rejected_comment`, when rejected."""
    def to_dict(self) -> dict[str, Any]:
        """The whole response, as ``faceauth auth submit`` prints it."""

@final
class AuthRecord:
    """One FaceAuth result, from ``Client.get`` or ``Client.list``."""

    @property
    def auth_id(self) -> str:
        """`auth_id`."""
    @property
    def status(self) -> str:
        """`approved`, `rejected`, or any other status as sent."""
    @property
    def approved(self) -> bool:
        """True when the face matched."""
    @property
    def create_time(self) -> Optional[datetime.datetime]:
        """`create_time` as an aware UTC `datetime`, if sent."""
    @property
    def submit_type(self) -> Optional[str]:
        """``form`` (the hosted page) or ``api`` (``Client.submit``)."""
    @property
    def submission_id(self) -> Optional[str]:
        """`kyc_submission_id`: the ID check submission."""
    @property
    def deleted(self) -> bool:
        """`delete_check`: the image and personal data were erased."""
    @property
    def project_id(self) -> Optional[str]:
        """`faceAuth_projectId`, when the response names the project."""
    @property
    def reject_comments(self) -> list[str]:
        """`reject_comment`, when present."""
    def to_dict(self) -> dict[str, Any]:
        """The row as received, as ``faceauth auth get`` prints it."""

@final
class Image:
    """The selfie of a result."""

    @property
    def data(self) -> bytes:
        """The image bytes."""
    @property
    def content_type(self) -> str:
        """Sniffed from the bytes: ``image/jpeg``, ``image/png``, … or ``application/octet-stream``."""
    def __len__(self) -> int: ...

@final
class Records(Iterator[AuthRecord]):
    """The results of ``Client.list``, fetched page by page as the iteration goes."""

    def __iter__(self) -> Records: ...
    def __next__(self) -> AuthRecord: ...
    @property
    def pages(self) -> int:
        """How many pages were fetched so far."""
    @property
    def incomplete(self) -> Optional[str]:
        """After the end: why more rows may exist, or ``None``."""

@final
class Client:
    """A thread-safe client of the FaceAuth REST API; a context manager."""

    def __new__(
        cls,
        api_key: str,
        *,
        base_url: Optional[str] = None,
        timeout: float = 60.0,
        max_retries: int = 2,
    ) -> Client: ...
    @property
    def base_url(self) -> str:
        """The REST base URL (credentials in it are redacted)."""
    @property
    def timeout(self) -> float:
        """Seconds one attempt may take."""
    @property
    def max_retries(self) -> int:
        """How many times a failed GET or DELETE is repeated."""
    @property
    def closed(self) -> bool:
        """True once `close()` was called."""
    @property
    def user_agent(self) -> str:
        """The user agent sent with every request."""
    def close(self) -> None:
        """Releases the client's connections and wipes its key; later calls raise `ValueError`.
        Idempotent.
        """
    def __enter__(self) -> Self: ...
    def __exit__(self, *_exc: object) -> bool: ...
    def submit(
        self,
        submission_id: str,
        image: Union[bytes, bytearray, str, os.PathLike[str]],
        *,
        user_id: Optional[str] = None,
        cf1: Optional[str] = None,
        cf2: Optional[str] = None,
        cf3: Optional[str] = None,
        file_name: Optional[str] = None,
        content_type: Optional[str] = None,
    ) -> AuthResult:
        """POST /faceauth: compares a selfie with the approved submission's. A rejected face is a
        result with status `rejected`, not an error.
        """
    def get(self, auth_id: str) -> AuthRecord:
        """GET /faceauth?authId=…: one result."""
    def confirm_webhook(
        self, event: Union[FaceAuthEvent, TokenExpiredEvent, UnknownEvent]
    ) -> ConfirmedEvent:
        """Confirms a webhook event (from `parse_webhook`) with Argos before it is acted on:
        fetches a `faceAuth` result back by its authentication id and returns a
        `ConfirmedEvent` with Argos's status, time and submission; a `token_expired` event is
        confirmed only when its body was encrypted. Record it with `Ledger.apply_confirmed`.
        Raises `WebhookError` (`.kind` `webhook_unconfirmed`: Argos has no such result;
        `webhook_mismatch`: it belongs to another submission or user; `webhook_unverifiable`:
        it cannot be confirmed), or the API's error when Argos cannot be asked (then answer the
        sender so that it retries).
        """
    def list(
        self,
        *,
        start_date: Union[str, datetime.date, None] = None,
        end_date: Union[str, datetime.date, None] = None,
        count: Optional[int] = None,
    ) -> Records:
        """GET /faceauth: every result, as a lazy iterator that fetches page after page (with the
        GIL released) as it is consumed. Dates are `yyyy-mm-dd` text or `datetime.date`s, both
        or neither; `count` is the page size (1 to 2000).
        """
    def image(self, auth_id: str) -> Image:
        """GET /faceauth/image?authId=…: the selfie, as `Image(.data, .content_type)`."""
    def delete(self, auth_id: str) -> None:
        """DELETE /faceauth?authId=…: erases the image and personal data of a result."""

# == ledger ====================================================================================

@final
class IssuedLink:
    """A link ``Ledger.issue_url`` handed out, its token recorded."""

    @property
    def url(self) -> str:
        """The FaceAuth URL, carrying the token."""
    @property
    def token(self) -> str:
        """The freshly minted token id."""
    @property
    def rule(self) -> str:
        """``count`` or ``time:SECONDS``."""
    def to_dict(self) -> dict[str, str]:
        """`{"url", "token", "rule"}`, as `faceauth ledger issue` prints it."""

@final
class LinkResult:
    """A FaceAuth result matched to a token by a ``faceAuth`` webhook."""

    @property
    def auth_id(self) -> Optional[str]:
        """The authentication id, if the webhook carried one."""
    @property
    def status(self) -> Optional[str]:
        """The final status (`approved`, `rejected`, …), if carried."""
    @property
    def create_time(self) -> Optional[datetime.datetime]:
        """When Argos made the result, if carried."""
    @property
    def confirmed(self) -> bool:
        """True when confirmed with Argos; false when applied as posted."""
    def to_dict(self) -> dict[str, Any]:
        """`{"auth_id", "status", "create_time", "confirmed"}` (time as RFC 3339 text)."""

@final
class ReportedExpiry:
    """An expiry reported by a ``token_expired`` webhook."""

    @property
    def at(self) -> datetime.datetime:
        """When the token expires or expired."""
    @property
    def condition(self) -> str:
        """Argos's `expired_condition` (`count`, `time`, …)."""
    @property
    def service(self) -> Optional[str]:
        """Argos's `service`, if sent."""
    def to_dict(self) -> dict[str, Optional[str]]:
        """`{"at", "condition", "service"}` (time as RFC 3339 text)."""

@final
class TokenStatus:
    """A token's state at the moment asked, and its record."""

    @property
    def token(self) -> str:
        """The token id."""
    @property
    def state(self) -> Literal["unused", "active", "completed", "expired"]:
        """`unused`, `active`, `completed` or `expired`."""
    @property
    def until(self) -> Optional[datetime.datetime]:
        """While active: the first moment it is expired."""
    @property
    def reason(self) -> Optional[Literal["count", "time", "reported"]]:
        """When expired: why."""
    @property
    def condition(self) -> Optional[str]:
        """When expired by a webhook: Argos's ``expired_condition``."""
    @property
    def expired_at(self) -> Optional[datetime.datetime]:
        """When expired: when."""
    @property
    def result(self) -> Optional[LinkResult]:
        """When completed: the latest result."""
    @property
    def submission_id(self) -> str:
        """The ID check submission the link re-authenticates."""
    @property
    def rule(self) -> str:
        """`count` or `time:SECONDS`."""
    @property
    def user_id(self) -> Optional[str]:
        """The user id given at issue."""
    @property
    def metadata(self) -> dict[str, str]:
        """The metadata given at issue."""
    @property
    def issued_at(self) -> datetime.datetime:
        """When it was issued."""
    @property
    def first_used_at(self) -> Optional[datetime.datetime]:
        """Its first use, if any."""
    @property
    def results(self) -> list[LinkResult]:
        """Every result matched to it, oldest first."""
    @property
    def reported_expiry(self) -> Optional[ReportedExpiry]:
        """The earliest expiry a `token_expired` webhook reported, if any."""
    def to_dict(self) -> dict[str, Any]:
        """The JSON ``faceauth ledger status`` prints (times as RFC 3339 text)."""

@final
class WebhookOutcome:
    """What ``Ledger.apply_webhook`` did with a webhook."""

    @property
    def outcome(self) -> Literal["recorded", "unknown_token", "no_token", "refused", "ignored", "other"]:
        """`recorded`, `unknown_token`, `no_token`, `refused` or `ignored`."""
    @property
    def matched(self) -> bool:
        """True when the webhook was matched to a token and recorded."""
    @property
    def status(self) -> Optional[TokenStatus]:
        """The token's status after the webhook, when recorded."""
    @property
    def token(self) -> Optional[str]:
        """The token id: the recorded one, or the unknown one the webhook named."""
    @property
    def reason(self) -> Optional[str]:
        """Why it was ignored or refused."""
    def to_dict(self) -> dict[str, Any]:
        """The JSON ``faceauth ledger apply-webhook`` prints."""

@final
class Ledger:
    """Issued tokens and what happened to them, in memory, a SQLite file or PostgreSQL; thread-safe."""

    def __new__(cls, location: Union[str, os.PathLike[str], None] = None) -> Ledger: ...
    @property
    def location(self) -> str:
        """`":memory:"`, the SQLite file's path, or the PostgreSQL URL without its password."""
    @property
    def closed(self) -> bool:
        """True once `close()` was called."""
    def close(self) -> None:
        """Releases the ledger (its file, for SQLite; its tokens, in memory). Idempotent."""
    def __enter__(self) -> Self: ...
    def __exit__(self, *_exc: object) -> bool: ...
    def __contains__(self, token_id: str, /) -> bool: ...
    def issue_url(
        self,
        builder: UrlBuilder,
        sid: str,
        *,
        rule: str = "count",
        user_id: Optional[str] = None,
        cf1: Optional[str] = None,
        cf2: Optional[str] = None,
        cf3: Optional[str] = None,
        meta: Optional[Mapping[str, str]] = None,
        now: Optional[datetime.datetime] = None,
    ) -> IssuedLink:
        """Mints a fresh token, records it, and returns the link `builder` makes for submission
        `sid` with that token: `IssuedLink(.url, .token, .rule)`. Nothing is recorded when the
        parameters are bad; no link is returned unless the token is recorded.
        """
    def issue(
        self,
        token_id: str,
        submission_id: str,
        *,
        rule: str = "count",
        user_id: Optional[str] = None,
        meta: Optional[Mapping[str, str]] = None,
        now: Optional[datetime.datetime] = None,
    ) -> TokenStatus:
        """Records a token you minted yourself (`faceauth.generate_token()`) for submission
        `submission_id`, issued at `now`; returns its status. `issue_url` does this and builds
        the link in one call.
        """
    def status(self, token_id: str, *, now: Optional[datetime.datetime] = None) -> TokenStatus:
        """The token's state and record at `now` (default: the current time). Raises `LedgerError`
        (kind `token_unknown`) if the ledger does not hold it; `token_id in ledger` checks first.
        """
    def mark_used(self, token_id: str, *, at: Optional[datetime.datetime] = None) -> TokenStatus:
        """Records that the token was used (opened) at `at` (default now); returns its status then.
        For a count token this spends it.
        """
    def apply_webhook(
        self,
        body: Union[bytes, bytearray, str, FaceAuthEvent, TokenExpiredEvent, UnknownEvent],
        api_key: Optional[str] = None,
        *,
        scheme: str = "ecb",
        now: Optional[datetime.datetime] = None,
    ) -> WebhookOutcome:
        """Parses a webhook body (bytes or str, or an event `parse_webhook` returned; decrypted with `api_key`, the ID check project's
        webhook key, with `scheme` as `parse_webhook` takes it, when encrypted) and records it against its token. Returns a
        `WebhookOutcome`: `recorded` (with the token's status), `unknown_token`, `no_token` or
        `ignored`. Applying the same webhook twice, or webhooks in any order, is safe.
        """
    def apply_confirmed(
        self, confirmed: ConfirmedEvent, *, now: Optional[datetime.datetime] = None
    ) -> WebhookOutcome:
        """Records a webhook confirmed by `Client.confirm_webhook`, as `apply_webhook` does, but
        the result is marked confirmed (`LinkResult.confirmed`) and goes only to a token issued
        for the submission (and user, when both name one) Argos's record names: otherwise the
        outcome is `refused` and nothing changes.
        """
    def list(
        self,
        state: Optional[str] = None,
        *,
        submission_id: Optional[str] = None,
        since: Optional[datetime.datetime] = None,
        until: Optional[datetime.datetime] = None,
        limit: Optional[int] = None,
        now: Optional[datetime.datetime] = None,
    ) -> list[TokenStatus]:
        """The tokens that match, with their state at `now`, in order of issue. `state` is
        `unused`, `active`, `completed` or `expired`; `since`/`until` (aware `datetime`s) bound
        the issue time (`until` exclusive).
        """
    def purge(
        self, older_than: Union[float, datetime.timedelta], *, now: Optional[datetime.datetime] = None
    ) -> int:
        """Deletes every token issued longer than `older_than` (seconds or a `timedelta`) before
        `now`, whatever its state; returns how many were deleted.
        """

# == testing ===================================================================================

@final
class PageVisit:
    """What the simulator's hosted page answered to ``Simulator.open``."""

    @property
    def status(self) -> int:
        """The HTTP status: 200, or 400/410 (`.json["error"]` says why)."""
    @property
    def json(self) -> dict[str, Any]:
        """The JSON body."""
    @property
    def ok(self) -> bool:
        """True for a 200: a result was recorded."""
    @property
    def auth_id(self) -> Optional[str]:
        """The result's auth id, on success."""
    @property
    def auth_status(self) -> Optional[str]:
        """The result's status (`approved` or `rejected`), on success."""
    @property
    def error(self) -> Optional[str]:
        """The page's error, on failure."""
    def to_dict(self) -> dict[str, Any]:
        """`{"status", "json"}`."""

@disjoint_base
class Simulator:
    """The FaceAuth simulator, in this process (use ``faceauth.testing.Simulator``)."""

    def __new__(
        cls,
        api_key: str = "mock-api-key",
        project_id: str = "mock-project",
        *,
        token_rule: Optional[str] = ...,  # "count"
        submissions: Sequence[str] = ...,
        webhook_url: Optional[str] = None,
        webhook_key: Optional[str] = None,
        url_key: Optional[str] = None,
        scheme: str = "ecb",
        allowed_ips: Optional[Sequence[str]] = None,
        max_body_bytes: int = 5_000_000,
        now: Optional[datetime.datetime] = None,
        webhook_shape: str = "current",
        response_shape: str = "nested",
        image_format: str = "raw",
        verbose: bool = False,
    ) -> Self: ...
    def start(self) -> Self:
        """Starts serving on a free loopback port (no-op if running); returns the simulator."""
    def stop(self) -> None:
        """Stops the server, closing its connections (no-op if stopped). Its state is lost: a later
        `start()` begins afresh, on another port.
        """
    def __enter__(self) -> Self: ...
    def __exit__(self, *_exc: object) -> bool: ...
    @property
    def running(self) -> bool:
        """True between `start()` and `stop()`."""
    @property
    def base_url(self) -> str:
        """`http://127.0.0.1:PORT`: the REST base URL (`Client(base_url=…)`) and the hosted page's
        (`UrlBuilder(base_url=…)`) at once.
        """
    @property
    def api_key(self) -> str:
        """The project's API key (a test key: the one given, or `mock-api-key`)."""
    @property
    def project_id(self) -> str:
        """The project id, the `pid` of hosted-page URLs."""
    @property
    def token_rule(self) -> Optional[str]:
        """The token rule: `count`, `time:SECONDS`, or `None` when token expiration is off."""
    def add_submission(self, submission_id: str, status: str = "approved", *, user_id: Optional[str] = None) -> None:
        """Adds (or replaces) an ID check submission; only `approved` ones can be re-authenticated."""
    def add_results(
        self,
        count: int,
        *,
        submission_id: Optional[str] = None,
        auth_status: str = "approved",
        start: Optional[datetime.datetime] = None,
        step_seconds: float = 1.0,
    ) -> int:
        """Creates `count` results at once (for paging tests), `step_seconds` apart from `start`
        (default: the mock clock); returns how many were made.
        """
    def open(self, url: str, *, result: Optional[Literal["approved", "rejected"]] = None) -> PageVisit:
        """Does what the user's browser does with a FaceAuth link: GETs the hosted page, which
        decrypts the link, applies the token rule, records a result and sends the webhooks.
        `result="rejected"` makes the face fail to match. Returns `PageVisit(.status, .json)`:
        200 with `auth_id` and `auth_status`, or an error status (410 for an expired token) with
        `error`. Only this simulator's URLs are visited.
        """
    @overload
    def webhooks(self, *, raw: Literal[False] = False) -> list[dict[str, Any]]:
        """Every webhook the simulator sent (or tried to send), oldest first: parsed bodies, or the
        bodies as bytes with `raw=True` (what a receiver gets; give them to
        `Ledger.apply_webhook`). Kept whether or not a `webhook_url` is set.
        """
    @overload
    def webhooks(self, *, raw: Literal[True]) -> list[bytes]: ...
    @property
    def now(self) -> datetime.datetime:
        """The mock clock, as an aware UTC `datetime`. It runs at the real pace from wherever it was
        set or moved to.
        """
    def advance_clock(self, seconds: float) -> datetime.datetime:
        """Moves the mock clock forward (or back, with a negative number) by `seconds`; returns
        the new time. Token time rules and result times follow it.
        """
    def set_clock(self, when: datetime.datetime) -> datetime.datetime:
        """Sets the mock clock to `when` (an aware `datetime`); returns it."""
    def faults(
        self,
        *,
        latency_ms: Optional[int] = None,
        error_rate: Optional[float] = None,
        drop_rate: Optional[float] = None,
        seed: Optional[int] = None,
        fail_next: Optional[int] = None,
        fail_status: Optional[int] = None,
        drop_next: Optional[int] = None,
        lose_next: Optional[int] = None,
    ) -> dict[str, Any]:
        """Changes fault injection on the REST API (only the settings given) and returns them all:
        `latency_ms` before each request; `error_rate`/`drop_rate` (0 to 1, dice from `seed`);
        the next `fail_next` requests answer `fail_status` (default 502); the next `drop_next`
        close without an answer; the next `lose_next` are processed, then close unanswered.
        """
    def requests(self) -> dict[str, Any]:
        """Request counts by endpoint."""
    def state(self) -> dict[str, Any]:
        """A dump of the simulator's state (results, tokens, submissions, webhook deliveries;
        never its keys).
        """
