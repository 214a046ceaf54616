"""Classifiers: named contact lists used as caller black/white lists, VIP lists and call lists (F-CMP-8).

An entry's ``number`` is a caller number or, with a trailing ``*``, a number prefix
(``+7495*``). Matching ignores a leading ``+`` on both sides, so ``+74951234567`` and
``74951234567`` (as some trunks send it) are the same caller; see docs/components.md.
"""

from __future__ import annotations

import re
from typing import Annotated

import msgspec
from msgspec import UNSET, UnsetType

from ..errors import Invalid
from . import kinds
from .common import E164, Email, Name, Text, normalise_e164

MAX_ENTRIES = 10_000
# Typed numbers may carry spaces, dashes and brackets; stored as [+]digits[*].
NumberPattern = Annotated[str, msgspec.Meta(min_length=1, max_length=40, pattern=r"^[0-9+*() -]+$(?!\n)",
                                            description="caller number, or a prefix ending in * (e.g. +7495*)")]
Label = Annotated[str, msgspec.Meta(max_length=100, pattern=r"^[^\x00-\x1f\x7f-\x9f\u2028\u2029]*$(?!\n)")]
_NUMBER_RE = re.compile(r"\+?[0-9]{1,20}\*?")


class Entry(msgspec.Struct, forbid_unknown_fields=True, omit_defaults=True):
    number: NumberPattern
    name: Label = ""
    phone: E164 | None = None  # the contact's phone for call-backs and campaigns
    email: Email = ""
    note: Label = ""


class ClassifierIn(msgspec.Struct, forbid_unknown_fields=True):
    name: Name
    description: Text = ""
    entries: Annotated[list[Entry], msgspec.Meta(max_length=MAX_ENTRIES)] = []


class ClassifierPatch(msgspec.Struct, forbid_unknown_fields=True, omit_defaults=True):
    name: Name | UnsetType = UNSET
    description: Text | UnsetType = UNSET
    entries: Annotated[list[Entry], msgspec.Meta(max_length=MAX_ENTRIES)] | UnsetType = UNSET


def normalise_number(field: str, value: str) -> str:
    number = re.sub(r"[\s()-]", "", value)
    if not _NUMBER_RE.fullmatch(number):
        raise Invalid(field, f"{value!r} is not a caller number: digits with an optional leading + "
                      "and, for a prefix, a trailing * (e.g. +74951234567 or +7495*)")
    return number


def match_key(number: str) -> str:
    """What matching compares: the number without a leading +."""
    return number.removeprefix("+")


def check_entry(field: str, entry: dict) -> dict:
    """One entry (plain data after struct conversion), canonical; ``field`` is its path."""
    out = {"number": normalise_number(f"{field}.number", entry["number"])}
    for key in ("name", "email", "note"):
        if entry.get(key):
            out[key] = entry[key]
    if entry.get("phone"):
        out["phone"] = normalise_e164(f"{field}.phone", entry["phone"])
    return out


def entry_from_row(field: str, row: dict) -> dict:
    """An imported row as an entry; errors are named under ``field`` (e.g. rows[3].number)."""
    try:
        item = kinds.to_plain(kinds.convert(row, Entry))
    except Invalid as exc:
        raise Invalid(f"{field}.{exc.field}" if exc.field != "body" else field, str(exc.detail).split(": ", 1)[-1]) from None
    return check_entry(field, item)


def check_unique(entries: list[dict], field: str = "entries") -> None:
    seen: dict[str, int] = {}
    for i, e in enumerate(entries):
        key = match_key(e["number"])
        if key in seen:
            raise Invalid(f"{field}[{i}].number", f"{e['number']} appears twice (also {field}[{seen[key]}])")
        seen[key] = i


def merge_entries(current: list[dict], imported: list[dict], *, replace: bool) -> list[dict]:
    """Replace the list, or append: an imported number already listed updates that entry in place."""
    if replace:
        return list(imported)
    out = list(current)
    index = {match_key(e["number"]): i for i, e in enumerate(out)}
    for e in imported:
        key = match_key(e["number"])
        if key in index:
            out[index[key]] = e
        else:
            index[key] = len(out)
            out.append(e)
    return out


def find(classifier: dict, caller_number: str | None) -> dict | None:
    """The entry matching a caller: an exact number first, else the longest prefix; None if none."""
    if not caller_number:
        return None
    caller = match_key(re.sub(r"[\s()-]", "", caller_number))
    if not caller.isdigit():
        return None  # anonymous, "unknown", SIP URIs: no number to match
    prefixes: dict[str, dict] = {}
    for e in classifier.get("entries") or ():
        key = match_key(e["number"])
        if key.endswith("*"):
            prefixes.setdefault(key[:-1], e)
        elif key == caller:
            return e
    for n in range(len(caller), 0, -1):
        hit = prefixes.get(caller[:n])
        if hit is not None:
            return hit
    return None


def matches(classifier: dict, caller_number: str | None) -> bool:
    """Whether the caller's number is on the list (exact number or prefix)."""
    return find(classifier, caller_number) is not None


class ClassifierKind(kinds.Kind):
    name = "classifier"
    collection = "classifiers"
    create_struct = ClassifierIn
    patch_struct = ClassifierPatch
    search_fields = ("name", "description")
    order_fields = ("name",)

    def normalise(self, data: dict, *, tenant: dict | None, current: dict | None) -> dict:
        doc = kinds.to_plain(kinds.convert(data, ClassifierIn))
        doc["entries"] = [check_entry(f"entries[{i}]", e) for i, e in enumerate(doc["entries"])]
        check_unique(doc["entries"])
        return doc

    def public(self, data: dict, *, reveal_secrets: bool) -> dict:
        return {"description": "", "entries": [], **data}


CLASSIFIER = kinds.register(ClassifierKind())
