"""`scan dispatch --tracking` and `handover` in-process: exact output, one-line errors (#17)."""

from __future__ import annotations

import json
from typing import Any

import pytest

from tests.cli.test_cli import registered


def test_dispatch_with_tracking_attaches_it_to_every_disc_scanned(cli: Any) -> None:
    parcel = [registered(cli) for _ in range(2)]
    result = cli("scan", "dispatch", *parcel, "--tracking", "ab 1234 5678 5 gb")
    assert result.exit_code == 0, result.output
    assert result.stdout.splitlines() == [
        f"OK {parcel[0]} dispatched",
        f"OK {parcel[1]} dispatched",
        f"TRACKING AB 1234 5678 5 GB - attached to {parcel[0]} {parcel[1]}",
    ]
    listed = {r["media_id"]: r["tracking"] for r in json.loads(cli("list", "--json").stdout)}
    assert listed == dict.fromkeys(parcel, "AB123456785GB")
    shown = cli("show", parcel[0]).stdout.splitlines()
    assert "tracking     AB 1234 5678 5 GB" in shown
    assert json.loads(cli("show", parcel[0], "--json").stdout)["tracking"] == "AB123456785GB"


def test_a_refused_disc_gets_no_tracking_and_the_run_fails(cli: Any) -> None:
    media_id = registered(cli)
    result = cli("scan", "dispatch", media_id, "RGT00000001Z", "--tracking", "DPD 15501234567890")
    assert result.exit_code == 1
    assert result.stdout.splitlines()[-1] == (
        f"TRACKING DPD 15501234567890 - attached to {media_id}"
    )


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (
            ["scan", "dispatch", "RGT00000001E", "--tracking", "AB123456784GB"],
            "error: AB123456784GB: misread - scan again (the S10 check digit does not match)",
        ),
        (
            ["scan", "receive", "RGT00000001E", "--tracking", "AB123456785GB"],
            "error: --tracking goes with dispatch: it is the parcel's reference",
        ),
        (
            ["handover", "RGT00000001E", "--acknowledged-by", "Jane Doe"],
            "error: RGT00000001E is encrypted: its recipient has no risk to acknowledge",
        ),
    ],
)
def test_bad_tracking_or_handover_is_one_line_and_records_nothing(
    cli: Any, args: list[str], message: str
) -> None:
    registered(cli)
    result = cli(*args)
    assert (result.exit_code, result.stderr.strip()) == (1, message)
    events = json.loads(cli("show", "RGT00000001E", "--json").stdout)["events"]
    assert [e["action"] for e in events] == ["register"]


def test_handover_records_who_signed(cli: Any) -> None:
    media_id = registered(
        cli,
        "--unencrypted",
        "--exception",
        "patient-handover",
        "--approved-by",
        "Dr A",
        "--reason",
        "patient collects",
    )
    shown = cli("show", media_id).stdout
    assert "NOT ENCRYPTED - handed to the patient; recipient's acknowledgement not yet" in shown
    result = cli("handover", media_id, "--acknowledged-by", "Jane Doe", "--relationship", "carer")
    assert result.exit_code == 0, result.output
    assert result.stdout.startswith(f"acknowledged {media_id}: signed by Jane Doe (carer) ")
    assert "risk acknowledged by the recipient" in cli("show", media_id).stdout
