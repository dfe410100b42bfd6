"""Ed25519 keys and signatures: checkpoints of the chain head, manifests and receipts.

The private key lives in a file outside the database, readable only by the account that
runs the ledger (`custody key init`); someone who can write the database but cannot read
that file cannot sign, so cannot make a rewritten history verify against a checkpoint.
Public keys are written `ed25519:` + the 32 raw bytes in base64, one line.
"""

from __future__ import annotations

import base64
import binascii
import os
from pathlib import Path
from typing import TYPE_CHECKING

from ledger.errors import InvalidValue, SigningKeyError

if TYPE_CHECKING:  # cryptography is imported when a key is used: a scan never needs it
    from cryptography.hazmat.primitives.asymmetric.ed25519 import (
        Ed25519PrivateKey,
        Ed25519PublicKey,
    )

KEY_ENV = "CUSTODY_KEY"
_PREFIX = "ed25519:"


def key_path(given: str | os.PathLike[str] | None = None) -> Path:
    """The signing key file: as given, else $CUSTODY_KEY, else ~/.config/custody/signing.key."""
    if given:
        return Path(given).expanduser()
    if os.environ.get(KEY_ENV):
        return Path(os.environ[KEY_ENV]).expanduser()
    return Path("~/.config/custody/signing.key").expanduser()


def public_text(key: Ed25519PublicKey) -> str:
    """A public key as one line of text."""
    from cryptography.hazmat.primitives import serialization

    raw = key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    return _PREFIX + base64.b64encode(raw).decode()


def parse_public(text: str) -> Ed25519PublicKey:
    """A public key from its one-line form; InvalidValue if it is not one."""
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

    value = text.strip()
    try:
        if not value.startswith(_PREFIX):
            raise ValueError
        raw = base64.b64decode(value[len(_PREFIX) :], validate=True)
        return Ed25519PublicKey.from_public_bytes(raw)
    except (ValueError, binascii.Error):
        raise InvalidValue(
            f"{value[:60]!r} is not an Ed25519 public key (ed25519: then 44 base64 characters, "
            "as `custody key show` prints it)"
        ) from None


def create_key(path: Path) -> Ed25519PrivateKey:
    """A new key pair, the private key written to `path` (0600, never over an existing one)."""
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

    key = Ed25519PrivateKey.generate()
    pem = key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )
    try:
        path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        raise SigningKeyError(
            f"a signing key exists already at {path}; nothing changed (`custody key show`)"
        ) from None
    except OSError as exc:
        raise SigningKeyError(f"cannot create the signing key {path}: {exc.strerror}") from None
    try:
        os.write(fd, pem)
        os.fsync(fd)
    finally:
        os.close(fd)
    return key


def load_key(path: Path) -> Ed25519PrivateKey:
    """The private key in `path`; SigningKeyError, one line, if it cannot be read."""
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

    try:
        data = path.read_bytes()
    except FileNotFoundError:
        raise SigningKeyError(
            f"no signing key at {path} (create one with `custody key init`)"
        ) from None
    except OSError as exc:
        raise SigningKeyError(f"cannot read the signing key {path}: {exc.strerror}") from None
    try:
        key = serialization.load_pem_private_key(data, password=None)
    except (ValueError, TypeError):
        raise SigningKeyError(f"{path} is not a custody signing key") from None
    if not isinstance(key, Ed25519PrivateKey):
        raise SigningKeyError(f"{path} is not an Ed25519 key")
    return key


def sign(key: Ed25519PrivateKey, message: str) -> str:
    """The signature of `message`, base64."""
    return base64.b64encode(key.sign(message.encode())).decode()


def signed_by(public: str, message: str, signature: str) -> bool:
    """True if `signature` is `public`'s signature of `message`."""
    from cryptography.exceptions import InvalidSignature

    try:
        raw = base64.b64decode(signature, validate=True)
        parse_public(public).verify(raw, message.encode())
    except (InvalidSignature, InvalidValue, ValueError, binascii.Error):
        return False
    return True


def checkpoint_message(home: str, events: int, digest: str, signed_at: str) -> str:
    """What a checkpoint's signature covers: whose ledger, how many events, the head, when."""
    return f"custody-checkpoint/1 {home} {events} {digest} {signed_at}"


def file_message(kind: str, sender: str, recipient: str, digest: str) -> str:
    """What a manifest's or receipts file's signature covers (the digest covers the rest)."""
    return f"custody-{kind}/1 {sender} {recipient} {digest}"
