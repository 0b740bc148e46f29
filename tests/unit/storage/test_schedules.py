"""Schedules: secrets encrypted at rest under a 0600 key file; runs claimed exactly once."""

from __future__ import annotations

import sqlite3
import stat
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from middlebrick.storage import History, SecretUnreadable
from middlebrick.storage.vault import Vault

from .samples import result

HEADERS = {"Authorization": "Bearer sk_live_sekrit-token-123"}
SECRET = "whsec-very-secret-value"


def add(history: History, **extra) -> int:
    return history.schedules.add("http://api.test", interval_minutes=15, headers=HEADERS,
                                 webhook_url="http://127.0.0.1:9/hook", webhook_secret=SECRET,
                                 **extra)


def test_secrets_are_encrypted_at_rest_with_a_private_key_file(history: History, tmp_path: Path):
    schedule_id = add(history)
    raw = (tmp_path / "history.sqlite3").read_bytes() + b"".join(
        p.read_bytes() for p in tmp_path.glob("history.sqlite3-*"))
    assert b"sk_live_sekrit" not in raw and SECRET.encode() not in raw
    with sqlite3.connect(tmp_path / "history.sqlite3") as conn:
        stored = conn.execute("SELECT headers, webhook_secret FROM schedules").fetchone()
    assert all(value.startswith("gAAAA") for value in stored)  # Fernet tokens
    key = tmp_path / "xdg" / "middlebrick" / "secret.key"
    assert stat.S_IMODE(key.stat().st_mode) == 0o600
    secrets = history.schedules.secrets(schedule_id)
    assert dict(secrets.headers) == HEADERS and secrets.webhook_secret == SECRET
    listed = history.schedules.all()[0]
    assert listed.has_headers and listed.has_secret and listed.webhook_url.endswith("/hook")


def test_a_copied_database_without_its_key_cannot_reveal_secrets(history: History,
                                                                 tmp_path: Path):
    schedule_id = add(history)
    other = History.open(history.url, key=tmp_path / "another.key")
    with pytest.raises(SecretUnreadable, match="another.key"):
        other.schedules.secrets(schedule_id)
    other.close()


def test_a_readable_key_file_is_made_private_again(tmp_path: Path):
    key = tmp_path / "k"
    Vault(key).encrypt("x")
    key.chmod(0o644)
    assert Vault(key).decrypt(Vault(key).encrypt("y")) == "y"
    assert stat.S_IMODE(key.stat().st_mode) == 0o600


def test_a_due_schedule_is_claimed_once_and_rescheduled(history: History):
    schedule_id = add(history, read_only=True)
    now = datetime.now(UTC)
    due = history.schedules.due()
    assert [s.id for s in due] == [schedule_id] and due[0].read_only
    assert history.schedules.claim(due[0], now)
    assert not history.schedules.claim(due[0], now)  # a second dashboard loses the race
    after = history.schedules.get(schedule_id)
    assert after is not None and after.last_run_at is not None
    assert after.next_run_at > after.last_run_at
    assert history.schedules.due() == []
    later = (now + timedelta(minutes=16)).isoformat().replace("+00:00", "Z")
    assert [s.id for s in history.schedules.due(later)] == [schedule_id]


def test_results_alerts_and_deletion(history: History):
    schedule_id = add(history)
    scan_id = history.record(result())
    history.schedules.finished(schedule_id, scan_id=scan_id, error=None)
    history.schedules.log_alert(schedule_id=schedule_id, scan_id=scan_id, url="http://h/x",
                                delivered=False, attempts=5, status=503, error="HTTP 503")
    assert history.schedules.get(schedule_id).last_scan_id == scan_id
    logged = history.schedules.alerts()
    assert [(a.delivered, a.attempts, a.status) for a in logged] == [(False, 5, 503)]
    assert history.schedules.delete(schedule_id)
    assert not history.schedules.delete(schedule_id)
    assert history.schedules.all() == []
