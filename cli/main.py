"""The `custody` command: every command module added to the app, and the console entry point."""

from __future__ import annotations

import os
import sys
from typing import NoReturn

# Each command module adds its commands to `cli.app.app` when imported.
from cli import (  # noqa: F401
    database,
    demo,
    disc,
    handover,
    ir1,
    keys,
    label,
    manifest,
    media,
    orgs,
    pacs,
    registration,
    remind,
    report,
    scan,
    serve,
    station,
    transfer,
    users,
    verify,
)
from cli.app import app

__all__ = ["app", "run"]


def run() -> NoReturn:
    """Console entry point: quiet on broken pipe and Ctrl-C."""
    try:
        code = station.quick_start(sys.argv[1:])
        if code is not None:
            sys.exit(code)
        app()
    except BrokenPipeError:
        # Output went to `head` or similar: nothing to say, and nothing more to write.
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        sys.exit(141)
    except KeyboardInterrupt:
        sys.exit(130)
    sys.exit(0)
