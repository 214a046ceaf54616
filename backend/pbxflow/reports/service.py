"""The reports side of one process: the second-stage view, the operator-states model, their
reads, the archive worker and (in ``pbxflow serve``) the background catch-up."""

from __future__ import annotations

import threading

from projections.reports.view import ReportsView

from .archive import Archives
from .queries import ReportsQueries


class ReportsService:
    """Made on first use from the runtime's calls service. Reads first bring the view up to the
    calls projection (``catch_up``): the cost is the calls finished since the last read."""

    def __init__(self, runtime):
        calls = runtime.calls_service()
        self.calls = calls
        self.view = ReportsView(runtime.pool, calls.view, calls.app)
        self.read = ReportsQueries(runtime.pool)
        self.archives = Archives(runtime.pool, self.read, self.catch_up)
        self.follower = None
        self._states_lock = threading.Lock()

    def catch_up(self) -> int:
        return self.view.process()

    def operator_states(self):
        """The operator-states read model on the calls service's datastore (made once, shared)."""
        with self._states_lock:
            view = getattr(self.calls, "operator_states", None)
            if view is None:
                from projections.reports.operator_states import OperatorStatesView

                view = self.calls.operator_states = OperatorStatesView.on(self.calls._factory.datastore)
            return view

    def catch_up_states(self) -> int:
        return self.operator_states().process(self.calls.app)

    def start_background(self, *, poll_interval: float = 1.0):
        """Keep both read models caught up from a thread woken by the calls projection's batches."""
        from .background import ReportsFollower

        if self.follower is None:
            self.follower = ReportsFollower([self.catch_up, self.catch_up_states], poll_interval=poll_interval,
                                            should_stop=self.calls._closed.is_set)
            self.calls.view.batch_listeners.append(self.follower.wake)
            self.follower.start()
        return self.follower

    def stop_background(self) -> None:
        if self.follower is not None:
            if self.follower.wake in self.calls.view.batch_listeners:
                self.calls.view.batch_listeners.remove(self.follower.wake)
            self.follower.stop()
            self.follower = None

    def close(self) -> None:
        self.stop_background()
        self.archives.close()


_lock = threading.Lock()


def reports_service(runtime) -> ReportsService:
    with _lock:
        svc = getattr(runtime, "_reports", None)
        if svc is None:
            svc = runtime._reports = ReportsService(runtime)
        return svc
