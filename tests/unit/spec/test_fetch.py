"""Documents from hostile servers (bombs, drips, deep nesting), URLs urllib refuses: SpecError."""

from __future__ import annotations

import gzip
import json
import time
import tracemalloc
from collections.abc import Iterator
from typing import Any

import pytest

from middlebrick.errors import SpecError
from middlebrick.spec import load
from middlebrick.spec.load import fetch_url, load_spec, parse_spec

from support.serving import serve_wsgi

DOC = {"openapi": "3.0.3", "info": {"title": "t", "version": "1"},
       "paths": {"/": {"get": {"responses": {"200": {"description": "ok"}}}}}}


def test_a_gzipped_document_is_decoded() -> None:
    def app(environ: dict[str, Any], start_response: Any) -> list[bytes]:
        body = gzip.compress(json.dumps(DOC).encode())
        start_response("200 OK", [("Content-Encoding", "gzip"),
                                  ("Content-Length", str(len(body)))])
        return [body]

    with serve_wsgi(app) as url:
        assert json.loads(fetch_url(f"{url}/openapi.json")) == DOC


def test_a_gzip_bomb_is_refused_without_being_inflated(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(load, "MAX_SPEC_BYTES", 1024 * 1024)  # keeps the measurement clear
    bomb = gzip.compress(b" " * (64 * 1024 * 1024), compresslevel=9)  # ~64 KiB on the wire

    def app(environ: dict[str, Any], start_response: Any) -> list[bytes]:
        start_response("200 OK", [("Content-Encoding", "gzip"),
                                  ("Content-Length", str(len(bomb)))])
        return [bomb]

    with serve_wsgi(app) as url:
        tracemalloc.start()
        try:
            with pytest.raises(SpecError, match="is larger than"):
                fetch_url(f"{url}/openapi.json")
            peak = tracemalloc.get_traced_memory()[1]
        finally:
            tracemalloc.stop()
    # About the cap (plus what the loopback server in this process allocates), never the 64 MiB
    # the bomb expands to.
    assert peak < 32 * 1024 * 1024, peak


def test_a_server_dripping_bytes_is_cut_off(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(load, "FETCH_DEADLINE", 1.0)

    def app(environ: dict[str, Any], start_response: Any) -> Iterator[bytes]:
        start_response("200 OK", [("Content-Type", "application/json")])
        for _ in range(100):
            yield b" "
            time.sleep(0.2)

    with serve_wsgi(app) as url:
        started = time.monotonic()
        with pytest.raises(SpecError, match="took over"):
            fetch_url(f"{url}/openapi.json")
    assert time.monotonic() - started < 3


@pytest.mark.parametrize("source", ["http://[oops/openapi.json", "http://exa\x1bmple/x.json"])
def test_urls_that_cannot_be_requested_are_spec_errors(source: str) -> None:
    with pytest.raises(SpecError):
        load_spec(source)


def test_a_reference_urllib_refuses_is_a_spec_error() -> None:
    doc = json.loads(json.dumps(DOC))
    doc["components"] = {"schemas": {"A": {"$ref": "http://[oops/x.json#/B"}}}
    with pytest.raises(SpecError, match="invalid reference"):
        parse_spec(json.dumps(doc), source="https://h.example/openapi.json")


def test_a_server_url_urllib_refuses_is_skipped() -> None:
    doc = {**DOC, "servers": [{"url": "http://[oops/v1"}, {"url": "/v2"}]}
    spec = parse_spec(json.dumps(doc), source="https://h.example/openapi.json")
    assert spec.servers == ("https://h.example/v2",) and spec.base_path == "/v2"
    spec = parse_spec(json.dumps(doc), source="/tmp/openapi.json")
    assert spec.servers == ("/v2",)


@pytest.mark.parametrize("depth", [980, 5000])
def test_a_document_nested_past_the_recursion_limit_is_a_spec_error(depth: int) -> None:
    deep = '{"x":' * depth + "{}" + "}" * depth
    text = json.dumps(DOC)[:-1] + f', "x-deep": {deep}}}'
    with pytest.raises(SpecError, match="nests too deeply"):
        parse_spec(text, source="https://h.example/openapi.json")
