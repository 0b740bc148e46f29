"""Kept for the tests that import it from here: see tests/support/mock.py."""

from support.mock import wsgi_handler

__all__ = ["wsgi_handler"]
