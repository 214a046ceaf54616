"""The pure helpers of bench/ingest_calls.py (the bench itself needs root, Asterisk and SIPp
and is run by hand: `make bench-calls`)."""

from __future__ import annotations

import math
import sys
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.ingest_calls import (  # noqa: E402
    SippRun,
    achieved_rate,
    call_lags,
    lag_stats,
    last_hangups,
    parse_args,
    ratio,
    sipp_command,
    sipp_stats,
)


def test_last_hangup_is_the_latest_hangup_of_each_linkedid():
    events = [
        ("Newchannel", 100.0, {"Linkedid": "a"}),
        ("Hangup", 103.5, {"Linkedid": "a", "Uniqueid": "a.2"}),
        ("Hangup", 103.2, {"Linkedid": "a", "Uniqueid": "a"}),  # earlier than the other leg
        ("Hangup", 110.0, {"Linkedid": "b"}),
        ("DialEnd", 120.0, {"Linkedid": "b"}),  # not a Hangup: ignored
        ("Hangup", 130.0, {"Uniqueid": "c"}),  # no Linkedid: its own call
        ("Hangup", 140.0, {}),  # nothing to key it by
    ]
    assert last_hangups(events) == {"a": 103.5, "b": 110.0, "c": 130.0}


def test_lags_pair_rows_with_hangups_and_name_rows_without_one():
    hangups = {"a": 100.0, "b": 200.0, "lost": 300.0}  # "lost": no row yet, not counted
    commits = {"a": 100.030, "b": 200.120, "z": 5.0}
    lags, unmatched = call_lags(hangups, commits)
    assert sorted(round(x, 3) for x in lags) == [0.03, 0.12]
    assert unmatched == ["z"]


def test_lag_stats_in_ms():
    s = lag_stats([0.010, 0.020, 0.030, 0.040, 0.100])
    assert s["calls"] == 5
    assert s["median_ms"] == pytest.approx(30.0)
    assert s["p95_ms"] == pytest.approx(88.0)  # linear between 40 and 100 ms
    assert s["max_ms"] == pytest.approx(100.0)
    assert lag_stats([]) == {"median_ms": None, "p95_ms": None, "max_ms": None, "calls": 0}


@given(st.lists(st.floats(min_value=0, max_value=10, allow_nan=False), min_size=1, max_size=50))
def test_lag_stats_are_ordered(lags):
    s = lag_stats(lags)
    assert min(lags) * 1000 - 1e-6 <= s["median_ms"] <= s["p95_ms"] + 1e-6 <= s["max_ms"] + 2e-6
    assert s["max_ms"] == max(lags) * 1000


def test_achieved_rate_counts_intervals():
    assert achieved_rate([10.0, 10.1, 10.2, 10.3, 10.4, 10.5]) == pytest.approx(10.0)
    assert achieved_rate([5.0, 3.0, 4.0]) == pytest.approx(1.0)  # order does not matter
    assert achieved_rate([1.0]) is None
    assert achieved_rate([2.0, 2.0]) is None


def test_ratio():
    assert ratio(30.0, 15.0) == 2.0
    assert ratio(None, 1.0) is None
    assert ratio(1.0, 0.0) is None and ratio(1.0, None) is None


def test_sipp_stats_reads_the_last_row_by_header():
    text = ("StartTime;TotalCallCreated;CurrentCall;SuccessfulCall(P);SuccessfulCall(C);FailedCall(C);\n"
            "x;3;2;1;1;0;\n"
            "x;60;1;10;57;2;\n")
    assert sipp_stats(text) == {"created": 60, "ok": 57, "failed": 2}
    assert sipp_stats("StartTime;TotalCallCreated;\n") == {}  # header only: nothing yet
    assert sipp_stats("") == {}


def test_sipp_command_of_a_paced_uac_and_a_uas(tmp_path):
    uac = SippRun("uac_invite_auth.xml", 20000, 20002, 20006, 300, 90, tmp_path)
    cmd = sipp_command(uac, "127.0.0.1:5471", rate=10, service="202", auth=("t-201-x", "pw"),
                       variables={"caller": "t-201-x"})
    joined = " ".join(cmd)
    assert cmd[1] == "127.0.0.1:5471"
    for part in ("-m 300", "-r 10", "-rp 1000", "-s 202", "-au t-201-x -ap pw", "-set caller t-201-x",
                 "-p 20000", "-mp 20002", "-cp 20006", "-timeout 90s", "-nostdin"):
        assert part in joined, part
    assert cmd.count("-m") == 1
    uas = sipp_command(SippRun("uas_answer.xml", 20008, 20010, 20014, 300, 120, tmp_path), "127.0.0.1:5471",
                       variables={"hold_ms": 1000})
    assert "-r" not in uas and "-s" not in uas and "-au" not in uas
    assert " ".join(uas).endswith("-set hold_ms 1000")


def test_arguments_default_to_the_bench_sandbox_and_refuse_the_shared_one(monkeypatch):
    for name in ("PBXFLOW_ASTERISK_ROOT", "PBXFLOW_SIP_PORT", "PBXFLOW_AMI_PORT", "PBXFLOW_RTP_START", "PBXFLOW_RTP_END"):
        monkeypatch.delenv(name, raising=False)
    args = parse_args([])
    assert (args.sip_port, args.ami_port, args.rtp, args.rate, args.calls) == (5471, 5449, (14000, 14999), 10.0, 300)
    assert args.root.name == "asterisk-root-cmp" and args.baseline_calls == 30
    quick = parse_args(["--quick"])
    assert (quick.calls, quick.baseline_calls) == (60, 10)
    monkeypatch.setenv("PBXFLOW_SIP_PORT", "5481")
    assert parse_args([]).sip_port == 5481  # the environment overrides the default
    with pytest.raises(SystemExit):
        parse_args(["--sip-port", "5060"])
    with pytest.raises(SystemExit):
        parse_args(["--rate", "0"])
    assert math.isclose(parse_args(["--rate", "2.5"]).rate, 2.5)
