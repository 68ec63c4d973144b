"""Types of the native module ``faceauth._native`` (hand-written; checked by mypy.stubtest).

One section per area, in the order of ``python/src/lib.rs``.
"""

from typing import Optional

__version__: str

# == errors ====================================================================================

class FaceAuthError(Exception):
    """Base of every FaceAuth error."""

    kind: str
    """The stable name of the error kind, e.g. ``"bad_padding"``."""
    code: int
    """The C ABI status number of the kind."""

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
class NotFound(ApiError): ...
class TransportError(ApiError): ...
class Timeout(TransportError): ...
class ConnectionError(TransportError): ...

# == crypto ====================================================================================

# == url =======================================================================================

# == token =====================================================================================

# == webhook ===================================================================================

# == client ====================================================================================

# == ledger ====================================================================================

# == testing ===================================================================================
