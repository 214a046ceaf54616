"""Keeps the reports read models caught up in the background (``pbxflow serve``).

The reports projection (``projections/reports/view.py``) follows the calls history and the
operator-states model (``projections/reports/operator_states.py``) the calls store; both used to
catch up only when a report was asked for, so the first request after a quiet hour (or a deploy)
paid for everything since. This thread runs both whenever the calls projection of this process
commits a batch (its ``batch_listeners``), and every ``poll_interval`` seconds as a fallback (the
calls projection may run in another process). Requests still catch up, but only the remainder.
Both models are exactly-once under concurrent writers (a row lock / an advisory lock), so this
thread and the requests may run them at the same time.
"""

from __future__ import annotations

import logging
import threading

log = logging.getLogger(__name__)


class ReportsFollower:
    def __init__(self, steps, *, poll_interval: float = 1.0, should_stop=lambda: False):
        self.steps = steps  # callables, each bringing one read model up to date
        self.poll_interval = poll_interval
        self.should_stop = should_stop  # e.g. the calls service closed
        self.error: str | None = None
        self.rounds = 0
        self._wake = threading.Event()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="pbxflow-reports-follower", daemon=True)

    def start(self) -> "ReportsFollower":
        self._thread.start()
        return self

    def wake(self) -> None:
        self._wake.set()

    def _run(self) -> None:
        while not self._stop.is_set() and not self.should_stop():
            self._wake.clear()
            try:
                for step in self.steps:
                    step()
                self.error = None
                self.rounds += 1
            except Exception as exc:  # the database is unavailable: retried on the next round
                self.error = f"{type(exc).__name__}: {exc}"
                log.exception("reports catch-up failed; retrying")
            self._wake.wait(self.poll_interval)

    def stop(self, timeout: float = 10.0) -> None:
        self._stop.set()
        self._wake.set()
        self._thread.join(timeout)
