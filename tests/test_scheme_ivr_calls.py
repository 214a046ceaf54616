"""IVR menus in routing schemes, real calls: nested menus, ``back`` and direct dialling.

As tests/test_scheme_calls.py (its ``pbx`` fixture and ``check_call``): each call's node
visits and the menus it entered (``UserEvent(PbxflowMenu)``) must equal the simulation.
The timings also pin Asterisk's digit collection: a digit that starts a longer extension of
the menu waits up to ``TIMEOUT(digit)`` (the menu's digit timeout) for the next one.
"""

from __future__ import annotations

import pytest

from pbxflow.routing.simulate import Callee, Key
from test_scheme_calls import graph, nodes, pbx  # noqa: F401  (pbx: the module's PBX fixture)

pytestmark = pytest.mark.asterisk


def menus_entered(sim: dict) -> list[str]:
    return [m["menu"] for v in sim["path"] for m in v.get("menus", ())]


@pytest.fixture(scope="module")
def menus(pbx):  # noqa: F811
    """Main (1 s prompt, 3 s digit timeout, direct dialling of 2xx; 1: Sub, 9: dial a number,
    0: exit) and Sub (4: back, 5: exit), in one scheme."""
    sub = pbx.create("ivr_menu", {"name": "Sub", "prompt_voice_message_id": pbx.tone, "digit_timeout": 3, "max_errors": 2,
                                  "keys": [{"key": "4", "action": "back"}, {"key": "5", "action": "exit"}]})
    main = pbx.create("ivr_menu", {"name": "Main", "prompt_voice_message_id": pbx.tone, "digit_timeout": 3, "max_errors": 2,
                                   "allow_direct_dial": True,
                                   "keys": [{"key": "1", "action": "ivr_menu", "target": sub},
                                            {"key": "9", "action": "dial_direct"}, {"key": "0", "action": "exit"}]})
    did = pbx.dids[9]
    sid, rev = pbx.scheme(graph(
        ("in", "entry", {"numbers": [did]}),
        ("menu", "ivr", {"menu_id": main}),
        ("zero", "hangup", {"cause": "normal"}),
        ("bad", "hangup", {"cause": "busy"}),
        ("late", "hangup", {"cause": "congestion"}),
        edges=[("in", "next", "menu"), ("menu", "key:0", "zero"), ("menu", "invalid", "bad"), ("menu", "timeout", "late")]))
    return {"main": main, "sub": sub, "did": did, "scheme": sid, "revision": rev}


def call(pbx, menus, keys, method="rfc2833", **kw) -> dict:  # noqa: F811
    return pbx.check_call(menus["scheme"], menus["revision"], menus["did"], keys=keys, method=method, **kw)


def test_a_nested_menu_reached_by_a_key(pbx, menus):  # noqa: F811
    # 1 opens Sub; its exit key 5 leaves by the IVR node's invalid port
    sim = call(pbx, menus, [Key("1", 0.5), Key("5", 2.5)])
    assert nodes(sim) == ["in", "menu", "bad"] and menus_entered(sim) == [menus["sub"]]
    # Sub alone, silent: its errors, then its timeout exit (the node's timeout port)
    sim = call(pbx, menus, [Key("1", 0.5)], method="info")
    assert nodes(sim) == ["in", "menu", "late"] and menus_entered(sim) == [menus["sub"]]


def test_back_returns_to_the_parent_menu(pbx, menus):  # noqa: F811
    sim = call(pbx, menus, [Key("1", 0.5), Key("4", 2.5), Key("0", 4.5)])
    assert nodes(sim) == ["in", "menu", "zero"] and menus_entered(sim) == [menus["sub"], menus["main"]]
    assert sim["path"][1]["menus"][1]["at"] == 2.5


def test_a_directly_dialled_extension_rings(pbx, menus):  # noqa: F811
    # 2 is no key of Main: 2, 0, 4 dial extension 204 while the menu listens; it answers
    sim = call(pbx, menus, [Key("2", 0.5), Key("0", 1.5), Key("4", 2.5)],
               callees={"204": Callee("answer", after=0.5, talk=1)}, answering=("204",))
    assert nodes(sim) == ["in", "menu"] and sim["outcome"] == {"result": "internal", "number": "204", "by": "direct"}
    # key 9 (dial_direct): the caller then dials 203
    sim = call(pbx, menus, [Key("9", 0.5), Key("2", 1.5), Key("0", 2.5), Key("3", 3.5)], method="info",
               callees={"203": Callee("answer", after=0.5, talk=1)}, answering=("203",))
    assert sim["outcome"] == {"result": "internal", "number": "203", "by": "key:9"}


def test_an_unfinished_number_waits_the_digit_timeout(pbx, menus):  # noqa: F811
    # "20" then nothing: Asterisk waits 3 s for a third digit (until 4.5 s), then it is an invalid
    # choice and Main starts again (prompt until 5.5 s, keys until 8.5 s): 0 at 7 s is taken. Had
    # the menu not waited, the restarted menu would have timed out at 5.5 s (the second error).
    sim = call(pbx, menus, [Key("2", 0.5), Key("0", 1.5), Key("0", 7.0)])
    assert nodes(sim) == ["in", "menu", "zero"] and sim["path"][2]["at"] == 7.0
