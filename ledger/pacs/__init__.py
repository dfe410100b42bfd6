"""Reading DICOM discs and checking imports against the PACS (issue 8).

`read_disc` lists the studies on a disc; `pacs_client` asks a PACS over
DICOMweb or DIMSE; `verify_studies` and `compare` turn the two into a verdict.
pydicom, pynetdicom and pycdlib are imported only when a disc or PACS is used.
"""

from ledger.pacs.disc import Disc, DiscSeries, DiscStudy, read_disc
from ledger.pacs.query import (
    DicomWebSettings,
    DimseSettings,
    PacsClient,
    PacsSettings,
    PacsStudy,
    pacs_client,
)
from ledger.pacs.verify import (
    Comparison,
    ExpectedCounts,
    ExpectedStudy,
    SeriesShortfall,
    Verdict,
    compare,
    describe,
    verify_studies,
)

__all__ = [
    "Comparison",
    "DicomWebSettings",
    "DimseSettings",
    "Disc",
    "DiscSeries",
    "DiscStudy",
    "ExpectedCounts",
    "ExpectedStudy",
    "PacsClient",
    "PacsSettings",
    "PacsStudy",
    "SeriesShortfall",
    "Verdict",
    "compare",
    "describe",
    "pacs_client",
    "read_disc",
    "verify_studies",
]
