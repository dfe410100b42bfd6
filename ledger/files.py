"""Files that may hold patient identifiers: created 0600 and written whole, or not at all.

Every writer of such a file (reports, IR1 drafts, manifest and receipts exports, labels)
goes through `write_private`: the content goes to a temporary file beside the target, made
readable by its owner only, flushed to disk, then renamed over the target, so a failure never
leaves half a file and no other account can read it at any moment.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Callable
from pathlib import Path

from ledger.errors import OutputNotWritable

PRIVATE = 0o600


def write_private(path: Path, content: str | bytes | Callable[[Path], None]) -> Path:
    """Write `content` (text, bytes, or a function writing to the path it is given) to `path`.

    OutputNotWritable, one line, for a missing folder, a folder given as the file, or any
    failure to write; `path` is then as it was.
    """
    path = Path(path)
    if path.is_dir():
        raise OutputNotWritable(f"{path} is a folder: give a file name")
    if not path.parent.is_dir():
        raise OutputNotWritable(f"folder {path.parent} does not exist")
    try:
        fd, name = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    except OSError as exc:
        raise OutputNotWritable(f"cannot write {path}: {exc.strerror or exc}") from None
    tmp = Path(name)
    try:
        os.fchmod(fd, PRIVATE)  # mkstemp makes it 0600 already; say so where it matters
        if callable(content):
            os.close(fd)
            fd = -1
            content(tmp)
            fd = os.open(tmp, os.O_RDONLY)
        else:
            data = content.encode("utf-8") if isinstance(content, str) else content
            view = memoryview(data)
            while view:
                view = view[os.write(fd, view) :]
        os.fsync(fd)
        os.close(fd)
        fd = -1
        os.chmod(tmp, PRIVATE)  # a writer given the path may have replaced the file
        os.replace(tmp, path)
    except OSError as exc:
        raise OutputNotWritable(f"cannot write {path}: {exc.strerror or exc}") from None
    finally:
        if fd >= 0:
            os.close(fd)
        tmp.unlink(missing_ok=True)
    return path
