"""Where the PACS is: a small TOML file that `custody pacs config` writes and `verify` reads."""

from __future__ import annotations

import json
import os
import tomllib
from pathlib import Path

from pacs.errors import PacsNotConfigured, PacsSettingsMissing
from pacs.query import DEFAULT_TIMEOUT, DicomWebSettings, DimseSettings, PacsSettings


def config_path() -> Path:
    """The PACS settings file: $XDG_CONFIG_HOME/custody/pacs.toml."""
    base = os.environ.get("XDG_CONFIG_HOME") or str(Path.home() / ".config")
    return Path(base) / "custody" / "pacs.toml"


def settings_from_options(
    url: str | None,
    ae_title: str | None,
    host: str | None,
    port: int | None,
    calling_ae: str | None = None,
    timeout: float | None = None,
) -> PacsSettings | None:
    """Settings from the options given (command line or form), or None when none was."""
    dimse = (ae_title, host, port)
    if url and any(v is not None for v in dimse):
        raise PacsNotConfigured(
            "give either {url} URL (DICOMweb) or {ae_title}/{host}/{port}",
            fields=("url", "ae_title", "host", "port"),
        )
    wait = timeout if timeout is not None else DEFAULT_TIMEOUT
    if url:
        return DicomWebSettings(url, timeout=wait)
    if all(v is None for v in dimse):
        return None
    if ae_title is None or host is None or port is None:
        raise PacsNotConfigured(
            "DIMSE needs all of {ae_title}, {host} and {port}", fields=("ae_title", "host", "port")
        )
    return DimseSettings(ae_title, host, port, calling_ae=calling_ae or "CUSTODY", timeout=wait)


def save_settings(path: Path, settings: PacsSettings) -> None:
    """Write the settings as TOML (values quoted as JSON strings, which TOML reads alike)."""
    if isinstance(settings, DicomWebSettings):
        values: dict[str, object] = {"protocol": "dicomweb", "url": settings.url}
    else:
        values = {
            "protocol": "dimse",
            "ae_title": settings.ae_title,
            "host": settings.host,
            "port": settings.port,
            "calling_ae": settings.calling_ae,
        }
    values["timeout"] = float(settings.timeout)
    lines = ["# Where custody asks whether a disc was imported (custody pacs config)."]
    lines += [f"{key} = {json.dumps(value)}" for key, value in values.items()]
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")


def load_settings(path: Path) -> PacsSettings:
    """The settings in the file, PacsSettingsMissing if none were saved, or PacsNotConfigured."""
    try:
        values = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise PacsSettingsMissing(f"no PACS configured ({path} missing)") from None
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        raise PacsNotConfigured(f"{path} is not readable TOML: {exc}") from None
    timeout = float(values.get("timeout", DEFAULT_TIMEOUT))
    try:
        if values.get("protocol") == "dicomweb":
            return DicomWebSettings(str(values["url"]), timeout=timeout)
        if values.get("protocol") == "dimse":
            return DimseSettings(
                str(values["ae_title"]),
                str(values["host"]),
                int(values["port"]),
                calling_ae=str(values.get("calling_ae", "CUSTODY")),
                timeout=timeout,
            )
    except (KeyError, ValueError) as exc:
        raise PacsNotConfigured(f"{path} lacks or mangles {exc}") from None
    raise PacsNotConfigured(f'{path}: protocol must be "dicomweb" or "dimse"')
