"""Webhook alerts: when they fire, how they are signed, and how delivery is retried."""

from __future__ import annotations

import hashlib
import hmac
import json
from collections.abc import Iterator

import httpx

from middlebrick import alerts
from middlebrick.models import Severity
from middlebrick.storage import Changes, FindingRow, ScanSummary

SECRET = "whsec-test"


def summary(scan_id: int, score: int, grade: str = "B") -> ScanSummary:
    return ScanSummary(id=scan_id, target="http://api.test", started_at="2026-01-01T00:00:00.000Z",
                       finished_at="2026-01-01T00:00:01.000Z", duration_s=1.0, score=score,
                       grade=grade, counts={}, source="schedule")


def row(severity: str) -> FindingRow:
    return FindingRow(finding_id=f"id-{severity}", check=f"demo.{severity}", category="bola",
                      severity=severity, title=f"A {severity} problem", method="GET", path="/x")


def test_the_signature_is_hmac_sha256_over_timestamp_dot_body():
    body = b'{"event":"scan.regression"}'
    expected = hmac.new(SECRET.encode(), b"1700000000." + body, hashlib.sha256).hexdigest()
    assert alerts.sign(SECRET, 1700000000, body) == "sha256=" + expected


def test_verify_accepts_only_fresh_untampered_alerts():
    body = b'{"a":1}'
    headers = {"X-Middlebrick-Timestamp": "1700000000",
               "X-Middlebrick-Signature": alerts.sign(SECRET, 1700000000, body)}
    assert alerts.verify(SECRET, headers, body, now=1700000010)
    assert not alerts.verify("other", headers, body, now=1700000010)
    assert not alerts.verify(SECRET, headers, b'{"a":2}', now=1700000010)
    assert not alerts.verify(SECRET, headers, body, now=1700009999)  # a replay, much later
    assert not alerts.verify(SECRET, {**headers, "X-Middlebrick-Timestamp": "x"}, body)


def test_a_regression_is_a_score_drop_or_a_new_serious_finding():
    first = summary(1, 90)
    assert alerts.regression(first, Changes(previous=None, new=(row("critical"),))) is None
    assert alerts.regression(summary(2, 95), Changes(previous=first, new=(row("low"),))) is None
    dropped = alerts.regression(summary(2, 70, "C"), Changes(previous=first, new=(row("low"),)),
                                "http://127.0.0.1:8765")
    assert dropped is not None
    assert dropped["score_drop"] == 20 and dropped["new_findings"] == []
    assert dropped["scan"]["url"] == "http://127.0.0.1:8765/scans/2"
    same_score = alerts.regression(summary(2, 90),
                                   Changes(previous=first, new=(row("high"), row("medium"))))
    assert same_score is not None and same_score["score_drop"] == 0
    assert [f["severity"] for f in same_score["new_findings"]] == [Severity.HIGH.value]
    assert same_score["event"] == "scan.regression"


def test_delivery_retries_server_errors_with_exponential_backoff():
    seen: list[httpx.Request] = []
    answers = iter([503, 502, 200])

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(next(answers))

    slept: list[float] = []
    payload = {"event": "scan.regression", "target": "http://api.test"}
    outcome = alerts.deliver("http://127.0.0.1:9/hook", payload, SECRET, base_delay=0.5,
                             sleep=slept.append, transport=httpx.MockTransport(handler))
    assert outcome == alerts.Delivery(delivered=True, attempts=3, status=200, error=None)
    assert slept == [0.5, 1.0]
    assert len({r.headers["X-Middlebrick-Delivery"] for r in seen}) == 1
    for request in seen:
        assert json.loads(request.content) == {**payload, "delivery_id": request.headers[
            "X-Middlebrick-Delivery"]}
        assert request.headers["content-type"] == "application/json"
        assert alerts.verify(SECRET, dict(request.headers), request.content)


def test_delivery_gives_up_after_the_bounded_attempts_or_on_a_client_error():
    def down(request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectError("refused", request=request)

    slept: list[float] = []
    outcome = alerts.deliver("http://127.0.0.1:9/hook", {}, SECRET, attempts=4, base_delay=1,
                             sleep=slept.append, transport=httpx.MockTransport(down))
    assert not outcome.delivered and outcome.attempts == 4 and outcome.status is None
    assert "ConnectError" in (outcome.error or "") and slept == [1, 2, 4]

    calls = []
    refused = alerts.deliver("http://127.0.0.1:9/hook", {}, SECRET, sleep=slept.append,
                             transport=httpx.MockTransport(
                                 lambda r: calls.append(r) or httpx.Response(401)))
    assert (refused.delivered, refused.attempts, refused.status) == (False, 1, 401)
    assert len(calls) == 1


def test_a_receiver_refuses_a_replayed_alert_even_under_a_new_delivery_header():
    sent: list[httpx.Request] = []
    alerts.deliver("http://127.0.0.1:9/hook", {"event": "scan.regression"}, SECRET,
                   transport=httpx.MockTransport(lambda r: sent.append(r) or httpx.Response(204)))
    request = sent[0]
    body = json.loads(request.content)
    assert body["delivery_id"] == request.headers["X-Middlebrick-Delivery"]  # signed with it
    seen: set[str] = set()
    assert alerts.verify(SECRET, request.headers, request.content, seen=seen)
    # captured within the freshness window and sent again, as is or with a new delivery header
    assert not alerts.verify(SECRET, request.headers, request.content, seen=seen)
    relabelled = {**request.headers, "X-Middlebrick-Delivery": "fresh-looking-id"}
    assert not alerts.verify(SECRET, relabelled, request.content, seen=seen)
    # a forged body never gets as far as the replay memory
    assert not alerts.verify(SECRET, request.headers, request.content + b" ", seen=set())
    assert len(seen) == 1


def test_delivery_does_not_read_what_the_receiver_answers():
    pulled: list[int] = []

    def endless() -> Iterator[bytes]:
        for n in range(300):  # 19 MiB if read
            pulled.append(n)
            yield b"x" * 65536

    outcome = alerts.deliver("http://127.0.0.1:9/hook", {}, SECRET, transport=httpx.MockTransport(
        lambda r: httpx.Response(200, content=endless())))
    assert outcome.delivered and len(pulled) <= 1
