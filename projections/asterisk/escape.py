"""Escaping of values that reach Asterisk config files.

Asterisk's config parser treats ``;`` as the start of a comment (``\\;`` is a
literal), a line starting with ``[`` as a section header, and a newline as the
end of a value; dialplan application arguments split on ``,`` and ``|`` and
expand ``${…}``/``$[…]``. Every value rendered into a file goes through one of
these functions; the domain already refuses control characters, and these
functions refuse them again so that a bug upstream cannot change the
structure of a generated file.
"""

from __future__ import annotations

import re

_IDENT = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.+-]{0,79}$")
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")


class UnsafeValue(ValueError):
    pass


def ident(value: object) -> str:
    """A section name, context, endpoint id or extension: a strict charset, never escaped."""
    text = str(value)
    if not _IDENT.match(text):
        raise UnsafeValue(f"not a safe Asterisk identifier: {text!r}")
    return text


def value(val: object) -> str:
    """A free value on a ``key = value`` line."""
    text = str(val)
    if _CONTROL.search(text):
        raise UnsafeValue(f"control character in config value {text!r}")
    # Asterisk unescapes only "\;" (it drops the one backslash before a ";"); "\\" stays two
    # characters, so backslashes must not be doubled or the value changes.
    return text.replace(";", "\\;").strip()


def callerid_name(val: object) -> str:
    """A display name inside ``"…"``: quotes, angle brackets and backslashes are dropped."""
    text = _CONTROL.sub(" ", str(val))
    text = re.sub(r'["<>\\]', "", text)[:80]  # cut before escaping: never split a "\;"
    return value(text)


def comment(val: object) -> str:
    """Text for a ``;`` comment: one line, whatever it holds."""
    return _CONTROL.sub(" ", str(val))[:120]


def digits(val: object) -> str:
    text = str(val)
    if not re.fullmatch(r"\+?[0-9]{1,20}", text):
        raise UnsafeValue(f"not a number: {text!r}")
    return text
