"""Process settings, read once from the environment (API.md names)."""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path


@dataclass(frozen=True)
class Settings:
    database_url: str | None
    data_dir: Path
    host: str = "127.0.0.1"
    port: int = 8000
    admin_login: str = "admin"
    admin_password: str | None = None
    ami_urls: tuple[str, ...] = field(default_factory=tuple)

    @classmethod
    def from_env(cls, env: dict[str, str] | None = None) -> "Settings":
        env = dict(os.environ if env is None else env)
        data_dir = Path(env.get("PBXFLOW_DATA_DIR") or "./.data").resolve()
        ami = tuple(u.strip() for u in (env.get("PBXFLOW_AMI_URL") or "").split(",") if u.strip())
        return cls(
            database_url=env.get("DATABASE_URL") or None,
            data_dir=data_dir,
            host=env.get("PBXFLOW_HOST") or "127.0.0.1",
            port=int(env.get("PBXFLOW_PORT") or 8000),
            admin_login=env.get("PBXFLOW_ADMIN_LOGIN") or "admin",
            admin_password=env.get("PBXFLOW_ADMIN_PASSWORD") or None,
            ami_urls=ami,
        )
