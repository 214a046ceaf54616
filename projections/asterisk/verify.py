"""Compare the live generated Asterisk config with one rendered afresh from the read model."""

from __future__ import annotations

import tempfile
from pathlib import Path

from .applier import ConfigApplier


def compare(pool, live_dir: Path, *, realtime: bool) -> list[str]:
    """Names of generated files that differ, are missing or are extra in ``live_dir``."""
    with tempfile.TemporaryDirectory(prefix="pbxflow-render-") as tmp:
        fresh_dir = Path(tmp)
        ConfigApplier(pool, fresh_dir).full()

        def files(d: Path) -> dict[str, bytes]:
            out = {p.name: p.read_bytes() for p in d.glob("*.conf")}
            if realtime:  # tenant devices live in the realtime tables, not in files
                out = {n: b for n, b in out.items() if not n.startswith("pjsip_t_")}
            return out

        fresh, live = files(fresh_dir), files(Path(live_dir))
    return sorted(n for n in set(fresh) | set(live) if fresh.get(n) != live.get(n))
