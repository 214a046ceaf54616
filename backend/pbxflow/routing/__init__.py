"""Routing schemes (F-RTE): the graph model, validation, simulation; pure functions only.

The dialplan compiler lives with the other Asterisk renderers (projections/asterisk/scheme.py);
docs/schemes.md writes down the semantics that the compiler and the simulator share.
"""
