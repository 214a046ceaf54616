"""Write generated config files atomically; say which Asterisk modules must reload."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

MODULE_OF_PREFIX = {"pjsip_": "res_pjsip.so", "extensions_": "dialplan", "queues_": "app_queue.so",
                    "voicemail_": "app_voicemail.so", "musiconhold_": "res_musiconhold.so"}


def module_for(filename: str) -> str:
    for prefix, module in MODULE_OF_PREFIX.items():
        if filename.startswith(prefix):
            return module
    raise ValueError(f"no Asterisk module reads {filename}")


def write_atomic(path: Path, text: str) -> bool:
    """Replace the file only when its content changes; readers never see half a file."""
    try:
        if path.read_text() == text:
            return False
    except FileNotFoundError:
        pass
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")
    try:
        with os.fdopen(fd, "w") as fh:
            fh.write(text)
            fh.flush()
            os.fsync(fh.fileno())
        os.chmod(tmp, 0o644)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return True


def write_files(directory: Path, files: dict[str, str], *, remove: list[str] = ()) -> set[str]:
    """Write ``files`` and delete ``remove``; returns the names that changed."""
    changed = {name for name, text in sorted(files.items()) if write_atomic(directory / name, text)}
    for name in remove:
        path = directory / name
        if path.exists():
            path.unlink()
            changed.add(name)
    return changed


def tenant_files(code: str) -> list[str]:
    return [f"{prefix}t_{code}.conf" for prefix in MODULE_OF_PREFIX]
