"""The PACS client for a set of settings: DICOMweb or DIMSE behind one protocol."""

from __future__ import annotations

from pacs.query import DicomWebSettings, PacsClient, PacsSettings


def pacs_client(settings: PacsSettings) -> PacsClient:
    """The client that speaks the protocol `settings` describe (its library imported on use)."""
    if isinstance(settings, DicomWebSettings):
        from pacs.dicomweb import DicomWebClient

        return DicomWebClient(settings)
    from pacs.dimse import DimseClient

    return DimseClient(settings)
