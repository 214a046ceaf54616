"""A large, valid event store, built quickly.

The history is made by the real domain code — ``DirectoryObject`` and ``Claim``
aggregates and their methods — and encoded by the application's own mapper (JSON
transcoder), so every row is exactly what ``ConfigApplication.save()`` would have
stored. Only the writing differs: the rows can go through ``app.save()`` (batched),
or be streamed with a binary ``COPY`` straight into ``config_events`` (notification
ids come from its sequence, in row order). Both are timed on a sample and the faster
writes the rest.

Per tenant (1,000 events): the tenant (+ code claim), 10 users (+ login claims),
100 extensions (+ number and SIP-username claims), then, shuffled: 300 extension
changes, 300 logins (``Noted`` on users), 10 user and 8 tenant changes, and 20
extension deletions (+ released claims).
"""

from __future__ import annotations

import random
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field

from .append import extension_doc, meta
from .common import Progress, connect

COPY_SQL = "COPY config_events (originator_id, originator_version, topic, state) FROM STDIN (FORMAT BINARY)"
COPY_TYPES = ["uuid", "int8", "text", "bytea"]
EVENTS_PER_TENANT = 1000


def history(seed: int = 1) -> Iterator[list]:
    """Operations, each a list of aggregates with pending events, saved together by a command."""
    from pbxflow.domain.objects import Claim, DirectoryObject

    rng = random.Random(seed)
    t = 0
    while True:
        t += 1
        code = f"t{t:06d}"
        tenant = DirectoryObject.new("tenant", None, {
            "name": f"Tenant {t}", "timezone": "Europe/Moscow", "billing_account": f"BA-{t}", "language": "ru",
            "email": f"admin@{code}.example", "pin": None, "status": "active", "description": "", "limits": {},
            "numbering": {"min_digits": 3, "max_digits": 5, "allow_leading_zero_or_one": False}, "code": code,
        }, meta(None))
        tid = str(tenant.id)
        yield [tenant, Claim.new(f"tenant-code:{code}", tid)]
        users = []
        for u in range(10):
            login = f"{code}-user{u}"
            user = DirectoryObject.new("user", tid, {
                "login": login, "name": f"User {u} of {t}", "role": "tenant_admin" if u == 0 else "user",
                "email": f"{login}@example.com", "enabled": True,
                "password_hash": "$argon2id$v=19$m=65536,t=3,p=4$" + uuid.uuid4().hex[:22] + "$" + uuid.uuid4().hex + uuid.uuid4().hex[:11],
            }, meta(tid))
            users.append(user)
            yield [user, Claim.new(f"login:{login}", str(user.id))]
        extensions = []
        for e in range(100):
            doc = extension_doc(code, 200 + e)
            ext = DirectoryObject.new("extension", tid, doc, meta(tid))
            claims = [Claim.new(f"plan:{tid}:{doc['number']}", str(ext.id)),
                      Claim.new(f"sip:{doc['devices'][0]['username']}", str(ext.id))]
            extensions.append((ext, claims))
            yield [ext, *claims]
        ops = ["ext"] * 300 + ["login"] * 300 + ["user"] * 10 + ["tenant"] * 8 + ["delete"] * 20
        rng.shuffle(ops)
        for n, op in enumerate(ops):
            if op == "ext":
                ext, _ = rng.choice(extensions)
                doc = dict(ext.data)
                if rng.random() < 0.7:
                    doc["name"] = f"Extension {doc['number']} rev {n}"
                else:
                    doc["devices"] = [{**d, "ring_time": rng.choice((15, 20, 25, 30, 45))} for d in doc["devices"]]
                    doc["voicemail"] = not doc["voicemail"]
                ext.change(doc, meta(tid)) or ext.change({**doc, "name": f"{doc['name']}."}, meta(tid))
                yield [ext]
            elif op == "login":
                user = rng.choice(users)
                user.note("login", {}, {**meta(tid), "actor_id": str(user.id), "actor_login": user.data["login"]})
                yield [user]
            elif op == "user":
                user = rng.choice(users)
                user.change({**user.data, "name": f"{user.data['name']} ({n})"}, meta(tid))
                yield [user]
            elif op == "tenant":
                tenant.change({**tenant.data, "description": f"revision {n}"}, meta(None))
                yield [tenant]
            else:
                ext, claims = extensions.pop(rng.randrange(len(extensions)))
                ext.delete(meta(tid))
                for c in claims:
                    c.release()
                yield [ext, *claims]


@dataclass
class Counts:
    """What was written: events, and what the read model must hold after a replay."""

    events: int = 0
    object_events: int = 0  # DirectoryObject events: one audit row each
    live_objects: int = 0  # created minus deleted: rows of rm_objects

    def add(self, event) -> None:
        from pbxflow.domain.objects import DirectoryObject

        self.events += 1
        if isinstance(event, DirectoryObject.Event):
            self.object_events += 1
            if isinstance(event, DirectoryObject.Created):
                self.live_objects += 1
            elif isinstance(event, DirectoryObject.Deleted):
                self.live_objects -= 1


@dataclass
class StoreStats:
    counts: Counts
    rates: dict[str, float] = field(default_factory=dict)  # method -> events/s on its sample
    samples: dict[str, int] = field(default_factory=dict)  # method -> events in its sample
    written: dict[str, int] = field(default_factory=dict)  # method -> events written
    seconds: float = 0.0
    vacuum_seconds: float = 0.0
    chosen: str = ""


class Writer:
    def __init__(self, db, app, ops: Iterator[list], counts: Counts):
        self.db, self.app, self.ops, self.counts = db, app, ops, counts
        self._leftover: list = []  # events of an operation cut at a COPY boundary

    def save(self, count: int, progress: Progress | None = None, batch_events: int = 500) -> int:
        """Whole operations through ``app.save()``, ~``batch_events`` per save, until >= count events."""
        assert not self._leftover
        written = 0
        while written < count:
            batch, counted, pending = [], {}, 0
            while pending < batch_events and written + pending < count:
                for agg in next(self.ops):
                    if id(agg) not in counted:
                        counted[id(agg)] = 0
                        batch.append(agg)
                    new = agg.pending_events[counted[id(agg)]:]
                    counted[id(agg)] += len(new)
                    pending += len(new)
                    for e in new:
                        self.counts.add(e)
            self.app.save(*batch)
            written += pending
            if progress:
                progress.update(self.counts.events)
        return written

    def _events(self) -> Iterator:
        while True:
            while self._leftover:
                yield self._leftover.pop(0)
            for agg in next(self.ops):
                self._leftover.extend(agg.collect_events())

    def copy(self, count: int, progress: Progress | None = None, *, exact: bool = True, chunk: int = 50_000) -> int:
        """``count`` events, encoded by the app's mapper, streamed with binary COPY.

        Not ``exact``: also the rest of the last operation, so that ``save()`` can follow.
        """
        to_stored = self.app.mapper.to_stored_event
        events = self._events()
        written = 0
        with connect(self.db) as conn:
            while written < count or (not exact and self._leftover):
                n = min(chunk, count - written) if written < count else len(self._leftover)
                with conn.transaction(), conn.cursor() as cur, cur.copy(COPY_SQL) as copy:
                    copy.set_types(COPY_TYPES)
                    for _ in range(n):
                        event = next(events)
                        se = to_stored(event)
                        copy.write_row((se.originator_id, se.originator_version, se.topic, se.state))
                        self.counts.add(event)
                written += n
                if progress:
                    progress.update(self.counts.events)
        return written


def build(db, app, total: int, *, sample: int | None = None) -> StoreStats:
    """Write ``total`` events into the application's (empty) store; time both methods."""
    sample = sample or max(1000, min(20_000, total // 20))
    counts = Counts()
    stats = StoreStats(counts)
    writer = Writer(db, app, history(), counts)
    progress = Progress("generating", total)
    started = time.perf_counter()
    for method in ("save", "copy"):
        n = min(sample, total - counts.events)
        if n <= 0:
            break
        t0 = time.perf_counter()
        done = writer.save(n, progress) if method == "save" else writer.copy(n, progress, exact=False)
        stats.rates[method] = done / (time.perf_counter() - t0)
        stats.written[method] = stats.samples[method] = done
    stats.chosen = max(stats.rates, key=stats.rates.get)
    rest = total - counts.events
    if rest > 0:
        if stats.chosen == "save":  # whole operations only: may overshoot by a few events
            stats.written["save"] += writer.save(rest, progress)
        else:
            stats.written["copy"] += writer.copy(rest, progress)
    progress.finish(counts.events)
    stats.seconds = time.perf_counter() - started
    t0 = time.perf_counter()
    with connect(db, autocommit=True) as conn:
        conn.execute("VACUUM (ANALYZE) config_events")  # hint bits and statistics, so no replay pays for them
    stats.vacuum_seconds = time.perf_counter() - t0
    return stats


def check_decodable(app, limit: int = 2000) -> int:
    """Decode a spread of stored events with the application's mapper."""
    head = app.recorder.max_notification_id() or 0
    step = max(1, head // 20)
    seen = 0
    for start in range(1, head + 1, step):
        for n in app.recorder.select_notifications(start=start, limit=max(1, limit // 20)):
            app.mapper.to_domain_event(n)
            seen += 1
    return seen


def describe(stats: StoreStats, total: int) -> list[str]:
    lines = []
    for method, rate in stats.rates.items():
        label = "app.save(), ~500 events per save" if method == "save" else "binary COPY of mapper-encoded rows"
        lines.append(f"{label}: {rate:,.0f} events/s on a sample of {stats.samples[method]:,} "
                     f"-> {total / rate:,.0f} s for {total:,} events")
    lines.append(f"chose {stats.chosen}: {stats.counts.events:,} events written in {stats.seconds:,.1f} s "
                 f"({', '.join(f'{m}: {n:,}' for m, n in stats.written.items())}), then VACUUM ANALYZE {stats.vacuum_seconds:,.1f} s")
    return lines
