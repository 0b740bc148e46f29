"""The spec package's public names, pinned."""

from __future__ import annotations

from middlebrick.spec import discover, generate, ids, load, refs


def test_public_api() -> None:
    assert sorted(load.__all__) == ["NotOpenApiError", "fetch_url", "load_spec", "parse_spec"]
    assert sorted(discover.__all__) == ["DISCOVERY_PATHS", "DiscoveryResult", "discover_spec"]
    assert sorted(generate.__all__) == ["RequestPlan", "example_value", "plan_request"]
    assert sorted(ids.__all__) == ["IdStore", "id_text"]
    assert "follow" in refs.__all__
    for module in (load, discover, generate, ids, refs):
        for name in module.__all__:
            assert hasattr(module, name), (module.__name__, name)
