"""Who does a thing: the operator named on each event."""

from __future__ import annotations

import getpass
import os


def default_operator() -> str:
    """Who is scanning: CUSTODY_OPERATOR, else the OS user."""
    return os.environ.get("CUSTODY_OPERATOR") or getpass.getuser()
