"""Where attached files live: the database (the default) or a directory (``OPORA_ATTACHMENTS_DIR``); the size limit."""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from pathlib import Path

DEFAULT_MAX_BYTES = 10 * 1024 * 1024


@dataclass
class AttachmentStore:
    """Where files live: the database (``directory`` None) or a directory; and how large one may be."""

    directory: Path | None = None
    max_bytes: int = DEFAULT_MAX_BYTES

    def put(self, data: bytes) -> tuple[bytes | None, str]:
        """(what goes into the row's ``data``, the file's key in the directory)."""
        if self.directory is None:
            return data, ""
        key = secrets.token_hex(16)
        self.directory.mkdir(parents=True, exist_ok=True)
        path = self.directory / key
        with open(path, "xb") as out:
            out.write(data)
        return None, key

    def get(self, data: bytes | None, key: str) -> bytes | None:
        if data is not None or not key:
            return data
        path = self.directory / key if self.directory else None
        return path.read_bytes() if path and path.exists() else None

    def remove(self, key: str) -> None:
        if key and self.directory is not None:
            (self.directory / key).unlink(missing_ok=True)
