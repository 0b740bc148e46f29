"""Server-rendered charts: the geometry of sparklines and score charts as plain numbers.

The templates draw the SVG from these values (no script, no inline style: colours come from
classes in the stylesheet), so the charts obey the dashboard's Content-Security-Policy.
Scores run 0-100; one point per scan, evenly spaced in scan order.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from middlebrick.storage import ScanPoint

GRADE_BANDS = (("a", 100, 90), ("b", 90, 80), ("c", 80, 70), ("d", 70, 60), ("f", 60, 0))


@dataclass(frozen=True, kw_only=True, slots=True)
class Dot:
    x: float
    y: float
    value: int
    scan_id: int = 0
    grade: str = ""
    label: str = ""


@dataclass(frozen=True, kw_only=True, slots=True)
class Band:
    grade: str
    y: float
    height: float
    label_y: float


@dataclass(frozen=True, kw_only=True, slots=True)
class Chart:
    width: int
    height: int
    left: float
    right: float
    top: float
    bottom: float
    dots: tuple[Dot, ...]
    line: str  # the polyline's points
    area: str  # the polygon under the line
    bands: tuple[Band, ...] = ()
    ticks: tuple[tuple[float, int], ...] = ()  # (y, score)
    labels: tuple[tuple[float, str], ...] = ()  # (x, text) under the axis

    @property
    def last(self) -> Dot | None:
        return self.dots[-1] if self.dots else None


def _geometry(values: Sequence[int], width: int, height: int, left: float, right: float,
              top: float, bottom: float) -> list[tuple[float, float]]:
    inner_w, inner_h = width - left - right, height - top - bottom
    count = len(values)
    xs = [left + inner_w / 2] if count == 1 else [
        left + inner_w * i / (count - 1) for i in range(count)]
    return [(round(x, 1), round(top + inner_h * (100 - max(0, min(100, v))) / 100, 1))
            for x, v in zip(xs, values, strict=True)]


def _path(coords: Sequence[tuple[float, float]], floor: float) -> tuple[str, str]:
    if not coords:
        return "", ""
    line = " ".join(f"{x},{y}" for x, y in coords)
    area = f"{coords[0][0]},{floor} {line} {coords[-1][0]},{floor}"
    return line, area


def sparkline(scores: Sequence[int], *, width: int = 140, height: int = 36) -> Chart:
    """A small line of recent scores for the overview (oldest first)."""
    pad = 4.0
    coords = _geometry(scores, width, height, pad, pad, pad, pad)
    line, area = _path(coords, height - pad)
    dots = tuple(Dot(x=x, y=y, value=v) for (x, y), v in zip(coords, scores, strict=True))
    return Chart(width=width, height=height, left=pad, right=pad, top=pad, bottom=pad,
                 dots=dots, line=line, area=area)


def score_chart(points: Sequence[ScanPoint], *, width: int = 880, height: int = 260) -> Chart:
    """The target page's chart: one dot per scan, grade bands behind, dates under the axis."""
    left, right, top, bottom = 40.0, 24.0, 12.0, 30.0
    coords = _geometry([p.score for p in points], width, height, left, right, top, bottom)
    line, area = _path(coords, height - bottom)
    dots = tuple(Dot(x=x, y=y, value=p.score, scan_id=p.id, grade=p.grade,
                     label=short_time(p.started_at))
                 for (x, y), p in zip(coords, points, strict=True))
    inner_h = height - top - bottom

    def y_of(score: int) -> float:
        return round(top + inner_h * (100 - score) / 100, 1)

    bands = tuple(Band(grade=g, y=y_of(hi), height=round(y_of(lo) - y_of(hi), 1),
                       label_y=round((y_of(hi) + y_of(lo)) / 2 + 4, 1))
                  for g, hi, lo in GRADE_BANDS)
    ticks = tuple((y_of(s), s) for s in (0, 25, 50, 75, 100))
    step = max(1, -(-len(dots) // 6))  # at most about six dates under the axis
    chosen = list(dots[::step])
    if dots and chosen[-1] is not dots[-1]:
        chosen[-1] = dots[-1]  # the latest scan always gets its date
    labels = tuple((d.x, d.label) for d in chosen)
    return Chart(width=width, height=height, left=left, right=right, top=top, bottom=bottom,
                 dots=dots, line=line, area=area, bands=bands, ticks=ticks, labels=labels)


def category_charts(points: Sequence[ScanPoint]) -> list[tuple[str, Chart]]:
    """One small chart per category, worst latest score first."""
    names = sorted({name for p in points for name in p.categories})
    charts = []
    for name in names:
        values = [p.categories[name] for p in points if name in p.categories]
        charts.append((name, sparkline(values, width=200, height=44)))
    return sorted(charts, key=lambda nc: (nc[1].last.value if nc[1].last else 100, nc[0]))


def short_time(rfc3339: str) -> str:
    """`2026-11-29T07:27:19.633Z` -> `Nov 29 07:27` (UTC)."""
    months = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")
    try:
        month = months[int(rfc3339[5:7]) - 1]
        return f"{month} {int(rfc3339[8:10])} {rfc3339[11:16]}"
    except (ValueError, IndexError):
        return rfc3339


__all__ = ["Chart", "Dot", "category_charts", "score_chart", "short_time", "sparkline"]
