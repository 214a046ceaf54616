"""The SIP address shown with a device's credentials (api/sip_server.py)."""

from __future__ import annotations

from hypothesis import given, strategies as st

from pbxflow.api.sip_server import request_host, sip_server, valid_host


def test_configured_address_wins_over_the_web_host():
    env = {"PBXFLOW_SIP_PUBLIC_HOST": "sip.example.net", "PBXFLOW_SIP_PORT": "5070", "PBXFLOW_SIP_TRANSPORT": "TCP"}
    assert sip_server(env, "web.example.net:8080") == {"host": "sip.example.net", "port": 5070, "transport": "tcp"}


def test_defaults_use_the_web_host_without_its_port():
    assert sip_server({}, "pbx.example.com:8080") == {"host": "pbx.example.com", "port": 5060, "transport": "udp"}
    assert sip_server({}, "[2001:db8::1]:443")["host"] == "2001:db8::1"
    assert sip_server({}, "")["host"] is None


def test_bad_settings_are_ignored_not_shown():
    env = {"PBXFLOW_SIP_PUBLIC_HOST": "evil.example;transport=tcp", "PBXFLOW_SIP_PORT": "70000", "PBXFLOW_SIP_TRANSPORT": "sctp"}
    assert sip_server(env, "pbx.example.com") == {"host": "pbx.example.com", "port": 5060, "transport": "udp"}
    assert request_host("a b<script>") is None


@given(st.text(max_size=40))
def test_a_shown_host_is_always_a_plain_host_name_or_address(header):
    host = sip_server({}, header)["host"]
    assert host is None or valid_host(host)
    assert host is None or not any(c in host for c in " ;<>\"'/@")


def test_route_answers_signed_in_users(client, monkeypatch):
    monkeypatch.setenv("PBXFLOW_SIP_PUBLIC_HOST", "203.0.113.7")
    r = client.get("/api/sip-server")
    assert r.status_code == 200, r.text
    assert r.json()["host"] == "203.0.113.7"
    assert r.json()["port"] in range(1, 65536)
    assert r.json()["transport"] in ("udp", "tcp", "tls")
