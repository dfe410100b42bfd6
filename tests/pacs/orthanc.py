"""A throwaway Orthanc PACS (with its DICOMweb plugin) for the tests and the benchmark.

Orthanc binds every interface, so it is only started inside a network
namespace whose only interface is loopback: scripts/netns.sh makes one.
"""

from __future__ import annotations

import http.client
import json
import socket
import subprocess
import time
from collections.abc import Iterable, Iterator
from contextlib import closing, contextmanager
from dataclasses import dataclass
from pathlib import Path

from pydicom.dataset import Dataset

from tests.pacs.synthetic import to_bytes

ORTHANC = "/usr/sbin/Orthanc"
AE_TITLE = "ORTHANC"
PLUGIN_CANDIDATES = (
    "/usr/share/orthanc/plugins/libOrthancDicomWeb.so",
    "/usr/lib/orthanc/libOrthancDicomWeb.so",
)
START_TIMEOUT = 30.0


class OrthancUnavailable(Exception):
    """Orthanc cannot be started here; the message says why."""


@dataclass(frozen=True)
class Orthanc:
    """A running Orthanc: where to reach it over HTTP, DICOMweb and DIMSE."""

    http_port: int
    dicom_port: int
    log: Path

    @property
    def dicomweb_url(self) -> str:
        """The root of its DICOMweb service."""
        return f"http://127.0.0.1:{self.http_port}/dicom-web"


def only_loopback() -> bool:
    """True when this process's network namespace has no interface but `lo`."""
    return [name for _, name in socket.if_nameindex()] == ["lo"]


def _free_port() -> int:
    """A TCP port nobody listens on right now."""
    with closing(socket.socket()) as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _plugin() -> str | None:
    """Where Debian's orthanc-dicomweb put the plugin, if it is installed."""
    return next((path for path in PLUGIN_CANDIDATES if Path(path).exists()), None)


@contextmanager
def running_orthanc(workdir: Path) -> Iterator[Orthanc]:
    """Start Orthanc with its storage in `workdir`; stop it when the block ends."""
    if not only_loopback():
        raise OrthancUnavailable(
            "Orthanc runs only in a loopback-only network namespace: use scripts/test.sh, or "
            "scripts/netns.sh .venv/bin/python -m pytest -m orthanc tests/pacs"
        )
    plugin = _plugin()
    if not Path(ORTHANC).exists() or plugin is None:
        raise OrthancUnavailable(
            "orthanc and orthanc-dicomweb are not installed: run scripts/test-deps.sh"
        )
    workdir.mkdir(parents=True, exist_ok=True)
    server = Orthanc(_free_port(), _free_port(), workdir / "orthanc.log")
    config = {
        "Name": "custody-test",
        "StorageDirectory": str(workdir / "storage"),
        "IndexDirectory": str(workdir / "storage"),
        "HttpPort": server.http_port,
        "DicomPort": server.dicom_port,
        "DicomAet": AE_TITLE,
        "RemoteAccessAllowed": False,
        "AuthenticationEnabled": False,
        "DicomCheckCalledAet": False,
        "DicomAlwaysAllowEcho": True,
        "DicomAlwaysAllowFind": True,
        "DicomAlwaysAllowStore": True,
        "StorageCompression": False,
        "SaveJobs": False,
        "LimitFindResults": 0,
        "Plugins": [plugin],
        "DicomWeb": {"Enable": True, "Root": "/dicom-web/"},
    }
    config_path = workdir / "orthanc.json"
    config_path.write_text(json.dumps(config, indent=2))
    with server.log.open("wb") as log:
        process = subprocess.Popen([ORTHANC, str(config_path)], stdout=log, stderr=log)
    try:
        _wait_until_up(server, process)
        yield server
    finally:
        process.terminate()
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def _wait_until_up(server: Orthanc, process: subprocess.Popen[bytes]) -> None:
    """Return once Orthanc answers over HTTP; raise with its log's tail if it dies or hangs."""
    deadline = time.monotonic() + START_TIMEOUT
    while time.monotonic() < deadline:
        if process.poll() is not None:
            tail = server.log.read_text(errors="replace").strip().splitlines()[-3:]
            raise OrthancUnavailable(f"Orthanc exited at start: {' | '.join(tail)}")
        try:
            if _request(server, "GET", "/system")[0] == 200:
                return
        except OSError:
            time.sleep(0.2)
    raise OrthancUnavailable(f"Orthanc did not answer within {START_TIMEOUT:.0f} s")


def _request(
    server: Orthanc, method: str, path: str, body: bytes | None = None
) -> tuple[int, bytes]:
    """One HTTP request to Orthanc's REST API."""
    with closing(http.client.HTTPConnection("127.0.0.1", server.http_port, timeout=10)) as conn:
        conn.request(method, path, body=body)
        response = conn.getresponse()
        return response.status, response.read()


def upload(server: Orthanc, instances: Iterable[Dataset]) -> int:
    """Store instances in Orthanc through its REST API (POST /instances); how many were sent."""
    sent = 0
    with closing(http.client.HTTPConnection("127.0.0.1", server.http_port, timeout=30)) as conn:
        for ds in instances:
            conn.request(
                "POST",
                "/instances",
                body=to_bytes(ds),
                headers={"Content-Type": "application/dicom"},
            )
            response = conn.getresponse()
            response.read()
            if response.status != 200:
                raise RuntimeError(f"Orthanc refused an instance: HTTP {response.status}")
            sent += 1
    return sent
