"""The ``pbxflow`` command: serve, replay, render, audit verify, create-operator."""

from __future__ import annotations

import argparse
import os
import logging
import sys
import time
from pathlib import Path

from . import database
from .settings import Settings

log = logging.getLogger("pbxflow")


def _runtime(settings: Settings, *, run_projections: bool = True):
    from .runtime import Runtime

    db = database.resolve(settings.database_url, settings.data_dir)
    return Runtime(db, run_projections=run_projections)


def cmd_serve(args, settings: Settings) -> int:
    import uvicorn

    from .api import create_app
    from .demo import ensure_demo

    runtime = _runtime(settings)
    where = settings.database_url and "DATABASE_URL" or f"embedded PostgreSQL in {settings.data_dir / 'postgres'}"
    print(f"pbxflow: database: {where}", flush=True)
    generated = runtime.ensure_operator(settings.admin_login, settings.admin_password)
    if generated:
        # Printed once, on the first start of an empty store; never logged.
        print(f"pbxflow: created operator {settings.admin_login!r} with password {generated}", flush=True)
    if args.demo:
        created = ensure_demo(runtime)
        if created:
            print(f"pbxflow: created demo tenant {created!r}", flush=True)
    if args.demo_calls:
        from .reports.demo_calls import seed_demo_tenant

        if seeded := seed_demo_tenant(runtime):
            print(f"pbxflow: added sample calls to the demo tenant ({seeded} events)", flush=True)
    applier = start_config_applier(runtime, settings)
    start_calls(runtime, settings)
    from .reports.service import reports_service

    reports = reports_service(runtime)
    reports.start_background()  # the reports read models follow the calls, so requests catch up only the rest
    from .voicemail_spool import notifier_from_env

    notifier = notifier_from_env(runtime.pool, settings.data_dir)
    if notifier is not None:
        notifier.start()
        print("pbxflow: voicemail messages are emailed through PBXFLOW_SMTP_URL", flush=True)
    static = Path(args.static) if args.static else None
    app = create_app(runtime, static)
    print(f"pbxflow: serving http://{settings.host}:{settings.port}/ (API docs at /api/schema)", flush=True)
    try:
        uvicorn.run(app, host=settings.host, port=settings.port, log_level="warning")
    finally:
        if notifier is not None:
            notifier.stop()
        applier.stop()
        reports.close()
        runtime.close()
    return 0


def start_config_applier(runtime, settings: Settings):
    """Generated Asterisk config under $PBXFLOW_DATA_DIR/asterisk, reloaded over AMI when configured."""
    from projections.asterisk.applier import ConfigApplier

    reloader = None
    if settings.ami_urls:
        from .ami import AmiReloader

        # A full res_pjsip reload with many static endpoints keeps Asterisk from answering
        # pings for seconds: a short watchdog would drop the connection mid-reload.
        reloader = AmiReloader(settings.ami_urls, ping_timeout=30.0)
    out = settings.data_dir / "asterisk"
    nodes = ",".join(u.split("@")[-1] for u in settings.ami_urls) or "local"
    realtime = os.environ.get("PBXFLOW_PJSIP_REALTIME", "").lower() not in ("", "0", "no", "false")
    applier = ConfigApplier(runtime.pool, out, reloader, realtime=realtime,
                            on_apply=lambda action, details: runtime.app.record_apply(nodes, action, details))
    runtime.asterisk = applier
    applier.start()
    nodes = ", ".join(u.split("@")[-1] for u in settings.ami_urls) or "no AMI nodes (PBXFLOW_AMI_URL unset)"
    print(f"pbxflow: Asterisk config in {out}; applying to {nodes}", flush=True)
    return applier


def start_calls(runtime, settings: Settings):
    """The calls read models (projection thread) and, with PBXFLOW_AMI_URL, the ingestion of
    every node's call events (docs/calls.md); PBXFLOW_CALLS_INGEST=0 turns the ingestion off."""
    svc = runtime.calls_service()
    if os.environ.get("PBXFLOW_WEBHOOKS", "1").lower() not in ("0", "no", "false", "off"):
        svc.start_webhooks()  # F-CAL-7: tenants' webhooks, signed, retried, logged
    svc.start_recording_pruner()  # F-CAL-6: recordings past their owner's retention are deleted
    ingest = os.environ.get("PBXFLOW_CALLS_INGEST", "1").lower() not in ("0", "no", "false", "off")
    if settings.ami_urls and ingest:
        svc.start_ingestion(list(settings.ami_urls))
        nodes = ", ".join(u.split("@")[-1] for u in settings.ami_urls)
        print(f"pbxflow: ingesting call events from {nodes}", flush=True)
    return svc


def cmd_render(args, settings: Settings) -> int:
    """Render the whole Asterisk configuration from the read model, with progress."""
    from projections.asterisk.applier import ConfigApplier

    runtime = _runtime(settings)
    try:
        runtime.catch_up()
        out = Path(args.out) if args.out else settings.data_dir / "asterisk"
        started = time.monotonic()
        applier = ConfigApplier(runtime.pool, out, on_progress=lambda m: print(m, flush=True))
        changed = applier.full()
        print(f"rendered into {out}: {len(changed)} files changed in {time.monotonic() - started:.2f} s")
    finally:
        runtime.close()
    return 0


def cmd_replay(args, settings: Settings) -> int:
    """Rebuild the read models from the first event, with progress."""
    from .runtime import Runtime

    db = database.resolve(settings.database_url, settings.data_dir)
    if getattr(args, "verify", False):
        return _replay_verify(db, settings)
    probe = Runtime(db, run_projections=False)
    head = probe.app.recorder.max_notification_id() or 0
    probe.view.reset(probe.app.name)
    started = time.monotonic()
    try:
        # Many events per transaction (several times faster than the runner's one per
        # event); the runner below then takes over after the position reached.
        probe.view.catch_up(probe.app, progress=lambda done: _progress(done, head, started))
        probe.view.record_version()  # rebuilt by this version of the view
    finally:
        probe.close()
    runtime = Runtime(db)
    try:
        while True:
            done = runtime.view.max_tracking_id(runtime.app.name) or 0
            _progress(done, head, started)
            if done >= head:
                break
            if runtime.runner and runtime.runner.is_interrupted.is_set():
                runtime.runner.run_forever(timeout=0)
            time.sleep(0.2)
        from .reports.service import reports_service

        # The reports read models (F-REP) are a second stage after the calls history: rebuilt from it.
        rebuilt = reports_service(runtime).view.rebuild()
        print(f"\nreports: rebuilt from {rebuilt} finished calls", end="")
        from .reports.cc_api import make_operator_states_view

        calls = runtime.calls_service()
        states = make_operator_states_view(calls)  # operator states: their own tracking over the calls store
        states.reset(calls.app.name)
        print(f"\nreports: operator states rebuilt from {states.process(calls.app)} call events", end="")
    finally:
        runtime.close()
    elapsed = time.monotonic() - started
    print(f"\nreplayed {head} events in {elapsed:.1f} s ({head / elapsed if elapsed else 0:.0f} events/s)")
    return 0


def _replay_verify(db, settings: Settings) -> int:
    """Rebuild into fresh tables and compare with the live read model (F-AUD-4)."""
    from . import replay_verify
    from .runtime import Runtime

    probe = Runtime(db, run_projections=False)
    started = time.monotonic()
    try:
        head = probe.view.max_tracking_id(probe.app.name) or 0
        result = replay_verify.verify(
            probe.app, probe.db.eventsourcing_env(), probe.view,
            progress=lambda m: print(f"\n{m}", flush=True),
            on_event=lambda done: _progress(done, head, started),
        )
    finally:
        probe.close()
    print()
    for table in result.tables:
        print(table)
    elapsed = time.monotonic() - started
    verdict = "identical" if result.identical else "DIFFERENT"
    print(f"{verdict}: read model rebuilt from {result.events} events up to position {result.position} in {elapsed:.1f} s")
    config_ok = True
    live_dir = settings.data_dir / "asterisk"
    if live_dir.is_dir():
        from projections.asterisk.verify import compare

        runtime = Runtime(db, run_projections=False)
        try:
            realtime = os.environ.get("PBXFLOW_PJSIP_REALTIME", "").lower() not in ("", "0", "no", "false")
            differing = compare(runtime.pool, live_dir, realtime=realtime)
        finally:
            runtime.close()
        config_ok = not differing
        print(f"Asterisk config in {live_dir}: " + ("identical to a fresh render" if config_ok else f"DIFFERENT: {', '.join(differing)}"))
    return 0 if result.identical and config_ok else 1


def _progress(done: int, total: int, started: float) -> None:
    width = 30
    frac = 1.0 if total == 0 else min(done / total, 1.0)
    rate = done / max(time.monotonic() - started, 1e-6)
    bar = "#" * int(frac * width) + "-" * (width - int(frac * width))
    sys.stdout.write(f"\r[{bar}] {done}/{total} events {frac:6.1%} {rate:8.0f}/s")
    sys.stdout.flush()


def cmd_audit(args, settings: Settings) -> int:
    """``audit verify``: walk the hash chains of the action history; exit 1 on tampering."""
    import psycopg

    from . import audit_chain

    db = database.resolve(settings.database_url, settings.data_dir)
    started = time.monotonic()
    with psycopg.connect(db.conninfo(), autocommit=True) as conn:
        report = audit_chain.verify(conn)
    for br in report.breaks:
        print(f"TAMPERED: {br}")
    state = "intact" if report.ok else f"{len(report.breaks)} chain(s) broken"
    print(f"audit history: {report.rows} rows in {report.chains} chains checked in {time.monotonic() - started:.2f} s: {state}")
    return 0 if report.ok else 1


def cmd_create_operator(args, settings: Settings) -> int:
    import getpass

    from .context import SYSTEM
    from .errors import DomainError

    password = args.password or getpass.getpass("password for the new operator: ")
    runtime = _runtime(settings)
    try:
        result = runtime.app.create(SYSTEM, "user", None, {"login": args.login, "name": args.name or args.login, "password": password, "role": "operator"})
        runtime.wait(result.notification_id)
    except DomainError as exc:
        print(f"error: {exc.detail}", file=sys.stderr)
        return 1
    finally:
        runtime.close()
    print(f"created operator {args.login} ({result.id})")
    return 0


def cmd_database_url(args, settings: Settings) -> int:
    """Print the database URL (starting the embedded server when there is no DATABASE_URL).

    `make run` hands it to the Asterisk sandbox, so that Asterisk reads tenant devices
    from the realtime tables the app writes (PJSIP realtime)."""
    db = database.resolve(settings.database_url, settings.data_dir)
    if db.host.startswith("/"):
        print(f"postgresql://{db.user}@/{db.dbname}?host={db.host}&port={db.port}")
    else:
        auth = f"{db.user}:{db.password}" if db.password else db.user
        print(f"postgresql://{auth}@{db.host}:{db.port}/{db.dbname}")
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="pbxflow", description="pbxflow virtual PBX platform")
    sub = parser.add_subparsers(dest="command", required=True)
    serve = sub.add_parser("serve", help="run the API, the web app and the projections")
    serve.add_argument("--static", help="directory of the built web app to serve at /")
    serve.add_argument("--demo", action="store_true", help="create a demo tenant when there is none")
    serve.add_argument("--demo-calls", action="store_true",
                       help="give the demo tenant two days of sample calls when it has none (for reports)")
    replay = sub.add_parser("replay", help="rebuild the read models from the event store, with progress")
    replay.add_argument("--verify", action="store_true",
                        help="rebuild into fresh tables and compare with the live read model instead (exit 1 if they differ)")
    render = sub.add_parser("render", help="render the Asterisk configuration from the read model")
    render.add_argument("--out", help="directory (default $PBXFLOW_DATA_DIR/asterisk)")
    audit = sub.add_parser("audit", help="action history tools")
    audit_sub = audit.add_subparsers(dest="audit_command", required=True)
    audit_sub.add_parser("verify", help="check the hash chains of the action history (exit 1 when tampered with)")
    sub.add_parser("database-url", help="print the database URL (starts the embedded server if needed)")
    op = sub.add_parser("create-operator", help="create a platform operator account")
    op.add_argument("login")
    op.add_argument("--name")
    op.add_argument("--password", help="(prompted when omitted)")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    logging.getLogger("eventsourcing").setLevel(logging.WARNING)
    settings = Settings.from_env()
    handler = {"serve": cmd_serve, "replay": cmd_replay, "render": cmd_render, "audit": cmd_audit, "create-operator": cmd_create_operator,
               "database-url": cmd_database_url}[args.command]
    return handler(args, settings)


if __name__ == "__main__":
    sys.exit(main())
