"""Playwright in a thread of its own, reached from the test thread through a thin proxy.

Playwright's sync API leaves its asyncio loop registered as running on the thread that uses it.
Django then keeps database connections per asyncio context instead of per thread, so a test's
set-up, body and tear-down would each get a different connection and transactional tests would
leak data. Running the browser in another thread keeps the test thread free of any event loop;
every call on a proxied object is carried out in the browser thread and its result brought back.
"""

from __future__ import annotations

import queue
import threading
from dataclasses import dataclass, field

PLAIN = (str, int, float, bool, bytes, type(None))


@dataclass
class _Job:
    fn: object
    args: tuple
    kwargs: dict
    done: threading.Event = field(default_factory=threading.Event)
    result: object = None
    error: BaseException | None = None


class BrowserThread:
    """Starts Chromium through Playwright in a daemon thread and runs calls there, one at a time."""

    def __init__(self, *, executable_path: str, args: list[str]) -> None:
        self._jobs: queue.Queue[_Job | None] = queue.Queue()
        self._ready = threading.Event()
        self._failure: BaseException | None = None
        self._options = {"executable_path": executable_path, "args": args}
        self._thread = threading.Thread(target=self._run, name="playwright", daemon=True)
        self._thread.start()
        self._ready.wait(60)
        if self._failure:
            raise self._failure

    def _run(self) -> None:
        from playwright.sync_api import sync_playwright

        try:
            with sync_playwright() as playwright:
                self.browser = playwright.chromium.launch(**self._options)
                self._ready.set()
                while (job := self._jobs.get()) is not None:
                    try:
                        job.result = job.fn(*job.args, **job.kwargs)
                    except BaseException as error:  # handed back to the test thread
                        job.error = error
                    job.done.set()
                self.browser.close()
        except BaseException as error:
            self._failure = error
            self._ready.set()

    def call(self, fn, *args, **kwargs):
        job = _Job(fn, tuple(_unwrap(a) for a in args), {k: _unwrap(v) for k, v in kwargs.items()})
        self._jobs.put(job)
        job.done.wait()
        if job.error is not None:
            raise job.error
        return self.wrap(job.result)

    def wrap(self, value):
        if isinstance(value, PLAIN):
            return value
        if isinstance(value, list):
            return [self.wrap(v) for v in value]
        if isinstance(value, dict):
            return {k: self.wrap(v) for k, v in value.items()}
        return Remote(value, self)

    def stop(self) -> None:
        self._jobs.put(None)
        self._thread.join(30)


class Remote:
    """A Playwright object that lives in the browser thread."""

    def __init__(self, target, owner: BrowserThread) -> None:
        object.__setattr__(self, "_target", target)
        object.__setattr__(self, "_owner", owner)

    def __getattr__(self, name: str):
        return self._owner.call(getattr, self._target, name)

    def __call__(self, *args, **kwargs):
        return self._owner.call(self._target, *args, **kwargs)

    def __repr__(self) -> str:
        return f"Remote({self._target!r})"


def _unwrap(value):
    if isinstance(value, Remote):
        return object.__getattribute__(value, "_target")
    if isinstance(value, list | tuple):
        return type(value)(_unwrap(v) for v in value)
    return value


def expect(value, *args, **kwargs):
    """Playwright's `expect`, run in the browser thread on the proxied object."""
    owner = object.__getattribute__(value, "_owner")

    def build(target):
        from playwright.sync_api import expect as playwright_expect

        return playwright_expect(target, *args, **kwargs)

    return owner.call(build, value)
