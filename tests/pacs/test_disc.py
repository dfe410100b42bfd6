"""Reading discs: DICOMDIR file sets, loose files, corrupt files, ISO images, locked discs."""

from __future__ import annotations

import os
import shutil
from datetime import date
from pathlib import Path

import pytest

from pacs.disc import LOCKED_MESSAGE, DiscSeries, read_disc
from pacs.errors import DiscLocked, DiscNotFound, DiscUnreadable, NoDicomStudies
from tests.pacs.synthetic import (
    SyntheticStudy,
    make_iso,
    make_study,
    synthetic_patients,
    to_bytes,
    write_fileset,
    write_loose_files,
)


@pytest.fixture(scope="module")
def studies() -> list[SyntheticStudy]:
    """Two patients: a CT study of two series and an MR+SR-like study of three."""
    first, second = synthetic_patients(2)
    return [
        make_study(first, (("CT", 3), ("CT", 2)), accession="RXH1001", study_date="20240315"),
        make_study(
            second, (("MR", 4), ("MR", 1), ("OT", 1)), accession="RGT2002", study_date="20240102"
        ),
    ]


def _dicomdir_files(folder: Path) -> list[Path]:
    """The instance files a FileSet wrote, sorted."""
    return sorted(p for p in folder.rglob("*") if p.is_file() and p.name != "DICOMDIR")


def _assert_complete(disc_studies: tuple, studies: list[SyntheticStudy]) -> None:
    """The disc holds exactly the synthetic studies, every instance counted."""
    by_uid = {s.study_uid: s for s in disc_studies}
    assert set(by_uid) == {s.study_uid for s in studies}
    for study in studies:
        read = by_uid[study.study_uid]
        assert read.instance_count == len(study.instances)
        assert sorted(s.instance_count for s in read.series) == sorted(
            len(series) for series in study.series
        )


def test_dicomdir_file_set_lists_each_study(tmp_path: Path, studies: list[SyntheticStudy]) -> None:
    disc = read_disc(write_fileset(studies, tmp_path / "cd"))

    assert disc.read_through_dicomdir
    assert disc.problems == ()
    mr, ct = disc.studies  # sorted by study date
    assert ct.study_uid == studies[0].study_uid
    assert (ct.patient_id, ct.patient_name) == (studies[0].patient_id, "SMITH^ALEX")
    assert ct.study_date == date(2024, 3, 15)
    assert ct.accession == "RXH1001"
    assert ct.modalities == ("CT",)
    assert ct.instance_count == 5
    assert ct.series == tuple(
        sorted(DiscSeries(s[0].SeriesInstanceUID, "CT", len(s)) for s in studies[0].series)
    )
    assert mr.modalities == ("MR", "OT")
    assert mr.instance_count == 6


def test_folder_without_dicomdir_is_walked(tmp_path: Path, studies: list[SyntheticStudy]) -> None:
    folder = write_loose_files(studies, tmp_path / "cd")
    (folder / "README.TXT").write_text("Viewer instructions\n")

    disc = read_disc(folder)

    assert not disc.read_through_dicomdir
    assert disc.problems == ()
    _assert_complete(disc.studies, studies)


def test_corrupt_file_is_skipped_and_reported(
    tmp_path: Path, studies: list[SyntheticStudy]
) -> None:
    folder = write_fileset(studies, tmp_path / "cd")
    victim = _dicomdir_files(folder)[0]
    victim.write_bytes(to_bytes(studies[0].instances[0])[:200])  # cut off inside the header

    disc = read_disc(folder)

    relative = victim.relative_to(folder).as_posix()
    assert len(disc.problems) == 1
    assert disc.problems[0].startswith(f"{relative}: skipped, not a readable DICOM instance")
    assert sum(s.instance_count for s in disc.studies) == 10


def test_broken_dicomdir_falls_back_to_the_files(
    tmp_path: Path, studies: list[SyntheticStudy]
) -> None:
    folder = write_fileset(studies, tmp_path / "cd")
    (folder / "DICOMDIR").write_bytes(b"\0" * 128 + b"DICM" + b"\xff" * 40)

    disc = read_disc(folder)

    assert not disc.read_through_dicomdir
    assert len(disc.problems) == 1
    assert disc.problems[0].startswith("DICOMDIR unreadable")
    _assert_complete(disc.studies, studies)


def test_file_listed_in_dicomdir_but_missing(tmp_path: Path, studies: list[SyntheticStudy]) -> None:
    folder = write_fileset(studies, tmp_path / "cd")
    gone = _dicomdir_files(folder)[-1]
    gone.unlink()

    disc = read_disc(folder)

    assert disc.problems == (
        f"{gone.relative_to(folder).as_posix()}: listed in DICOMDIR but not on the disc",
    )
    assert sum(s.instance_count for s in disc.studies) == 10


def test_dicom_file_the_dicomdir_does_not_list_is_a_problem(
    tmp_path: Path, studies: list[SyntheticStudy]
) -> None:
    folder = write_fileset(studies[:1], tmp_path / "cd")
    extra = folder / "EXTRA" / "IM00001"
    extra.parent.mkdir()
    extra.write_bytes(to_bytes(studies[1].instances[0]))
    (folder / "README.TXT").write_text("not DICOM: no problem")

    disc = read_disc(folder)

    assert disc.read_through_dicomdir
    assert disc.problems == (
        "EXTRA/IM00001: a DICOM file that DICOMDIR does not list (not counted)",
    )
    _assert_complete(disc.studies, studies[:1])


def test_lower_case_names_of_a_mounted_cd_still_match(
    tmp_path: Path, studies: list[SyntheticStudy]
) -> None:
    folder = write_fileset(studies, tmp_path / "cd")
    for path in sorted(folder.rglob("*"), key=lambda p: len(p.parts), reverse=True):
        path.rename(path.with_name(path.name.lower()))

    disc = read_disc(folder)

    assert disc.read_through_dicomdir
    assert disc.problems == ()
    _assert_complete(disc.studies, studies)


def test_same_instance_twice_counts_once(tmp_path: Path, studies: list[SyntheticStudy]) -> None:
    folder = write_loose_files(studies[:1], tmp_path / "cd")
    shutil.copy(next(folder.rglob("IM00000")), folder / "COPY0000")

    disc = read_disc(folder)

    assert [s.instance_count for s in disc.studies] == [5]


@pytest.mark.parametrize("rock_ridge", [False, True], ids=["iso9660-level1", "rock-ridge"])
def test_iso_image_is_read_without_mounting(
    tmp_path: Path, studies: list[SyntheticStudy], rock_ridge: bool
) -> None:
    image = make_iso(write_fileset(studies, tmp_path / "cd"), tmp_path / "disc.iso", rock_ridge)

    disc = read_disc(image)

    assert disc.source == str(image)
    assert disc.read_through_dicomdir
    assert disc.problems == ()
    _assert_complete(disc.studies, studies)


def _locked_folder(folder: Path) -> Path:
    """What an encrypted CD shows before unlocking: an unlocker and a random-looking container."""
    folder.mkdir()
    (folder / "UNLOCK.EXE").write_bytes(b"MZ" + os.urandom(2046))
    (folder / "AUTORUN.INF").write_text("[autorun]\nopen=UNLOCK.EXE\n")
    (folder / "DATA.BIN").write_bytes(os.urandom(256 * 1024))
    return folder


def test_locked_disc_says_so(tmp_path: Path) -> None:
    with pytest.raises(DiscLocked) as caught:
        read_disc(_locked_folder(tmp_path / "cd"))
    assert str(caught.value) == LOCKED_MESSAGE


def test_container_alone_is_recognised_as_locked(tmp_path: Path) -> None:
    folder = tmp_path / "cd"
    folder.mkdir()
    (folder / "VOLUME").write_bytes(os.urandom(128 * 1024))
    with pytest.raises(DiscLocked):
        read_disc(folder)


def test_locked_iso_image_says_so(tmp_path: Path) -> None:
    image = make_iso(_locked_folder(tmp_path / "cd"), tmp_path / "locked.iso")
    with pytest.raises(DiscLocked, match="disc appears locked"):
        read_disc(image)


def test_disc_without_dicom_files(tmp_path: Path) -> None:
    folder = tmp_path / "cd"
    folder.mkdir()
    (folder / "report.pdf").write_bytes(b"%PDF-1.4\n" + os.urandom(8192))
    (folder / "notes.txt").write_text("nothing to see\n")
    with pytest.raises(NoDicomStudies, match=r"^no DICOM studies found on "):
        read_disc(folder)


def test_missing_path(tmp_path: Path) -> None:
    with pytest.raises(DiscNotFound, match="no disc, folder or image at "):
        read_disc(tmp_path / "nowhere")


def test_file_that_is_not_an_image(tmp_path: Path) -> None:
    stray = tmp_path / "photo.jpg"
    stray.write_bytes(b"\xff\xd8\xff" + bytes(40000))
    with pytest.raises(DiscUnreadable, match="neither a folder nor an ISO 9660 disc image"):
        read_disc(stray)


def test_truncated_iso_image(tmp_path: Path, studies: list[SyntheticStudy]) -> None:
    image = make_iso(write_fileset(studies[:1], tmp_path / "cd"), tmp_path / "disc.iso")
    image.write_bytes(image.read_bytes()[: 0x8000 + 2048])
    with pytest.raises(DiscUnreadable, match="not a readable ISO 9660 image"):
        read_disc(image)


def test_path_to_the_dicomdir_itself(tmp_path: Path, studies: list[SyntheticStudy]) -> None:
    folder = write_fileset(studies, tmp_path / "cd")
    disc = read_disc(folder / "DICOMDIR")
    assert disc.read_through_dicomdir
    _assert_complete(disc.studies, studies)


def test_disc_of_corrupt_files_only_says_how_many(tmp_path: Path) -> None:
    folder = tmp_path / "cd"
    folder.mkdir()
    for name in ("IM1", "IM2"):
        (folder / name).write_bytes(b"\0" * 128 + b"DICM" + b"\x02\x00")
    with pytest.raises(NoDicomStudies, match=r"\(2 unreadable, first: IM1: skipped, not a read"):
        read_disc(folder)
