"""The app for uvicorn's workers: `custody serve` passes the ledger in CUSTODY_DB."""

from __future__ import annotations

import os

from starlette.types import ASGIApp

from web.app import create_app


def make() -> ASGIApp:
    """One worker's app over the ledger named by CUSTODY_DB."""
    return create_app(os.environ["CUSTODY_DB"], warm=True)
