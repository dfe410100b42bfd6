"""QIDO-RS client: study and series searches over HTTP, many study UIDs per request."""

from __future__ import annotations

import json
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from pacs.errors import PacsQueryFailed, PacsUnreachable
from pacs.query import DicomWebSettings, PacsStudy, batches, held_studies

STUDY_UID = "0020000D"
SERIES_UID = "0020000E"
STUDY_INSTANCES = "00201208"  # NumberOfStudyRelatedInstances
SERIES_INSTANCES = "00201209"  # NumberOfSeriesRelatedInstances
PAGE_SIZE = 1000


@dataclass(frozen=True)
class DicomWebClient:
    """Finds studies through a DICOMweb service's QIDO-RS searches."""

    settings: DicomWebSettings

    def find_studies(self, study_uids: Sequence[str]) -> dict[str, PacsStudy]:
        """The studies among `study_uids` that the PACS holds, by UID; absent ones are left out."""
        found: dict[str, PacsStudy] = {}
        for batch in batches(study_uids, self.settings.batch_size):
            totals = {
                _value(match, STUDY_UID): _count(match, STUDY_INSTANCES)
                for match in self._search("studies", batch, STUDY_INSTANCES)
            }
            wanted = [uid for uid in batch if uid in totals]
            series: dict[str, dict[str, int]] = {uid: {} for uid in wanted}
            if wanted:
                for match in self._search("series", wanted, SERIES_INSTANCES):
                    study_uid = _value(match, STUDY_UID)
                    count = _count(match, SERIES_INSTANCES)
                    if count is None:
                        raise PacsQueryFailed(f"PACS reply lacks attribute {SERIES_INSTANCES}")
                    if study_uid in series:
                        series[study_uid][_value(match, SERIES_UID)] = count
            found.update(held_studies(wanted, totals, series))
        return found

    def _search(self, level: str, study_uids: Sequence[str], count_tag: str) -> list[Any]:
        """Every match of one QIDO-RS search on a list of study UIDs, page after page."""
        matches: list[Any] = []
        previous: list[Any] = []
        while True:
            query = urllib.parse.urlencode(
                [
                    ("StudyInstanceUID", ",".join(study_uids)),
                    ("includefield", count_tag),
                    ("includefield", STUDY_UID),
                    ("limit", str(PAGE_SIZE)),
                    ("offset", str(len(matches))),
                ],
                safe=",",
            )
            page = self._get(f"{self.settings.url.rstrip('/')}/{level}?{query}")
            if page == previous:  # a server that ignores offset would repeat itself forever
                return matches
            matches.extend(page)
            if len(page) < PAGE_SIZE:
                return matches
            previous = page

    def _get(self, url: str) -> list[Any]:
        """One QIDO-RS request: its JSON matches, or an empty list for 204 No Content."""
        request = urllib.request.Request(url, headers={"Accept": "application/dicom+json"})
        try:
            with urllib.request.urlopen(request, timeout=self.settings.timeout) as response:
                body = response.read()
        except urllib.error.HTTPError as exc:
            raise _http_error(self.settings.url, exc) from None
        except urllib.error.URLError as exc:
            raise PacsUnreachable(
                f"PACS unreachable at {self.settings.url}: {_reason(exc.reason)}"
            ) from None
        except OSError as exc:  # a timeout or reset while reading the reply
            raise PacsUnreachable(
                f"PACS unreachable at {self.settings.url}: {_reason(exc)}"
            ) from None
        if not body.strip():
            return []
        try:
            matches = json.loads(body)
        except ValueError:
            raise PacsQueryFailed(
                f"PACS at {self.settings.url} sent a reply that is not DICOM JSON"
            ) from None
        if not isinstance(matches, list):
            raise PacsQueryFailed(f"PACS at {self.settings.url} sent a reply that is not a list")
        return matches


def _http_error(url: str, exc: urllib.error.HTTPError) -> Exception:
    """The error to show for an HTTP error status from the PACS."""
    status = f"HTTP {exc.code} {exc.reason}"
    if exc.code in (401, 403):
        return PacsUnreachable(f"PACS at {url} refused the query ({status}): check the access")
    return PacsQueryFailed(f"PACS at {url} could not answer the query ({status})")


def _reason(reason: object) -> str:
    """A connection failure in a few words."""
    if isinstance(reason, TimeoutError):
        return "no answer (timed out)"
    if isinstance(reason, ConnectionRefusedError):
        return "connection refused"
    text = " ".join(str(reason).split())
    return text or type(reason).__name__


def _value(match: Any, tag: str) -> str:
    """The first value of `tag` in one DICOM JSON match."""
    try:
        return str(match[tag]["Value"][0])
    except (KeyError, IndexError, TypeError):
        raise PacsQueryFailed(f"PACS reply lacks attribute {tag}") from None


def _count(match: Any, tag: str) -> int | None:
    """An instance count from one DICOM JSON match, or None when the PACS left it out."""
    try:
        return int(match[tag]["Value"][0])
    except (KeyError, IndexError, TypeError, ValueError):
        return None
