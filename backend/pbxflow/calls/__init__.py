"""Calls (F-CAL): AMI events from every Asterisk node in an event store of their own.

* ``events``  — the ``Calls`` application (tables ``calls_events``), the recorded event
  type, event identity and the idempotent batch append;
* ``ingest``  — the ingestion service: one AMI session per node, filtering, batching with
  back-pressure, reconciliation with ``CoreShowChannels`` after every (re)connect;
* ``queries`` — tenant-scoped reads of the read models (history, protocol, active calls,
  presence, the change feed behind the SSE stream);
* ``service`` — wiring for one process (application, projection thread, ingestion);
* ``api``     — the HTTP routes.

The read models are built by ``projections.calls``. Design: docs/calls.md.
"""
