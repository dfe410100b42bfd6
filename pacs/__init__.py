"""Reading DICOM discs and checking imports against the PACS (issue 8).

`read_disc` lists the studies on a disc; `pacs_client` asks a PACS over
DICOMweb or DIMSE; `compare_studies` and `compare` turn the two into a verdict.
pydicom, pynetdicom and pycdlib are imported only when a disc or PACS is used.
"""

from pacs.clients import pacs_client
from pacs.comparison import (
    Comparison,
    ExpectedCounts,
    ExpectedStudy,
    SeriesShortfall,
    Verdict,
    compare,
    compare_studies,
    describe,
)
from pacs.disc import Disc, DiscSeries, DiscStudy, read_disc
from pacs.query import (
    DicomWebSettings,
    DimseSettings,
    PacsClient,
    PacsSettings,
    PacsStudy,
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
    "compare_studies",
    "describe",
    "pacs_client",
    "read_disc",
]
