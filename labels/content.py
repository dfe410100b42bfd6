"""What a label shows: routing facts only, never the patient's name, NHS number or birth date."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from labels.errors import PatientRefNotAllowed, UnknownEncryptionException
from ledger.errors import InvalidNhsNumber
from ledger.ids import check_nhs_number, check_ods, parse_media_id

ENCRYPTED_MARKER = "ENCRYPTED - password sent separately"
# The exception codes of the RCR guidance, as the ledger records them.
EXCEPTION_MARKERS: dict[str, str] = {
    "urgent-clinical": "NOT ENCRYPTED - urgent clinical transfer",
    "patient-handover": "NOT ENCRYPTED - handed to patient",
    "secure-with-notes": "NOT ENCRYPTED - secure with patient notes",
}
PATIENT_REF_MAX = 16


@dataclass(frozen=True)
class LabelContent:
    """Everything printed on one label; build it with `make_label_content`."""

    media_id: str
    destination_code: str
    destination_name: str
    sender_code: str
    sender_name: str
    return_address: str
    date: dt.date
    marker: str
    urgent: bool = False
    patient_ref: str | None = None

    @property
    def encrypted(self) -> bool:
        """True when the marker says the medium is encrypted."""
        return self.marker == ENCRYPTED_MARKER


def encryption_marker(exception: str | None) -> str:
    """The marker text for an encryption exception code, or the encrypted marker for None."""
    if exception is None:
        return ENCRYPTED_MARKER
    try:
        return EXCEPTION_MARKERS[exception]
    except KeyError:
        known = ", ".join(EXCEPTION_MARKERS)
        raise UnknownEncryptionException(
            f"{exception!r} is not an encryption exception (one of: {known})"
        ) from None


def check_patient_ref(ref: str) -> str:
    """The opt-in patient reference (initials or hospital number), or PatientRefNotAllowed."""
    text = " ".join(ref.split())
    if not text:
        raise PatientRefNotAllowed("the patient reference is empty")
    if len(text) > PATIENT_REF_MAX:
        raise PatientRefNotAllowed(
            f"a patient reference on a label is initials or a hospital number "
            f"(at most {PATIENT_REF_MAX} characters), not {len(text)} characters"
        )
    # Any separator (dot, slash, space...) and any digits around it: look at the digits alone,
    # and at every run of ten of them, overlapping.
    digits = "".join(str(int(c)) for c in text if c.isdecimal())  # fullwidth too
    for start in range(len(digits) - 9):
        try:
            check_nhs_number(digits[start : start + 10])
        except InvalidNhsNumber:
            continue
        raise PatientRefNotAllowed("an NHS number may never be printed on a label")
    return text


def make_label_content(
    media_id: str,
    *,
    destination_code: str,
    destination_name: str,
    sender_code: str,
    sender_name: str,
    return_address: str,
    date: dt.date,
    exception: str | None = None,
    urgent: bool = False,
    patient_ref: str | None = None,
) -> LabelContent:
    """A checked LabelContent: valid media ID and ODS codes, known exception, safe patient ref."""
    return LabelContent(
        media_id=str(parse_media_id(media_id)),
        destination_code=check_ods(destination_code),
        destination_name=" ".join(destination_name.split()),
        sender_code=check_ods(sender_code),
        sender_name=" ".join(sender_name.split()),
        return_address="\n".join(
            " ".join(line.split()) for line in return_address.splitlines() if line.strip()
        ),
        date=date,
        marker=encryption_marker(exception),
        urgent=urgent,
        patient_ref=None if patient_ref is None else check_patient_ref(patient_ref),
    )
