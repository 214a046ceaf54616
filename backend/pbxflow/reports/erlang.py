"""Erlang C staffing forecast (F-REP-4), pure.

Traffic intensity A = arrival rate × average handling time (Erlangs). For N operators the
Erlang B blocking probability is computed by the stable recursion B(0) = 1,
B(k) = A·B(k−1) / (k + A·B(k−1)) (no factorials, no overflow for hundreds of operators),
and Erlang C from it: C = N·B / (N − A·(1 − B)). A queue with N ≤ A never empties (the
waiting time grows without bound), so such rows are marked unstable and carry no figures.
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass


def erlang_b(n: int, a: float) -> float:
    """Probability that an arrival finds all ``n`` servers busy in a loss system (Erlang B)."""
    if n < 0 or a < 0:
        raise ValueError("n and a must not be negative")
    b = 1.0
    for k in range(1, n + 1):
        b = a * b / (k + a * b)
    return b


def erlang_c(n: int, a: float) -> float:
    """Probability of waiting (Erlang C) for ``n`` operators and ``a`` Erlangs; needs n > a."""
    if n <= a:
        raise ValueError("unstable: the number of operators must exceed the traffic intensity")
    b = erlang_b(n, a)
    return n * b / (n - a * (1.0 - b))


@dataclass(frozen=True)
class StaffingRow:
    operators: int
    stable: bool
    probability_wait: float | None  # Erlang C, 0..1
    probability_immediate: float | None  # 1 − C: answered without queueing
    asa_seconds: float | None  # average speed of answer (mean wait over all calls)
    queue_length: float | None  # mean number of callers waiting
    service_level: float | None  # share answered within the target, 0..1
    occupancy: float | None  # A / N
    note: str | None = None

    def as_dict(self) -> dict:
        return asdict(self)


def staffing_row(n: int, arrival_per_second: float, aht_seconds: float, target_seconds: float) -> StaffingRow:
    a = arrival_per_second * aht_seconds
    if n <= a or aht_seconds <= 0:
        return StaffingRow(n, False, None, None, None, None, None, None,
                           note=f"unstable: {n} operators cannot carry {a:.3f} Erlangs (the queue grows without bound)")
    c = erlang_c(n, a)
    asa = c * aht_seconds / (n - a)
    sl = 1.0 - c * math.exp(-(n - a) * target_seconds / aht_seconds)
    return StaffingRow(n, True, c, 1.0 - c, asa, c * a / (n - a), sl, a / n)


def forecast(arrival_per_hour: float, aht_seconds: float, target_seconds: float, max_operators: int) -> dict:
    """Rows N = 1..max_operators for the measured (or given) load."""
    lam = arrival_per_hour / 3600.0
    a = lam * aht_seconds
    rows = [staffing_row(n, lam, aht_seconds, target_seconds).as_dict() for n in range(1, max_operators + 1)]
    return {"arrival_per_hour": arrival_per_hour, "aht_seconds": aht_seconds, "traffic_erlangs": a,
            "target_seconds": target_seconds, "minimum_stable_operators": math.floor(a) + 1, "rows": rows}
