"""FaceAuth links from Python: build them (one, or a whole batch), read one back, and handle the
webhook that reports the result. Copy what you need.

Run: python examples/python/links.py   (uses the reference key of docs/encryption.md; put your
project's API key in FACEAUTH_API_KEY and its id in FACEAUTH_PROJECT_ID for real links)
"""

import json
import os

import faceauth

API_KEY = os.environ.get("FACEAUTH_API_KEY", "0123456789abcdefghijABCDEFGHIJ0123456789")
PROJECT_ID = os.environ.get("FACEAUTH_PROJECT_ID", "demo-project")


def main() -> None:
    # One builder per project: the key schedule is computed once; share it between threads.
    links = faceauth.UrlBuilder(PROJECT_ID, API_KEY, "ecb", lang="en")

    # One link, with a fresh token id so it expires after use.
    token = faceauth.generate_token()
    url = links.build("abc123xyz", user_id="user-1", token=token)
    print("link:", url)

    # A batch: dicts with build()'s keyword arguments; the GIL is released while they are built.
    rows = [{"sid": f"sub_{i}", "user_id": f"user-{i}", "token": faceauth.generate_token()} for i in range(3)]
    for row, link in zip(rows, links.build_many(rows)):
        print(row["sid"], "->", link[:72] + "...")

    # Read a link back (support: "what did this link carry?").
    report = faceauth.inspect_url(url, API_KEY)
    print("inspected:", report)
    assert report.sid == "abc123xyz" and report.token == token

    # The webhook Argos sends when the selfie is judged (here made up; yours comes as the raw
    # request body, bytes).
    body = json.dumps({"webhook_trigger": "faceAuth",
                       "data": {"Authentication_id": "fa_1", "Submission_id": "abc123xyz",
                                "Auth_Status": "approved", "Create_Time": "2025-11-12T02:23:13.588Z",
                                "Token_id": token}}).encode()
    try:
        event = faceauth.parse_webhook(body, API_KEY)
    except faceauth.WebhookError as e:
        print(f"bad webhook ({e.kind}): {e}")
        return
    if isinstance(event, faceauth.FaceAuthEvent):
        print(f"result for {event.submission_id}: {event.status} at {event.create_time} (token {event.token_id})")
    elif isinstance(event, faceauth.TokenExpiredEvent):
        print(f"token {event.token_id} expired ({event.condition})")
    else:
        print("unknown webhook:", event.trigger)

    # Errors carry a stable kind and the C ABI's code.
    try:
        faceauth.Cipher("a-wrong-key-for-this-text-0000000").decrypt(faceauth.Cipher(API_KEY).encrypt("hi"))
    except faceauth.CryptoError as e:
        print(f"expected failure: {e.kind} ({e.code}): {e}")


if __name__ == "__main__":
    main()
