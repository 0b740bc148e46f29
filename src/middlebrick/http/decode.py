"""Content-Encoding decoding that never inflates past a cap.

httpx inflates each network chunk whole, so 64 KiB of gzip can become 64 MiB in one step
before any size check runs. Here every chunk is inflated with `max_length`, so a compression
bomb costs at most the cap. Only the codings offered in ACCEPT_ENCODING are decoded; anything
else a target sends anyway is kept as it came.
"""

from __future__ import annotations

import zlib

import httpx

ACCEPT_ENCODING = "gzip, deflate"
_WBITS = {"gzip": zlib.MAX_WBITS | 16, "x-gzip": zlib.MAX_WBITS | 16, "deflate": zlib.MAX_WBITS}


class BoundedDecoder:
    """Decodes one body chunk by chunk; output stops at `limit` bytes and sets `truncated`."""

    def __init__(self, content_encoding: str, limit: int) -> None:
        codings = [c.strip().lower() for c in content_encoding.split(",")]
        codings = [c for c in codings if c and c != "identity"]
        self._wbits = _WBITS.get(codings[0]) if len(codings) == 1 else None
        self._inflater = zlib.decompressobj(self._wbits) if self._wbits is not None else None
        self._first = True
        self._left = limit
        self.truncated = False

    def feed(self, data: bytes) -> bytes:
        """The decoded bytes of `data` that still fit under the limit."""
        if self.truncated or not data:
            return b""
        out = data if self._inflater is None else self._inflate(data, self._left + 1)
        if len(out) > self._left:
            self.truncated = True
            out = out[: self._left]
        self._left -= len(out)
        return out

    def _inflate(self, data: bytes, room: int) -> bytes:
        assert self._inflater is not None
        first, self._first = self._first, False
        try:
            return self._inflater.decompress(data, room)
        except zlib.error as exc:
            if first and self._wbits == zlib.MAX_WBITS:
                # "deflate" is often sent raw, without its zlib header (as httpx also allows).
                self._inflater = zlib.decompressobj(-zlib.MAX_WBITS)
                return self._inflate(data, room)
            raise httpx.DecodingError(str(exc)) from None
