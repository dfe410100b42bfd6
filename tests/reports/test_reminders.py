"""`custody remind` against a real SMTP server (aiosmtpd) on 127.0.0.1, with STARTTLS (a
self-signed certificate made here) and a login."""

from __future__ import annotations

import shutil
import socket
import ssl
import subprocess
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from email import message_from_bytes
from email.message import Message
from pathlib import Path
from typing import Any

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword

from ledger.accounts import Accounts
from ledger.api import Ledger, Registration
from tests.conftest import NHS, Clock

PASSWORD = "smtp secret 123"


class Inbox:
    """What the SMTP server accepted."""

    def __init__(self) -> None:
        self.messages: list[Message] = []

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        self.messages.append(message_from_bytes(envelope.content))
        return "250 OK"

    def to(self, address: str) -> list[Message]:
        return [m for m in self.messages if m["To"] == address]


def _authenticate(server: Any, session: Any, envelope: Any, mechanism: str, data: Any) -> Any:
    ok = isinstance(data, LoginPassword) and (data.login, data.password) == (
        b"custody",
        PASSWORD.encode(),
    )
    return AuthResult(success=ok)


@pytest.fixture
def smtp(tmp_path: Path) -> Iterator[tuple[Inbox, Path]]:
    """An SMTP server needing STARTTLS then a login; its inbox and a settings file for it."""
    if shutil.which("openssl") is None:
        pytest.fail("openssl is needed to make the test certificate")
    cert, key = tmp_path / "cert.pem", tmp_path / "key.pem"
    subprocess.run(
        ["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1",
         "-subj", "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1",
         "-keyout", str(key), "-out", str(cert)],
        check=True, capture_output=True,
    )  # fmt: skip
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(cert, key)
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    inbox = Inbox()
    server = Controller(
        inbox,
        hostname="127.0.0.1",
        port=port,
        tls_context=context,
        require_starttls=True,
        authenticator=_authenticate,
        auth_require_tls=True,
    )
    server.start()
    settings = tmp_path / "smtp.toml"
    settings.write_text(
        f'host = "127.0.0.1"\nport = {port}\nstarttls = true\nusername = "custody"\n'
        f'from = "custody@rgt.nhs.uk"\ncafile = "{cert}"\ntimeout = 10\n'
    )
    yield inbox, settings
    server.stop()


@pytest.fixture
def overdue(ledger: Ledger, clock: Clock) -> dict[str, str]:
    """A disc sent to RXH on Mon 1 Dec 2025 by `sender`, never received; an unencrypted disc
    lost on the 9th; accounts with e-mail addresses for each role that is reminded."""
    clock.now = datetime(2025, 12, 1, 9, 0, tzinfo=UTC)
    sent = ledger.register(
        Registration(nhs_number=NHS[0], destination="RXH", accession="ACC1"), operator="sender"
    ).media_id
    ledger.scan("dispatch", sent, operator="sender")
    lost = ledger.register(
        Registration(
            nhs_number=NHS[1],
            destination="R1K",
            encrypted=False,
            exception="urgent-clinical",
            approved_by="Dr A",
            exception_reason="trauma",
        ),
        operator="sender",
    ).media_id
    ledger.scan("dispatch", lost, operator="sender")
    clock.now = datetime(2025, 12, 9, 10, 0, tzinfo=UTC)
    ledger.scan("lost", lost, operator="sender")
    accounts = Accounts(ledger)
    for name, role in (("pacs", "pacs-desk"), ("gov", "governance"), ("sender", "post-room")):
        accounts.add(name, roles=[role], password="a long enough password", email=f"{name}@nhs.net")
    return {"sent": sent, "lost": lost}


def test_each_recipient_once_a_day(
    cli: Callable[..., Any], smtp: tuple[Inbox, Path], overdue: dict[str, str]
) -> None:
    inbox, settings = smtp
    assert cli("org", "edit", "RXH", "--email", "custody@rxh.nhs.uk").exit_code == 0
    env = {"CUSTODY_SMTP_PASSWORD": PASSWORD, "CUSTODY_BASE_URL": "https://custody.rgt.nhs.uk"}
    run = cli("remind", "--as-of", "2025-12-10", "--smtp-config", str(settings), env=env)
    assert run.exit_code == 0, run.output
    assert sorted(m["To"] for m in inbox.messages) == [
        "custody@rxh.nhs.uk",
        "gov@nhs.net",
        "pacs@nhs.net",
        "sender@nhs.net",
    ]
    for m in inbox.messages:
        body = m.get_payload(decode=True).decode()
        assert NHS[0] not in body and NHS[1] not in body and "ACC1" not in body
    pacs = inbox.to("pacs@nhs.net")[0].get_payload(decode=True).decode()
    assert f"{overdue['sent']} not-received" in pacs
    assert f"https://custody.rgt.nhs.uk/media/{overdue['sent']}" in pacs
    gov = inbox.to("gov@nhs.net")[0].get_payload(decode=True).decode()
    assert f"DATA BREACH CLOCK: {overdue['lost']} lost" in gov
    assert f"https://custody.rgt.nhs.uk/incidents/{overdue['lost']}/lost" in gov
    assert overdue["sent"] in inbox.to("sender@nhs.net")[0].get_payload(decode=True).decode()
    assert overdue["sent"] in inbox.to("custody@rxh.nhs.uk")[0].get_payload(decode=True).decode()

    again = cli("remind", "--as-of", "2025-12-10", "--smtp-config", str(settings), env=env)
    assert again.exit_code == 0 and len(inbox.messages) == 4
    assert "nothing new for pacs@nhs.net (already sent on 2025-12-10)" in again.output

    # The next working morning: the desk has nothing new; the daily reminders come again.
    next_day = cli("remind", "--as-of", "2025-12-11", "--smtp-config", str(settings), env=env)
    assert next_day.exit_code == 0
    assert sorted(m["To"] for m in inbox.messages[4:]) == [
        "custody@rxh.nhs.uk",
        "gov@nhs.net",
        "sender@nhs.net",
    ]
    saturday = cli("remind", "--as-of", "2025-12-13", "--smtp-config", str(settings), env=env)
    assert "not a working day" in saturday.output and len(inbox.messages) == 7


def test_refusals_are_one_line(
    cli: Callable[..., Any], smtp: tuple[Inbox, Path], overdue: dict[str, str], tmp_path: Path
) -> None:
    inbox, settings = smtp
    wrong = cli(
        "remind", "--as-of", "2025-12-10", "--smtp-config", str(settings),
        env={"CUSTODY_SMTP_PASSWORD": "wrong"},
    )  # fmt: skip
    assert wrong.exit_code == 1 and "failed" in wrong.output and "Traceback" not in wrong.output
    assert inbox.messages == []
    none = cli("remind", "--as-of", "2025-12-10", env={"CUSTODY_SMTP_CONFIG": ""})
    assert none.exit_code == 1 and "no SMTP settings" in none.output
    bad = tmp_path / "bad.toml"
    bad.write_text('host = "x"\nfrom = "a@b.c"\npassword = "no"\n')
    told = cli("remind", "--smtp-config", str(bad))
    assert told.exit_code == 1 and "CUSTODY_SMTP_PASSWORD" in told.output
    # The same run, with the right password, then sends everything (nothing was recorded).
    env = {"CUSTODY_SMTP_PASSWORD": PASSWORD}
    ok = cli("remind", "--as-of", "2025-12-10", "--smtp-config", str(settings), env=env)
    assert ok.exit_code == 0 and len(inbox.messages) == 3  # no partner mailbox set here
