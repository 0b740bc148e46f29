"""Secrets at rest: a schedule's scan headers and webhook secret are stored Fernet-encrypted.

The key is a file in the data directory (mode 0600, created on first use), never in the
database, so a copied or leaked history database does not carry usable credentials.
"""

from __future__ import annotations

import os
import stat
import time
from pathlib import Path
from typing import TYPE_CHECKING

from middlebrick.errors import MiddlebrickError

if TYPE_CHECKING:
    from cryptography.fernet import Fernet


class SecretUnreadable(MiddlebrickError):
    """A stored secret cannot be decrypted with this key file."""


class Vault:
    """Encrypts and decrypts short secrets with the key in `key_file`."""

    def __init__(self, key_file: Path) -> None:
        self.key_file = key_file
        self._fernet: Fernet | None = None

    def encrypt(self, plain: str) -> str:
        return self._cipher().encrypt(plain.encode()).decode("ascii")

    def decrypt(self, token: str) -> str:
        from cryptography.fernet import InvalidToken

        try:
            return self._cipher().decrypt(token.encode("ascii")).decode()
        except (InvalidToken, ValueError):
            raise SecretUnreadable(
                f"a stored secret cannot be decrypted with {self.key_file} "
                "(was the database copied without its key?)"
            ) from None

    def _cipher(self) -> Fernet:
        # Imported here: recording a scan needs no cryptography, only stored secrets do.
        from cryptography.fernet import Fernet

        if self._fernet is None:
            self._fernet = Fernet(self._load_or_create())
        return self._fernet

    def _load_or_create(self) -> bytes:
        path = self.key_file
        path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        try:
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except FileExistsError:
            if stat.S_IMODE(path.stat().st_mode) & 0o077:
                path.chmod(0o600)  # never leave a key others can read
            for _ in range(50):  # another process may have created it and not written it yet
                key = path.read_bytes().strip()
                if key:
                    return key
                time.sleep(0.02)
            raise SecretUnreadable(f"the key file {path} is empty") from None
        from cryptography.fernet import Fernet

        key = Fernet.generate_key()
        with os.fdopen(fd, "wb") as out:
            out.write(key + b"\n")
        return key


__all__ = ["SecretUnreadable", "Vault"]
