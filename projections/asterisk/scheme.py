"""The routing-scheme compiler: a published revision to dialplan text (pure).

Input: the revision's stored nodes, the tenant's components and settings; output: the text
of the scheme's contexts. Semantics shared with the simulator (pbxflow.routing.simulate) are
written down in docs/schemes.md; the agreement tests (tests/test_scheme_calls.py) place
real calls to check them.

Layout, for tenant code C, scheme id S (12 hex digits of its id) and revision N:
  [t-C-s-S-rN]            one extension ``node-<id>`` per node, plus ``hop-limit`` and ``end``
  [t-C-s-S-rN-ivr-<id>]   an IVR node's menu: keys, ``i`` (invalid), ``t`` (timeout); an IVR
                          needs its own context so that a key is never the start of a longer
                          extension
  [t-C-s-S-rN-ivr<k>-<id>] the k-th nested menu of that IVR node (Components.menu_chain)
  [t-C-s-S-rN-internal]   the tenant's internal numbers, for the ``dial_direct`` menu action
  [t-C-s-S-rN-list-<id>]  a caller filter's numbers and prefixes
  [t-C-s-S-rN-dates-<id>] a time condition's exception dates
(The kind comes before the node id: ids may contain "-", so "<id>-list" of a caller filter "a"
would be the menu context of an IVR node "a-list"; node ids start with a letter, so "ivr1-a"
is never "ivr-" followed by an id.)
Every node visit first counts a hop (a call that loops is ended at HOP_LIMIT) and then emits
the marker ``UserEvent(PbxflowNode, Scheme, Revision, Node)`` that the call protocol reads.

Each revision has contexts of its own, and the renderer keeps the ``KEEP_REVISIONS`` latest
published revisions of a scheme in the dialplan while only the live one has entries: a call
finishes on the revision it started on. (After a dialplan reload Asterisk continues a call
at the same context, extension and priority of the *new* dialplan; with shared contexts a
call in progress would jump into the new revision's node bodies mid-way, or be dropped when
its node or priority no longer exists.)
"""

from __future__ import annotations

import re

from pbxflow.routing.catalogue import KEYS, key_port
from pbxflow.routing.components import Components
from pbxflow.routing.graph import nodes_of
from pbxflow.routing.simulate import HOP_LIMIT
from pbxflow.schedule_eval import DAY_MINUTES, exceptions_by_date, hours_on, weekday_hours
from datetime import date

from . import escape

HANGUP_CAUSES = {"normal": 16, "busy": 17, "congestion": 34}
# Published revisions of a scheme kept in the dialplan (the live one and those before it), so
# that calls in progress survive that many publishes on the revision they started on.
KEEP_REVISIONS = 3


def scheme_key(scheme_id: str) -> str:
    return scheme_id.replace("-", "")[:12]


def scheme_context(code: str, scheme_id: str, revision: int) -> str:
    return f"t-{escape.ident(code)}-s-{escape.ident(scheme_key(scheme_id))}-r{int(revision)}"


def node_exten(node_id: str) -> str:
    if not re.fullmatch(r"[a-z][a-z0-9_-]{0,23}", node_id):
        raise escape.UnsafeValue(f"not a node id: {node_id!r}")
    return f"node-{node_id}"


def _media_files(code: str, comps: Components, message_id: str | None) -> list[str]:
    from .render import media_path
    return [media_path(code, m) for m in comps.message_media(message_id)]


def _interval_test(var: str, hours: list[tuple[int, int]]) -> str:
    """An expression true when HHMM in ${var} is in one of the intervals."""
    parts = []
    for s, e in hours:
        lo, hi = (s // 60) * 100 + s % 60, (e // 60) * 100 + e % 60
        if s == 0 and e >= DAY_MINUTES:
            parts.append("1")
        elif s == 0:
            parts.append(f"${{{var}}} < {hi}")
        elif e >= DAY_MINUTES:
            parts.append(f"${{{var}}} >= {lo}")
        else:
            parts.append(f"(${{{var}}} >= {lo} & ${{{var}}} < {hi})")
    return " | ".join(parts) if parts else "0"


class _Compiler:
    def __init__(self, code: str, scheme_id: str, revision: int, doc: dict, comps: Components, vm_context: str):
        self.code = escape.ident(code)
        self.sid = scheme_key(scheme_id)
        self.revision = int(revision)
        self.nodes = nodes_of(doc)
        self.comps = comps
        self.ctx = scheme_context(code, scheme_id, revision)
        self.vm_context = vm_context
        self.extra: list[str] = []
        self.tail: list[str] = []  # contexts shared by the revision's nodes
        self.extra_contexts: set[str] = set()

    def go(self, node: dict, port: str) -> str:
        """Where a port leads: a node, or the default end (hang up)."""
        target = node.get("next", {}).get(port)
        return f"{self.ctx},{node_exten(target)},1" if target else f"{self.ctx},end,1"

    def compile(self) -> str:
        out = [f"; routing scheme {self.sid}, revision {self.revision}", f"[{self.ctx}]"]
        for nid in sorted(self.nodes):
            out.extend(self.node(nid, self.nodes[nid]))
        out += [
            "exten => end,1,Hangup()",
            f"exten => hop-limit,1,UserEvent(PbxflowHopLimit,Scheme: {self.sid},Revision: {self.revision})",
            " same => n,Hangup(16)",
        ]
        return "\n".join(out + self.extra + self.tail) + "\n"

    def node(self, nid: str, node: dict) -> list[str]:
        lines = [
            f"exten => {node_exten(nid)},1,Set(PBXFLOW_HOPS=$[${{PBXFLOW_HOPS}} + 1])",
            f" same => n,GotoIf($[${{PBXFLOW_HOPS}} > {HOP_LIMIT}]?{self.ctx},hop-limit,1)",
            f" same => n,UserEvent(PbxflowNode,Scheme: {self.sid},Revision: {self.revision},Node: {nid})",
        ]
        body = getattr(self, "_" + node["type"])(nid, node, node["params"])
        return lines + [" same => n," + b for b in body]

    # --- node bodies: each a list of applications after "same => n," --------------------

    def _entry(self, nid, node, p):
        return [f"Goto({self.go(node, 'next')})"]

    def _set_name(self, nid, node, p):
        text = escape.callerid_name(p["text"]).replace("$", "").replace(",", " ").replace("|", " ")
        text = text.replace("(", " ").replace(")", " ").replace("[", " ").replace("]", " ").strip() or "?"
        value = f"{text} ${{CALLERID(name)}}" if p["mode"] == "prefix" else text
        return [f"Set(CALLERID(name)={value})", f"Goto({self.go(node, 'next')})"]

    def _caller_filter(self, nid, node, p):
        ctx = f"{self.ctx}-list-{nid}"
        patterns: set[str] = set()
        for pre in p.get("prefixes", ()):
            patterns.add(f"_{escape.digits(pre.lstrip('+'))}!")
        classifier = self.comps.get("classifier", p.get("classifier_id"))
        for entry in (classifier or {}).get("entries", ()):
            number = str(entry.get("number", "")).lstrip("+")
            if re.fullmatch(r"[0-9]{1,20}\*", number):
                patterns.add(f"_{number[:-1]}!")
            elif re.fullmatch(r"[0-9]{1,20}", number):
                patterns.add(number)
        self.extra += ["", f"[{ctx}]"] + [f"exten => {pat},1,Return()" for pat in sorted(patterns)]
        if not patterns:
            self.extra.append("exten => none,1,Return()")  # an empty context would not exist
        return [
            # Digits only: the caller's number is the caller's to choose, never part of an expression.
            "Set(PBXFLOW_CALLER=${FILTER(0-9,${CALLERID(num)})})",
            f"GotoIf($[${{LEN(${{PBXFLOW_CALLER}})}} = 0]?{self.go(node, 'no_match')})",
            f"GotoIf(${{DIALPLAN_EXISTS({ctx},${{PBXFLOW_CALLER}},1)}}?{self.go(node, 'match')}:{self.go(node, 'no_match')})",
        ]

    def _time_condition(self, nid, node, p):
        schedule = self.comps.get("schedule", p.get("schedule_id")) or {}
        tz = self.comps.timezone
        if not re.fullmatch(r"[A-Za-z0-9_+/-]{1,64}", tz):
            raise escape.UnsafeValue(f"not a time zone: {tz!r}")
        yes, no = self.go(node, "open"), self.go(node, "closed")
        body = [
            "Set(PBXFLOW_NOW=${EPOCH})",
            f"Set(PBXFLOW_DAY=${{STRFTIME(${{PBXFLOW_NOW}},{tz},%Y%m%d)}})",
            f"Set(PBXFLOW_WD=${{STRFTIME(${{PBXFLOW_NOW}},{tz},%u)}})",
            # "1HHMM" - 10000: HHMM as a number, without a leading zero
            f"Set(PBXFLOW_HM=$[1${{STRFTIME(${{PBXFLOW_NOW}},{tz},%H%M)}} - 10000])",
        ]
        exceptions = exceptions_by_date(schedule)
        if exceptions:
            dates = f"{self.ctx}-dates-{nid}"
            body.append(f"GotoIf(${{DIALPLAN_EXISTS({dates},${{PBXFLOW_DAY}},1)}}?{dates},${{PBXFLOW_DAY}},1)")
            self.extra += ["", f"[{dates}]"]
            for day in sorted(exceptions):
                d = date.fromisoformat(day)
                test = _interval_test("PBXFLOW_HM", hours_on(schedule, d, exceptions))
                self.extra.append(f"exten => {d:%Y%m%d},1,GotoIf($[{test}]?{yes}:{no})")
        for weekday in range(7):
            hours = weekday_hours(schedule, weekday)
            if hours:
                body.append(f"GotoIf($[${{PBXFLOW_WD}} = {weekday + 1} & ({_interval_test('PBXFLOW_HM', hours)})]?{yes})")
        body.append(f"Goto({no})")
        return body

    def _play_message(self, nid, node, p):
        msg = self.comps.voice_messages.get(p.get("voice_message_id") or "") or {}
        files = _media_files(self.code, self.comps, p.get("voice_message_id"))
        body = ["Answer()"]
        for i, f in enumerate(files):
            if i and int(msg.get("pause_seconds", 0)):
                body.append(f"Wait({int(msg['pause_seconds'])})")
            body.append(f"Playback({f})")
        return body + [f"Goto({self.go(node, 'next')})"]

    def _ivr(self, nid, node, p):
        # The node's menu has context ...-ivr-<id>, the menus it leads to ...-ivr<k>-<id> (k = 1, 2, ...
        # in Components.menu_chain order). PBXFLOW_MENUS is the stack of menu numbers that led
        # here ("0-2-1"), for ``back``; a node whose menus never change keeps none.
        chain = self.comps.menu_chain(p.get("menu_id"))
        ctxs = [f"{self.ctx}-ivr-{nid}"] + [f"{self.ctx}-ivr{k}-{nid}" for k in range(1, len(chain))]
        stacked = len(chain) > 1
        for k, menu_id in enumerate(chain):
            self._menu(nid, node, self.comps.get("ivr_menu", menu_id) or {}, k, chain, ctxs, stacked)
        return ["Set(PBXFLOW_ERRORS=0)"] + (["Set(PBXFLOW_MENUS=0)"] if stacked else []) + ["Answer()", f"Goto({ctxs[0]},s,1)"]

    def _menu(self, nid: str, node: dict, menu: dict, k: int, chain: list[str], ctxs: list[str], stacked: bool) -> None:
        ctx = ctxs[k]
        prompt = _media_files(self.code, self.comps, menu.get("prompt_voice_message_id"))
        invalid = _media_files(self.code, self.comps, menu.get("invalid_prompt_voice_message_id"))
        max_errors = int(menu.get("max_errors", 3))
        timeout = int(menu.get("digit_timeout", 5))
        direct = self.comps.direct_numbers(menu)
        lines = ["", f"[{ctx}]", "exten => s,1,NoOp(menu)"]
        if direct:  # the wait between the digits of a directly dialled number
            lines.append(f" same => n,Set(TIMEOUT(digit)={timeout})")
        if prompt:
            lines.append(f" same => n,Background({'&'.join(prompt)})")
        lines.append(f" same => n,WaitExten({timeout})")
        for item in menu.get("keys", ()):
            port = key_port(item["key"]) if k == 0 else "invalid"
            lines.append(f"exten => {item['key']},1,NoOp(key {item['key']})")  # * and # are extensions as they are
            lines += [" same => n," + a for a in self._menu_action(node, item, port, ctx, menu, ctxs, chain, key=True)]
        for number in direct:
            lines.append(f"exten => {escape.digits(number)},1,Goto(t-{self.code}-ext,{escape.digits(number)},1)")
        for exten, exit_field, port in (("i", "default_exit", "invalid"), ("t", "timeout_exit", "timeout")):
            lines += [
                f"exten => {exten},1,Set(PBXFLOW_ERRORS=$[${{PBXFLOW_ERRORS}} + 1])",
                f" same => n,GotoIf($[${{PBXFLOW_ERRORS}} >= {max_errors}]?{exten}exit)",
            ]
            if invalid:
                lines.append(f" same => n,Background({'&'.join(invalid)})")
            lines.append(" same => n,Goto(s,1)")
            actions = self._menu_action(node, menu.get(exit_field) or {"action": "exit"}, port, ctx, menu, ctxs, chain, key=False)
            lines.append(f" same => n({exten}exit),{actions[0]}")
            lines += [" same => n," + a for a in actions[1:]]
        if stacked:
            # Entering a menu (nested, or by ``back``) counts a hop: menus that lead to each other
            # on their timeout exits would otherwise loop for ever.
            lines += [
                f"exten => enter,1,Set(PBXFLOW_HOPS=$[${{PBXFLOW_HOPS}} + 1])",
                f" same => n,GotoIf($[${{PBXFLOW_HOPS}} > {HOP_LIMIT}]?{self.ctx},hop-limit,1)",
                f" same => n,UserEvent(PbxflowMenu,Scheme: {self.sid},Revision: {self.revision},Node: {nid},Menu: {k})",
                " same => n,Set(PBXFLOW_ERRORS=0)",
                " same => n,Goto(s,1)",
            ]
            if k == 0:  # ``back`` goes to menu-<number> here
                lines += [f"exten => menu-{i},1,Goto({c},enter,1)" for i, c in enumerate(ctxs)]
        self.extra += lines

    def _internal_context(self) -> str:
        """A context with the tenant's internal numbers, for the ``dial_direct`` menu action."""
        ctx = f"{self.ctx}-internal"
        if ctx not in self.extra_contexts:
            self.extra_contexts.add(ctx)
            numbers = sorted(self.comps.internal_numbers())
            self.tail += ["", f"[{ctx}]"] + [f"exten => {escape.digits(n)},1,Goto(t-{self.code}-ext,{escape.digits(n)},1)" for n in numbers]
            if not numbers:
                self.tail.append("exten => none,1,Hangup()")  # an empty context would not exist
        return ctx

    def _menu_action(self, node: dict, item: dict, port: str, ctx: str, menu: dict | None = None,
                     ctxs: list[str] | None = None, chain: list[str] | None = None, *, key: bool = True) -> list[str]:
        """A menu action; ``port``: the node port an ``exit`` takes; ``key``: a key's action (else an exit's)."""
        action, target = item.get("action", "exit"), item.get("target")
        ctxs, chain = ctxs or [ctx], chain or []
        if action == "exit":
            return [f"Goto({self.go(node, port)})"]
        if action == "repeat":
            return [f"Goto({ctx},s,1)"]
        if action == "ivr_menu":
            if target not in chain:
                return ["Hangup(16)"]  # a missing menu (validation refuses it)
            k = chain.index(target)
            return [f"Set(PBXFLOW_MENUS=${{PBXFLOW_MENUS}}-{k})", f"Goto({ctxs[k]},enter,1)"]
        if action == "back":
            first = f"{ctx},s,1" if key else f"{self.ctx},end,1"  # the first menu: a key repeats it, an exit hangs up
            if len(ctxs) < 2:
                return [f"Goto({first})"]
            depth = "${FIELDQTY(PBXFLOW_MENUS,-)}"
            return [
                f"GotoIf($[{depth} < 2]?{first})",
                f"Set(PBXFLOW_MENUS=${{CUT(PBXFLOW_MENUS,-,1-$[{depth} - 1])}})",
                f"Goto({ctxs[0]},menu-${{CUT(PBXFLOW_MENUS,-,{depth})}},1)",
            ]
        if action == "dial_direct":
            numbers = self._internal_context()
            timeout = int((menu or {}).get("digit_timeout", 5))
            missing = f"{ctx},i,1" if key else self.go(node, port)  # a key: an invalid choice; an exit: its port
            return [
                f"Read(PBXFLOW_DIGITS,,{self.comps.dial_direct_digits()},,1,{timeout})",
                f"GotoIf($[${{LEN(${{PBXFLOW_DIGITS}})}} = 0]?{missing})",
                # DTMF digits only (0-9 *), so the value is safe as an extension
                f"GotoIf(${{DIALPLAN_EXISTS({numbers},${{PBXFLOW_DIGITS}},1)}}?{numbers},${{PBXFLOW_DIGITS}},1)",
                f"Goto({missing})",
            ]
        if action == "voice_message":
            files = _media_files(self.code, self.comps, target)
            return [f"Playback({f})" for f in files] + [f"Goto({ctx},s,1)"]
        if action == "hangup":
            return ["Hangup(16)"]
        if action == "extension":
            return [f"Goto(t-{self.code}-ext,{escape.ident(target)},1)"]
        if action == "voicemail":
            box = self.comps.get("voicemail_box", target) or {}
            if not box.get("mailbox"):
                return ["Hangup(16)"]
            return [f"VoiceMail({escape.digits(box['mailbox'])}@{self.vm_context},u)", "Hangup()"]
        if action == "external":
            return [f"Dial(Local/{escape.digits(target.lstrip('+'))}@t-{self.code}-outbound,60)", "Hangup()"]
        return ["Hangup(16)"]  # not an action of a menu

    def _dial_status(self, node: dict, status_var: str = "DIALSTATUS") -> list[str]:
        return [
            f"GotoIf($[\"${{{status_var}}}\" = \"ANSWER\"]?{self.go(node, 'answered')})",
            f"GotoIf($[\"${{{status_var}}}\" = \"BUSY\"]?{self.go(node, 'busy')})",
            f"GotoIf($[\"${{{status_var}}}\" = \"NOANSWER\"]?{self.go(node, 'no_answer')})",
            f"Goto({self.go(node, 'unavailable')})",
        ]

    def _dial(self, nid, node, p):
        from .render import dial_targets
        ext = self.comps.get("extension", p.get("extension_id"))
        legs = dial_targets(self.code, ext) if ext else []
        if not legs:
            return [f"Goto({self.go(node, 'unavailable')})"]
        # g: go on in the dialplan after an answered call ends, when "answered" leads somewhere
        options = "g" if node.get("next", {}).get("answered") else ""
        options += _recording_option(ext)
        return [f"Dial({'&'.join(legs)},{int(p['ring_time'])},{options})"] + self._dial_status(node)

    def _forward(self, nid, node, p):
        if not p.get("number"):
            return [f"Goto({self.go(node, 'unavailable')})"]
        options = "g" if node.get("next", {}).get("answered") else ""
        target = f"Local/{escape.digits(p['number'].lstrip('+'))}@t-{self.code}-outbound"
        return [f"Dial({target},{int(p['ring_time'])},{options})"] + self._dial_status(node)

    def _group(self, nid, node, p):
        group = self.comps.get("group", p.get("group_id"))
        if not group:
            return [f"Goto({self.go(node, 'overflow')})"]
        from .render import media_path
        greeting, pause, answers = self.comps.group_greeting(group)
        body = ["Answer()"] if answers else []
        for i, m in enumerate(greeting):
            if i and pause:
                body.append(f"Wait({pause})")
            body.append(f"Playback({media_path(self.code, m)})")
        cont = "c" if node.get("next", {}).get("answered") else ""
        options = ("" if answers else "r") + cont
        queue = escape.ident(f"t-{self.code}-q{group['number']}")
        max_wait = int(group.get("max_wait", 0)) or ""
        body.append(f"Queue({queue},{options},,,{max_wait}{_recording_gosub_arg(group)})")
        # CONTINUE: answered, and the member hung up (option c); anything else is an overflow
        body.append(f"GotoIf($[\"${{QUEUESTATUS}}\" = \"CONTINUE\"]?{self.go(node, 'answered')})")
        body.append(f"Goto({self.go(node, 'overflow')})")
        return body

    def _direct_dial(self, nid, node, p):
        prompt = _media_files(self.code, self.comps, p.get("voice_message_id"))
        ext_ctx = f"t-{self.code}-ext"
        return [
            "Answer()",
            f"Read(PBXFLOW_DIGITS,{'&'.join(prompt)},{int(p['max_digits'])},,1,{int(p['wait'])})",
            f"GotoIf($[${{LEN(${{PBXFLOW_DIGITS}})}} = 0]?{self.go(node, 'timeout')})",
            # DTMF digits only (0-9 *), so the value is safe as an extension
            f"GotoIf(${{DIALPLAN_EXISTS({ext_ctx},${{PBXFLOW_DIGITS}},1)}}?{ext_ctx},${{PBXFLOW_DIGITS}},1)",
            f"Goto({self.go(node, 'timeout')})",
        ]

    def _voicemail(self, nid, node, p):
        box = self.comps.get("voicemail_box", p.get("box_id")) or {}
        if not box.get("mailbox"):
            return ["Hangup(16)"]
        return [f"VoiceMail({escape.digits(box['mailbox'])}@{self.vm_context},u)", "Hangup()"]

    def _fax(self, nid, node, p):
        return ["Answer()", "ReceiveFAX(/var/spool/asterisk/fax/${UNIQUEID}.tif)", "Hangup()"]

    def _hangup(self, nid, node, p):
        return [f"Hangup({HANGUP_CAUSES[p['cause']]})"]


def _recording_option(ext: dict) -> str:
    """Dial's U() option when the extension's owner records its calls (F-CAL-6; render.py sets
    ``recording_gosub`` from the owner user)."""
    gosub = ext.get("recording_gosub")
    return f"U({escape.ident(gosub)})" if gosub else ""


def _recording_gosub_arg(group: dict) -> str:
    """Queue's gosub argument (after the AGI one) when the group records its calls (F-CAL-6)."""
    gosub = group.get("recording_gosub")
    return f",,{escape.ident(gosub)}" if gosub else ""


def compile_scheme(code: str, scheme_id: str, revision: int, doc: dict, comps: Components, *, vm_context: str | None = None) -> str:
    """Dialplan text of one published scheme revision."""
    return _Compiler(code, scheme_id, revision, doc, comps, vm_context or f"t-{escape.ident(code)}").compile()


def entry_lines(code: str, scheme_id: str, revision: int, number: str, entry_node: str) -> list[str]:
    """The applications that send a call for ``number`` into the scheme's live revision (DID or internal context)."""
    return [
        f"Set(__PBXFLOW_TENANT={escape.ident(code)})",
        "Set(PBXFLOW_HOPS=0)",
        f"Goto({scheme_context(code, scheme_id, revision)},{node_exten(entry_node)},1)",
    ]
