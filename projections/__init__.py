"""Projections: read models built from the event store (and, later, the Asterisk config)."""
