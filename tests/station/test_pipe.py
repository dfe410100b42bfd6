"""The station driven through a pipe, like another program feeding it scanner lines."""

from __future__ import annotations

import json
import subprocess

from ledger.api import Ledger
from ledger.ids import make_media_id
from tests.station.conftest import CUSTODY, Site, custody, statuses


def test_each_result_is_written_as_its_line_is_read(site: Site) -> None:
    proc = subprocess.Popen(
        [*CUSTODY, "scan", "dispatch"],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env=site.env,
    )
    assert proc.stdin is not None and proc.stdout is not None
    replies = []
    # Double read, Caps Lock, an action change by command barcode, a badge: one line each.
    for line in (site.media[0], site.media[0].lower(), "CMDRECEIVE", "OPKWRIGHT", site.media[1]):
        proc.stdin.write(line.encode() + b"\r\n")
        proc.stdin.flush()
        replies.append(proc.stdout.readline().decode().strip())
        if replies[-1].startswith("OK"):
            # Committed before the result was shown: another reader sees it already.
            assert Ledger.open(str(site.db)).show(replies[-1].split()[1]).events[-1].action
    proc.stdin.close()
    assert proc.wait(timeout=30) == 0
    assert replies[0] == f"OK {site.media[0]} dispatched"
    assert replies[1].startswith(f"DUPLICATE {site.media[0]} dispatched - already recorded")
    assert replies[2:4] == ["ACTION receive", "OPERATOR kwright"]
    assert replies[4].startswith(f"OK {site.media[1]} received - anomaly: receive while registered")
    assert proc.stderr is not None
    assert proc.stderr.read().decode() == "2 recorded, 1 duplicate, 0 refused, 1 with anomalies\n"
    shown = json.loads(custody(site.env, "show", site.media[1], "--json", check=True).out)
    assert (shown["events"][-1]["operator"], shown["misdelivered"]) == ("kwright", True)


def test_bad_input_never_ends_the_run(site: Site) -> None:
    destroyed = site.media[2]
    custody(site.env, "scan", "destroyed", destroyed, check=True)
    lines = [
        b"",
        b"\x00\xff\xfe\x1b[A\x07garbage",
        b"7" * 10_000,
        "RG\u042200000001E".encode(),  # a Cyrillic Te for the T
        site.media[3][:-1].encode() + b"0",  # a wrong check character
        destroyed.encode(),
        site.media[3].encode(),
    ]
    run = custody(site.env, "scan", "receive", stdin=b"\n".join(lines) + b"\n")
    out = run.out.splitlines()
    assert len(out) == len(lines)
    assert out[0] == "IGNORED empty line"
    assert out[1].startswith("REFUSED") and "not plain capitals and digits" in out[1]
    assert out[2] == "REFUSED not a code: a line of 10,000 characters"
    assert out[3].startswith("REFUSED") and "not plain capitals" in out[3]
    assert out[4].endswith("misread - scan again (check character does not match)")
    assert out[5] == (
        f"OK {destroyed} received - anomaly: receive after the medium was recorded destroyed"
        f" - MISDELIVERED: addressed to RGN, received at RGT"
    )
    assert out[6].startswith(f"OK {site.media[3]} received")
    assert run.code == 1  # some were refused
    assert run.err == "2 recorded, 0 duplicate, 4 refused, 2 with anomalies\n"


def test_unexpected_arrival_from_a_pipe_is_listed(site: Site) -> None:
    foreign = str(make_media_id("RQW", 31))
    run = custody(site.env, "scan", "receive", stdin=f"{foreign}\n".encode(), check=True)
    assert run.out == (
        f"OK {foreign} received - UNEXPECTED ARRIVAL from RQW: not in this ledger, "
        "recorded for follow-up\n"
    )
    listed = custody(site.env, "list", "--unexpected", check=True).out
    assert listed.split() == [
        foreign,
        "received",
        *listed.split()[2:4],
        "cd",
        "UNEXPECTED-FROM-RQW",
    ]
    assert statuses(site.db, [foreign]) == {foreign: "received"}


def test_prefix_and_suffix_from_the_station_config(site: Site) -> None:
    custody(site.env, "station-config", "--prefix", "\\x02", "--suffix", "#", check=True)
    run = custody(site.env, "scan", "dispatch", stdin=b"\x02" + site.media[0].encode() + b"#\n")
    assert run.out == f"OK {site.media[0]} dispatched\n"


def test_one_tracking_code_goes_on_every_disc_of_its_parcel(site: Site) -> None:
    parcel, next_parcel = site.media[:3], site.media[3]
    lines = [
        "AB123456785GB",  # no disc before it
        *parcel,
        parcel[1],  # read twice: still one disc of this parcel
        "ab 1234 5678 5 gb",
        "RR473124829GB",  # the parcel's code went already: no disc since
        next_parcel,
        "RR473124828GB",  # a misread check digit: refused, the disc waits for its code
        "RR473124829GB",
        "CMDRECEIVE",
        "AB123456785GB",  # not at dispatch
    ]
    run = custody(site.env, "scan", "dispatch", stdin="\n".join(lines).encode() + b"\n")
    out = run.out.splitlines()
    assert len(out) == len(lines)
    no_disc = "no disc scanned for dispatch before it - scan the parcel's discs, then its tracking"
    assert out[0] == f"REFUSED tracking AB 1234 5678 5 GB: {no_disc} code"
    assert [o.split()[0] for o in out[1:5]] == ["OK", "OK", "OK", "DUPLICATE"]
    assert out[5] == f"TRACKING AB 1234 5678 5 GB - attached to {' '.join(parcel)}"
    assert out[6] == f"REFUSED tracking RR 4731 2482 9 GB: {no_disc} code"
    assert out[7] == f"OK {next_parcel} dispatched"
    assert out[8] == (
        "REFUSED RR473124828GB: misread - scan again (the S10 check digit does not match)"
    )
    assert out[9] == f"TRACKING RR 4731 2482 9 GB - attached to {next_parcel}"
    assert out[10:] == [
        "ACTION receive",
        "REFUSED tracking AB 1234 5678 5 GB: a parcel's tracking code goes after its discs' "
        "dispatch scans (now scanning receive)",
    ]
    assert run.code == 1
    assert run.err == "4 recorded, 1 duplicate, 4 refused, 0 with anomalies, 2 tracking codes\n"
    ledger = Ledger.open(str(site.db))
    assert {m: ledger.show(m).state.tracking for m in site.media} == {
        **dict.fromkeys(parcel, "AB123456785GB"),
        next_parcel: "RR473124829GB",
    }
    listed = json.loads(custody(site.env, "list", "--json", check=True).out)
    assert {r["media_id"]: r["tracking"] for r in listed}[parcel[0]] == "AB123456785GB"


def test_a_bare_cr_ends_a_line_as_lf_and_crlf_do(site: Site) -> None:
    # Three scanners' settings in one run: CR, LF, CRLF. No two codes merge into one.
    stdin = f"{site.media[0]}\r{site.media[1]}\n{site.media[2]}\r\n".encode()
    run = custody(site.env, "scan", "dispatch", stdin=stdin)
    assert run.out.splitlines() == [f"OK {m} dispatched" for m in site.media[:3]]
