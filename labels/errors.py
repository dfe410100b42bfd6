"""What can go wrong when printing or reading labels, each a class with a one-line message.

All are `CustodyError`s, so the CLI shows them as `error: <message>` with a non-zero exit.
"""

from ledger.errors import CustodyError
from ledger.errors import OutputNotWritable as OutputNotWritable  # ledger.files raises it


class UnknownTemplate(CustodyError):
    """A label template name that is not in the table of templates."""


class UnknownEncryptionException(CustodyError):
    """An encryption exception code that has no label marker."""


class PatientRefNotAllowed(CustodyError):
    """A patient reference that may not go on the outside of a parcel (an NHS number, too long)."""


class LabelDoesNotFit(CustodyError):
    """Label text that does not fit on the template even at the smallest legible size."""


class BarcodeNotVerified(CustodyError):
    """A rendered label whose barcode does not decode back to its own code."""


class UnencodableCode(CustodyError):
    """A scan-station code that is not 1 to 20 capitals and digits."""


class NoLabels(CustodyError):
    """A request to write zero labels."""


class InvalidStart(CustodyError):
    """A start position outside the sheet, or given for a template that is not a sheet."""


class LabelOffSheet(CustodyError):
    """An offset that pushes a label off the page, or an offset for a template without a sheet."""


class UnsupportedOutput(CustodyError):
    """An output path whose kind (suffix) the template cannot write."""


class UnreadableImage(CustodyError):
    """An image file that cannot be opened: missing, unreadable or truncated."""


class NotAnImage(CustodyError):
    """A file that is not an image (or PDF) at all."""


class EmptyImage(CustodyError):
    """An image with no pixels, or one flat colour: there is nothing in it to decode."""


class PdfRasteriserMissing(CustodyError):
    """Reading a PDF needs `pdftoppm` (Debian package poppler-utils), which is not installed."""
