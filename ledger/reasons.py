"""The reason codes that reports flag and IR1 filings name: exact codes, in the users' words.

The reports package has one rule function per code; a test keeps the two in step.
"""

from __future__ import annotations

UNRECONCILED_REASONS: dict[str, str] = {
    "unexpected-arrival": "received here but never registered or expected",
    "handover-unacknowledged": "handed to the patient unencrypted, no signed acknowledgement",
    "not-dispatched": "registered, not dispatched",
    "expected-not-arrived": "announced by a partner's manifest, not yet received here",
    "not-received": "dispatched, no receipt",
    "not-sent-to-pacs": "received, not handed to the PACS team",
    "not-imported": "with the PACS team, not imported",
    "import-failed": "the latest import attempt failed",
}

INCIDENT_REASONS: dict[str, str] = {
    "lost": "recorded lost",
    "overdue-receipt": "dispatched, not received within the IR1 threshold",
    "import-failed": "an import attempt failed",
    "import-partial": "imported only in part (fewer instances in PACS than on the disc)",
    "unencrypted-no-exception": "unencrypted with no recorded exception",
    "password-not-sent": "encrypted and dispatched, no password sent within the threshold",
    "password-enclosed": "password sent in the parcel with the disc",
    "misdelivered": "received at a site other than its destination",
    "sequence-anomaly": "a scan out of order",
}

TRANSFER_ROUTES: dict[str, str] = {
    "iep": "Image Exchange Portal",
    "dicom-push": "DICOM push link",
    "web-link": "remote web access link",
    "nhsmail": "NHSmail",
}
