"""The JSON report: the contract in ../shared/contract/report-format.md, field for field."""

from __future__ import annotations

import json
from typing import IO

from middlebrick.models import ScanResult
from middlebrick.reporting import reporter


@reporter("json")
def render(result: ScanResult, out: IO[str]) -> None:
    json.dump(result.to_dict(), out, indent=2, ensure_ascii=False)
    out.write("\n")
