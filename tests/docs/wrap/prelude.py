# tests/docs/check_blocks.py: put in front of every ```python block of README.md and docs/. The
# names the snippets use without defining them, with values that let the snippets run offline.
import datetime
import json
import pathlib

import faceauth

api_key: str = "0123456789abcdefghijABCDEFGHIJ0123456789"  # the demo key of docs/encryption.md
project_id: str = "demo-project"
webhook_key: str = api_key
rows: list[dict[str, str]] = [{"sid": "sub_1"}, {"sid": "sub_2", "user_id": "user-2"}]
ciphertext: str = faceauth.Cipher(api_key).encrypt('{"sid": "abc123xyz"}')
request_body: bytes = json.dumps(
    {
        "webhook_trigger": "faceAuth",
        "data": {
            "Submission_id": "sub_1",
            "Auth_Status": "approved",
            "Create_Time": "2025-11-12T02:30:00.000Z",
            "Token_id": "tok_docsexample01",
            "Authentication_id": "fa_docs1",
        },
    }
).encode()


def send_to_user(url: str) -> None:
    assert url.startswith("https://")


_ = (datetime.timedelta, pathlib.Path)
# ---- the block ----
{{BLOCK}}
