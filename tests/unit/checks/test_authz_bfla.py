"""authz.bfla: privileged operations answered for ordinary users or anonymous callers."""

from __future__ import annotations

from typing import Any

import httpx

from middlebrick.checks.authz_bfla import privilege_markers
from middlebrick.models import Confidence, Severity
from middlebrick.spec.model import Operation

from .authz_fakes import Router, found, ok, openapi, reply, scan_mock, where

A = {"Authorization": "Bearer tok-a"}
B = {"Authorization": "Bearer tok-b"}
CHECK = "authz.bfla"
OAUTH = {
    "oauth": {
        "type": "oauth2",
        "flows": {"clientCredentials": {"tokenUrl": "/token", "scopes": {
            "reports:read": "read reports", "reports:admin": "revenue reports (staff)"}}},
    }
}
SPEC = openapi(
    {
        "/me": {"get": {"responses": ok()}},
        "/admin/audit-log": {"get": {"responses": ok()}},
        "/reports/revenue": {"get": {"security": [{"oauth": ["reports:admin"]}],
                                     "responses": ok()}},
        "/reports/mine": {"get": {"security": [{"oauth": ["reports:read"]}], "responses": ok()}},
        "/internal/health": {"get": {"security": [], "responses": ok()}},
        "/admin/login": {"get": {"security": [], "responses": ok()}},
    },
    components={"securitySchemes": OAUTH},
    security=[{"oauth": ["reports:read"]}],
)
ENTRIES = [{"at": "2024-05-01", "actor": "u-9", "action": "refund", "amount": 120}]


def backoffice_api(*, enforced: bool, roles: dict[str, str] | None = None) -> Router:
    """Staff routes; `enforced` checks the role, `roles` says who is staff."""
    roles = roles or {"u-1": "member", "u-2": "member"}
    api = Router(users={"tok-a": "u-1", "tok-b": "u-2"})

    def staff_only(user: str | None, data: Any) -> httpx.Response:
        if user is None:
            return reply(401, {"error": "login"})
        if enforced and roles.get(user) != "staff":
            return reply(403, {"error": "staff only"})
        return reply(200, data)

    @api.route("GET", "/")
    def index(request: httpx.Request, user: str | None) -> httpx.Response:
        return reply(200, {})

    @api.route("GET", "/openapi.json")
    def spec(request: httpx.Request, user: str | None) -> httpx.Response:
        return reply(200, SPEC)

    @api.route("GET", "/me")
    def me(request: httpx.Request, user: str | None) -> httpx.Response:
        return reply(200, {"id": user, "role": roles[user]}) if user else reply(401, {})

    @api.route("GET", "/admin/audit-log")
    def audit(request: httpx.Request, user: str | None) -> httpx.Response:
        return staff_only(user, {"entries": ENTRIES})

    @api.route("GET", "/reports/revenue")
    def revenue(request: httpx.Request, user: str | None) -> httpx.Response:
        return staff_only(user, {"total": 91000, "currency": "EUR", "month": "2024-05"})

    @api.route("GET", "/reports/mine")
    def mine(request: httpx.Request, user: str | None) -> httpx.Response:
        return reply(200, {"total": 12, "currency": "EUR", "month": "2024-05"})

    @api.route("GET", "/internal/health")
    def health(request: httpx.Request, user: str | None) -> httpx.Response:
        return reply(200, {"status": "ok"})

    @api.route("GET", "/admin/login")
    def login_page(request: httpx.Request, user: str | None) -> httpx.Response:
        return reply(200, {"title": "Sign in", "fields": ["user", "password"], "sso": False})

    return api


def test_staff_routes_open_to_members():
    findings = found(scan_mock(backoffice_api(enforced=False), checks=CHECK, a=A, b=B), CHECK)
    assert where(findings) == {("GET", "/admin/audit-log"), ("GET", "/reports/revenue")}
    by_path = {f.endpoint.path: f for f in findings if f.endpoint}
    assert "user A, user B" in by_path["/admin/audit-log"].description
    assert by_path["/reports/revenue"].confidence is Confidence.FIRM  # an admin-only scope
    assert "scope 'reports:admin'" in by_path["/reports/revenue"].description
    assert {f.severity for f in findings} == {Severity.HIGH}


def test_enforced_roles_pass():
    assert found(scan_mock(backoffice_api(enforced=True), checks=CHECK, a=A, b=B), CHECK) == []


def test_an_administrator_as_user_a_is_not_a_finding():
    # A's own profile says staff: A reaching staff routes is expected; B, a member, is refused.
    api = backoffice_api(enforced=True, roles={"u-1": "staff", "u-2": "member"})
    assert found(scan_mock(api, checks=CHECK, a=A, b=B), CHECK) == []
    api = backoffice_api(enforced=False, roles={"u-1": "admin", "u-2": "member"})
    findings = found(scan_mock(api, checks=CHECK, a=A, b=B), CHECK)
    assert findings and all("user A" not in f.description for f in findings)


def test_privilege_markers():
    def op(path: str, method: str = "GET", **kw: Any) -> Operation:
        return Operation(method=method, path=path, **kw)

    assert privilege_markers(op("/api/v1/admin/users")) == ["path segment /admin"]
    assert privilege_markers(op("/users/{id}/promote", "POST")) == ["path segment /promote"]
    assert privilege_markers(op("/users/{id}/roles")) == []  # reading role names is no privilege
    assert privilege_markers(op("/x", tags=("Administration",))) == ["tag 'Administration'"]
    assert privilege_markers(op("/x", tags=("badminton",))) == []  # only whole words
    assert privilege_markers(op("/x", tags=("admin tools",))) == ["tag 'admin tools'"]
    assert privilege_markers(op("/x", operation_id="adminDeleteUser")) == [
        "operationId adminDeleteUser"
    ]
    assert privilege_markers(op("/x", security=({"oauth": ("orders:write",)},))) == []
    assert privilege_markers(op("/administrators-guide")) == []


# -- a collection-wide delete -------------------------------------------------------------------
WIPE_SPEC = openapi(
    {"/bookmarks": {"get": {"responses": ok()},
                    "delete": {"responses": {"204": {"description": "all gone"}}}}}
)


def bookmarks_api(*, per_user: bool) -> Router:
    """DELETE /bookmarks wipes every user's bookmarks, or (`per_user`) only the caller's."""
    api = Router(users={"tok-a": "u-1", "tok-b": "u-2"})
    marks = {"u-1": [{"id": "bm-1"}], "u-2": [{"id": "bm-2"}, {"id": "bm-3"}]}

    @api.route("GET", "/")
    def index(request: httpx.Request, user: str | None) -> httpx.Response:
        return reply(200, {})

    @api.route("GET", "/openapi.json")
    def spec(request: httpx.Request, user: str | None) -> httpx.Response:
        return reply(200, WIPE_SPEC)

    @api.route("GET", "/bookmarks")
    def listing(request: httpx.Request, user: str | None) -> httpx.Response:
        return reply(200, {"bookmarks": marks.get(user or "", [])})

    @api.route("DELETE", "/bookmarks")
    def wipe(request: httpx.Request, user: str | None) -> httpx.Response:
        for owner in marks:
            if not per_user or owner == user:
                marks[owner] = []
        return reply(204)

    return api


def test_collection_delete_that_wipes_other_users_data():
    api = bookmarks_api(per_user=False)
    assert found(scan_mock(api, checks=CHECK, a=A, b=B), CHECK) == []
    assert not [m for m, _, _ in api.log if m == "DELETE"]  # safe mode: never sent
    findings = found(scan_mock(api, checks=CHECK, a=A, b=B, allow_destructive=True), CHECK)
    assert where(findings) == {("DELETE", "/bookmarks")}
    assert found(scan_mock(bookmarks_api(per_user=True), checks=CHECK, a=A, b=B,
                           allow_destructive=True), CHECK) == []
