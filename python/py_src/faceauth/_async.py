"""``faceauth.AsyncClient``: the REST client for asyncio.

Each call runs the native ``Client``'s call on a thread of the client's own pool, with the GIL
released while it waits for Argos, and the event loop awaits it (no polling: the pool's thread
completes the awaited future). Cancelling the awaiting task (``asyncio.wait_for``, a
``TaskGroup``, ``task.cancel()``) triggers the call's ``Cancel`` handle, which aborts the
request in flight; no further attempt is made.
"""

from __future__ import annotations

import asyncio
import datetime
import functools
import os
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from types import TracebackType
from typing import TYPE_CHECKING, Any, Optional, TypeVar, Union

from faceauth._native import (
    Attempt,
    AuthRecord,
    AuthResult,
    Cancel,
    Client,
    ConfirmedEvent,
    FaceAuthEvent,
    Image,
    Records,
    TokenExpiredEvent,
    UnknownEvent,
)

if TYPE_CHECKING:
    from typing_extensions import Self

__all__ = ["AsyncClient", "AsyncRecords"]

T = TypeVar("T")

# Enough for many calls at once without one thread per call; each waits on the network.
DEFAULT_MAX_WORKERS = 16


async def _await_cancellable(executor: ThreadPoolExecutor, cancel: Cancel, work: Callable[[], T]) -> T:
    """Runs `work` on `executor` and awaits it; cancelling the awaiting task cancels `cancel`
    (so the call aborts its request at once) and re-raises."""
    future = asyncio.get_running_loop().run_in_executor(executor, work)
    try:
        return await future
    except asyncio.CancelledError:
        cancel.cancel()
        raise


class AsyncRecords:
    """The results of ``AsyncClient.list``, for ``async for``: each page is fetched on the
    client's thread pool as the iteration goes. Cancelling the iterating task cancels the
    listing (the page in flight is aborted). A failed page raises once, then the iteration ends."""

    def __init__(self, records: Records, cancel: Cancel, executor: ThreadPoolExecutor) -> None:
        self._records = records
        self._cancel = cancel
        self._executor = executor

    def __aiter__(self) -> AsyncRecords:
        return self

    async def __anext__(self) -> AuthRecord:
        # next() with a default: StopIteration cannot travel through a future.
        record: Optional[AuthRecord] = await _await_cancellable(
            self._executor, self._cancel, functools.partial(next, self._records, None)
        )
        if record is None:
            raise StopAsyncIteration
        return record

    @property
    def pages(self) -> int:
        """How many pages were fetched so far."""
        return self._records.pages

    @property
    def incomplete(self) -> Optional[str]:
        """Once the iteration has ended: why more rows may exist, or ``None``."""
        return self._records.incomplete

    def __repr__(self) -> str:
        return f"AsyncRecords(pages={self.pages})"


class AsyncClient:
    """The FaceAuth REST client for asyncio: ``Client``'s methods, awaitable.

    ``AsyncClient(api_key, **options)`` takes ``Client``'s options, and ``max_workers``: how
    many calls run at once on its thread pool (default 16; more wait their turn). Use it with
    ``async with``, or call ``close()``. Every call takes ``timeout=`` (seconds for the whole
    call, retries included); cancelling the awaiting task aborts the request in flight.
    ``on_attempt`` runs on the pool's threads.
    """

    def __init__(
        self,
        api_key: str,
        *,
        base_url: Optional[str] = None,
        timeout: float = 60.0,
        max_retries: int = 2,
        proxy: Optional[str] = None,
        no_proxy: Optional[str] = None,
        proxy_from_env: bool = True,
        ca_file: Union[str, os.PathLike[str], None] = None,
        platform_roots: bool = False,
        user_agent_suffix: Optional[str] = None,
        on_attempt: Optional[Callable[[Attempt], object]] = None,
        max_workers: int = DEFAULT_MAX_WORKERS,
    ) -> None:
        self._client = Client(
            api_key,
            base_url=base_url,
            timeout=timeout,
            max_retries=max_retries,
            proxy=proxy,
            no_proxy=no_proxy,
            proxy_from_env=proxy_from_env,
            ca_file=ca_file,
            platform_roots=platform_roots,
            user_agent_suffix=user_agent_suffix,
            on_attempt=on_attempt,
        )
        self._executor = ThreadPoolExecutor(max_workers=max_workers, thread_name_prefix="faceauth")

    @property
    def client(self) -> Client:
        """The synchronous ``Client`` underneath (same connections, same options)."""
        return self._client

    @property
    def base_url(self) -> str:
        """The REST base URL (credentials in it are redacted)."""
        return self._client.base_url

    @property
    def closed(self) -> bool:
        """True once ``close()`` was called."""
        return self._client.closed

    @property
    def user_agent(self) -> str:
        """The user agent sent with every request."""
        return self._client.user_agent

    def close(self) -> None:
        """Releases the connections and wipes the key; later calls raise ``ValueError``. Calls
        in flight finish on their threads. Idempotent."""
        self._client.close()
        self._executor.shutdown(wait=False)

    async def __aenter__(self) -> Self:
        if self._client.closed:
            raise ValueError("the client is closed")
        return self

    async def __aexit__(
        self,
        exc_type: Optional[type[BaseException]],
        exc: Optional[BaseException],
        traceback: Optional[TracebackType],
    ) -> None:
        self.close()

    def __repr__(self) -> str:
        return "Async" + repr(self._client)

    async def _call(self, method: Callable[..., T], *args: Any, **kwargs: Any) -> T:
        if self._client.closed:
            raise ValueError("the client is closed")
        cancel = Cancel()
        return await _await_cancellable(
            self._executor, cancel, functools.partial(method, *args, cancel=cancel, **kwargs)
        )

    async def submit(
        self,
        submission_id: str,
        image: Union[bytes, bytearray, str, os.PathLike[str]],
        *,
        user_id: Optional[str] = None,
        cf1: Optional[str] = None,
        cf2: Optional[str] = None,
        cf3: Optional[str] = None,
        file_name: Optional[str] = None,
        content_type: Optional[str] = None,
        timeout: Optional[float] = None,
    ) -> AuthResult:
        """POST /faceauth, as ``Client.submit``. A submission cancelled after its request left
        may have been recorded: look for it before submitting again."""
        return await self._call(
            self._client.submit,
            submission_id,
            image,
            user_id=user_id,
            cf1=cf1,
            cf2=cf2,
            cf3=cf3,
            file_name=file_name,
            content_type=content_type,
            timeout=timeout,
        )

    async def get(self, auth_id: str, *, timeout: Optional[float] = None) -> AuthRecord:
        """GET /faceauth?authId=…: one result, as ``Client.get``."""
        return await self._call(self._client.get, auth_id, timeout=timeout)

    async def confirm_webhook(
        self,
        event: Union[FaceAuthEvent, TokenExpiredEvent, UnknownEvent],
        *,
        timeout: Optional[float] = None,
    ) -> ConfirmedEvent:
        """Confirms a webhook event with Argos, as ``Client.confirm_webhook``."""
        return await self._call(self._client.confirm_webhook, event, timeout=timeout)

    def list(
        self,
        *,
        start_date: Union[str, datetime.date, None] = None,
        end_date: Union[str, datetime.date, None] = None,
        count: Optional[int] = None,
        timeout: Optional[float] = None,
    ) -> AsyncRecords:
        """GET /faceauth: every result, for ``async for`` (arguments as ``Client.list``; the
        arguments are checked at once, the pages fetched as the iteration goes). ``timeout``
        bounds the whole listing."""
        cancel = Cancel()
        records = self._client.list(
            start_date=start_date, end_date=end_date, count=count, timeout=timeout, cancel=cancel
        )
        return AsyncRecords(records, cancel, self._executor)

    async def image(self, auth_id: str, *, timeout: Optional[float] = None) -> Image:
        """GET /faceauth/image?authId=…: the selfie, as ``Client.image``."""
        return await self._call(self._client.image, auth_id, timeout=timeout)

    async def delete(self, auth_id: str, *, timeout: Optional[float] = None) -> None:
        """DELETE /faceauth?authId=…: erases the image and personal data, as ``Client.delete``."""
        await self._call(self._client.delete, auth_id, timeout=timeout)
