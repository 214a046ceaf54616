"""Benchmarks of pbxflow's write and read paths against plain psycopg baselines.

``make bench`` (= ``python -m bench``) runs all of them; ``python -m bench --help``
lists the options. Each benchmark works in a fresh database of its own, dropped
afterwards, on ``DATABASE_URL``'s server or on an embedded PostgreSQL under
``$PBXFLOW_DATA_DIR/bench``. Every figure comes with a baseline measured in the
same run on the same server, so the ratios stay meaningful on a busy machine.

Modules: ``api`` (commands/s through HTTP), ``append`` (events appended/s),
``replay`` (read-model rebuild, events/s) with ``store`` (fast generation of a
large, valid event store). Results are recorded in ``docs/benchmarks.md``.
"""
