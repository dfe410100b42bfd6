"""What can go wrong reading a disc or asking a PACS, each a class with a one-line message."""

from ledger.errors import CustodyError


class DiscNotFound(CustodyError):
    """The disc path (mount point, folder or ISO image) does not exist."""


class DiscUnreadable(CustodyError):
    """The path is neither a folder nor a readable ISO 9660 image."""


class DiscLocked(CustodyError):
    """The disc holds an encrypted container or an unlocker, not DICOM files: unlock it first."""


class NoDicomStudies(CustodyError):
    """The disc was read but holds no DICOM study."""


class PacsUnreachable(CustodyError):
    """The PACS cannot be reached or refuses to talk to us: nothing was checked."""


class PacsQueryFailed(CustodyError):
    """The PACS answered a query with an error or with a reply we cannot read."""


class DiscPatientMismatch(CustodyError):
    """The disc's patients do not match the NHS number given, or cannot supply one."""


class PacsNotConfigured(CustodyError):
    """No PACS settings given or saved, or the settings file is not usable."""


class PacsSettingsMissing(PacsNotConfigured):
    """No PACS settings saved yet (the CLI says how to save them, the web app shows its form)."""
