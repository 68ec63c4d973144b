"""The whole FaceAuth flow, end to end, against the in-process simulator (no network).

1. Issue a link: mint a token, record it in the ledger, build the encrypted URL.
2. The user opens it (here the simulator plays the browser and the selfie).
3. Argos sends webhooks to your endpoint; apply each to the ledger.
4. The token's state changed: completed, with the result. Read that result with the REST client.

In production the same calls run against Argos: build the UrlBuilder with your project id and
API key (no base_url), give Client your API key (no base_url), open a SQLite ledger shared by
your processes (``Ledger("tokens.db")``), and call ``ledger.apply_webhook(request_body)`` in
your webhook endpoint.

Run: python examples/python/flow.py
"""

from __future__ import annotations

import faceauth
from faceauth.testing import Simulator


def main() -> None:
    with Simulator(token_rule="count", submissions=["sub-1"]) as sim, faceauth.Ledger() as ledger:
        # 1. Issue a link for an approved ID check submission.
        builder = faceauth.UrlBuilder(sim.project_id, sim.api_key, base_url=sim.base_url)
        link = ledger.issue_url(builder, "sub-1", rule="count", user_id="user-1", meta={"order": "A-1001"})
        print("issued:", link.token, ledger.status(link.token).state)  # unused

        # 2. The user opens the link and takes a selfie.
        visit = sim.open(link.url)
        assert visit.ok, visit.json
        print("opened:", visit.auth_id, visit.auth_status)

        # 3. Your webhook endpoint receives the webhooks; apply each to the ledger.
        for body in sim.webhooks(raw=True):
            outcome = ledger.apply_webhook(body)
            print("webhook:", outcome.outcome, outcome.status.state if outcome.status else "-")

        # 4. The token is completed, with the result the webhook carried.
        status = ledger.status(link.token)
        assert status.state == "completed" and status.result is not None
        print("status:", status.state, status.result.auth_id, status.result.status)

        # A count token is spent: opening the link again is refused.
        assert sim.open(link.url).status == 410

        # The REST API has the same result.
        with faceauth.Client(sim.api_key, base_url=sim.base_url) as client:
            record = client.get(status.result.auth_id or "")
            print("api:", record.auth_id, record.status, record.submit_type, record.create_time)


if __name__ == "__main__":
    main()
