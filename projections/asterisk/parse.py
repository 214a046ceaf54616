"""A small reader of Asterisk config text, for checking what we generate.

It follows Asterisk's own rules closely enough to see structure: ``;`` starts a
comment unless escaped as ``\\;``, ``[name]`` or ``[name](template)`` opens a
section, other lines are ``key = value`` or ``key => value``.
"""

from __future__ import annotations

import re

_SECTION = re.compile(r"^\[([^\]]+)\](?:\(([^)]*)\))?\s*$")


def strip_comment(line: str) -> str:
    # As Asterisk's config.c: a ";" right after a backslash is a literal (whatever precedes
    # that backslash); any other ";" starts a comment.
    for i, ch in enumerate(line):
        if ch == ";" and (i == 0 or line[i - 1] != "\\"):
            return line[:i].rstrip()
    return line.rstrip()


def parse(text: str) -> list[tuple[str, str | None, list[tuple[str, str]]]]:
    """Sections in order: (name, template, [(key, value), …])."""
    sections: list[tuple[str, str | None, list[tuple[str, str]]]] = []
    for raw in text.split("\n"):
        line = strip_comment(raw).strip()
        if not line:
            continue
        m = _SECTION.match(line)
        if m:
            sections.append((m.group(1), m.group(2), []))
            continue
        arrow = line.find("=>")
        key, sep, value = line.partition("=>") if arrow != -1 and arrow == line.find("=") else line.partition("=")
        if not sep:
            raise ValueError(f"line is neither a section nor a setting: {raw!r}")
        if not sections:
            raise ValueError(f"setting outside a section: {raw!r}")
        sections[-1][2].append((key.strip(), value.strip()))
    return sections


def structure(text: str) -> list[tuple[str, str | None, tuple[str, ...]]]:
    """Section names and keys only: what an injected character could change."""
    return [(name, tpl, tuple(k for k, _ in items)) for name, tpl, items in parse(text)]
