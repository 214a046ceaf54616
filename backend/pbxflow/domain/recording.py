"""Call recording settings shared by users and groups (F-CAL-6).

A user or a group with ``record_calls`` has the calls it answers recorded; each file is
kept for the recorder's ``recording_retention_days`` (counted from the recording, with
the value the owner has when the pruner looks, so shortening it also shortens the life of
existing files). See docs/calls.md, *Recording*.
"""

from __future__ import annotations

from typing import Annotated

import msgspec

DEFAULT_RETENTION_DAYS = 90
RetentionDays = Annotated[int, msgspec.Meta(ge=1, le=3650, description="days a recording is kept (1-3650)")]
