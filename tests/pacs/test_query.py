"""PACS clients that cannot reach their PACS: one clear line, no traceback."""

from __future__ import annotations

import socket
from collections.abc import Iterator
from contextlib import closing

import pytest

from pacs import DicomWebSettings, DimseSettings, pacs_client
from pacs.errors import PacsUnreachable
from pacs.query import batches


@pytest.fixture
def closed_port() -> Iterator[int]:
    """A loopback port with nothing listening on it."""
    with closing(socket.socket()) as probe:
        probe.bind(("127.0.0.1", 0))
        port = int(probe.getsockname()[1])
    yield port


def test_dicomweb_unreachable(closed_port: int) -> None:
    url = f"http://127.0.0.1:{closed_port}/dicom-web"
    client = pacs_client(DicomWebSettings(url, timeout=5))
    with pytest.raises(PacsUnreachable) as caught:
        client.find_studies(["1.2.826.0.1.3680043.8.498.1"])
    assert str(caught.value) == f"PACS unreachable at {url}: connection refused"


def test_dimse_unreachable(closed_port: int) -> None:
    client = pacs_client(DimseSettings("PACS", "127.0.0.1", closed_port, timeout=5))
    with pytest.raises(PacsUnreachable) as caught:
        client.find_studies(["1.2.826.0.1.3680043.8.498.1"])
    assert str(caught.value) == f"PACS unreachable at PACS@127.0.0.1:{closed_port}: no DICOM answer"


def test_dicomweb_silent_server_times_out() -> None:
    with closing(socket.socket()) as listener:
        listener.bind(("127.0.0.1", 0))
        listener.listen()  # accepts connections but never answers
        url = f"http://127.0.0.1:{listener.getsockname()[1]}/dicom-web"
        client = pacs_client(DicomWebSettings(url, timeout=0.5))
        with pytest.raises(PacsUnreachable, match=r"no answer \(timed out\)$"):
            client.find_studies(["1.2.3"])


def test_batches_drop_duplicates_and_keep_order() -> None:
    assert batches(["a", "b", "a", "c", "d"], 2) == [["a", "b"], ["c", "d"]]
    assert batches([], 50) == []


@pytest.fixture
def verification_only_scp() -> Iterator[int]:
    """A DICOM node on loopback that insists on its AE title and answers only C-ECHO."""
    from pynetdicom import AE
    from pynetdicom.sop_class import Verification  # type: ignore[attr-defined]

    ae = AE(ae_title="ECHOONLY")
    ae.require_called_aet = True
    ae.add_supported_context(Verification)
    server = ae.start_server(("127.0.0.1", 0), block=False)
    assert server is not None  # not blocking, so the server object comes back
    try:
        yield int(server.server_address[1])
    finally:
        server.shutdown()


def test_dimse_wrong_ae_title_is_rejected(verification_only_scp: int) -> None:
    client = pacs_client(DimseSettings("PACS", "127.0.0.1", verification_only_scp, timeout=5))
    with pytest.raises(PacsUnreachable, match=r"rejected the association: check its AE title"):
        client.find_studies(["1.2.3"])


def test_dimse_node_without_c_find(verification_only_scp: int) -> None:
    settings = DimseSettings("ECHOONLY", "127.0.0.1", verification_only_scp, timeout=5)
    with pytest.raises(PacsUnreachable, match=r"does not answer Study Root C-FIND queries$"):
        pacs_client(settings).find_studies(["1.2.3"])
