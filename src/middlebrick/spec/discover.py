"""Finding a target's OpenAPI document at the places frameworks usually serve it."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from middlebrick.errors import RequestNotSent, SpecError
from middlebrick.spec.load import NotOpenApiError, parse_spec
from middlebrick.spec.model import ApiSpec

if TYPE_CHECKING:
    from middlebrick.http.client import ScanClient

__all__ = ["DISCOVERY_PATHS", "DiscoveryResult", "discover_spec"]

# Most common first: FastAPI/generic, Swagger 2, Flasgger, springdoc/springfox, Swashbuckle.
DISCOVERY_PATHS: tuple[str, ...] = (
    "/openapi.json",
    "/swagger.json",
    "/openapi.yaml",
    "/swagger.yaml",
    "/apispec_1.json",
    "/apispec.json",
    "/v3/api-docs",
    "/v2/api-docs",
    "/api/openapi.json",
    "/api/swagger.json",
    "/swagger/v1/swagger.json",
    "/api-docs",
    "/docs/openapi.json",
    "/openapi/v1.json",
    "/api/v1/openapi.json",
    "/api/v2/openapi.json",
    "/api/v3/openapi.json",
    "/api/v1/swagger.json",
    "/api/v2/swagger.json",
    "/api/docs/swagger.json",
    "/openapi.yml",
    "/swagger.yml",
    "/spec",
)
MAX_TRANSPORT_ERRORS = 2  # in a row: the target is not answering, stop asking


@dataclass(frozen=True, kw_only=True, slots=True)
class DiscoveryResult:
    """What discovery found (`spec`, `url`), what it asked for, and what it noticed on the way."""

    spec: ApiSpec | None
    url: str | None
    tried: tuple[str, ...]
    notes: tuple[str, ...]


async def discover_spec(client: ScanClient) -> DiscoveryResult:
    """GET each usual spec path in turn; the first valid OpenAPI document wins."""
    tried: list[str] = []
    notes: list[str] = []
    errors_in_a_row = 0
    for path in DISCOVERY_PATHS:
        try:
            exchange = await client.request("GET", path, identity="a")
        except RequestNotSent as exc:
            notes.append(f"discovery stopped: {exc}")
            break
        tried.append(path)
        if exchange.error is not None:
            errors_in_a_row += 1
            if errors_in_a_row >= MAX_TRANSPORT_ERRORS:
                notes.append(f"discovery stopped: GET {path} failed ({exchange.error})")
                break
            continue
        errors_in_a_row = 0
        if not 200 <= exchange.status < 300 or not exchange.body:
            continue
        if exchange.truncated:
            notes.append(f"{path}: response too large to read as a spec")
            continue
        try:
            spec = parse_spec(exchange.body, source=exchange.url, fetch=_no_fetch)
        except NotOpenApiError:
            continue  # an HTML page or some other JSON: not a spec, nothing to say
        except SpecError as exc:
            notes.append(f"{path}: invalid OpenAPI document ({exc})")
            continue
        return DiscoveryResult(spec=spec, url=exchange.url, tried=tuple(tried), notes=tuple(notes))
    return DiscoveryResult(spec=None, url=None, tried=tuple(tried), notes=tuple(notes))


def _no_fetch(url: str) -> bytes:
    # Discovery sends only its own requests through the scan client; no crawling for refs.
    raise SpecError("external references are not followed during discovery", source=url)
