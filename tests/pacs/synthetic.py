"""Synthetic DICOM studies and discs for the tests and the benchmark: tiny images, fake patients."""

from __future__ import annotations

import io
import shutil
import subprocess
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import nhs_number
from pydicom.dataset import Dataset, FileMetaDataset
from pydicom.fileset import FileSet
from pydicom.uid import ExplicitVRLittleEndian, SecondaryCaptureImageStorage, generate_uid

_NAMES = ("SMITH^ALEX", "JONES^SAM", "TAYLOR^ROBIN", "BROWN^JO", "WILLIAMS^KIT", "DAVIES^LEE")


@dataclass(frozen=True)
class SyntheticStudy:
    """A generated study: its instances, grouped by series, ready to write or upload."""

    study_uid: str
    patient_id: str
    patient_name: str
    accession: str
    series: tuple[tuple[Dataset, ...], ...]

    @property
    def instances(self) -> list[Dataset]:
        """Every instance of the study, series by series."""
        return [ds for series in self.series for ds in series]


def synthetic_patients(count: int) -> list[tuple[str, str]]:
    """`count` (NHS number, DICOM name) pairs from the synthetic NHS number range."""
    numbers = nhs_number.generate(for_region=nhs_number.REGION_SYNTHETIC, quantity=count)
    return [(number, _NAMES[i % len(_NAMES)]) for i, number in enumerate(numbers)]


def make_study(
    patient: tuple[str, str],
    series_sizes: Sequence[tuple[str, int]] = (("CT", 3), ("CT", 2)),
    accession: str = "ACC0001",
    study_date: str = "20240315",
) -> SyntheticStudy:
    """A study for `patient` with one series per (modality, instance count), 8x8 pixels each."""
    patient_id, patient_name = patient
    study_uid = generate_uid()
    series = []
    for number, (modality, size) in enumerate(series_sizes, start=1):
        series_uid = generate_uid()
        series.append(
            tuple(
                _instance(
                    patient, study_uid, series_uid, modality, number, index, accession, study_date
                )
                for index in range(1, size + 1)
            )
        )
    return SyntheticStudy(study_uid, patient_id, patient_name, accession, tuple(series))


def _instance(
    patient: tuple[str, str],
    study_uid: str,
    series_uid: str,
    modality: str,
    series_number: int,
    instance_number: int,
    accession: str,
    study_date: str,
) -> Dataset:
    """One Secondary Capture instance with an 8x8 greyscale image."""
    ds = Dataset()
    ds.SOPClassUID = SecondaryCaptureImageStorage
    ds.SOPInstanceUID = generate_uid()
    meta = FileMetaDataset()
    meta.MediaStorageSOPClassUID = ds.SOPClassUID
    meta.MediaStorageSOPInstanceUID = ds.SOPInstanceUID
    meta.TransferSyntaxUID = ExplicitVRLittleEndian
    ds.file_meta = meta
    ds.PatientID, ds.PatientName = patient
    ds.StudyInstanceUID = study_uid
    ds.SeriesInstanceUID = series_uid
    ds.Modality = modality
    ds.StudyDate = study_date
    ds.StudyTime = "101500"
    ds.StudyID = "1"
    ds.AccessionNumber = accession
    ds.SeriesNumber = series_number
    ds.InstanceNumber = instance_number
    ds.Rows = ds.Columns = 8
    ds.SamplesPerPixel = 1
    ds.PhotometricInterpretation = "MONOCHROME2"
    ds.BitsAllocated = ds.BitsStored = 8
    ds.HighBit = 7
    ds.PixelRepresentation = 0
    ds.PixelData = bytes(i * instance_number % 256 for i in range(64))
    return ds


def to_bytes(ds: Dataset) -> bytes:
    """The instance as a DICOM Part 10 file."""
    buffer = io.BytesIO()
    ds.save_as(buffer, enforce_file_format=True)
    return buffer.getvalue()


def write_fileset(studies: Sequence[SyntheticStudy], folder: Path) -> Path:
    """Write the studies as a DICOM file set with a DICOMDIR, as a CD burner does."""
    folder.mkdir(parents=True, exist_ok=True)
    fileset = FileSet()
    for study in studies:
        for ds in study.instances:
            fileset.add(ds)
    fileset.write(folder)
    return folder


def write_loose_files(studies: Sequence[SyntheticStudy], folder: Path) -> Path:
    """Write the studies as plain files in nested folders, with no DICOMDIR."""
    for s, study in enumerate(studies):
        for n, ds in enumerate(study.instances):
            path = folder / "IMAGES" / f"ST{s:03d}" / f"IM{n:05d}"
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_bytes(to_bytes(ds))
    return folder


def make_iso(folder: Path, image: Path, rock_ridge: bool = False) -> Path:
    """Burn `folder` into an ISO 9660 image with genisoimage (level 1 names unless Rock Ridge)."""
    tool = shutil.which("genisoimage")
    if tool is None:
        raise RuntimeError("genisoimage is missing: run scripts/test-deps.sh")
    options = ["-R"] if rock_ridge else []
    subprocess.run(
        [tool, "-quiet", *options, "-V", "CUSTODY_TEST", "-o", str(image), str(folder)],
        check=True,
    )
    return image
