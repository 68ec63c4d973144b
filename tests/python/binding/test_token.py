"""generate_token and validate_token."""

import re

import pytest

import faceauth


def test_new_tokens_are_valid_and_fresh() -> None:
    tokens = {faceauth.generate_token() for _ in range(1000)}
    assert len(tokens) == 1000
    for token in tokens:
        assert re.fullmatch(r"tok_[a-z2-7]{26}", token), token
        faceauth.validate_token(token)  # raises on a bad id


@pytest.mark.parametrize("token", ["tok_abc12345", "A1234567", "a.b-c_d9" * 8])
def test_valid_ids(token: str) -> None:
    faceauth.validate_token(token)  # raises on a bad id


@pytest.mark.parametrize("token,message", [
    ("tok_1", "token id is 5 characters; it must be 8 to 64"),
    ("x" * 65, "token id is 65 characters"),
    ("tok_abc 12345", "token id has ' ' at position 7"),
    ("_tok_abc12345", "must start and end with a letter or digit"),
    ("tok_한국어한국어", "token id has '한' at position 4"),
])
def test_invalid_ids_raise_token_error(token: str, message: str) -> None:
    with pytest.raises(faceauth.TokenError) as info:
        faceauth.validate_token(token)
    assert (info.value.kind, info.value.code) == ("invalid_token", 200)
    assert message in str(info.value)
    assert not isinstance(info.value, faceauth.LedgerError)


def test_wrong_type() -> None:
    with pytest.raises(TypeError):
        faceauth.validate_token(12345678)  # type: ignore[arg-type]
