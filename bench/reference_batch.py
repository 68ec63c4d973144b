"""The FaceAuth link job as integrators write it today: Python and the `cryptography` package.

Reads the same CSV as `faceauth batch` (header `sid[,user_id,cf1,cf2,cf3,token]`) and writes the
same output (input columns, then `url`). ECB with the default recipe is deterministic, so for
input rows that carry their tokens the two outputs must be byte-identical: the benchmark checks
that, which makes this script an independent cross-check of the whole URL, not just the crypto.

Usage: reference_batch.py PID INPUT OUTPUT   (key in FACEAUTH_API_KEY)
"""

import base64
import csv
import hashlib
import json
import os
import sys
from urllib.parse import quote

from cryptography.hazmat.primitives import padding
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes

FIELDS = [("sid", "sid"), ("user_id", "authUserId"), ("cf1", "authCf1"),
          ("cf2", "authCf2"), ("cf3", "authCf3"), ("token", "token")]


def encrypt(plaintext: str, key: bytes) -> str:
    padder = padding.PKCS7(128).padder()
    data = padder.update(plaintext.encode("utf-8")) + padder.finalize()
    encryptor = Cipher(algorithms.AES(key), modes.ECB()).encryptor()
    return base64.b64encode(encryptor.update(data) + encryptor.finalize()).decode("ascii")


def main() -> None:
    pid, src, dst = sys.argv[1:4]
    key = hashlib.sha256(os.environ["FACEAUTH_API_KEY"].encode("utf-8")).digest()
    prefix = f"https://form.argosidentity.com/face-auth?pid={quote(pid, safe='')}&encrypted="
    with open(src, newline="", encoding="utf-8") as fin, open(dst, "w", newline="", encoding="utf-8") as fout:
        reader = csv.reader(fin)
        writer = csv.writer(fout, lineterminator="\n")
        header = next(reader)
        columns = {name: header.index(name) for name, _ in FIELDS if name in header}
        writer.writerow(header + ["url"])
        for row in reader:
            payload = {}
            for name, key_name in FIELDS:
                i = columns.get(name)
                if i is not None and i < len(row) and row[i]:
                    payload[key_name] = row[i]
            text = json.dumps(payload, separators=(",", ":"), ensure_ascii=False)
            writer.writerow(row + [prefix + quote(encrypt(text, key), safe="")])


if __name__ == "__main__":
    main()
