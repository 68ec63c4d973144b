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

class InvalidArgument(FaceAuthError, ValueError): ...
class CryptoError(FaceAuthError): ...
class UrlError(FaceAuthError): ...
class TokenError(FaceAuthError): ...
class LedgerError(TokenError): ...
class WebhookError(FaceAuthError): ...

class ApiError(FaceAuthError):
    status: Optional[int]
    """The HTTP status, when the server answered."""
    error_code: Optional[str]
    """Argos's ``errorCode``, when the body has one."""
    message: Optional[str]
    """Argos's ``message``, when the body has one."""
    body: Optional[str]
    """The response body as received (at most 64 KiB)."""

class InvalidRequest(ApiError): ...
class IpNotAllowed(ApiError): ...
class AuthenticationError(ApiError): ...
class PayloadTooLarge(ApiError): ...
class ServerError(ApiError): ...
class NotFound(InvalidRequest): ...
class TransportError(ApiError): ...
class Timeout(TransportError): ...
class ConnectionError(TransportError): ...
class TlsUntrusted(ConnectionError): ...
class Cancelled(FaceAuthError): ...

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
    def encrypt(self, plaintext: str) -> str: ...
    def decrypt(self, ciphertext: str) -> str: ...

@final
class DiagnoseMatch:
    """One variant that decrypted a ciphertext."""

    @property
    def variant(self) -> str: ...
    @property
    def scheme(self) -> str: ...
    @property
    def plaintext(self) -> str: ...
    @property
    def is_json(self) -> bool: ...
    @property
    def authenticated(self) -> bool: ...
    def to_dict(self) -> dict[str, Any]: ...

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
    def project_id(self) -> str: ...
    @property
    def variant(self) -> str: ...
    @property
    def scheme(self) -> str: ...
    @property
    def base_url(self) -> str: ...
    @property
    def lang(self) -> Optional[str]: ...
    @property
    def cipher(self) -> Cipher: ...
    def build(
        self,
        sid: str,
        *,
        user_id: Optional[str] = None,
        cf1: Optional[str] = None,
        cf2: Optional[str] = None,
        cf3: Optional[str] = None,
        token: Optional[str] = None,
    ) -> str: ...
    def build_many(self, rows: Iterable[Mapping[str, Optional[str]]]) -> list[str]:
        """One URL per dict of ``build``'s keyword arguments; the GIL is released."""

@final
class Inspection:
    """A FaceAuth URL taken apart."""

    @property
    def pid(self) -> str: ...
    @property
    def lang(self) -> Optional[str]: ...
    @property
    def base_url(self) -> str: ...
    @property
    def variant(self) -> str: ...
    @property
    def params(self) -> dict[str, str]: ...
    @property
    def unknown_fields(self) -> dict[str, Any]: ...
    @property
    def sid(self) -> str: ...
    @property
    def user_id(self) -> Optional[str]: ...
    @property
    def cf1(self) -> Optional[str]: ...
    @property
    def cf2(self) -> Optional[str]: ...
    @property
    def cf3(self) -> Optional[str]: ...
    @property
    def token(self) -> Optional[str]: ...
    def to_dict(self) -> dict[str, Any]: ...

def inspect_url(url: str, api_key: str, scheme: str = "ecb") -> Inspection: ...

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
    def event(self) -> str: ...
    @property
    def auth_id(self) -> Optional[str]: ...
    @property
    def submission_id(self) -> Optional[str]: ...
    @property
    def status(self) -> Optional[str]: ...
    @property
    def create_time(self) -> Optional[datetime.datetime]: ...
    @property
    def user_id(self) -> Optional[str]: ...
    @property
    def cf1(self) -> Optional[str]: ...
    @property
    def cf2(self) -> Optional[str]: ...
    @property
    def cf3(self) -> Optional[str]: ...
    @property
    def token_id(self) -> Optional[str]: ...
    @property
    def reference(self) -> Optional[dict[str, Optional[str]]]: ...
    @property
    def shape(self) -> str: ...
    @property
    def encrypted(self) -> bool: ...
    @property
    def raw(self) -> dict[str, Any]: ...
    def to_dict(self) -> dict[str, Any]: ...

@final
class TokenExpiredEvent:
    """A ``token_expired`` webhook: a token id expired."""

    @property
    def event(self) -> str: ...
    @property
    def token_id(self) -> str: ...
    @property
    def condition(self) -> str: ...
    @property
    def expired_at(self) -> Optional[datetime.datetime]: ...
    @property
    def expected_expired_at(self) -> Optional[datetime.datetime]: ...
    @property
    def expires_at(self) -> Optional[datetime.datetime]: ...
    @property
    def service(self) -> Optional[str]: ...
    @property
    def encrypted(self) -> bool: ...
    @property
    def raw(self) -> dict[str, Any]: ...
    def to_dict(self) -> dict[str, Any]: ...

@final
class UnknownEvent:
    """A webhook with an unknown trigger, or none; kept whole."""

    @property
    def event(self) -> str: ...
    @property
    def trigger(self) -> Optional[str]: ...
    @property
    def encrypted(self) -> bool: ...
    @property
    def raw(self) -> dict[str, Any]: ...
    def to_dict(self) -> dict[str, Any]: ...

def parse_webhook(
    body: Union[bytes, bytearray, memoryview, str],
    api_key: Optional[str] = None,
    *,
    scheme: str = "ecb",
) -> Union[FaceAuthEvent, TokenExpiredEvent, UnknownEvent]: ...

@final
class ConfirmedEvent:
    """A webhook event confirmed with Argos by ``Client.confirm_webhook``."""

    @property
    def event(self) -> Union[FaceAuthEvent, TokenExpiredEvent, UnknownEvent]:
        """The event with Argos's status, time and submission (``faceAuth``)."""
    @property
    def confirmed_by(self) -> Literal["argos", "encrypted"]: ...
    @property
    def score(self) -> Optional[float]: ...
    @property
    def record(self) -> Optional[AuthRecord]: ...
    def to_dict(self) -> dict[str, Any]: ...

# == client ====================================================================================

@final
class Scores:
    """The scores of a result; each is ``None`` unless the project's options enable it."""

    @property
    def face_similarity(self) -> Optional[float]: ...
    @property
    def occluded(self) -> Optional[float]: ...
    @property
    def face_cover(self) -> Optional[float]: ...
    @property
    def head_cover(self) -> Optional[float]: ...
    def to_dict(self) -> dict[str, Optional[float]]: ...

@final
class AuthResult:
    """The answer to ``Client.submit``: approved, or rejected with fail codes and comments."""

    @property
    def auth_id(self) -> str: ...
    @property
    def status(self) -> str:
        """``approved``, ``rejected``, or any other status as sent."""
    @property
    def approved(self) -> bool: ...
    @property
    def create_time(self) -> Optional[datetime.datetime]:
        """Aware, UTC; ``None`` when absent or unreadable."""
    @property
    def scores(self) -> Scores: ...
    @property
    def fail_codes(self) -> list[str]: ...
    @property
    def rejected_comments(self) -> list[str]: ...
    def to_dict(self) -> dict[str, Any]:
        """The whole response, as ``faceauth auth submit`` prints it."""

@final
class AuthRecord:
    """One FaceAuth result, from ``Client.get`` or ``Client.list``."""

    @property
    def auth_id(self) -> str: ...
    @property
    def status(self) -> str: ...
    @property
    def approved(self) -> bool: ...
    @property
    def create_time(self) -> Optional[datetime.datetime]: ...
    @property
    def submit_type(self) -> Optional[str]:
        """``form`` (the hosted page) or ``api`` (``Client.submit``)."""
    @property
    def submission_id(self) -> Optional[str]: ...
    @property
    def deleted(self) -> bool: ...
    @property
    def project_id(self) -> Optional[str]: ...
    @property
    def reject_comments(self) -> list[str]: ...
    def to_dict(self) -> dict[str, Any]:
        """The row as received, as ``faceauth auth get`` prints it."""

@final
class Image:
    """The selfie of a result."""

    @property
    def data(self) -> bytes: ...
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
    def base_url(self) -> str: ...
    @property
    def timeout(self) -> float: ...
    @property
    def max_retries(self) -> int: ...
    @property
    def closed(self) -> bool: ...
    @property
    def user_agent(self) -> str: ...
    def close(self) -> None: ...
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
    ) -> AuthResult: ...
    def get(self, auth_id: str) -> AuthRecord: ...
    def confirm_webhook(
        self, event: Union[FaceAuthEvent, TokenExpiredEvent, UnknownEvent]
    ) -> ConfirmedEvent: ...
    def list(
        self,
        *,
        start_date: Union[str, datetime.date, None] = None,
        end_date: Union[str, datetime.date, None] = None,
        count: Optional[int] = None,
    ) -> Records: ...
    def image(self, auth_id: str) -> Image: ...
    def delete(self, auth_id: str) -> None: ...

# == ledger ====================================================================================

@final
class IssuedLink:
    """A link ``Ledger.issue_url`` handed out, its token recorded."""

    @property
    def url(self) -> str: ...
    @property
    def token(self) -> str: ...
    @property
    def rule(self) -> str:
        """``count`` or ``time:SECONDS``."""
    def to_dict(self) -> dict[str, str]: ...

@final
class LinkResult:
    """A FaceAuth result matched to a token by a ``faceAuth`` webhook."""

    @property
    def auth_id(self) -> Optional[str]: ...
    @property
    def status(self) -> Optional[str]: ...
    @property
    def create_time(self) -> Optional[datetime.datetime]: ...
    @property
    def confirmed(self) -> bool:
        """True when confirmed with Argos; false when applied as posted."""
    def to_dict(self) -> dict[str, Any]: ...

@final
class ReportedExpiry:
    """An expiry reported by a ``token_expired`` webhook."""

    @property
    def at(self) -> datetime.datetime: ...
    @property
    def condition(self) -> str: ...
    @property
    def service(self) -> Optional[str]: ...
    def to_dict(self) -> dict[str, Optional[str]]: ...

@final
class TokenStatus:
    """A token's state at the moment asked, and its record."""

    @property
    def token(self) -> str: ...
    @property
    def state(self) -> Literal["unused", "active", "completed", "expired"]: ...
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
    def expired_at(self) -> Optional[datetime.datetime]: ...
    @property
    def result(self) -> Optional[LinkResult]:
        """When completed: the latest result."""
    @property
    def submission_id(self) -> str: ...
    @property
    def rule(self) -> str: ...
    @property
    def user_id(self) -> Optional[str]: ...
    @property
    def metadata(self) -> dict[str, str]: ...
    @property
    def issued_at(self) -> datetime.datetime: ...
    @property
    def first_used_at(self) -> Optional[datetime.datetime]: ...
    @property
    def results(self) -> list[LinkResult]: ...
    @property
    def reported_expiry(self) -> Optional[ReportedExpiry]: ...
    def to_dict(self) -> dict[str, Any]:
        """The JSON ``faceauth ledger status`` prints (times as RFC 3339 text)."""

@final
class WebhookOutcome:
    """What ``Ledger.apply_webhook`` did with a webhook."""

    @property
    def outcome(self) -> Literal["recorded", "unknown_token", "no_token", "refused", "ignored", "other"]: ...
    @property
    def matched(self) -> bool: ...
    @property
    def status(self) -> Optional[TokenStatus]: ...
    @property
    def token(self) -> Optional[str]: ...
    @property
    def reason(self) -> Optional[str]: ...
    def to_dict(self) -> dict[str, Any]:
        """The JSON ``faceauth ledger apply-webhook`` prints."""

@final
class Ledger:
    """Issued tokens and what happened to them, in memory, a SQLite file or PostgreSQL; thread-safe."""

    def __new__(cls, location: Union[str, os.PathLike[str], None] = None) -> Ledger: ...
    @property
    def location(self) -> str: ...
    @property
    def closed(self) -> bool: ...
    def close(self) -> None: ...
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
    ) -> IssuedLink: ...
    def issue(
        self,
        token_id: str,
        submission_id: str,
        *,
        rule: str = "count",
        user_id: Optional[str] = None,
        meta: Optional[Mapping[str, str]] = None,
        now: Optional[datetime.datetime] = None,
    ) -> TokenStatus: ...
    def status(self, token_id: str, *, now: Optional[datetime.datetime] = None) -> TokenStatus: ...
    def mark_used(self, token_id: str, *, at: Optional[datetime.datetime] = None) -> TokenStatus: ...
    def apply_webhook(
        self,
        body: Union[bytes, bytearray, str, FaceAuthEvent, TokenExpiredEvent, UnknownEvent],
        api_key: Optional[str] = None,
        *,
        scheme: str = "ecb",
        now: Optional[datetime.datetime] = None,
    ) -> WebhookOutcome: ...
    def apply_confirmed(
        self, confirmed: ConfirmedEvent, *, now: Optional[datetime.datetime] = None
    ) -> WebhookOutcome: ...
    def list(
        self,
        state: Optional[str] = None,
        *,
        submission_id: Optional[str] = None,
        since: Optional[datetime.datetime] = None,
        until: Optional[datetime.datetime] = None,
        limit: Optional[int] = None,
        now: Optional[datetime.datetime] = None,
    ) -> list[TokenStatus]: ...
    def purge(
        self, older_than: Union[float, datetime.timedelta], *, now: Optional[datetime.datetime] = None
    ) -> int: ...

# == testing ===================================================================================

@final
class PageVisit:
    """What the simulator's hosted page answered to ``Simulator.open``."""

    @property
    def status(self) -> int: ...
    @property
    def json(self) -> dict[str, Any]: ...
    @property
    def ok(self) -> bool: ...
    @property
    def auth_id(self) -> Optional[str]: ...
    @property
    def auth_status(self) -> Optional[str]: ...
    @property
    def error(self) -> Optional[str]: ...
    def to_dict(self) -> dict[str, Any]: ...

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
    def start(self) -> Self: ...
    def stop(self) -> None: ...
    def __enter__(self) -> Self: ...
    def __exit__(self, *_exc: object) -> bool: ...
    @property
    def running(self) -> bool: ...
    @property
    def base_url(self) -> str: ...
    @property
    def api_key(self) -> str: ...
    @property
    def project_id(self) -> str: ...
    @property
    def token_rule(self) -> Optional[str]: ...
    def add_submission(self, submission_id: str, status: str = "approved", *, user_id: Optional[str] = None) -> None: ...
    def add_results(
        self,
        count: int,
        *,
        submission_id: Optional[str] = None,
        auth_status: str = "approved",
        start: Optional[datetime.datetime] = None,
        step_seconds: float = 1.0,
    ) -> int: ...
    def open(self, url: str, *, result: Optional[Literal["approved", "rejected"]] = None) -> PageVisit: ...
    @overload
    def webhooks(self, *, raw: Literal[False] = False) -> list[dict[str, Any]]: ...
    @overload
    def webhooks(self, *, raw: Literal[True]) -> list[bytes]: ...
    @property
    def now(self) -> datetime.datetime: ...
    def advance_clock(self, seconds: float) -> datetime.datetime: ...
    def set_clock(self, when: datetime.datetime) -> datetime.datetime: ...
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
    ) -> dict[str, Any]: ...
    def requests(self) -> dict[str, Any]: ...
    def state(self) -> dict[str, Any]: ...
