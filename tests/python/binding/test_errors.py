"""The exception hierarchy: families mirror the C ABI's code ranges."""

import pytest

import faceauth

FAMILIES = {
    faceauth.CryptoError: faceauth.FaceAuthError,
    faceauth.UrlError: faceauth.FaceAuthError,
    faceauth.TokenError: faceauth.FaceAuthError,
    faceauth.LedgerError: faceauth.TokenError,
    faceauth.WebhookError: faceauth.FaceAuthError,
    faceauth.ApiError: faceauth.FaceAuthError,
    faceauth.InvalidRequest: faceauth.ApiError,
    faceauth.IpNotAllowed: faceauth.ApiError,
    faceauth.AuthenticationError: faceauth.ApiError,
    faceauth.PayloadTooLarge: faceauth.ApiError,
    faceauth.ServerError: faceauth.ApiError,
    faceauth.NotFound: faceauth.InvalidRequest,
    faceauth.TransportError: faceauth.ApiError,
    faceauth.Timeout: faceauth.TransportError,
    faceauth.ConnectionError: faceauth.TransportError,
}


@pytest.mark.parametrize("cls,parent", FAMILIES.items(), ids=lambda c: getattr(c, "__name__", ""))
def test_hierarchy(cls: type, parent: type) -> None:
    assert parent in cls.__mro__[1:]
    assert cls.__module__ == "faceauth"
    assert cls.__doc__


def test_base_is_an_exception_with_default_fields() -> None:
    assert issubclass(faceauth.FaceAuthError, Exception)
    err = faceauth.FaceAuthError("by hand")
    assert (err.kind, err.code) == ("error", 0)
    api = faceauth.ServerError("by hand")
    assert (api.status, api.error_code, api.message, api.body) == (None, None, None, None)


def test_invalid_argument_is_also_a_value_error() -> None:
    assert issubclass(faceauth.InvalidArgument, faceauth.FaceAuthError)
    assert issubclass(faceauth.InvalidArgument, ValueError)
    assert faceauth.InvalidArgument.__module__ == "faceauth"
