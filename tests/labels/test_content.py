"""Label content: markers, patient references, checked IDs and codes."""

import pytest

from labels.content import ENCRYPTED_MARKER, check_patient_ref, encryption_marker
from labels.errors import PatientRefNotAllowed, UnknownEncryptionException
from ledger.errors import CheckCharacterError, InvalidOdsCode
from tests.labels.conftest import label


@pytest.mark.parametrize(
    ("exception", "marker"),
    [
        (None, "ENCRYPTED - password sent separately"),
        ("urgent-clinical", "NOT ENCRYPTED - urgent clinical transfer"),
        ("patient-handover", "NOT ENCRYPTED - handed to patient"),
        ("secure-with-notes", "NOT ENCRYPTED - secure with patient notes"),
    ],
)
def test_each_exception_has_its_marker(exception: str | None, marker: str) -> None:
    assert encryption_marker(exception) == marker


def test_unknown_exception_is_an_error_naming_the_known_ones() -> None:
    with pytest.raises(UnknownEncryptionException, match="urgent-clinical"):
        encryption_marker("lost-password")


def test_content_normalises_the_media_id_as_scanned() -> None:
    content = label(42)
    assert content.media_id == "RGT00000042X"
    assert content.encrypted and content.marker == ENCRYPTED_MARKER
    assert not label(42, exception="patient-handover").encrypted


def test_content_rejects_a_misread_media_id() -> None:
    good = label(42)
    from labels.content import make_label_content

    with pytest.raises(CheckCharacterError):
        make_label_content(
            "RGT00000042Y",
            destination_code=good.destination_code,
            destination_name=good.destination_name,
            sender_code=good.sender_code,
            sender_name=good.sender_name,
            return_address=good.return_address,
            date=good.date,
        )


def test_content_rejects_a_bad_ods_code() -> None:
    with pytest.raises(InvalidOdsCode):
        label(42, destination_code="royal free")


@pytest.mark.parametrize(
    "ref",
    [
        "943 476 5919",
        "9434765919",
        "NHS 943-476-5919",
        "943.476.5919",
        "943/476/5919",
        "19434765919",  # overlapping: the valid ten start at the second digit
        "H1 943.4765919",
        "\uff19\uff14\uff13\uff14\uff17\uff16\uff15\uff19\uff11\uff19",  # fullwidth digits
    ],
)
def test_an_nhs_number_never_goes_on_a_label(ref: str) -> None:
    with pytest.raises(PatientRefNotAllowed, match="NHS number"):
        check_patient_ref(ref)


@pytest.mark.parametrize("ref", ["JS", "J.S.", "RGT1234567", "  AB  "])
def test_initials_and_hospital_numbers_are_allowed(ref: str) -> None:
    assert check_patient_ref(ref) == ref.strip()


@pytest.mark.parametrize("ref", ["", "   ", "Jonathan Archibald Smith"])
def test_empty_or_long_patient_refs_are_refused(ref: str) -> None:
    with pytest.raises(PatientRefNotAllowed):
        check_patient_ref(ref)


def test_return_address_lines_are_tidied() -> None:
    content = label(42, return_address="  Radiology   Dept \n\n Hills Road \n")
    assert content.return_address == "Radiology Dept\nHills Road"
