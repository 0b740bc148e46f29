"""The scanner's HTTP layer: a bounded async client and the exchanges it records."""

from middlebrick.http.client import ClientOptions, ScanClient
from middlebrick.http.exchange import Exchange

__all__ = ["ClientOptions", "Exchange", "ScanClient"]
