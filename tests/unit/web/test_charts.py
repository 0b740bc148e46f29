"""Chart geometry: one dot per scan, scores mapped top (100) to bottom (0)."""

from __future__ import annotations

from middlebrick.storage import ScanPoint
from middlebrick.web.charts import category_charts, score_chart, short_time, sparkline


def points(*scores: int) -> list[ScanPoint]:
    return [ScanPoint(id=n + 1, started_at=f"2026-01-{n + 1:02d}T08:30:00.000Z", score=s,
                      grade="A" if s >= 90 else "F", categories={"bola": s, "spec": 100})
            for n, s in enumerate(scores)]


def test_a_sparkline_has_a_dot_per_score_from_left_to_right():
    chart = sparkline([100, 50, 0], width=100, height=40)
    xs = [d.x for d in chart.dots]
    assert xs == sorted(xs) and xs[0] == 4 and xs[-1] == 96
    assert [d.y for d in chart.dots] == [4.0, 20.0, 36.0]
    assert chart.line == "4.0,4.0 50.0,20.0 96.0,36.0"
    assert chart.last is not None and chart.last.value == 0


def test_a_single_scan_sits_in_the_middle():
    chart = sparkline([80], width=100, height=40)
    assert [(d.x, d.value) for d in chart.dots] == [(50.0, 80)]


def test_the_score_chart_has_one_dot_per_scan_and_a_few_dates():
    chart = score_chart(points(*range(20, 100, 3)))
    assert len(chart.dots) == 27
    assert [d.scan_id for d in chart.dots] == list(range(1, 28))
    assert 2 <= len(chart.labels) <= 7
    assert chart.labels[-1] == (chart.dots[-1].x, "Jan 27 08:30")
    assert [b.grade for b in chart.bands] == ["a", "b", "c", "d", "f"]


def test_category_charts_come_worst_first():
    charts = category_charts(points(100, 40))
    assert [name for name, _ in charts] == ["bola", "spec"]
    assert [d.value for d in charts[0][1].dots] == [100, 40]


def test_short_time():
    assert short_time("2026-11-29T07:27:19.633Z") == "Nov 29 07:27"
    assert short_time("junk") == "junk"
