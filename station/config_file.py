"""A station's settings kept in a small TOML file, so the post room PC starts with one command."""

from __future__ import annotations

import json
import os
import tomllib
from dataclasses import asdict, dataclass, fields, replace
from pathlib import Path

from ledger.errors import StationConfigError

CONFIG_ENV = "CUSTODY_STATION_CONFIG"


@dataclass(frozen=True, slots=True)
class StationConfig:
    """What a station remembers between runs; None means "use the default"."""

    site: str | None = None
    operator: str | None = None
    prefix: str | None = None
    suffix: str | None = None
    journal: str | None = None
    db: str | None = None


KEYS = tuple(f.name for f in fields(StationConfig))


def default_path() -> Path:
    """$CUSTODY_STATION_CONFIG, else $XDG_CONFIG_HOME/custody/station.toml."""
    if os.environ.get(CONFIG_ENV):
        return Path(os.environ[CONFIG_ENV])
    base = os.environ.get("XDG_CONFIG_HOME") or str(Path.home() / ".config")
    return Path(base) / "custody" / "station.toml"


def load(path: Path) -> StationConfig:
    """The config at `path`; an empty one if there is no file."""
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return StationConfig()
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        raise StationConfigError(f"cannot read the station config {path}: {exc}") from None
    unknown = sorted(set(data) - set(KEYS))
    if unknown:
        raise StationConfigError(f"{path}: unknown setting(s) {', '.join(unknown)}")
    if any(not isinstance(v, str) for v in data.values()):
        raise StationConfigError(f"{path}: every setting is a quoted string")
    return StationConfig(**data)


def to_toml(config: StationConfig) -> str:
    """The config as TOML text; unset keys left out."""
    # A JSON string is a valid TOML basic string, escapes for control characters included.
    lines = [f"{k} = {json.dumps(v)}" for k, v in asdict(config).items() if v is not None]
    return "# custody scan station (custody station-config)\n" + "\n".join(lines) + "\n"


def save(path: Path, config: StationConfig) -> None:
    """Write the config file, replacing the old one whole."""
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_name(path.name + ".tmp")
        tmp.write_text(to_toml(config), encoding="utf-8")
        tmp.replace(path)
    except OSError as exc:
        message = f"cannot write the station config {path}: {exc.strerror}"
        raise StationConfigError(message) from None


def updated(config: StationConfig, **changes: str | None) -> StationConfig:
    """The config with the given settings changed; an empty string clears one."""
    given = {k: (v or None) for k, v in changes.items() if v is not None}
    return replace(config, **given)
