"""The assembled app, for generating docs/cli.md (`scripts/cli-docs.sh`).

Typer's docs tool loads a module by path; importing `app` from cli.main here makes sure
every command module has registered itself first.
"""

from cli.main import app

__all__ = ["app"]
