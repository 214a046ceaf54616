"""The reports side of one process: the second-stage view, its reads and the archive worker."""

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

    def catch_up(self) -> int:
        return self.view.process()

    def close(self) -> None:
        self.archives.close()


_lock = threading.Lock()


def reports_service(runtime) -> ReportsService:
    with _lock:
        svc = getattr(runtime, "_reports", None)
        if svc is None:
            svc = runtime._reports = ReportsService(runtime)
        return svc
