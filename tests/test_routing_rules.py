"""The ordered rule view (F-RTE-6): rules and the graph are one model.

A rule list drawn as a graph reads back as the same rules, and a call simulated through the
graph goes where a plain first-match reading of the rules says.
"""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest
from hypothesis import given, settings, strategies as st

from pbxflow.errors import Invalid
from pbxflow.routing import graph as g
from pbxflow.routing.components import Components
from pbxflow.routing.rules import rules_of, to_nodes
from pbxflow.routing.simulate import Scenario, simulate
from pbxflow.routing.validate import validate
from pbxflow.schedule_eval import is_open

SCHEDULES = {
    "00000000-0000-0000-0000-0000000000a1": {"periods": [{"days": ["mon", "tue", "wed", "thu", "fri"], "start": "09:00", "end": "18:00"}]},
    "00000000-0000-0000-0000-0000000000a2": {"periods": [{"days": ["sat", "sun"], "start": "00:00", "end": "00:00"}]},
}
CLASSIFIER = "00000000-0000-0000-0000-0000000000c1"
COMPS = Components(
    timezone="Europe/Moscow",
    schedules={k: {**v, "id": k} for k, v in SCHEDULES.items()},
    classifiers={CLASSIFIER: {"id": CLASSIFIER, "entries": [{"number": "+74957770000"}, {"number": "+7812*"}]}},
    dids=frozenset({"+74951234567"}),
)
TARGETS = [{"type": "hangup", "params": {"cause": c}} for c in ("normal", "busy", "congestion")] + \
    [{"type": "forward", "params": {"number": f"+7916000000{i}"}} for i in range(3)]

whens = st.fixed_dictionaries({}, optional={
    "caller_prefixes": st.lists(st.sampled_from(["+7495", "+7916", "7812", "+1"]), min_size=1, max_size=2, unique=True),
    "classifier_id": st.just(CLASSIFIER),
    "schedule_id": st.sampled_from(sorted(SCHEDULES)),
}).filter(bool).flatmap(lambda w: st.just(w) if "schedule_id" not in w else
                        st.sampled_from(["open", "closed"]).map(lambda s: {**w, "schedule_state": s}))
specs = st.fixed_dictionaries({
    "numbers": st.just(["+74951234567"]),
    "rules": st.lists(st.fixed_dictionaries({"when": whens, "target": st.sampled_from(TARGETS)}), max_size=5),
    "otherwise": st.sampled_from(TARGETS),
})


def canonical(spec: dict) -> dict:
    """What the rule view reads back: params complete, default state spelled out."""
    def target(t):
        return {"type": t["type"], "params": g.check_params("p", t["type"], t["params"])}

    rules = []
    for r in spec["rules"]:
        when = dict(r["when"])
        if "schedule_id" in when:
            when.setdefault("schedule_state", "open")
        rules.append({"when": when, "target": target(r["target"])})
    return {"numbers": spec["numbers"], "rules": rules, "otherwise": target(spec["otherwise"])}


def first_match(spec: dict, caller: str, at: datetime) -> dict:
    digits = caller.lstrip("+")
    for r in spec["rules"]:
        w = r["when"]
        if "caller_prefixes" in w or "classifier_id" in w:
            hit = any(digits.startswith(p.lstrip("+")) for p in w.get("caller_prefixes", ()))
            if "classifier_id" in w:
                hit = hit or digits == "74957770000" or digits.startswith("7812")
            if not hit:
                continue
        if "schedule_id" in w:
            state = "open" if is_open(SCHEDULES[w["schedule_id"]], at, COMPS.timezone) else "closed"
            if state != w.get("schedule_state", "open"):
                continue
        return r["target"]
    return spec["otherwise"]


@settings(max_examples=150, deadline=None)
@given(specs)
def test_rules_read_back_from_their_graph(spec):
    nodes = to_nodes(spec)
    assert rules_of(nodes) == canonical(spec)
    # The graph is a valid scheme (no errors beyond what the components lack).
    errors = [f for f in validate(nodes, COMPS) if f["severity"] == "error"]
    assert errors == []


@settings(max_examples=150, deadline=None)
@given(specs, st.sampled_from(["+74951110000", "+79161234567", "+74957770000", "+78125550000", "+15550001111", ""]),
       st.integers(0, 14 * 24 * 60).map(lambda m: datetime(2026, 11, 23, tzinfo=timezone.utc) + timedelta(minutes=m)))
def test_simulated_call_goes_to_the_first_matching_rule(spec, caller, at):
    nodes = to_nodes(spec)
    result = simulate(nodes, COMPS, Scenario(number="+74951234567", caller=caller, at=at))
    last = nodes[g.NODE_PREFIX + result["nodes"][-1]]
    expected = first_match(spec, caller, at)
    assert (last["type"], last["params"]) == (expected["type"], g.check_params("p", expected["type"], expected["params"]))


def test_a_freely_drawn_scheme_has_no_rule_view():
    nodes = to_nodes({"numbers": ["+74951234567"], "rules": [{"when": {"caller_prefixes": ["+7916"]},
                      "target": {"type": "hangup", "params": {}}}], "otherwise": {"type": "hangup", "params": {"cause": "busy"}}})
    assert rules_of(nodes) is not None
    extra, _, _ = g.apply(nodes, g.parse_command({"op": "add_node", "node": {"id": "x", "type": "set_name"}}))
    assert rules_of(extra) is None  # one node more than the rules draw
    moved, _, _ = g.apply(nodes, g.parse_command({"op": "move_node", "id": "r1-target", "position": {"x": 5, "y": 9}}))
    assert rules_of(moved) is not None  # positions are the canvas's own business
    rewired, _, _ = g.apply(nodes, g.parse_command({"op": "disconnect", "from": "r1-caller", "port": "no_match"}))
    assert rules_of(rewired) is None


def test_bad_rules_name_the_field():
    with pytest.raises(Invalid) as info:
        to_nodes({"numbers": ["+74951234567"], "rules": [{"when": {}, "target": {"type": "hangup"}}]})
    assert info.value.field == "rules[0].when"
    with pytest.raises(Invalid) as info:
        to_nodes({"numbers": ["+74951234567"], "rules": [{"when": {"caller_prefixes": ["x"]}, "target": {"type": "hangup"}}]})
    assert info.value.field.startswith("rules[0].when.caller_prefixes")
    with pytest.raises(Invalid) as info:
        to_nodes({"numbers": ["+74951234567"], "otherwise": {"type": "dial", "params": {"ring_time": 0}}})
    assert info.value.field == "otherwise.params.ring_time"
