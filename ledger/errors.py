"""The mistakes a user can make, each a class with a one-line message.

The CLI turns any `CustodyError` into `error: <message>` and a non-zero exit code.
"""

from collections.abc import Callable, Sequence


class CustodyError(Exception):
    """Base class: a problem the user can fix; its message is shown as one line.

    `field` names the input it is about (`via`, `reason`...), so each front end can point at
    its own control: the CLI at a flag, the web app at a form field. A message names an input
    as `{name}` (`"{since} 2026-01-31 is after {as_of} ..."`); `fields` lists every input it
    names, `field` first. `str()` shows each by its field's own name (the web app's form
    fields are named so), `shown(namer)` by the front end's name for it (the CLI's flag).
    `hint` is what to do about it on the command line (`add it with custody org add`):
    kept out of both, since a web page cannot run a command; the CLI adds it.
    """

    def __init__(
        self,
        message: str = "",
        *,
        field: str | None = None,
        fields: Sequence[str] = (),
        hint: str | None = None,
    ) -> None:
        super().__init__(message)
        self.field = field
        self.fields = tuple(dict.fromkeys([*([field] if field else []), *fields]))
        self.hint = hint

    def __str__(self) -> str:
        return self.shown(str)

    def shown(self, namer: Callable[[str], str]) -> str:
        """The message with each input it names called `namer(field)`."""
        message = str(self.args[0]) if self.args else ""
        for name in self.fields:
            message = message.replace("{" + name + "}", namer(name), 1)
        return message


class LedgerNotFound(CustodyError):
    """The ledger does not exist yet (run `custody init`)."""


class LedgerExists(CustodyError):
    """`custody init` on a ledger that is already set up."""


class LedgerUnreachable(CustodyError):
    """The database cannot be reached (server down, share gone)."""


class LedgerReadOnly(CustodyError):
    """A write to a ledger this account can only read (an archive copy, a read-only share)."""


class InvalidMediaId(CustodyError):
    """Text that is not a media ID at all."""


class CheckCharacterError(InvalidMediaId):
    """A media ID whose check character does not match: a misread or a typing slip."""


class UnknownMedia(CustodyError):
    """A well-formed media ID that this ledger has never registered."""


class InvalidNhsNumber(CustodyError):
    """An NHS number that is not 10 digits or fails its Modulus 11 check."""


class InvalidOdsCode(CustodyError):
    """An organisation code that is not 3 to 5 capitals and digits."""


class UnknownOrganisation(CustodyError):
    """An ODS code that is not in this ledger's list of organisations."""


class DuplicateOrganisation(CustodyError):
    """An organisation added twice."""


class InvalidTime(CustodyError):
    """A time that cannot be read, or lies in the future."""


class InvalidValue(CustodyError):
    """A field whose value is not allowed (kind, route, accession, study UID...)."""


class BulkRejected(CustodyError):
    """A bulk file with bad rows: nothing was written; `problems` lists every row."""

    def __init__(self, message: str, problems: list[str]) -> None:
        super().__init__(message)
        self.problems = problems


class UnknownEvent(CustodyError):
    """An event ID that is not in the ledger."""


class NotCorrectable(CustodyError):
    """An event that a correction may not void (a registration, an event voided already)."""


class IntegrityError(CustodyError):
    """The ledger's hash chain does not verify: something was edited, deleted or inserted."""


class MalformedEvent(IntegrityError):
    """A stored event that cannot be read (a time not in the stored form)."""


class OutputNotWritable(CustodyError):
    """An output file that cannot be written (missing folder, a folder given, no permission)."""


class ProjectionMismatch(IntegrityError):
    """A media row a report read that its events contradict (edited, or written past the API)."""


class SigningKeyError(CustodyError):
    """The signing key cannot be made, read or used (missing, unreadable, not a key)."""


class BadSignature(CustodyError):
    """A file or checkpoint that should be signed by a known key, and is not (or not by it)."""


class JournalError(CustodyError):
    """A station's offline journal cannot be written or read (disk full, no permission)."""


class StationConfigError(CustodyError):
    """A station config file that cannot be read or written."""


class NotLabellable(CustodyError):
    """A medium that may not be labelled for sending: unencrypted with no recorded exception."""


class SchemaMismatch(CustodyError):
    """The ledger's schema is not the revision this version of custody needs."""


class TargetNotEmpty(CustodyError):
    """`custody db copy` into a database that already holds a ledger."""


class UnreadableManifest(CustodyError):
    """A manifest or receipts file that cannot be read or is not one of ours."""


class DigestMismatch(CustodyError):
    """A manifest whose content does not match its digest: changed or damaged on the way."""


class WrongRecipient(CustodyError):
    """A manifest addressed to another organisation, or sent by this one."""


class LedgerBusy(CustodyError):
    """A medium changed by other stations again and again while a scan tried to record."""


class PermissionDenied(CustodyError):
    """The database account may not do this (a station account that may only scan and read)."""


class UnknownAccount(CustodyError):
    """An account name that does not exist."""


class AccountExists(CustodyError):
    """An account added twice."""


class WeakPassword(CustodyError):
    """A password that is too short, too long or too common."""


class SignInRefused(CustodyError):
    """A sign-in that did not succeed: wrong password, disabled, locked, or too soon."""


class InvalidTrackingRef(CustodyError):
    """A parcel tracking reference that is empty, too long, or an S10 code with a wrong check."""


class NotDispatched(CustodyError):
    """A tracking reference for a medium that has no dispatch recorded to attach it to."""


class NoAcknowledgement(CustodyError):
    """A handover acknowledgement for a medium whose exception needs none (or no exception)."""
