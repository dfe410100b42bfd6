"""Reminder and IR1 thresholds in working days, from a small TOML file with defaults."""

from __future__ import annotations

import os
import tomllib
from dataclasses import asdict, dataclass, fields, replace
from pathlib import Path

from ledger.errors import CustodyError


class InvalidThresholds(CustodyError):
    """A thresholds file that cannot be read, or names an unknown threshold."""


@dataclass(frozen=True)
class Thresholds:
    """Working days after a step before a medium is flagged (see reports.calendar)."""

    not_dispatched: int = 2
    not_received: int = 5
    not_received_urgent: int = 1
    not_sent_to_pacs: int = 2
    not_imported: int = 3
    not_imported_urgent: int = 1
    overdue_receipt: int = 10
    overdue_receipt_urgent: int = 2
    # Password-not-sent: flagged once more than this many working days pass without one.
    password_within: int = 1
    handover_unacknowledged: int = 1


_HELP = {
    "not_dispatched": "unreconciled not-dispatched: registered, not dispatched",
    "not_received": "unreconciled not-received: dispatched, no receipt",
    "not_received_urgent": "  the same, for an urgent medium",
    "not_sent_to_pacs": "unreconciled not-sent-to-pacs: received, not handed to PACS",
    "not_imported": "unreconciled not-imported: with the PACS team, not imported",
    "not_imported_urgent": "  the same, for an urgent medium",
    "overdue_receipt": "incident overdue-receipt: dispatched, not received",
    "overdue_receipt_urgent": "  the same, for an urgent medium",
    "password_within": "incident password-not-sent: no password within this many after dispatch",
    "handover_unacknowledged": "unreconciled handover-unacknowledged: handed to the patient, "
    "no signed form",
}


def thresholds_path() -> Path:
    """$CUSTODY_THRESHOLDS, else $XDG_CONFIG_HOME/custody/thresholds.toml."""
    explicit = os.environ.get("CUSTODY_THRESHOLDS")
    if explicit:
        return Path(explicit)
    base = os.environ.get("XDG_CONFIG_HOME") or str(Path.home() / ".config")
    return Path(base) / "custody" / "thresholds.toml"


def load_thresholds(path: Path | None = None) -> Thresholds:
    """The thresholds in force: the defaults, overridden by the file where it exists."""
    path = path or thresholds_path()
    if not path.exists():
        return Thresholds()
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        raise InvalidThresholds(f"cannot read thresholds file {path}: {exc}") from None
    values = data.get("thresholds", data)
    known = {f.name for f in fields(Thresholds)}
    changes: dict[str, int] = {}
    for key, value in values.items():
        name = key.replace("-", "_")
        if name not in known:
            raise InvalidThresholds(
                f"{path}: unknown threshold {key!r} ({', '.join(sorted(known))})"
            )
        if not isinstance(value, int) or isinstance(value, bool) or value < 0:
            raise InvalidThresholds(f"{path}: {key} must be a whole number of working days >= 0")
        changes[name] = value
    return replace(Thresholds(), **changes)


def thresholds_toml(thresholds: Thresholds) -> str:
    """The thresholds as a TOML file, each with what it flags (working days)."""
    lines = ["# custody thresholds, in working days (weekends and bank holidays excluded)", ""]
    lines.append("[thresholds]")
    for name, value in asdict(thresholds).items():
        setting = f"{name.replace('_', '-')} = {value}"
        lines.append(f"{setting:<28} # {_HELP[name]}")
    return "\n".join(lines) + "\n"
