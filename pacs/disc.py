"""Read what is on a DICOM disc: a mounted CD, a folder, or an ISO 9660 image.

The DICOMDIR says which files make up the disc; each file's header is then
read (pixel data is not), so a file the DICOMDIR lists but that is missing or
corrupt shows up in `Disc.problems` instead of being counted. Without a
readable DICOMDIR every file that carries the DICOM "DICM" marker is read.
"""

from __future__ import annotations

import math
import os
import warnings
from collections import Counter
from collections.abc import Iterator
from contextlib import AbstractContextManager, contextmanager
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any, NamedTuple, Protocol

from ledger.studies import SeriesCount
from pacs.errors import DiscLocked, DiscNotFound, DiscUnreadable, NoDicomStudies

if TYPE_CHECKING:
    from pydicom.dataset import Dataset

LOCKED_MESSAGE = "disc appears locked: unlock it with the sender's password, then read it again"
_PREAMBLE = 128
_ISO_MAGIC_OFFSET = 0x8001
# File names that encryption products put on a locked disc (VeraCrypt, TrueCrypt, AxCrypt...).
_CONTAINER_SUFFIXES = frozenset({".tc", ".hc", ".vc", ".enc", ".aes", ".axx", ".gpg", ".pgp"})
_EXECUTABLE_SUFFIXES = frozenset({".exe", ".app", ".msi"})
# Magic numbers of compressed but unencrypted formats, which look random too.
_KNOWN_FORMATS = (b"\xff\xd8\xff", b"\x89PNG", b"%PDF", b"GIF8", b"PK\x03\x04", b"\x1f\x8b")


# One series on the disc and how many distinct instances it holds: what the ledger records.
DiscSeries = SeriesCount


@dataclass(frozen=True)
class DiscStudy:
    """One study on the disc, as the DICOM headers describe it (names as FAMILY^GIVEN)."""

    patient_id: str
    patient_name: str
    study_date: date | None
    accession: str
    modalities: tuple[str, ...]
    study_uid: str
    series: tuple[DiscSeries, ...]
    instance_count: int


@dataclass(frozen=True)
class Disc:
    """What a disc holds: its studies, and the files that could not be used."""

    source: str
    studies: tuple[DiscStudy, ...]
    problems: tuple[str, ...] = ()
    read_through_dicomdir: bool = False


def read_disc(path: str | os.PathLike[str]) -> Disc:
    """Read every study on the disc at `path` (mount point, folder or ISO 9660 image)."""
    source = Path(path)
    if not source.exists():
        raise DiscNotFound(f"no disc, folder or image at {source}")
    if source.is_file() and source.name.upper() == "DICOMDIR":
        source = source.parent
    # pydicom warns about damaged files; those are reported in Disc.problems instead.
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        if source.is_dir():
            return _read_medium(_Folder(source), str(source))
        if source.is_file() and _is_iso9660(source):
            with _open_iso(source) as image:
                return _read_medium(image, str(source))
    raise DiscUnreadable(f"{source} is neither a folder nor an ISO 9660 disc image")


class _Medium(Protocol):
    """A tree of files to read: a folder on disk or the inside of an ISO image."""

    def files(self) -> list[str]:
        """Every regular file, as a relative POSIX path in the disc's own spelling."""
        ...

    def open(self, name: str) -> AbstractContextManager[IO[bytes]]:
        """The file `name` (as listed by `files`) opened for binary reading."""
        ...


@dataclass(frozen=True)
class _Folder:
    """A mounted disc or a copy of one in a folder."""

    root: Path

    def files(self) -> list[str]:
        """Every regular file under the root, sorted."""
        found = []
        for folder, _, names in os.walk(self.root):
            for name in names:
                full = Path(folder, name)
                if full.is_file():
                    found.append(full.relative_to(self.root).as_posix())
        return sorted(found)

    def open(self, name: str) -> AbstractContextManager[IO[bytes]]:
        """Open one file for reading."""
        return (self.root / name).open("rb")


@dataclass(frozen=True)
class _IsoImage:
    """An ISO 9660 image read in place with pycdlib, through its richest directory tree."""

    iso: Any
    facade: str

    def files(self) -> list[str]:
        """Every file in the image, sorted, with ISO 9660 version suffixes kept."""
        found = []
        for folder, _, names in self.iso.walk(**{self.facade: "/"}):
            for name in names:
                full = f"{folder.rstrip('/')}/{name}"
                found.append(full.lstrip("/"))
        return sorted(found)

    def open(self, name: str) -> AbstractContextManager[IO[bytes]]:
        """Open one file inside the image without extracting it."""
        from pycdlib.pycdlibexception import PyCdlibException

        try:
            handle: AbstractContextManager[IO[bytes]] = self.iso.open_file_from_iso(
                **{self.facade: "/" + name}
            )
        except PyCdlibException as exc:
            raise OSError(str(exc)) from None  # reported like any unreadable file
        return handle


@contextmanager
def _open_iso(path: Path) -> Iterator[_IsoImage]:
    """Open the ISO image at `path`; its files stay readable until the block ends."""
    import pycdlib
    from pycdlib.pycdlibexception import PyCdlibException

    iso = pycdlib.PyCdlib()
    try:
        iso.open(str(path))
    except (PyCdlibException, OSError) as exc:
        raise DiscUnreadable(f"{path} is not a readable ISO 9660 image: {exc}") from None
    try:
        if iso.has_rock_ridge():
            facade = "rr_path"
        elif iso.has_joliet():
            facade = "joliet_path"
        elif iso.has_udf():
            facade = "udf_path"
        else:
            facade = "iso_path"
        yield _IsoImage(iso, facade)
    finally:
        iso.close()


def _is_iso9660(path: Path) -> bool:
    """True when the file carries the ISO 9660 volume descriptor marker."""
    with path.open("rb") as handle:
        handle.seek(_ISO_MAGIC_OFFSET)
        return handle.read(5) == b"CD001"


def _canonical(name: str) -> str:
    """A disc path as DICOMDIR spells it: capitals, no ISO 9660 ";1" version, no bare dot."""
    parts = []
    for part in name.split("/"):
        base = part.split(";", 1)[0]
        parts.append(base.rstrip(".").upper())
    return "/".join(parts)


def _read_medium(medium: _Medium, source: str) -> Disc:
    """Read the studies on one medium, through DICOMDIR where it is usable."""
    names = medium.files()
    by_canonical = {_canonical(name): name for name in names}
    problems: list[str] = []
    dicomdir = by_canonical.get("DICOMDIR")
    listed: list[str] | None = None
    if dicomdir is not None:
        listed = _files_in_dicomdir(medium, dicomdir, by_canonical, problems)
    through_dicomdir = listed is not None
    if listed is not None:
        # A DICOM file the DICOMDIR does not mention: a viewer going by the index never shows it.
        known = set(listed)
        for name in names:
            if name not in known and _has_dicm_marker(medium, name, problems):
                problems.append(f"{name}: a DICOM file that DICOMDIR does not list (not counted)")
    if listed is None:
        listed = [name for name in names if _has_dicm_marker(medium, name, problems)]
    studies = _collect_studies(medium, listed, problems)
    if not studies:
        others = [name for name in names if _canonical(name) != "DICOMDIR"]
        if any(_looks_locked(medium, name) for name in others):
            raise DiscLocked(LOCKED_MESSAGE)
        unreadable = f" ({len(problems)} unreadable, first: {problems[0]})" if problems else ""
        raise NoDicomStudies(f"no DICOM studies found on {source}{unreadable}")
    return Disc(source, studies, tuple(problems), read_through_dicomdir=through_dicomdir)


def _files_in_dicomdir(
    medium: _Medium, dicomdir: str, by_canonical: dict[str, str], problems: list[str]
) -> list[str] | None:
    """The files a DICOMDIR lists, or None (with a problem noted) when it cannot be read."""
    from pydicom import dcmread
    from pydicom.errors import InvalidDicomError

    try:
        with medium.open(dicomdir) as handle:
            index = dcmread(handle)
        records = index.DirectoryRecordSequence
    except (InvalidDicomError, AttributeError, ValueError, EOFError, OSError) as exc:
        problems.append(f"DICOMDIR unreadable ({_one_line(exc)}); read every file instead")
        return None
    prefix = dicomdir.rpartition("/")[0]
    listed = []
    for record in records:
        file_id = record.get("ReferencedFileID")
        if file_id is None:
            continue
        parts = [file_id] if isinstance(file_id, str) else list(file_id)
        relative = "/".join(str(part) for part in parts)
        wanted = _canonical(f"{prefix}/{relative}" if prefix else relative)
        name = by_canonical.get(wanted)
        if name is None:
            problems.append(f"{relative}: listed in DICOMDIR but not on the disc")
        else:
            listed.append(name)
    if not listed:
        problems.append("DICOMDIR unreadable (it lists no file); read every file instead")
        return None
    return listed


def _has_dicm_marker(medium: _Medium, name: str, problems: list[str]) -> bool:
    """True when the file has the DICOM Part 10 preamble and "DICM" marker."""
    if _canonical(name).rpartition("/")[2] == "DICOMDIR":
        return False
    try:
        with medium.open(name) as handle:
            head = handle.read(_PREAMBLE + 4)
    except OSError as exc:  # a scratched disc fails file by file
        problems.append(f"{name}: skipped, cannot be read ({_one_line(exc)})")
        return False
    return head[_PREAMBLE:] == b"DICM"


class _StudyParts(NamedTuple):
    """What the files of one study have said so far."""

    first: Dataset
    series: dict[str, tuple[str, set[str]]]


def _collect_studies(
    medium: _Medium, names: list[str], problems: list[str]
) -> tuple[DiscStudy, ...]:
    """Read each file's header and gather instances by study and series."""
    from pydicom import dcmread
    from pydicom.errors import InvalidDicomError

    parts: dict[str, _StudyParts] = {}
    for name in names:
        try:
            with medium.open(name) as handle:
                header = dcmread(handle, stop_before_pixels=True)
            study_uid = str(header.StudyInstanceUID)
            series_uid = str(header.SeriesInstanceUID)
            instance_uid = str(header.SOPInstanceUID)
        except (
            InvalidDicomError,
            AttributeError,
            ValueError,
            EOFError,
            OSError,
            KeyError,
            TypeError,
        ) as exc:
            problems.append(f"{name}: skipped, not a readable DICOM instance ({_one_line(exc)})")
            continue
        study = parts.setdefault(study_uid, _StudyParts(header, {}))
        modality = str(header.get("Modality", "") or "")
        study.series.setdefault(series_uid, (modality, set()))[1].add(instance_uid)
    return tuple(
        sorted(
            (_disc_study(uid, study) for uid, study in parts.items()),
            key=lambda study: (study.study_date or date.min, study.study_uid),
        )
    )


def _disc_study(study_uid: str, parts: _StudyParts) -> DiscStudy:
    """One study's record from its first header and its series."""
    header = parts.first
    series = tuple(
        DiscSeries(uid, modality, len(instances))
        for uid, (modality, instances) in sorted(parts.series.items())
    )
    return DiscStudy(
        patient_id=str(header.get("PatientID", "") or ""),
        patient_name=str(header.get("PatientName", "") or ""),
        study_date=_dicom_date(str(header.get("StudyDate", "") or "")),
        accession=str(header.get("AccessionNumber", "") or ""),
        modalities=tuple(sorted({s.modality for s in series if s.modality})),
        study_uid=study_uid,
        series=series,
        instance_count=sum(s.instance_count for s in series),
    )


def _dicom_date(text: str) -> date | None:
    """A DICOM DA value (YYYYMMDD) as a date, or None when empty or malformed."""
    try:
        return datetime.strptime(text.strip(), "%Y%m%d").date()
    except ValueError:
        return None


def _looks_locked(medium: _Medium, name: str) -> bool:
    """True when a file looks like an encrypted container or the unlocker shipped with one."""
    suffix = Path(name.split(";", 1)[0]).suffix.lower()
    if suffix in _CONTAINER_SUFFIXES or suffix in _EXECUTABLE_SUFFIXES:
        return True
    try:
        with medium.open(name) as handle:
            head = handle.read(65536)
    except OSError:
        return False
    if head.startswith(b"MZ"):
        return True
    if head.startswith(b"PK\x03\x04") and len(head) > 7:
        return bool(head[6] & 0x01)  # ZIP general-purpose flag bit 0: entry is encrypted
    if len(head) < 4096 or head.startswith(_KNOWN_FORMATS):
        return False
    return _entropy(head) > 7.9


def _entropy(data: bytes) -> float:
    """Shannon entropy in bits per byte; encrypted data comes close to 8."""
    total = len(data)
    return -sum(n / total * math.log2(n / total) for n in Counter(data).values())


def _one_line(exc: BaseException) -> str:
    """An exception's message squeezed onto one line."""
    text = " ".join(str(exc).split())
    return text or type(exc).__name__
