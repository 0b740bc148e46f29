"""Errors middlebrick raises. One base; user-facing errors carry the exit code the CLI uses.

    MiddlebrickError                 exit 2 unless a subclass says otherwise
    ├── UsageError                   bad arguments or options (exit 2)
    ├── SpecError                    the OpenAPI document is unreadable or invalid (exit 2)
    ├── TargetUnreachable            the target cannot be scanned: no connection, TLS (exit 3)
    ├── LabError                     the lab or its DynamoDB server could not start (exit 4)
    └── RequestNotSent               the HTTP client refused to send a request; checks stop quietly
        ├── BudgetExhausted          --max-requests is used up
        ├── DeadlineReached          the scan's overall deadline has passed
        ├── UnsafeRequestBlocked     safe mode forbids this method on this URL
        └── RequestNotBuildable      no valid HTTP request can carry these values
"""

from __future__ import annotations


class MiddlebrickError(Exception):
    """Base of every error middlebrick raises on purpose."""

    exit_code = 2


class UsageError(MiddlebrickError):
    """The command line asked for something impossible."""

    exit_code = 2


class SpecError(MiddlebrickError):
    """The OpenAPI document cannot be used; `pointer` says where it is bad."""

    exit_code = 2

    def __init__(self, message: str, *, source: str | None = None, pointer: str | None = None):
        self.source = source
        self.pointer = pointer
        where = ""
        if source:
            where = f"{source}"
        if pointer is not None:
            where = f"{where}#{pointer}" if where else f"#{pointer}"
        super().__init__(f"{where}: {message}" if where else message)


class TargetUnreachable(MiddlebrickError):
    """The target did not answer HTTP at all."""

    exit_code = 3


class LabError(MiddlebrickError):
    """The lab could not be started."""

    exit_code = 4


class RequestNotSent(MiddlebrickError):
    """The client refused to send a request; a check seeing this just stops."""


class BudgetExhausted(RequestNotSent):
    """The request budget (--max-requests) is used up."""


class DeadlineReached(RequestNotSent):
    """The scan deadline has passed."""


class UnsafeRequestBlocked(RequestNotSent):
    """Safe mode forbids this request (--read-only, or an object the scanner did not create)."""


class RequestNotBuildable(RequestNotSent):
    """The URL or a header value cannot be sent over HTTP (e.g. a NUL byte from a document)."""
