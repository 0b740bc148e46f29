"""Where history lives: the user's data directory, or the database `--db`/`MIDDLEBRICK_DB` names."""

from __future__ import annotations

import os
import re
from pathlib import Path

from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError

from middlebrick.errors import UsageError

DB_ENV = "MIDDLEBRICK_DB"
KEY_ENV = "MIDDLEBRICK_KEY_FILE"
DB_FILE = "history.sqlite3"
KEY_FILE = "secret.key"
_SECRET_PARAM = re.compile(r"pass|secret|token", re.IGNORECASE)


def data_dir() -> Path:
    """`$XDG_DATA_HOME/middlebrick`, or `~/.local/share/middlebrick`."""
    base = os.environ.get("XDG_DATA_HOME", "")
    # The XDG spec says a relative value is invalid and must be ignored.
    root = Path(base) if base and os.path.isabs(base) else Path.home() / ".local" / "share"
    return root / "middlebrick"


def key_file() -> Path:
    """The file holding the key that encrypts stored secrets (created on first use, mode 0600)."""
    override = os.environ.get(KEY_ENV)
    return Path(override) if override else data_dir() / KEY_FILE


def default_db_url() -> str:
    """The history database: `MIDDLEBRICK_DB` when set, else SQLite in the data directory."""
    override = os.environ.get(DB_ENV, "").strip()
    if override:
        return resolve_url(override)
    return _sqlite_url(data_dir() / DB_FILE)


def resolve_url(db: str | None) -> str:
    """A SQLAlchemy URL for `db`: a file path, a `sqlite://` URL or a PostgreSQL URL."""
    if db is None or not db.strip():
        return default_db_url()
    db = db.strip()
    if "://" not in db:
        return _sqlite_url(Path(db).expanduser())
    scheme = db.split("://", 1)[0].lower()
    if scheme in {"postgresql", "postgres"}:
        db = "postgresql+psycopg://" + db.split("://", 1)[1]
    elif not (scheme.startswith("sqlite") or scheme.startswith("postgresql+")):
        raise UsageError(
            f"--db: use a file path, a sqlite:/// URL or a postgresql:// URL, not {db!r}"
        )
    try:
        make_url(db)
    except ArgumentError as exc:
        raise UsageError(f"--db: not a database URL ({exc})") from None
    return db


def display_url(url: str) -> str:
    """The URL with any password hidden, for messages and the dashboard footer: the one in the
    authority and any a driver reads from the query (`?password=`, `?sslpassword=`)."""
    try:
        parsed = make_url(url)
    except ArgumentError:
        return "(invalid database URL)"
    hidden = {k: "***" for k in parsed.query if _SECRET_PARAM.search(k)}
    return parsed.update_query_dict(hidden).render_as_string(hide_password=True)


def _sqlite_url(path: Path) -> str:
    return f"sqlite:///{path.resolve()}"
