from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from middlebrick.models import Category, Confidence, Finding, Severity
from middlebrick.scoring import grade_of, score


def make(sev: Severity, conf: Confidence = Confidence.CERTAIN, check: str = "a.b", n: int = 0,
         cat: Category = Category.MISCONFIGURATION) -> Finding:
    return Finding(id=f"{check}{n}", check=check, category=cat, severity=sev, confidence=conf,
                   title="t", description="d", remediation="r", endpoint=None)


def test_clean_scan_is_a_hundred_and_an_a():
    s = score([], ["injection"])
    assert (s.value, s.grade, dict(s.categories)) == (100, "A", {"injection": 100})


def test_info_never_costs():
    assert score([make(Severity.INFO, n=i) for i in range(50)]).value == 100


def test_one_critical_caps_the_grade_at_d():
    s = score([make(Severity.CRITICAL, Confidence.TENTATIVE)])
    assert s.grade in {"D", "F"} and s.value <= 69


def test_repeats_of_one_check_decay():
    one = score([make(Severity.LOW)]).value
    many = score([make(Severity.LOW, n=i) for i in range(40)]).value
    assert 100 - many <= 2 * (100 - one)


def test_category_scores_only_count_their_findings():
    s = score([make(Severity.HIGH, cat=Category.INJECTION)], ["bola", "injection"])
    assert s.categories["bola"] == 100 and s.categories["injection"] < 100


@given(st.lists(st.tuples(st.sampled_from(list(Severity)), st.sampled_from(list(Confidence)),
                          st.sampled_from(["a.b", "c.d", "e.f"])), max_size=30))
def test_score_is_bounded_and_grade_consistent(items):
    s = score([make(sev, conf, chk, n) for n, (sev, conf, chk) in enumerate(items)])
    assert 0 <= s.value <= 100
    assert s.grade == grade_of(s.value)


def test_grades():
    assert [grade_of(v) for v in (95, 90, 85, 72, 60, 59, 0)] == list("AABCDFF")
