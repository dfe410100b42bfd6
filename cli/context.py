"""What every command needs: the ledger named by --db / CUSTODY_DB."""

from __future__ import annotations

import getpass
import os
from typing import TYPE_CHECKING

import typer

if TYPE_CHECKING:
    from ledger.accounts import Accounts
    from ledger.api import Ledger


def open_ledger(ctx: typer.Context) -> Ledger:
    """The ledger this command works on (imported here so `--help` stays fast)."""
    from ledger.api import Ledger

    return Ledger.open(ctx.find_root().obj)


def ledger_target(ctx: typer.Context) -> str:
    """The --db value: path or URL."""
    return str(ctx.find_root().obj)


def default_operator() -> str:
    """Who is scanning: CUSTODY_OPERATOR, else the OS user."""
    return os.environ.get("CUSTODY_OPERATOR") or getpass.getuser()


def open_accounts(ctx: typer.Context) -> Accounts:
    """The accounts of this command's ledger."""
    from ledger.accounts import Accounts

    return Accounts(open_ledger(ctx))
