"""Field types shared by several kinds (msgspec constraints = validation rules)."""

from __future__ import annotations

import ipaddress
import re
import secrets
import string
from typing import Annotated

import msgspec

from ..errors import Invalid

# Patterns are searched (re.search) and Python's $ also matches before a final "\n": the
# (?!\n) after each $ keeps a trailing newline out of values that reach config files.
# Printable text without control characters (a newline must never reach a config file).
Name = Annotated[str, msgspec.Meta(min_length=1, max_length=100, pattern=r"^[^\x00-\x1f\x7f-\x9f\u2028\u2029]+$(?!\n)")]
Text = Annotated[str, msgspec.Meta(max_length=500, pattern=r"^[^\x00-\x08\x0b-\x1f\x7f]*$")]
Email = Annotated[str, msgspec.Meta(max_length=254, pattern=r"^(?:[^@\s\x00-\x1f\x7f-\x9f]+@[^@\s\x00-\x1f\x7f-\x9f]+\.[^@\s\x00-\x1f\x7f-\x9f]+)?$(?!\n)")]
Digits = Annotated[str, msgspec.Meta(min_length=1, max_length=20, pattern=r"^[0-9]+$(?!\n)")]
# Phone numbers may be typed with spaces, dashes and brackets; they are stored as +digits.
E164 = Annotated[str, msgspec.Meta(max_length=24, pattern=r"^\+?[0-9][0-9 ()-]{1,22}[0-9]$")]
Login = Annotated[str, msgspec.Meta(min_length=3, max_length=64, pattern=r"^[A-Za-z0-9][A-Za-z0-9._@-]*$(?!\n)")]
Password = Annotated[str, msgspec.Meta(min_length=8, max_length=128)]
SipSecret = Annotated[str, msgspec.Meta(min_length=12, max_length=64, pattern=r"^[A-Za-z0-9_-]+$(?!\n)")]
Hostname = Annotated[str, msgspec.Meta(min_length=1, max_length=253, pattern=r"^[A-Za-z0-9]([A-Za-z0-9.-]*[A-Za-z0-9])?$(?!\n)")]
Cidr = Annotated[str, msgspec.Meta(max_length=43)]
Seconds = Annotated[int, msgspec.Meta(ge=5, le=600)]
Port = Annotated[int, msgspec.Meta(ge=1, le=65535)]

_SECRET_ALPHABET = string.ascii_letters + string.digits


def strong_secret(length: int = 24) -> str:
    """A SIP password: letters and digits only, so it needs no escaping anywhere."""
    while True:
        value = "".join(secrets.choice(_SECRET_ALPHABET) for _ in range(length))
        if any(c.isdigit() for c in value) and any(c.isupper() for c in value) and any(c.islower() for c in value):
            return value


def short_code(length: int = 6) -> str:
    alphabet = string.ascii_lowercase + string.digits
    return secrets.choice(string.ascii_lowercase) + "".join(secrets.choice(alphabet) for _ in range(length - 1))


def check_cidr(field: str, value: str) -> str:
    try:
        return str(ipaddress.ip_network(value, strict=False))
    except ValueError:
        raise Invalid(field, f"{value!r} is not an IP network (e.g. 192.0.2.0/24)") from None


def normalise_e164(field: str, value: str) -> str:
    digits = re.sub(r"[\s()-]", "", value)
    if not re.fullmatch(r"\+?[0-9]{3,15}", digits):
        raise Invalid(field, f"{value!r} is not a phone number (3-15 digits, optional leading +)")
    return digits
