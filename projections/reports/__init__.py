"""Read models of the reports (F-REP), built from the calls event store with their own tracking."""
