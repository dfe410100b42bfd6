"""Media IDs, ODS codes, NHS numbers and parcel tracking references: what people type or scan.

A media ID is the issuing organisation's ODS code, an 8-digit serial and an
ISO 7064 MOD 37-2 check character: `RGT00000042X`. Capitals and digits only,
so a keyboard-wedge scanner on any layout types it faithfully; the check
character catches every single-character error and every adjacent
transposition. Serials whose check character would be `*` are skipped.
"""

from __future__ import annotations

import re
from typing import NamedTuple

from ledger.errors import (
    CheckCharacterError,
    InvalidMediaId,
    InvalidNhsNumber,
    InvalidOdsCode,
    InvalidTrackingRef,
)

MOD37_ALPHABET = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ*"
SERIAL_DIGITS = 8
ODS_PATTERN = re.compile(r"[A-Z0-9]{3,5}")
_VALUE = {ch: i for i, ch in enumerate(MOD37_ALPHABET)}
_MEDIA_PATTERN = re.compile(r"([A-Z0-9]{3,5})([0-9]{8})([0-9A-Z])")
# Control characters a scanner adds (STX/ETX/CR/LF/TAB...) and separators people type.
_NOISE = re.compile(r"[\x00-\x20\x7f\-]")


def mod37_2(text: str) -> str:
    """The ISO 7064 MOD 37-2 check character of `text` (capitals and digits)."""
    p = 0
    for ch in text:
        p = ((p + _VALUE[ch]) * 2) % 37
    return MOD37_ALPHABET[(38 - p) % 37]


def mod37_2_valid(text: str) -> bool:
    """True when the last character of `text` is the MOD 37-2 check of the rest."""
    if len(text) < 2 or any(ch not in MOD37_ALPHABET for ch in text):
        return False
    return mod37_2(text[:-1]) == text[-1]


class MediaId(NamedTuple):
    """A parsed media ID."""

    issuer: str
    serial: int
    check: str

    def __str__(self) -> str:
        return f"{self.issuer}{self.serial:0{SERIAL_DIGITS}d}{self.check}"

    @property
    def grouped(self) -> str:
        """The ID in groups for reading aloud: `RGT 0000 0042 K`."""
        s = f"{self.serial:0{SERIAL_DIGITS}d}"
        return f"{self.issuer} {s[:4]} {s[4:]} {self.check}"


def check_ods(code: str) -> str:
    """The ODS code in capitals, or InvalidOdsCode."""
    norm = code.strip().upper()
    if not ODS_PATTERN.fullmatch(norm):
        raise InvalidOdsCode(f"{code!r} is not an ODS code (3 to 5 capitals and digits, e.g. RGT)")
    return norm


def serial_is_usable(issuer: str, serial: int) -> bool:
    """A serial is skipped when its check character would be `*` (not keyboard-safe)."""
    return mod37_2(f"{issuer}{serial:0{SERIAL_DIGITS}d}") != "*"


def make_media_id(issuer: str, serial: int) -> MediaId:
    """The media ID for a usable serial of `issuer`."""
    body = f"{issuer}{serial:0{SERIAL_DIGITS}d}"
    check = mod37_2(body)
    if check == "*":
        raise ValueError(f"serial {serial} of {issuer} is skipped: its check character is '*'")
    return MediaId(issuer, serial, check)


def next_media_id(issuer: str, last_serial: int) -> tuple[str, int]:
    """The next media ID after `last_serial`, and its serial (skipping `*` check characters)."""
    serial = last_serial
    while True:
        serial += 1
        body = f"{issuer}{serial:0{SERIAL_DIGITS}d}"
        check = mod37_2(body)
        if check != "*":
            return body + check, serial


def normalise_code(raw: str) -> str:
    """What a scanner or a person typed, without noise: upper case, no spaces or control chars."""
    text = _NOISE.sub("", raw).upper()
    # A scanner set to send twice, or a double read in one line: "ABC...ABC...".
    half = len(text) // 2
    if len(text) % 2 == 0 and half >= 12 and text[:half] == text[half:]:
        text = text[:half]
    return text


def parse_media_id(raw: str) -> MediaId:
    """Parse a typed or scanned media ID, or raise InvalidMediaId / CheckCharacterError."""
    text = normalise_code(raw)
    shown = text if len(text) <= 40 else text[:37] + "..."
    if not text:
        raise InvalidMediaId("empty code")
    if not text.isascii():
        raise InvalidMediaId(f"{shown!r} has characters that are not plain capitals and digits")
    m = _MEDIA_PATTERN.fullmatch(text)
    if not m:
        raise InvalidMediaId(
            f"{shown!r} is not a media ID (ODS code, 8-digit serial, check character)"
        )
    if not mod37_2_valid(text):
        raise CheckCharacterError(f"{shown}: misread - scan again (check character does not match)")
    return MediaId(m.group(1), int(m.group(2)), m.group(3))


def check_nhs_number(raw: str) -> str:
    """The NHS number as 10 digits, or InvalidNhsNumber (Modulus 11 check)."""
    digits = re.sub(r"[\s-]", "", raw)
    if not re.fullmatch(r"[0-9]{10}", digits):
        raise InvalidNhsNumber(f"{raw!r} is not an NHS number (10 digits)")
    import nhs_number  # the maintained Modulus 11 check; imported only when needed

    if not nhs_number.is_valid(digits):
        raise InvalidNhsNumber(f"{raw!r} is not a valid NHS number (check digit does not match)")
    return digits


# UPU S10: service indicator (2 letters), serial (8 digits), check digit, country (2 letters).
S10_PATTERN = re.compile(r"([A-Z]{2})([0-9]{8})([0-9])([A-Z]{2})")
S10_WEIGHTS = (8, 6, 4, 2, 3, 5, 9, 7)
# A courier's reference is kept as given, within reason: printable, one line, this long at most.
TRACKING_MAX_LENGTH = 40
_PRINTABLE = re.compile(r"[\x21-\x7e]+(?: [\x21-\x7e]+)*")


def s10_check_digit(serial: str) -> int:
    """The UPU S10 check digit of 8 serial digits: 11 - (weighted sum mod 11); 10 -> 0, 11 -> 5."""
    c = 11 - sum(int(d) * w for d, w in zip(serial, S10_WEIGHTS, strict=True)) % 11
    return {10: 0, 11: 5}.get(c, c)


class TrackingRef(NamedTuple):
    """A parcel's tracking reference: an S10 code (checked) or another courier's (as given)."""

    text: str
    s10: bool

    def __str__(self) -> str:
        return self.text

    @property
    def grouped(self) -> str:
        """An S10 code in groups for reading aloud: `AB 1234 5678 5 GB`; others as given."""
        t = self.text
        return f"{t[:2]} {t[2:6]} {t[6:10]} {t[10]} {t[11:]}" if self.s10 else t


def s10_shaped(code: str) -> bool:
    """Two letters, nine digits, two letters: the shape of a UPU S10 code (before its check)."""
    return S10_PATTERN.fullmatch(code) is not None


def parse_tracking(raw: str) -> TrackingRef:
    """A tracking reference as typed or scanned.

    Only a reference of the S10 shape (after dropping spaces and scanner noise, in capitals)
    is an S10 code, and its check digit must match ("misread"); any other reference is
    another courier's, kept as given (trimmed).
    """
    code = normalise_code(raw)
    if s10_shaped(code):
        m = S10_PATTERN.fullmatch(code)
        assert m is not None
        if s10_check_digit(m.group(2)) != int(m.group(3)):
            raise InvalidTrackingRef(
                f"{code}: misread - scan again (the S10 check digit does not match)"
            )
        return TrackingRef(code, True)
    text = raw.strip()
    if not text:
        raise InvalidTrackingRef("empty tracking reference")
    if len(text) > TRACKING_MAX_LENGTH or not _PRINTABLE.fullmatch(text):
        shown = text if len(text) <= 40 else text[:37] + "..."
        raise InvalidTrackingRef(
            f"{shown!r} is not a tracking reference (printable characters, at most "
            f"{TRACKING_MAX_LENGTH}, one line)"
        )
    return TrackingRef(text, False)
