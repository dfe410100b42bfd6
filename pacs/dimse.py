"""C-FIND client: Study Root queries at STUDY then SERIES level, many study UIDs per query.

Several study UIDs go in one query as a backslash-separated list (UID list
matching, PS3.4 C.2.2.2.2). At SERIES level the list is on the study key,
which Orthanc and most PACSs accept; a strictly hierarchical SCP may not.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from pacs.errors import PacsQueryFailed, PacsUnreachable
from pacs.query import DimseSettings, PacsStudy, batches, held_studies

if TYPE_CHECKING:
    from pydicom.dataset import Dataset

_PENDING = (0xFF00, 0xFF01)


@dataclass(frozen=True)
class DimseClient:
    """Finds studies with C-FIND over one association per call."""

    settings: DimseSettings

    def find_studies(self, study_uids: Sequence[str]) -> dict[str, PacsStudy]:
        """The studies among `study_uids` that the PACS holds, by UID; absent ones are left out."""
        found: dict[str, PacsStudy] = {}
        if not study_uids:
            return found
        with self._association() as association:
            for batch in batches(study_uids, self.settings.batch_size):
                totals = {
                    str(match.StudyInstanceUID): _count(match, "NumberOfStudyRelatedInstances")
                    for match in self._find(association, "STUDY", batch)
                }
                wanted = [uid for uid in batch if uid in totals]
                series: dict[str, dict[str, int]] = {uid: {} for uid in wanted}
                if wanted:
                    for match in self._find(association, "SERIES", wanted):
                        count = _count(match, "NumberOfSeriesRelatedInstances")
                        if count is None:
                            raise PacsQueryFailed("PACS reply lacks NumberOfSeriesRelatedInstances")
                        study_uid = str(match.get("StudyInstanceUID", ""))
                        if study_uid in series:
                            series[study_uid][str(match.SeriesInstanceUID)] = count
                found.update(held_studies(wanted, totals, series))
        return found

    @contextmanager
    def _association(self) -> Iterator[Any]:
        """An association with the PACS for Study Root C-FIND, released at the end."""
        from pynetdicom import AE
        from pynetdicom.sop_class import (  # type: ignore[attr-defined]
            StudyRootQueryRetrieveInformationModelFind,
        )

        settings = self.settings
        ae = AE(ae_title=settings.calling_ae)
        ae.add_requested_context(StudyRootQueryRetrieveInformationModelFind)
        ae.connection_timeout = ae.acse_timeout = settings.timeout
        ae.dimse_timeout = ae.network_timeout = settings.timeout
        where = f"{settings.ae_title}@{settings.host}:{settings.port}"
        association = ae.associate(settings.host, settings.port, ae_title=settings.ae_title)
        if association.is_rejected:
            raise PacsUnreachable(
                f"PACS {where} rejected the association: check its AE title and that it "
                f"knows {settings.calling_ae}"
            )
        if association.rejected_contexts and not association.is_established:
            raise PacsUnreachable(f"PACS {where} does not answer Study Root C-FIND queries")
        if not association.is_established:
            raise PacsUnreachable(f"PACS unreachable at {where}: no DICOM answer")
        try:
            yield association
        finally:
            if association.is_established:
                association.release()

    def _find(self, association: Any, level: str, study_uids: Sequence[str]) -> list[Dataset]:
        """Every match of one C-FIND at `level` for a list of study UIDs."""
        from pydicom.dataset import Dataset
        from pynetdicom.sop_class import (  # type: ignore[attr-defined]
            StudyRootQueryRetrieveInformationModelFind,
        )

        query = Dataset()
        query.QueryRetrieveLevel = level
        query.StudyInstanceUID = list(study_uids)
        if level == "STUDY":
            query.NumberOfStudyRelatedInstances = ""
        else:
            query.SeriesInstanceUID = ""
            query.NumberOfSeriesRelatedInstances = ""
        matches = []
        for status, identifier in association.send_c_find(
            query, StudyRootQueryRetrieveInformationModelFind
        ):
            code = status.get("Status")
            if code is None:
                raise PacsUnreachable(
                    f"PACS {self.settings.host}:{self.settings.port} stopped answering"
                )
            if code in _PENDING and identifier is not None:
                matches.append(identifier)
            elif code not in _PENDING and code != 0x0000:
                raise PacsQueryFailed(
                    f"PACS refused the {level} query (C-FIND status 0x{code:04X})"
                )
        return matches


def _count(match: Dataset, keyword: str) -> int | None:
    """An instance count from one C-FIND match, or None when the PACS left it empty."""
    value = match.get(keyword)
    try:
        return int(value) if value not in (None, "") else None
    except (TypeError, ValueError):
        return None
