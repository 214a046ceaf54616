"""The config renderer: deterministic, tenant-isolated, and safe against crafted names."""

import random
import re

from hypothesis import given, settings
from hypothesis import strategies as st

from projections.asterisk import escape
from projections.asterisk.parse import parse, structure
from projections.asterisk.render import PlatformConfig, TenantConfig, render_all, render_tenant

codes = st.from_regex(r"[a-z][a-z0-9]{5}", fullmatch=True)
numbers = st.from_regex(r"[2-9][0-9]{2,4}", fullmatch=True)
secrets_ = st.from_regex(r"[A-Za-z0-9]{12,24}", fullmatch=True)
nasty = st.text(alphabet=st.sampled_from(list('ab ;[]()"\\<>,|$={}\n\r\t#&') + ["\x00", "Ж"]), min_size=1, max_size=30)


def device(username, password, *, kind="sip", ring=20, enabled=True, forward=None, number=None):
    d = {"id": username, "type": kind, "ring_time": ring, "enabled": enabled, "forward": forward or {"mode": "none", "target": None}}
    if kind == "sip":
        d.update(username=username, password=password, allowed_networks=[], nat=True)
    else:
        d["number"] = number
    return d


@st.composite
def tenants(draw, name=st.text(min_size=1, max_size=20)):
    code = draw(codes)
    nums = draw(st.lists(numbers, min_size=0, max_size=6, unique=True))
    exts = []
    for n in nums:
        devs = [device(f"{code}-{n}-{i}", draw(secrets_)) for i in range(draw(st.integers(1, 3)))]
        if draw(st.booleans()):
            devs.append(device(f"x{n}", None, kind="external", number="+7916" + n.zfill(7)))
        exts.append({"number": n, "name": draw(name), "ring_strategy": draw(st.sampled_from(["parallel", "sequential"])), "devices": devs})
    dids = [{"number": f"+7495{n.zfill(7)}", "destination": draw(st.sampled_from([None, *nums]))} for n in nums[:2]]
    return TenantConfig(id=code, code=code, name=draw(name), extensions=exts, numbers=dids)


def _with_names(t: TenantConfig, name: str) -> TenantConfig:
    return TenantConfig(t.id, t.code, name, [{**e, "name": name} for e in t.extensions], t.numbers)


@settings(max_examples=60, deadline=None)
@given(tenants(), nasty)
def test_crafted_names_never_change_the_structure(tenant, name):
    plain = render_tenant(_with_names(tenant, "Plain name"))
    try:
        crafted = render_tenant(_with_names(tenant, name))
    except escape.UnsafeValue:
        return  # refusing is safe; the domain never lets control characters in anyway
    for fname in plain:
        assert structure(crafted[fname]) == structure(plain[fname])
    # The caller-id name survives as a single value on its line.
    for _, _, items in parse(crafted[f"pjsip_t_{tenant.code}.conf"]):
        for key, value in items:
            if key == "callerid":
                assert re.fullmatch(r'"[^"]*" <[0-9]+>', value), value


@settings(max_examples=40, deadline=None)
@given(st.lists(tenants(), min_size=1, max_size=3, unique_by=lambda t: t.code))
def test_rendering_is_deterministic_and_order_independent(ts):
    dids = {n["number"].lstrip("+"): t.code for t in ts for n in t.numbers}
    first = render_all(PlatformConfig(dids=dids), ts)
    shuffled = [TenantConfig(t.id, t.code, t.name, random.sample(t.extensions, len(t.extensions)), list(reversed(t.numbers))) for t in reversed(ts)]
    assert render_all(PlatformConfig(dids=dict(reversed(list(dids.items())))), shuffled) == first


@settings(max_examples=40, deadline=None)
@given(st.lists(tenants(), min_size=2, max_size=3, unique_by=lambda t: t.code))
def test_a_tenants_dialplan_reaches_only_its_own_contexts(ts):
    for t in ts:
        files = render_tenant(t)
        dialplan = files[f"extensions_t_{t.code}.conf"]
        referenced = set(re.findall(r"(?:include => |Goto\(|GotoIf\([^?]*\?|@)(t-[a-z0-9]+-[a-z]+|pbxflow-[a-z-]+)", dialplan))
        for ctx in referenced:
            assert ctx.startswith(f"t-{t.code}-") or ctx in ("pbxflow-outbound",), ctx
        for name, _, items in parse(dialplan):
            assert name.startswith(f"t-{t.code}-")
        for _, _, items in parse(files[f"pjsip_t_{t.code}.conf"]):
            for key, value in items:
                if key == "context":
                    assert value == f"t-{t.code}-internal"


def test_semicolon_in_a_trunk_password_is_escaped_not_a_comment():
    files = render_all(PlatformConfig(trunks=[{"id": "abcdef0123", "name": "op", "host": "sip.example.net", "port": 5060,
                                               "username": "user", "password": "pa;ss[1]", "codecs": ["alaw"], "register": False}]), [])
    auth = {k: v for name, _, items in parse(files["pjsip_platform.conf"]) if name.endswith("-auth") for k, v in items}
    assert auth["password"] == "pa\\;ss[1]"


def test_unsafe_identifiers_are_refused():
    bad = TenantConfig("x", "ab;c", "n", [], [])
    try:
        render_tenant(bad)
    except escape.UnsafeValue:
        return
    raise AssertionError("an unsafe tenant code was rendered")


def test_number_destination_must_be_an_extension():
    base = {"number": "201", "name": "A", "devices": [device("abc123-201-x", "Secret12345678")]}
    t = TenantConfig("x", "abc123", "T", [base], [{"number": "+74950000001", "destination": "201"}, {"number": "+74950000002", "destination": "999"}])
    text = render_tenant(t)["extensions_t_abc123.conf"]
    assert "exten => 74950000001,1,NoOp(pbxflow number)\n same => n,Set(__PBXFLOW_TENANT=abc123)\n same => n,Goto(t-abc123-ext,201,1)" in text
    assert "Goto(t-abc123-ext,999,1)" not in text


def test_long_callerid_names_are_cut_before_escaping():
    name = "x" * 79 + ";tail"
    assert escape.callerid_name(name) == "x" * 79 + "\\;"
    assert not escape.callerid_name("y" * 80 + ";").endswith("\\")
