"""The FaceAuth SDK for Python: encrypted FaceAuth URLs, token ids, webhooks, the REST client and
the token ledger, on the Rust core (``faceauth._native``).

Every error is a :class:`FaceAuthError` with ``.kind`` (a stable name such as ``"bad_padding"``)
and ``.code`` (the number the C ABI returns). ``faceauth.ConnectionError`` is not the builtin
``ConnectionError``; it is left out of ``__all__`` so ``from faceauth import *`` does not shadow it.
"""

from typing import Union

from faceauth._native import __version__

# -- errors ---------------------------------------------------------------------------------
from faceauth._native import (
    ApiError,
    AuthenticationError,
    Cancelled,
    ConnectionError as ConnectionError,  # "as": exported for type checkers, yet not in __all__
    CryptoError,
    FaceAuthError,
    InvalidArgument,
    InvalidRequest,
    IpNotAllowed,
    LedgerError,
    NotFound,
    PayloadTooLarge,
    ServerError,
    Timeout,
    TlsUntrusted,
    TokenError,
    TransportError,
    UrlError,
    WebhookError,
)

# -- crypto ---------------------------------------------------------------------------------
from faceauth._native import Cipher, DiagnoseMatch, diagnose

# -- url ------------------------------------------------------------------------------------
from faceauth._native import Inspection, UrlBuilder, inspect_url

# -- token ----------------------------------------------------------------------------------
from faceauth._native import generate_token, validate_token

# -- webhook --------------------------------------------------------------------------------
from faceauth._native import ConfirmedEvent, FaceAuthEvent, TokenExpiredEvent, UnknownEvent, parse_webhook

WebhookEvent = Union[FaceAuthEvent, TokenExpiredEvent, UnknownEvent]
"""What ``parse_webhook`` returns."""

# -- client ---------------------------------------------------------------------------------
from faceauth._native import AuthRecord, AuthResult, Client, Image, Records, Scores

# -- ledger ---------------------------------------------------------------------------------
from faceauth._native import IssuedLink, Ledger, LinkResult, ReportedExpiry, TokenStatus, WebhookOutcome

__all__ = [
    "__version__",
    # errors (ConnectionError is left out: it would shadow the builtin on `import *`)
    "ApiError",
    "AuthenticationError",
    "Cancelled",
    "CryptoError",
    "FaceAuthError",
    "InvalidArgument",
    "InvalidRequest",
    "IpNotAllowed",
    "LedgerError",
    "NotFound",
    "PayloadTooLarge",
    "ServerError",
    "Timeout",
    "TlsUntrusted",
    "TokenError",
    "TransportError",
    "UrlError",
    "WebhookError",
    # crypto
    "Cipher",
    "DiagnoseMatch",
    "diagnose",
    # url
    "Inspection",
    "UrlBuilder",
    "inspect_url",
    # token
    "generate_token",
    "validate_token",
    # webhook
    "ConfirmedEvent",
    "FaceAuthEvent",
    "TokenExpiredEvent",
    "UnknownEvent",
    "WebhookEvent",
    "parse_webhook",
    # client
    "AuthRecord",
    "AuthResult",
    "Client",
    "Image",
    "Records",
    "Scores",
    # ledger
    "IssuedLink",
    "Ledger",
    "LinkResult",
    "ReportedExpiry",
    "TokenStatus",
    "WebhookOutcome",
]
