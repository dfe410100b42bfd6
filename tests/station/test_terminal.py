"""The live screen in a real terminal (tmux), typed into like a USB scanner."""

from __future__ import annotations

import shlex
import shutil
import subprocess
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

from cli.bigtype import big
from ledger.api import Ledger
from tests.station.conftest import CUSTODY, Site

pytestmark = pytest.mark.skipif(shutil.which("tmux") is None, reason="tmux is not installed")


class Terminal:
    """A tmux pane of 100x34 running one command, on a server of its own."""

    def __init__(self, command: list[str], env: dict[str, str], cwd: Path) -> None:
        self.socket = f"custody-test-{uuid.uuid4().hex[:8]}"
        exports = " ".join(
            f"{k}={shlex.quote(v)}"
            for k, v in env.items()
            if k.startswith(("CUSTODY", "XDG", "PATH", "HOME", "VIRTUAL_ENV"))
        )
        script = f"export {exports}; {shlex.join(command)}; echo EXIT=$?; sleep 60"
        self.tmux("new-session", "-d", "-x", "100", "-y", "34", "-c", str(cwd), script)

    def tmux(self, *args: str) -> str:
        return subprocess.run(
            ["tmux", "-L", self.socket, "-f", "/dev/null", *args],
            capture_output=True,
            text=True,
            check=True,
            timeout=10,
        ).stdout

    def scan(self, code: str) -> None:
        """Type a code and Enter, as a keyboard-wedge scanner does."""
        self.tmux("send-keys", "-t", "0", "-l", code)
        self.tmux("send-keys", "-t", "0", "Enter")

    def screen(self) -> str:
        return self.tmux("capture-pane", "-p", "-t", "0")

    def wait_for(self, text: str, timeout: float = 15) -> str:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            shown = self.screen()
            if text in shown:
                return shown
            time.sleep(0.05)
        raise AssertionError(f"{text!r} never appeared; the screen shows:\n{self.screen()}")

    def close(self) -> None:
        subprocess.run(["tmux", "-L", self.socket, "kill-server"], capture_output=True)


@pytest.fixture
def terminal(site: Site, tmp_path: Path) -> Iterator[Terminal]:
    term = Terminal([*CUSTODY, "scan", "dispatch"], site.env, tmp_path)
    yield term
    term.close()


def test_a_clerk_scans_at_the_live_screen(site: Site, terminal: Terminal) -> None:
    first = terminal.wait_for("ready: scan a code")
    assert big("DISPATCH  RGT")[0] in first
    assert "at RGT Cambridge University Hospitals   operator post.room1   online" in first

    terminal.scan(site.media[0])
    shown = terminal.wait_for("recorded 1")
    assert f"{site.media[0]}  dispatched" in shown and "██    ██" in shown  # the big tick

    terminal.scan(site.media[0])  # the scanner reads twice
    shown = terminal.wait_for("duplicate 1")
    assert "DUPLICATE - counted once" in shown

    terminal.scan(site.media[1].lower())  # Caps Lock
    terminal.wait_for("recorded 2")

    terminal.scan("CMDRECEIVE")
    shown = terminal.wait_for("now scanning: receive")
    assert big("RECEIVE  RGT")[0] in shown

    terminal.scan(site.media[1][:-1] + ("0" if site.media[1][-1] != "0" else "1"))
    shown = terminal.wait_for("refused 1")
    assert "misread - scan again" in shown

    terminal.scan(site.media[2])
    shown = terminal.wait_for("recorded 3")
    assert "MISDELIVERED: addressed to RGN, received at RGT" in shown
    assert "anomalies 1" in shown

    terminal.tmux("send-keys", "-t", "0", "C-d")
    end = terminal.wait_for("EXIT=0")
    assert "3 recorded, 1 duplicate, 1 refused, 1 with anomalies" in end
    ledger = Ledger.open(str(site.db))
    assert [str(ledger.show(m).state.status) for m in site.media[:3]] == [
        "dispatched",
        "dispatched",
        "received",
    ]


def test_ctrl_c_mid_run_loses_nothing(site: Site, terminal: Terminal) -> None:
    terminal.wait_for("ready: scan a code")
    for code in site.media:
        terminal.scan(code)
    terminal.tmux("send-keys", "-t", "0", "C-c")
    end = terminal.wait_for("EXIT=0")
    assert "4 recorded, 0 duplicate, 0 refused, 0 with anomalies" in end
    assert "Traceback" not in end
    ledger = Ledger.open(str(site.db))
    assert {str(ledger.show(m).state.status) for m in site.media} == {"dispatched"}
