"""Cross-check: `faceauth batch` and an independent Python implementation (bench/reference_batch.py,
built on the `cryptography` package) must write byte-identical output for the same input."""

import csv
import os
import random
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
FACEAUTH = Path(os.environ.get("FACEAUTH_BIN", ROOT / "target" / "debug" / "faceauth"))
REFERENCE = ROOT / "bench" / "reference_batch.py"
KEY = "ClQ0Ti1JKSZP88R7FyKdC96KvNClvpfJttz2BDc3"
ALPHABET = "abcXYZ019 ,\"'&=+/%?#ü한🔑-_.~"


def random_text(rng: random.Random, n: int) -> str:
    return "".join(rng.choice(ALPHABET) for _ in range(n))


@pytest.fixture(scope="module")
def rows() -> list[list[str]]:
    rng = random.Random(20261127)
    out = []
    for i in range(2000):
        token = f"tok_{rng.getrandbits(64):016x}" if i % 3 else ""
        out.append([f"sub_{i}", random_text(rng, rng.randint(0, 12)), random_text(rng, rng.randint(0, 30)),
                    "", random_text(rng, 5) if i % 7 == 0 else "", token])
    return out


def test_faceauth_batch_matches_the_python_reference(tmp_path: Path, rows: list[list[str]]) -> None:
    assert FACEAUTH.exists(), f"build the CLI first: {FACEAUTH}"
    src = tmp_path / "in.csv"
    with open(src, "w", newline="", encoding="utf-8") as f:
        writer = csv.writer(f, lineterminator="\n")
        writer.writerow(["sid", "user_id", "cf1", "cf2", "cf3", "token"])
        writer.writerows(rows)
    env = {**os.environ, "FACEAUTH_API_KEY": KEY}
    ours, theirs = tmp_path / "faceauth.csv", tmp_path / "python.csv"
    subprocess.run([FACEAUTH, "batch", "--pid", "pid ü&1", "--input", src, "--output", ours],
                   env=env, check=True, capture_output=True)
    subprocess.run([sys.executable, REFERENCE, "pid ü&1", src, theirs], env=env, check=True)

    ours_text, theirs_text = ours.read_text(encoding="utf-8"), theirs.read_text(encoding="utf-8")
    assert ours_text.count("\n") == len(rows) + 1
    assert ours_text == theirs_text


def test_the_reference_decrypts_what_faceauth_url_builds() -> None:
    """The other direction: a URL from `faceauth url` decrypts with plain `cryptography` code."""
    import base64
    import hashlib
    import json
    from urllib.parse import parse_qs, urlsplit

    from cryptography.hazmat.primitives import padding
    from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes

    out = subprocess.run([FACEAUTH, "url", "--pid", "p", "--sid", "s-1", "--user-id", "ü", "--new-token", "--json"],
                         env={**os.environ, "FACEAUTH_API_KEY": KEY}, check=True, capture_output=True, text=True)
    result = json.loads(out.stdout)
    query = parse_qs(urlsplit(result["url"]).query)
    data = base64.b64decode(query["encrypted"][0], validate=True)
    key = hashlib.sha256(KEY.encode()).digest()
    decryptor = Cipher(algorithms.AES(key), modes.ECB()).decryptor()
    unpadder = padding.PKCS7(128).unpadder()
    plain = unpadder.update(decryptor.update(data) + decryptor.finalize()) + unpadder.finalize()
    assert json.loads(plain) == {"sid": "s-1", "authUserId": "ü", "token": result["token"]}
    assert list(json.loads(plain)) == ["sid", "authUserId", "token"]
