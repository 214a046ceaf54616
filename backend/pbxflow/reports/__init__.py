"""Reports (F-REP-1 … F-REP-4): read models pre-aggregated from the call events, history search, exports."""
