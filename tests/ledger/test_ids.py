"""Media IDs catch every single-character error and adjacent transposition; NHS numbers check."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ledger.errors import CheckCharacterError, InvalidMediaId, InvalidNhsNumber, InvalidOdsCode
from ledger.ids import (
    MOD37_ALPHABET,
    check_nhs_number,
    check_ods,
    make_media_id,
    mod37_2_valid,
    normalise_code,
    parse_media_id,
    serial_is_usable,
)

KEYBOARD = MOD37_ALPHABET[:-1]  # what a media ID may contain: no '*'
ods_codes = st.text(KEYBOARD, min_size=3, max_size=5)
serials = st.integers(min_value=0, max_value=99_999_999)


def usable_id(ods: str, serial: int) -> str:
    while not serial_is_usable(ods, serial):
        serial = (serial + 1) % 100_000_000
    return str(make_media_id(ods, serial))


@settings(max_examples=400)
@given(ods_codes, serials, st.data())
def test_every_single_character_substitution_is_caught(ods: str, serial: int, data) -> None:
    media_id = usable_id(ods, serial)
    pos = data.draw(st.integers(0, len(media_id) - 1))
    other = data.draw(st.sampled_from(KEYBOARD).filter(lambda c: c != media_id[pos]))
    wrong = media_id[:pos] + other + media_id[pos + 1 :]
    assert not mod37_2_valid(wrong)


@settings(max_examples=400)
@given(ods_codes, serials, st.data())
def test_every_adjacent_transposition_is_caught(ods: str, serial: int, data) -> None:
    media_id = usable_id(ods, serial)
    pos = data.draw(st.integers(0, len(media_id) - 2))
    a, b = media_id[pos], media_id[pos + 1]
    if a == b:
        return  # swapping equal characters changes nothing
    wrong = media_id[:pos] + b + a + media_id[pos + 2 :]
    assert not mod37_2_valid(wrong)


def test_exhaustive_errors_for_one_id() -> None:
    media_id = usable_id("RGT", 42)
    for pos in range(len(media_id)):
        for c in KEYBOARD:
            if c != media_id[pos]:
                assert not mod37_2_valid(media_id[:pos] + c + media_id[pos + 1 :])


@given(ods_codes, serials)
def test_ids_are_keyboard_safe_and_round_trip(ods: str, serial: int) -> None:
    media_id = usable_id(ods, serial)
    assert all(c in KEYBOARD for c in media_id)
    parsed = parse_media_id(media_id)
    assert str(parsed) == media_id and parsed.issuer == ods


def test_star_serials_are_skipped() -> None:
    stars = [s for s in range(1, 200) if not serial_is_usable("RGT", s)]
    assert stars, "some serials of RGT have '*' as check character"
    with pytest.raises(ValueError, match="skipped"):
        make_media_id("RGT", stars[0])


@pytest.mark.parametrize(
    "typed",
    [
        "RGT00000042X",
        "rgt00000042x",  # Caps Lock
        " RGT 0000 0042 X ",  # grouped, as printed under the barcode
        "\x02RGT00000042X\r\n",  # a scanner's STX prefix and CR LF suffix
        "RGT00000042XRGT00000042X",  # sent twice
        "RGT-0000-0042-X",
    ],
)
def test_normalisation(typed: str) -> None:
    assert str(parse_media_id(typed)) == "RGT00000042X"


def test_misread_is_explained() -> None:
    with pytest.raises(CheckCharacterError, match="misread - scan again"):
        parse_media_id("RGT00000042Y")


@pytest.mark.parametrize(
    "typed", ["", "hello", "RGT0042X", "\uff32\uff27\uff3400000042X", "R" * 10_000]
)
def test_not_media_ids(typed: str) -> None:
    with pytest.raises(InvalidMediaId):
        parse_media_id(typed)


def test_long_garbage_message_is_short() -> None:
    with pytest.raises(InvalidMediaId) as info:
        parse_media_id("A" * 10_000)
    assert len(str(info.value)) < 120


def test_normalise_code_keeps_odd_lengths() -> None:
    assert normalise_code("ab c\t") == "ABC"


def test_nhs_number_examples() -> None:
    assert check_nhs_number("943 476 5919") == "9434765919"
    with pytest.raises(InvalidNhsNumber, match="check digit"):
        check_nhs_number("9434765918")
    with pytest.raises(InvalidNhsNumber, match="10 digits"):
        check_nhs_number("94347659")


@settings(max_examples=200)
@given(st.data())
def test_nhs_number_single_digit_errors_rejected(data) -> None:
    import nhs_number

    number = nhs_number.generate(quantity=1)[0]
    assert check_nhs_number(number) == number
    pos = data.draw(st.integers(0, 9))
    digit = data.draw(st.sampled_from("0123456789").filter(lambda d: d != number[pos]))
    with pytest.raises(InvalidNhsNumber):
        check_nhs_number(number[:pos] + digit + number[pos + 1 :])


@pytest.mark.parametrize("code", ["RGT", "r1k", "RXH01"])
def test_ods_codes(code: str) -> None:
    assert check_ods(code) == code.upper()


@pytest.mark.parametrize("code", ["RG", "RGTXXX", "R-K", ""])
def test_bad_ods_codes(code: str) -> None:
    with pytest.raises(InvalidOdsCode):
        check_ods(code)


# -- against independent references (#12) ---------------------------------------------------


@settings(max_examples=500)
@given(ods_codes, serials)
def test_check_character_is_iso_7064_mod_37_2_as_python_stdnum_computes_it(
    ods: str, serial: int
) -> None:
    from stdnum.iso7064 import mod_37_2

    body = f"{ods}{serial:08d}"
    expected = mod_37_2.calc_check_digit(body)
    assert serial_is_usable(ods, serial) == (expected != "*")
    if expected != "*":
        assert str(make_media_id(ods, serial)) == body + expected


@settings(max_examples=500)
@given(st.text(MOD37_ALPHABET, min_size=2, max_size=16))
def test_validity_agrees_with_python_stdnum(text: str) -> None:
    from stdnum.iso7064 import mod_37_2

    assert mod37_2_valid(text) == mod_37_2.is_valid(text)


def modulus_11_check_digit(nine: str) -> int | None:
    """The NHS number check digit, written out from the NHS Data Dictionary: weights 10 down
    to 2, 11 minus the remainder mod 11; 11 becomes 0; 10 means no valid number."""
    total = sum(int(d) * w for d, w in zip(nine, range(10, 1, -1), strict=True))
    check = 11 - total % 11
    return 0 if check == 11 else None if check == 10 else check


def test_modulus_11_on_the_published_example() -> None:
    assert modulus_11_check_digit("943476591") == 9  # 943 476 5919, the Data Dictionary's


@settings(max_examples=500)
@given(st.text("0123456789", min_size=9, max_size=9).filter(lambda nine: nine >= "312"))
def test_nhs_numbers_accepted_exactly_when_modulus_11_says(nine: str) -> None:
    # Below 312 is Scotland's CHI range: see the next test.
    check = modulus_11_check_digit(nine)
    for last in "0123456789":
        number = nine + last
        if check is not None and int(last) == check:
            assert check_nhs_number(number) == number
        else:
            with pytest.raises(InvalidNhsNumber):
                check_nhs_number(number)


def test_a_chi_number_must_also_start_with_a_date() -> None:
    # 010 000 000 2 passes Modulus 11 but is in the CHI range (010 101 0000 to 311 299 9999),
    # whose first six digits are a date of birth (DDMMYY): 01 00 00 is none, so it is refused.
    assert modulus_11_check_digit("010000000") == 2
    with pytest.raises(InvalidNhsNumber, match="check digit"):
        check_nhs_number("0100000002")
    assert modulus_11_check_digit("010190000") == 7
    assert check_nhs_number("0101900007") == "0101900007"  # born 1 Jan 1990
