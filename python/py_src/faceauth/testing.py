"""Test your FaceAuth integration without Argos: an in-process simulator and a pytest fixture.

``Simulator`` runs the FaceAuth simulator (the REST API, the hosted page, token rules and the
webhooks) in this process, on a free loopback port. Nothing leaves the machine.

    from faceauth.testing import Simulator

    with Simulator(submissions=["sub-1"]) as sim:
        builder = sim.url_builder()
        ledger = faceauth.Ledger()
        link = ledger.issue_url(builder, "sub-1")
        assert sim.open(link.url).ok                 # what the user's browser does
        for body in sim.webhooks(raw=True):          # what your webhook endpoint receives
            ledger.apply_webhook(body)
        assert ledger.status(link.token).state == "completed"

With pytest, the ``simulator`` fixture gives each test a fresh, started simulator (default
settings: API key ``mock-api-key``, project ``mock-project``, token rule ``count``, no
submissions). Make it available in one of two ways, in your ``conftest.py``:

    from faceauth.testing import simulator  # noqa: F401  (re-exported fixture)

or

    pytest_plugins = ["faceauth.testing"]

For other settings, write your own fixture:

    @pytest.fixture
    def sim() -> Iterator[Simulator]:
        with Simulator(token_rule="time:60", submissions=["sub-1"]) as s:
            yield s
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from faceauth._native import Client, PageVisit, UrlBuilder
from faceauth._native import Simulator as _NativeSimulator

# `simulator` (the pytest fixture) is left out: it exists only where pytest is installed.
__all__ = ["PageVisit", "Simulator"]


class Simulator(_NativeSimulator):
    """The FaceAuth simulator in this process; see the module's documentation."""

    def client(self, **options: Any) -> Client:
        """A ``faceauth.Client`` for this simulator's REST API, with its API key.

        ``options`` go to ``Client`` (``timeout``, ``max_retries``).
        """
        return Client(self.api_key, base_url=self.base_url, **options)

    def url_builder(self, **options: Any) -> UrlBuilder:
        """A ``faceauth.UrlBuilder`` whose links open this simulator's hosted page.

        ``options`` go to ``UrlBuilder`` (``scheme``, ``lang``).
        """
        return UrlBuilder(self.project_id, self.api_key, base_url=self.base_url, **options)


try:
    import pytest
except ImportError:  # pragma: no cover - pytest is only needed for the fixture
    pass
else:

    @pytest.fixture
    def simulator() -> Iterator[Simulator]:
        """A started ``Simulator`` with the default settings, stopped after the test."""
        with Simulator() as sim:
            yield sim
