"""Read models of the calls event store (F-CAL-2, -3, -4, -8).

``model`` is the pure part: AMI events in, call state and finished calls out (no I/O,
no clock: everything is computed from the events, so a replay gives the same rows).
``view`` keeps the tables and runs the batched projection thread.
"""
