"""`custody label` and `custody scan --image` in-process: exact output, events, bad input."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from PIL import Image

from cli.demo import demo_labels
from labels.decode import decode_file
from ledger.api import Ledger
from ledger.ids import make_media_id
from tests.conftest import NHS
from tests.labels.conftest import needs_pdftoppm

UNKNOWN = str(make_media_id("RGT", 7))


def register(cli: Any, *extra: str, nhs: str = NHS[0]) -> str:
    result = cli("register", "--to", "RXH", "--nhs", nhs, *extra)
    assert result.exit_code == 0, result.output
    return str(result.stdout.strip())


def actions(cli: Any, media_id: str) -> list[str]:
    return [e["action"] for e in json.loads(cli("show", media_id, "--json").stdout)["events"]]


def test_label_writes_a_sheet_records_each_medium_and_says_what_it_wrote(
    cli: Any, tmp_path: Path
) -> None:
    ids = [register(cli) for _ in range(3)]
    out = tmp_path / "sheet.pdf"
    result = cli("label", *ids, "-o", str(out), "--operator", "ia")
    assert result.exit_code == 0, result.output
    assert result.stdout == (
        f"wrote {out} (1 page)\n3 labels on avery-l7160\nrecorded 3 media as labelled\n"
    )
    assert out.read_bytes().startswith(b"%PDF-")
    event = json.loads(cli("show", ids[0], "--json").stdout)["events"][-1]
    assert (event["action"], event["operator"], event["site"]) == ("labelled", "ia", "RGT")
    assert event["detail"] == {"template": "avery-l7160", "file": "sheet.pdf"}


def test_part_used_sheet_counts_pages_from_the_start_position(cli: Any, tmp_path: Path) -> None:
    ids = [register(cli) for _ in range(3)]
    out = tmp_path / "s.pdf"
    result = cli("label", *ids, "-o", str(out), "--start", "20", "--template", "avery-l7160")
    assert result.stdout.splitlines()[:2] == [
        f"wrote {out} (2 pages)",
        "3 labels on avery-l7160 from sheet position 20",
    ]


def test_brother_labels_to_a_folder_one_png_each(cli: Any, tmp_path: Path) -> None:
    ids = [register(cli) for _ in range(2)]
    out = tmp_path / "roll"
    result = cli("label", *ids, "-o", str(out), "--template", "brother-62x29")
    assert result.exit_code == 0, result.output
    assert result.stdout == (
        f"wrote {out / ids[0]}.png\nwrote {out / ids[1]}.png\n"
        "2 labels on brother-62x29\nrecorded 2 media as labelled\n"
    )
    assert decode_file(out / f"{ids[1]}.png") == {ids[1]}


def test_a_reprint_is_visible_in_the_history(cli: Any, tmp_path: Path) -> None:
    media_id = register(cli)
    cli("label", media_id, "-o", str(tmp_path / "first.pdf"))
    again = cli("label", media_id, "-o", str(tmp_path / "again.png"), "--template", "brother-62x29")
    assert again.stdout.splitlines() == [
        f"wrote {tmp_path / 'again.png'}",
        "1 label on brother-62x29",
        "recorded 1 medium as labelled",
    ]
    assert actions(cli, media_id) == ["register", "labelled", "labelled"]
    history = cli("show", media_id).stdout
    assert "file=first.pdf template=avery-l7160" in history
    assert "file=again.png template=brother-62x29" in history


def test_status_registered_labels_media_waiting_and_all_adds_reprints(
    cli: Any, tmp_path: Path
) -> None:
    sent, printed, waiting = register(cli), register(cli), register(cli)
    cli("scan", "dispatch", sent)
    cli("label", printed, "-o", str(tmp_path / "p.pdf"))
    result = cli("label", "--status", "registered", "-o", str(tmp_path / "w.pdf"))
    assert result.stdout.splitlines()[1:] == [
        "1 label on avery-l7160",
        "recorded 1 medium as labelled",
    ]
    assert actions(cli, waiting)[-1] == "labelled" and actions(cli, sent)[-1] == "dispatch"
    nothing = cli("label", "--status", "registered", "-o", str(tmp_path / "n.pdf"))
    assert (nothing.exit_code, nothing.stdout) == (
        0,
        "no media are waiting for a label; nothing written\n",
    )
    assert not (tmp_path / "n.pdf").exists()
    both = cli("label", "--status", "registered", "--all", "-o", str(tmp_path / "a.pdf"))
    assert both.stdout.splitlines()[1] == "2 labels on avery-l7160"


def test_status_registered_skips_an_unencrypted_medium_without_exception(
    cli: Any, tmp_path: Path
) -> None:
    ok = register(cli)
    rows = tmp_path / "r.csv"
    rows.write_text(f"nhs_number,destination,encrypted\n{NHS[1]},RXH,no\n")
    bare = cli("register", "--from-csv", str(rows), "--json")
    assert bare.exit_code == 0, bare.output
    bare_id = next(
        r["media_id"] for r in json.loads(cli("list", "--json").stdout) if r["media_id"] != ok
    )
    result = cli("label", "--status", "registered", "-o", str(tmp_path / "w.pdf"))
    assert result.exit_code == 0
    assert result.stderr == (
        f"skipped {bare_id}: {bare_id} is not encrypted and has no recorded exception: it may "
        "not be sent (an incident); register it again, encrypted or with --exception\n"
    )
    assert actions(cli, ok)[-1] == "labelled" and actions(cli, bare_id) == ["register"]
    refused = cli("label", bare_id, "-o", str(tmp_path / "b.pdf"))
    assert refused.exit_code == 1 and not (tmp_path / "b.pdf").exists()


def test_patient_reference_is_opt_in_for_one_medium_never_an_nhs_number(
    cli: Any, tmp_path: Path
) -> None:
    one, two = register(cli), register(cli)
    out = tmp_path / "p.png"
    ok = cli("label", one, "-o", str(out), "--template", "brother-62x29", "--patient-ref", "JS")
    assert ok.exit_code == 0, ok.output
    detail = json.loads(cli("show", one, "--json").stdout)["events"][-1]["detail"]
    assert detail == {"template": "brother-62x29", "file": "p.png", "patient_ref": True}
    nhs = cli("label", one, "-o", str(out), "--patient-ref", NHS[2])
    assert nhs.stderr == "error: an NHS number may never be printed on a label\n"
    many = cli("label", one, two, "-o", str(tmp_path / "m.pdf"), "--patient-ref", "JS")
    assert many.stderr == (
        "error: --patient-ref goes on one medium's label: give exactly one media ID\n"
    )
    assert actions(cli, one) == ["register", "labelled"] and actions(cli, two) == ["register"]


def test_an_unexpected_arrival_is_refused_in_one_line(cli: Any, tmp_path: Path) -> None:
    ours = register(cli)
    arrived = str(make_media_id("RJ1", 3))
    assert cli("scan", "receive", arrived).exit_code == 0
    out = tmp_path / "x.pdf"
    result = cli("label", ours, arrived, "-o", str(out))
    assert (result.exit_code, result.stderr) == (
        1,
        f"error: {arrived} is another organisation's medium (an unexpected arrival): labels "
        "are printed only for media this ledger issued\n",
    )
    assert not out.exists() and actions(cli, ours) == ["register"]


@pytest.mark.parametrize(
    ("args", "message"),
    [
        ([UNKNOWN], f"error: {UNKNOWN}: unknown medium (not registered in this ledger)"),
        (
            ["--template", "dymo"],
            "error: no label template 'dymo' (templates: brother-62x29, avery-l7163, "
            "avery-l7160, cd-disc)",
        ),
        (
            ["--offset-x", "8"],
            "error: offset (8 mm, 0 mm) pushes labels off the 210 x 297 mm page of avery-l7160",
        ),
        (["--offset-y", "-16"], None),
        (["--start", "22"], "error: --start must be 1 to 21 on avery-l7160, not 22"),
        (["--start", "0"], "error: --start must be 1 to 21 on avery-l7160, not 0"),
        (
            ["--template", "brother-62x29", "--start", "2"],
            "error: brother-62x29 is not a sheet: --start does not apply to it",
        ),
        (["--status", "registered"], "error: give media IDs or --status registered, not both"),
    ],
)
def test_bad_label_input_writes_nothing_and_records_nothing(
    cli: Any, tmp_path: Path, args: list[str], message: str | None
) -> None:
    media_id = register(cli)
    folder = tmp_path / "out"
    folder.mkdir()
    result = cli("label", media_id, "-o", str(folder / "labels.pdf"), *args)
    assert result.exit_code == 1
    lines = result.stderr.splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: ")
    if message:
        assert lines[0] == message
    assert result.stdout == ""
    assert list(folder.iterdir()) == []
    assert actions(cli, media_id) == ["register"]


@pytest.mark.parametrize(
    ("args", "message"),
    [
        ([], "error: give the media IDs to label, or --status registered"),
        (["--all", "RGT000000056"], "error: --all goes with --status registered"),
        (
            ["--status", "dispatched"],
            "error: --status 'dispatched': labels are printed for media not yet sent "
            "(--status registered)",
        ),
        (["--all"], "error: --all goes with --status registered"),
    ],
)
def test_label_needs_ids_or_status_registered(
    cli: Any, tmp_path: Path, args: list[str], message: str
) -> None:
    result = cli("label", "-o", str(tmp_path / "x.pdf"), *args)
    assert (result.exit_code, result.stderr) == (1, message + "\n")
    assert not (tmp_path / "x.pdf").exists()


@needs_pdftoppm
def test_round_trip_label_sheet_then_scan_the_printed_page(cli: Any, tmp_path: Path) -> None:
    ids = [register(cli, nhs=n) for n in NHS[:4]]
    sheet = tmp_path / "sheet.pdf"
    assert cli("label", *ids, "-o", str(sheet), "--start", "5").exit_code == 0
    subprocess.run(
        ["pdftoppm", "-r", "200", "-png", "-singlefile", str(sheet), str(tmp_path / "page")],
        check=True,
    )
    result = cli("scan", "receive", "--image", str(tmp_path / "page.png"), "--site", "RXH")
    assert result.exit_code == 0, result.output
    assert result.stdout == "".join(
        f"OK {m} received - anomaly: receive while registered: no dispatch recorded\n"
        for m in sorted(ids)
    )
    assert result.stderr == "4 recorded, 0 duplicate, 0 refused\n"
    assert all(actions(cli, m) == ["register", "labelled", "receive"] for m in ids)


def test_scan_image_reports_each_image_without_a_barcode_as_refused(
    cli: Any, tmp_path: Path
) -> None:
    media_id = register(cli)
    label = tmp_path / "label.png"
    cli("label", media_id, "-o", str(label), "--template", "brother-62x29")
    photo = tmp_path / "wall.png"
    Image.linear_gradient("L").save(photo)
    result = cli("scan", "dispatch", "--image", str(photo), str(label), str(label))
    assert result.exit_code == 1
    assert result.stdout == (
        f"REFUSED no media ID barcode found in {photo}\nOK {media_id} dispatched\n"
    )
    assert result.stderr == "1 recorded, 0 duplicate, 1 refused\n"


@pytest.mark.parametrize(
    ("make", "message"),
    [
        (lambda p: p.write_text("nhs_number,destination\n"), "error: {p} is not an image or a PDF"),
        (lambda p: p.write_bytes(b""), "error: {p} is an empty file"),
        (
            lambda p: Image.new("L", (400, 300), 255).save(p, format="PNG"),
            "error: {p} has no pages with anything on them",
        ),
        (lambda p: None, "error: cannot read {p}: No such file or directory"),
    ],
    ids=["not-an-image", "empty-file", "blank-image", "missing"],
)
def test_scan_image_bad_file_is_one_line_and_records_nothing(
    cli: Any, tmp_path: Path, make: Any, message: str
) -> None:
    media_id = register(cli)
    good = tmp_path / "good.png"
    cli("label", media_id, "-o", str(good), "--template", "brother-62x29")
    bad = tmp_path / "bad.png"
    make(bad)
    result = cli("scan", "dispatch", "--image", str(good), str(bad))
    assert result.exit_code == 1
    assert result.stderr == message.format(p=bad) + "\n"
    assert result.stdout == ""
    assert actions(cli, media_id) == ["register", "labelled"]


def test_scan_without_image_loads_no_image_or_report_libraries(db_path: Path) -> None:
    # A fresh interpreter measures what the command alone imports; tests.cli_helpers would
    # bring pytest, hypothesis and the fixtures along, so the probe invokes the app itself.
    ledger = Ledger.open(str(db_path))
    code = str(ledger.home.code)
    ledger.engine.dispose()
    script = (
        "import sys\n"
        "from typer.testing import CliRunner\n"
        "from cli.main import app\n"
        f"r = CliRunner().invoke(app, ['--db', {str(db_path)!r}, 'scan', 'dispatch', "
        f"'{code}00000001E'])\n"
        "assert r.exit_code == 1 and 'unknown medium' in r.stdout, r.output\n"
        "heavy = {'PIL', 'pyzbar', 'barcode', 'pandas'} & {m.split('.')[0] for m in sys.modules}\n"
        "print(sorted(heavy))\n"
    )
    out = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


def test_demo_writes_an_avery_sheet_and_a_brother_png_of_media_waiting(
    cli: Any, db_path: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    ids = [register(cli) for _ in range(2)]
    folder = tmp_path / "demo"
    folder.mkdir()
    demo_labels(db_path, folder)
    assert capsys.readouterr().out.splitlines() == [
        "labels for the 2 media waiting for one (not recorded as labelled):",
        f"  {folder / 'labels-avery-l7160.pdf'}",
        f"  {folder / 'label-brother-62x29.png'}",
    ]
    assert decode_file(folder / "label-brother-62x29.png") == {ids[0]}
    assert all(actions(cli, m) == ["register"] for m in ids)


def test_init_records_the_return_address_that_labels_print(tmp_path: Path) -> None:
    from tests.cli_helpers import custody

    db = str(tmp_path / "new.db")
    created = custody(db, "init", "--org", "RGT", "--name", "Cambridge", "--address", "Hills Road")
    assert created.exit_code == 0, created.output
    home = json.loads(custody(db, "org", "list", "--json").stdout)[0]
    assert (home["code"], home["address"], home["home"]) == ("RGT", "Hills Road", True)
