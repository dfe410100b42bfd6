"""Free text that people type (operator, names, reasons, notes): refused if it could forge output.

A newline in an operator's name would add a fake line to `custody show`; a right-to-left
override makes text read differently from what is stored. Such text is **refused** on the
way in, with the reason (never stored, never silently cleaned); `custody show` writes any
that an older version stored escaped (`shown`), so it can never pass for another line.
"""

from __future__ import annotations

import re

from ledger.errors import InvalidValue

# C0 and C1 controls (newline, carriage return, tab, escape...), the line and paragraph
# separators, and the bidirectional marks, embeddings, overrides and isolates.
_UNSAFE = re.compile("[\x00-\x1f\x7f-\x9f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069]")

# The longest each kind of free text may be.
OPERATOR_MAX = 64
NAME_MAX = 200
NOTE_MAX = 2000


def text_problem(value: str, what: str, limit: int, *, lines: bool = False) -> str | None:
    """Why `value` may not be stored as `what`, or None; `lines` lets a postal address keep its
    line breaks (LF only), printed as lines on labels and forms."""
    found = _UNSAFE.search(value.replace("\n", "") if lines else value)
    if found:
        return (
            f"{what} contains the control or text-direction character "
            f"U+{ord(found.group()):04X}: type it again without it"
        )
    if len(value) > limit:
        return f"{what} is {len(value)} characters long (at most {limit})"
    return None


def checked_text(
    value: str, what: str, limit: int, *, lines: bool = False, field: str | None = None
) -> str:
    """`value` trimmed, or InvalidValue saying why it cannot be stored (about `field`, which
    `what` may name in braces, `{to}` for field `to`: each front end names its own control)."""
    value = value.strip()
    problem = text_problem(value, what, limit, lines=lines)
    if problem:
        raise InvalidValue(problem, field=field)
    return value


def organisation_texts(name: str, address: str | None) -> tuple[str, str | None]:
    """An organisation's name and address, checked as free text."""
    name = checked_text(name, "the organisation's name", NAME_MAX)
    return name, checked_text(address, "the address", NOTE_MAX, lines=True) if address else address


def shown(value: str) -> str:
    """Text as printed for a person: any unsafe character written as an escape (`\\n`)."""
    return _UNSAFE.sub(lambda m: m.group().encode("unicode_escape").decode(), value)
