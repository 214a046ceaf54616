"""Keep the generated Asterisk config in step with the read model, and apply it.

The action history (rm_audit) doubles as a change feed: every row names the
tenant and object kind it touched. Each step coalesces all rows since the last
step, re-renders only the dirty tenants (and the platform files when trunks,
numbers or tenants changed), writes what differs, and asks Asterisk to reload
only the modules whose files changed. Many commands in a burst become one
reload.
"""

from __future__ import annotations

import logging
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Protocol

from psycopg_pool import ConnectionPool

from . import realtime, render, source, writer

log = logging.getLogger(__name__)
PLATFORM_KINDS = ("trunk", "number", "tenant")


class Reloader(Protocol):
    def reload(self, modules: set[str]) -> None:
        """Reload these modules on every node; raise when a node refuses or is down."""


@dataclass
class ApplyStatus:
    position: int = 0
    applied_position: int = 0
    last_error: str | None = None
    last_changed: list[str] = field(default_factory=list)
    last_apply_ms: float = 0.0
    pending_modules: set[str] = field(default_factory=set)

    @property
    def in_sync(self) -> bool:
        return not self.pending_modules and self.last_error is None


class ConfigApplier:
    def __init__(self, pool: ConnectionPool, out_dir: Path, reloader: Reloader | None = None,
                 on_progress: Callable[[str], None] | None = None,
                 on_apply: Callable[[str, dict], None] | None = None, realtime: bool = False):
        self.pool = pool
        self.out_dir = Path(out_dir)
        self.reloader = reloader
        self.status = ApplyStatus()
        self.codes: dict[str, str] = {}  # tenant id -> code, to remove files of deleted tenants
        # PJSIP realtime (docs/asterisk-realtime.md): tenant devices go to ps_* tables in this
        # database, live on commit with no reload; trunks and the dialplan stay in files.
        self.realtime = realtime
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._progress = on_progress or (lambda msg: None)
        # Told of each applied reload and of each new failure (not of every retry).
        self._on_apply = on_apply or (lambda action, details: None)

    # --- rendering --------------------------------------------------------------

    def full(self) -> set[str]:
        """Render everything (start-up, replay); returns the changed files."""
        with self.pool.connection() as conn:
            position = conn.execute("SELECT coalesce(max(notification_id), 0) FROM rm_audit").fetchone()[0]
            codes = source.tenant_codes(conn)
            files = render.render_platform(source.load_platform(conn))
            for i, tid in enumerate(sorted(codes)):
                tenant = source.load_tenant(conn, tid)
                if tenant is not None:
                    files.update(render.render_tenant(tenant))
                if i % 100 == 99:
                    self._progress(f"rendered {i + 1}/{len(codes)} tenants")
        self.codes = codes
        if self.realtime:
            self._sync_realtime(files)
        live = set(files)
        stale = [p.name for p in self.out_dir.glob("*_t_*.conf") if p.name not in live] if self.out_dir.exists() else []
        changed = writer.write_files(self.out_dir, files, remove=stale)
        self.codes = codes
        self.status.position = position
        self._note_changed(changed)
        return changed

    def step(self) -> set[str]:
        """Apply the changes recorded since the last step."""
        with self.pool.connection() as conn:
            rows = conn.execute(
                "SELECT notification_id, tenant_id, object_type, object_id FROM rm_audit"
                " WHERE notification_id > %s ORDER BY notification_id",
                (self.status.position,),
            ).fetchall()
            if not rows:
                return set()
            dirty: set[str] = set()
            platform = False
            for _, tenant_id, object_type, object_id in rows:
                if object_type == "asterisk_node":  # our own apply records: nothing to render
                    continue
                if tenant_id is not None:
                    dirty.add(str(tenant_id))
                if object_type == "tenant":
                    dirty.add(str(object_id))
                platform = platform or object_type in PLATFORM_KINDS
            files: dict[str, str] = {}
            remove: list[str] = []
            for tid in sorted(dirty):
                tenant = source.load_tenant(conn, tid)
                if tenant is None:
                    if tid in self.codes:
                        code = self.codes.pop(tid)
                        remove += writer.tenant_files(code)
                        if self.realtime:
                            realtime.delete_tenant(conn, code)
                    continue
                self.codes[tid] = tenant.code
                rendered = render.render_tenant(tenant)
                if self.realtime:
                    rendered.pop(f"pjsip_t_{tenant.code}.conf")
                    realtime.replace_tenant(conn, realtime.tenant_rows(tenant))
                files.update(rendered)
            if platform:
                files.update(render.render_platform(source.load_platform(conn)))
        changed = writer.write_files(self.out_dir, files, remove=remove)
        self.status.position = rows[-1][0]
        self._note_changed(changed)
        if not self.status.pending_modules and self.status.last_error is None:
            self.status.applied_position = self.status.position  # realtime rows are live on commit
        return changed

    def _sync_realtime(self, files: dict[str, str]) -> None:
        """All tenants' devices into the realtime tables; their pjsip files are not written."""
        with self.pool.connection() as conn:
            realtime.ensure_schema(conn)
            tenants = [source.load_tenant(conn, tid) for tid in sorted(self.codes)]
            realtime.sync_all(conn, [realtime.tenant_rows(t) for t in tenants if t is not None])
        for name in [n for n in files if n.startswith("pjsip_t_")]:
            del files[name]

    def _note_changed(self, changed: set[str]) -> None:
        if changed:
            self.status.last_changed = sorted(changed)
            self.status.pending_modules |= {writer.module_for(n) for n in changed}

    # --- applying ---------------------------------------------------------------

    def apply_pending(self) -> None:
        if not self.status.pending_modules or self.reloader is None:
            return
        modules = set(self.status.pending_modules)
        started = time.monotonic()
        try:
            self.reloader.reload(modules)
        except Exception as exc:  # keep pending: the next step retries
            error = f"{type(exc).__name__}: {exc}"
            if error != self.status.last_error:
                self._report("config_apply_failed", {"position": self.status.position, "modules": sorted(modules), "error": error})
            self.status.last_error = error
            log.warning("asterisk reload of %s failed: %s", sorted(modules), error)
            return
        self.status.pending_modules -= modules
        self.status.last_error = None
        self.status.applied_position = self.status.position
        self.status.last_apply_ms = (time.monotonic() - started) * 1000
        self._report("config_applied", {"position": self.status.position, "modules": sorted(modules),
                                        "files": self.status.last_changed, "ms": round(self.status.last_apply_ms, 1)})

    def _report(self, action: str, details: dict) -> None:
        try:
            self._on_apply(action, details)
        except Exception:  # recording the outcome must never stop applying
            log.exception("could not record %s", action)

    # 0.2 s between steps: bursts coalesce into one render and one reload, well inside
    # the 1 s a change may take to go live.
    def run(self, interval: float = 0.2, retry: float = 1.0) -> None:
        self.full()
        self.apply_pending()
        while not self._stop.is_set():
            try:
                self.step()
                self.apply_pending()
            except Exception:
                log.exception("asterisk config step failed")
            wait = retry if self.status.last_error else interval
            self._stop.wait(wait)

    def start(self) -> None:
        self._thread = threading.Thread(target=self.run, name="asterisk-config", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        if self._thread:
            self._thread.join(timeout=5)
