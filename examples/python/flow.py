"""The whole FaceAuth flow, end to end, against the in-process simulator (no network).

1. Issue a link: mint a token, record it in the ledger, build the encrypted URL.
2. The user opens it (here the simulator plays the browser and the selfie).
3. Argos sends webhooks to your endpoint. Argos signs none, so each is confirmed with Argos
   (the result fetched back by its id) before it is recorded in the ledger.
4. The token's state changed: completed, with Argos's result. Read it again with the REST client.

In production the same calls run against Argos: build the UrlBuilder with your project id and
API key (no base_url), give Client your API key (no base_url), open a SQLite ledger shared by
your processes (``Ledger("tokens.db")``), and in your webhook endpoint call
``ledger.apply_confirmed(client.confirm_webhook(faceauth.parse_webhook(request_body, webhook_key)))``:
answer 503 on ``faceauth.TransportError``/``faceauth.ServerError`` (Argos out of reach: the
sender retries) and a 4xx on ``faceauth.WebhookError`` (not confirmed: nothing recorded).

Run: python examples/python/flow.py
"""

from __future__ import annotations

import faceauth
from faceauth.testing import Simulator


def main() -> None:
    with Simulator(token_rule="count", submissions=["sub-1"], webhook_key="webhook-key-123") as sim, \
            faceauth.Ledger() as ledger, faceauth.Client(sim.api_key, base_url=sim.base_url) as client:
        # 1. Issue a link for an approved ID check submission.
        builder = faceauth.UrlBuilder(sim.project_id, sim.api_key, base_url=sim.base_url)
        link = ledger.issue_url(builder, "sub-1", rule="count", user_id="user-1", meta={"order": "A-1001"})
        print("issued:", link.token, ledger.status(link.token).state)  # unused

        # 2. The user opens the link and takes a selfie.
        visit = sim.open(link.url)
        assert visit.ok, visit.json
        print("opened:", visit.auth_id, visit.auth_status)

        # 3. Your webhook endpoint receives the (encrypted) webhooks: parse, confirm, record.
        for body in sim.webhooks(raw=True):
            event = faceauth.parse_webhook(body, "webhook-key-123")
            confirmed = client.confirm_webhook(event)  # faceAuth: fetched back from Argos
            outcome = ledger.apply_confirmed(confirmed)
            print("webhook:", event.event, confirmed.confirmed_by, outcome.outcome,
                  outcome.status.state if outcome.status else "-")

        # 4. The token is completed, with the result Argos confirmed.
        status = ledger.status(link.token)
        assert status.state == "completed" and status.result is not None and status.result.confirmed
        print("status:", status.state, status.result.auth_id, status.result.status)

        # A count token is spent: opening the link again is refused.
        assert sim.open(link.url).status == 410

        # The REST API has the same result.
        record = client.get(status.result.auth_id or "")
        print("api:", record.auth_id, record.status, record.submit_type, record.create_time)


if __name__ == "__main__":
    main()
