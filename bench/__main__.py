"""``python -m bench``: run the benchmarks and print a summary table.

    python -m bench                 # everything, replay on a 1,000,000-event store
    python -m bench --quick         # smoke run (20,000-event store, small counts), < 2 min
    python -m bench --only replay --events 200000
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import platform
import sys
import time
import warnings

from .common import Server, load_average, print_table, say

BENCHMARKS = ("api", "append", "replay", "timetravel", "reports")


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    p = argparse.ArgumentParser(prog="python -m bench", description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--quick", action="store_true", help="smoke run: small counts, 20,000-event store")
    p.add_argument("--only", action="append", choices=BENCHMARKS, help="run only this benchmark (repeatable)")
    p.add_argument("--events", type=int, help="events in the replay store (default 1,000,000; 20,000 with --quick)")
    p.add_argument("--commands", type=int, help="API commands to time (default 2,000; 300 with --quick)")
    p.add_argument("--concurrency", type=int, default=4, help="concurrent API clients and baseline threads (default 4)")
    p.add_argument("--tenants", type=int, action="append",
                   help="API runs with the commands spread over this many tenants (repeatable; default: 1 and 20)")
    p.add_argument("--appends", type=int, help="events appended one per save (default 5,000; 1,000 with --quick)")
    p.add_argument("--batched", type=int, help="events appended in batched saves (default 200,000; 20,000 with --quick)")
    p.add_argument("--batch-size", type=int, default=100, help="events per batched save (default 100)")
    p.add_argument("--replay-batch", type=int, default=1000, help="events per transaction in batched replay (default 1,000)")
    p.add_argument("--per-event-budget", type=float,
                   help="seconds after which the one-transaction-per-event replay stops, and its rate is "
                        "extrapolated, if it would exceed --per-event-limit (default 240; 20 with --quick)")
    p.add_argument("--per-event-limit", type=float,
                   help="longest one-transaction-per-event replay to run to the end, in seconds (default 900; 45 with --quick)")
    p.add_argument("--calls", type=int, help="finished calls of the big tenant in the reports bench (default 1,000,000; 20,000 with --quick)")
    p.add_argument("--json", metavar="PATH", help="also write the figures to this JSON file")
    p.add_argument("--keep-server", action="store_true", help="leave a started embedded PostgreSQL running")
    args = p.parse_args(argv)
    q = args.quick
    args.events = args.events or (20_000 if q else 1_000_000)
    args.commands = args.commands or (300 if q else 2_000)
    args.calls = args.calls or (20_000 if q else 1_000_000)
    args.appends = args.appends or (1_000 if q else 5_000)
    args.batched = args.batched or (20_000 if q else 200_000)
    if args.per_event_budget is None:
        args.per_event_budget = 20.0 if q else 240.0
    if args.per_event_limit is None:
        args.per_event_limit = 45.0 if q else 900.0
    return args


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    warnings.filterwarnings("ignore", module="platformdirs")
    only = args.only or list(BENCHMARKS)
    started = time.perf_counter()
    server = Server(keep=args.keep_server)
    say(f"pbxflow benchmarks{' (quick)' if args.quick else ''}: {', '.join(only)}")
    say(f"  server: {server.where}; {server.version()}")
    say(f"  machine: {platform.machine()}, {os.cpu_count()} CPUs, Python {platform.python_version()}, load average {load_average()}")
    say()
    figures = []
    if "api" in only:
        from . import api

        for tenants in args.tenants or (1, 20):
            figures += api.run(server, commands=args.commands, concurrency=args.concurrency, tenants=tenants)
            say()
    if "append" in only:
        from . import append

        figures += append.run(server, single=args.appends, batched=args.batched, batch_size=args.batch_size)
        say()
    if "replay" in only:
        from . import replay

        figures += replay.run(server, events=args.events, batch=args.replay_batch,
                              per_event_budget=args.per_event_budget, per_event_limit=args.per_event_limit)
        say()
    if "timetravel" in only:
        from . import timetravel

        figures += timetravel.run(server, events=2_000 if args.quick else 10_000)
        say()
    if "reports" in only:
        from . import reports

        figures += reports.run(server, calls=args.calls, samples=10 if args.quick else 30)
        say()
    elapsed = time.perf_counter() - started
    say(f"Summary ({'quick, ' if args.quick else ''}{elapsed:,.0f} s, load average now {load_average()}):")
    print_table(figures)
    if args.json:
        with open(args.json, "w") as f:
            json.dump({"quick": args.quick, "elapsed_s": elapsed, "server": server.where, "args": vars(args),
                       "figures": [fig.as_dict() for fig in figures]}, f, indent=2, default=str)
    return 0


if __name__ == "__main__":
    sys.exit(main())
