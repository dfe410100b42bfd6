"""The CLI in-process: exact output, exit codes, one-line errors, help on every command."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest

from cli.main import app
from tests.cli_helpers import custody
from tests.conftest import NHS

ID = re.compile(r"^RGT[0-9]{8}[0-9A-Z]$")


def registered(cli: Any, *extra: str) -> str:
    result = cli("register", "--to", "RXH", "--nhs", NHS[0], *extra)
    assert result.exit_code == 0, result.output
    media_id = result.stdout.strip()
    assert ID.match(media_id)
    return media_id


def test_register_prints_the_new_id_and_json(cli: Any) -> None:
    registered(cli)
    result = cli("register", "--to", "R1K", "--nhs", NHS[1], "--urgent", "--json")
    record = json.loads(result.stdout)
    assert record["media_id"] == "RGT00000002C"
    assert (record["status"], record["destination"], record["urgent"]) == (
        "registered",
        "R1K",
        True,
    )


def test_scan_prints_one_line_per_code_and_fails_if_any_refused(cli: Any) -> None:
    media_id = registered(cli)
    result = cli("scan", "dispatch", media_id, media_id.lower(), "RGT00000001Z", "--operator", "pr")
    assert result.exit_code == 1
    lines = result.stdout.splitlines()
    assert lines[0] == f"OK {media_id} dispatched"
    assert lines[1].startswith(f"DUPLICATE {media_id} dispatched - already recorded dispatch at ")
    assert lines[2] == "REFUSED RGT00000001Z: misread - scan again (check character does not match)"
    assert result.stderr == "1 recorded, 1 duplicate, 1 refused\n"


def test_scan_with_skipped_step_reports_anomaly(cli: Any) -> None:
    media_id = registered(cli)
    result = cli("scan", "receive", media_id, "--site", "RXH")
    assert result.exit_code == 0
    assert result.stdout == (
        f"OK {media_id} received - anomaly: receive while registered: no dispatch recorded\n"
    )


def test_show_json_has_history(cli: Any) -> None:
    media_id = registered(cli)
    cli("scan", "dispatch", media_id, "--at", "2025-12-22T10:00", "--operator", "pr")
    record = json.loads(cli("show", media_id, "--json").stdout)
    assert record["status"] == "dispatched"
    assert [e["action"] for e in record["events"]] == ["register", "dispatch"]
    dispatch = record["events"][1]
    assert dispatch["at"] == "2025-12-22T10:00:00Z" and dispatch["operator"] == "pr"
    assert set(dispatch) >= {"event_id", "action", "at", "recorded_at", "site", "operator"}


def test_list_json_and_filters(cli: Any) -> None:
    first = registered(cli)
    second = registered(cli)
    cli("scan", "dispatch", first)
    rows = json.loads(cli("list", "--json").stdout)
    assert [(r["media_id"], r["status"]) for r in rows] == [
        (second, "registered"),
        (first, "dispatched"),
    ]
    only = json.loads(cli("list", "--status", "dispatched", "--json").stdout)
    assert [r["media_id"] for r in only] == [first]


def test_correct_and_verify(cli: Any) -> None:
    media_id = registered(cli)
    cli("scan", "dispatch", media_id)
    lost = cli("scan", "lost", media_id)
    assert lost.stdout == f"OK {media_id} lost\n"
    event_id = json.loads(cli("show", media_id, "--json").stdout)["events"][-1]["event_id"]
    result = cli("correct", event_id, "--reason", "wrong disc")
    assert result.stdout == f"voided {event_id}; {media_id} is now dispatched\n"
    verified = cli("verify")
    assert verified.exit_code == 0
    assert verified.stdout.splitlines()[0] == "verified 4 events"
    assert re.fullmatch(r"head digest [0-9a-f]{64}", verified.stdout.splitlines()[1])


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (
            ["register", "--to", "RXH", "--nhs", "123"],
            "error: '123' is not an NHS number (10 digits)",
        ),
        (
            ["register", "--to", "RZZ", "--nhs", NHS[0]],
            "error: unknown organisation 'RZZ' (add it with `custody org add`)",
        ),
        (
            ["scan", "dispatch", "RGT00000001E", "--site", "RZZ"],
            "error: unknown organisation 'RZZ' (add it with `custody org add`)",
        ),
        (
            ["scan", "dispatch", "RGT00000001E", "--at", "tomorrow"],
            "error: 'tomorrow' is not a time (use ISO 8601, e.g. 2025-12-24T09:30)",
        ),
        (
            ["scan", "dispatch", "RGT00000001E", "--at", "2999-01-01"],
            "error: 2999-01-01 00:00 (UK time) is in the future",
        ),
        (
            ["show", "RGT00000001E"],
            "error: RGT00000001E: unknown medium (not registered in this ledger)",
        ),
        (
            ["show", "RGT00000001F"],
            "error: RGT00000001F: misread - scan again (check character does not match)",
        ),
        (
            ["correct", "no-such-event", "--reason", "x"],
            "error: no event 'no-such-event' in this ledger",
        ),
        (
            ["org", "add", "R-K", "--name", "x"],
            "error: 'R-K' is not an ODS code (3 to 5 capitals and digits, e.g. RGT)",
        ),
        (
            ["password-sent", "RGT00000001E", "--via", "email"],
            "error: RGT00000001E: unknown medium (not registered in this ledger)",
        ),
        (["init", "--org", "RGT", "--name", "x"], None),
    ],
)
def test_bad_input_is_one_line_and_exit_1(cli: Any, args: list[str], message: str | None) -> None:
    result = cli(*args)
    assert result.exit_code == 1
    assert result.exception is None or isinstance(result.exception, SystemExit)
    lines = result.stderr.splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: ")
    if message:
        assert lines[0] == message


def test_bulk_rejection_lists_rows_then_one_error(cli: Any, tmp_path: Path) -> None:
    csv = tmp_path / "b.csv"
    csv.write_text(f"nhs_number,destination\n{NHS[0]},RXH\n123,RXH\n{NHS[1]},XXX\n")
    result = cli("register", "--from-csv", str(csv))
    assert result.exit_code == 1
    assert result.stderr.splitlines() == [
        "  line 3: '123' is not an NHS number (10 digits)",
        "  line 4: unknown organisation 'XXX' (add it with `custody org add`)",
        "error: 2 bad row(s) of 3; nothing was registered",
    ]
    assert json.loads(cli("list", "--json").stdout) == []


def test_missing_ledger_is_explained(tmp_path: Path) -> None:
    result = custody(str(tmp_path / "none.db"), "list")
    assert result.exit_code == 1
    assert (
        result.stderr == f"error: no ledger at {tmp_path / 'none.db'}: run `custody init` first\n"
    )
    assert not (tmp_path / "none.db").exists()


def _commands(group: Any, prefix: tuple[str, ...] = ()) -> list[tuple[str, ...]]:
    import typer.main

    click_group = typer.main.get_command(group) if not hasattr(group, "commands") else group
    found = []
    for name, command in click_group.commands.items():
        found.append((*prefix, name))
        if hasattr(command, "commands"):
            found.extend(_commands(command, (*prefix, name)))
    return found


def test_every_command_has_help() -> None:
    commands = _commands(app)
    assert ("scan",) in commands and ("org", "add") in commands
    for path in commands:
        result = custody(None, *path, "--help")
        assert result.exit_code == 0, path
        assert "Usage:" in result.stdout
        summary = result.stdout.split("\n\n")[1].strip()
        assert len(summary) > 10, f"{path} has no help text"


def test_the_choices_offered_are_the_librarys_own() -> None:
    from cli.choices import Relationship, Route, ScanAction
    from ledger.events import SCAN_ACTIONS
    from ledger.handover import RELATIONSHIPS
    from ledger.reasons import TRANSFER_ROUTES

    assert [a.value for a in ScanAction] == [str(a) for a in SCAN_ACTIONS]
    assert [r.value for r in Route] == list(TRANSFER_ROUTES)
    assert [r.value for r in Relationship] == list(RELATIONSHIPS)
