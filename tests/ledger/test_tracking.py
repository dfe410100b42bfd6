"""Parcel tracking references: UPU S10 codes checked, other couriers' kept; attached by events."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

import pytest

from ledger.api import Ledger, Registration
from ledger.errors import InvalidTrackingRef, NotDispatched, UnknownMedia
from ledger.events import Action
from ledger.ids import parse_tracking, s10_check_digit
from tests.conftest import NHS, Clock

# Published S10 examples: the (#17), and the UPU standard's worked check digit
# (serial 47312482, weighted sum 200, 11 - 200 mod 11 = 9, as quoted on Wikipedia's S10 page).
PUBLISHED = ["AB123456785GB", "RR473124829GB"]
# By hand: 11111111 weighs 44 (44 mod 11 = 0, 11 -> 5); 00000008 weighs 56 (56 mod 11 = 1,
# 10 -> 0): the two special cases of the rule.
SPECIAL = ["RA111111115GB", "CP000000080GB"]


@pytest.mark.parametrize("code", PUBLISHED + SPECIAL)
def test_published_and_special_s10_codes_are_valid(code: str) -> None:
    ref = parse_tracking(code)
    assert (ref.text, ref.s10) == (code, True)


def test_check_digit_matches_the_standards_worked_example() -> None:
    assert s10_check_digit("47312482") == 9
    assert s10_check_digit("12345678") == 5


def corruptions(code: str) -> list[str]:
    """Every code with one of its nine digits (serial and check) replaced by another digit."""
    return [
        code[:pos] + digit + code[pos + 1 :]
        for pos in range(2, 11)
        for digit in "0123456789"
        if digit != code[pos]
    ]


def weighted_sum_mod_11(code: str) -> int:
    return sum(int(d) * w for d, w in zip(code[2:10], (8, 6, 4, 2, 3, 5, 9, 7), strict=True)) % 11


@pytest.mark.parametrize("code", ["RR473124829GB", "CP000000080GB"])
def test_every_single_digit_corruption_is_refused(code: str) -> None:
    wrong = corruptions(code)
    assert len(wrong) == 81
    for text in wrong:
        with pytest.raises(InvalidTrackingRef, match="misread - scan again"):
            parse_tracking(text)


@pytest.mark.parametrize("code", ["AB123456785GB", "RA111111115GB"])
def test_check_digit_5_cannot_tell_sums_of_0_and_6_apart(code: str) -> None:
    """The standard maps 11 - 0 = 11 to 5, and 11 - 6 is 5: with a check digit of 5, a serial
    digit slip that moves the weighted sum between 0 and 6 (mod 11) passes; all others fail."""
    passed = []
    for text in corruptions(code):
        try:
            parse_tracking(text)
        except InvalidTrackingRef:
            continue
        passed.append(text)
    assert passed and len(passed) == 7
    assert {weighted_sum_mod_11(t) for t in [code, *passed]} == {0, 6}


def test_s10_as_typed_or_scanned_is_normalised_and_grouped() -> None:
    ref = parse_tracking(" ab 1234 5678 5 gb\r\n")
    assert (ref.text, ref.grouped) == ("AB123456785GB", "AB 1234 5678 5 GB")


@pytest.mark.parametrize(
    "code",
    ["15501234567890", "1Z999AA10123456784", "JD0002 2233 4455 6677", "AB12345678GB"],
)
def test_other_couriers_references_are_kept_as_given(code: str) -> None:
    ref = parse_tracking(f"  {code} ")
    assert (ref.text, ref.s10, ref.grouped) == (code, False, code)


@pytest.mark.parametrize("code", ["", "   ", "x" * 41, "AB\t12", "caf\u00e9 123"])
def test_what_cannot_be_a_reference_is_refused(code: str) -> None:
    with pytest.raises(InvalidTrackingRef):
        parse_tracking(code)


def register(ledger: Ledger, **kwargs: object) -> str:
    reg = Registration(nhs_number=NHS[0], destination="RXH")
    return ledger.register(replace(reg, **kwargs), operator="admin").media_id  # type: ignore[arg-type]


def test_tracking_is_an_event_of_its_own_on_the_dispatched_media(
    ledger: Ledger, clock: Clock
) -> None:
    parcel = [register(ledger) for _ in range(3)]
    for media_id in parcel:
        ledger.scan("dispatch", media_id, operator="post")
    clock.advance(minutes=1)
    result = ledger.attach_tracking(parcel, "ab123456785gb", operator="post")
    assert [e.media_id for e in result.recorded] == parcel and result.already == []
    for media_id in parcel:
        record = ledger.show(media_id)
        assert record.state.tracking == "AB123456785GB"
        assert str(record.state.status) == "dispatched"
        last = record.events[-1]
        assert (last.action, last.detail) == (
            Action.TRACKING,
            {"ref": "AB123456785GB", "s10": True},
        )
    again = ledger.attach_tracking(parcel[:1], "AB123456785GB", operator="post")
    assert (again.recorded, again.already) == ([], parcel[:1])
    rows = {r["media_id"]: r["tracking"] for r in ledger.list_media()}
    assert set(rows.values()) == {"AB123456785GB"}


def test_a_new_dispatch_starts_without_the_old_parcels_reference(
    ledger: Ledger, clock: Clock
) -> None:
    media_id = register(ledger)
    ledger.scan("dispatch", media_id, operator="post")
    ledger.attach_tracking([media_id], "AB123456785GB", operator="post")
    clock.advance(days=3)
    ledger.scan("returned", media_id, operator="post")
    clock.advance(days=1)
    ledger.scan("dispatch", media_id, operator="post")
    assert ledger.show(media_id).state.tracking is None
    ledger.attach_tracking([media_id], "DPD 15501234567890", operator="post")
    assert ledger.show(media_id).state.tracking == "DPD 15501234567890"


def test_tracking_needs_a_dispatch_and_is_all_or_nothing(ledger: Ledger) -> None:
    sent, unsent = register(ledger), register(ledger)
    ledger.scan("dispatch", sent, operator="post")
    with pytest.raises(NotDispatched, match=f"{unsent}: no dispatch recorded"):
        ledger.attach_tracking([sent, unsent], "AB123456785GB", operator="post")
    with pytest.raises(UnknownMedia):
        ledger.attach_tracking([sent, "RGT00000009Z"], "AB123456785GB", operator="post")
    with pytest.raises(InvalidTrackingRef):
        ledger.attach_tracking([sent], "AB123456784GB", operator="post")
    assert ledger.show(sent).state.tracking is None
    assert [e.action for e in ledger.show(sent).events] == ["register", "dispatch"]


def test_a_correction_voids_a_wrong_reference(ledger: Ledger, clock: Clock) -> None:
    media_id = register(ledger)
    ledger.scan("dispatch", media_id, operator="post")
    wrong = ledger.attach_tracking([media_id], "AB123456785GB", operator="post").recorded[0]
    clock.advance(seconds=30)
    ledger.correct(wrong.event_id, reason="another parcel's label", operator="post")
    assert ledger.show(media_id).state.tracking is None


def test_a_back_dated_dispatch_with_tracking_keeps_it(ledger: Ledger, clock: Clock) -> None:
    media_id = register(ledger)
    at = clock.now - timedelta(minutes=30)
    ledger.scan("dispatch", media_id, operator="post", at=at)
    ledger.attach_tracking([media_id], "AB123456785GB", operator="post", at=at)
    assert ledger.show(media_id).state.tracking == "AB123456785GB"
