"""The pure rules of mitigations (overdue, accepted until, accept-risk checks) and of the trend
charts (thinning, step chart geometry)."""

from datetime import date, timedelta

from registry.mitigations import rules as m
from registry.reports import rules as t

D = date(2026, 6, 15)


def test_overdue_means_past_due_and_not_done():
    assert m.is_overdue("open", D - timedelta(days=1), D)
    assert m.is_overdue("in_progress", D - timedelta(days=1), D)
    assert not m.is_overdue("open", D, D)  # due today: not yet
    assert not m.is_overdue("done", D - timedelta(days=9), D)
    assert not m.is_overdue("cancelled", D - timedelta(days=9), D)
    assert not m.is_overdue("open", None, D)


def test_an_accepted_risk_lapses_on_its_expiry_date():
    until = D + timedelta(days=1)
    assert m.accepted_until("accept_risk", "open", until, D) == until
    assert m.accepted_until("accept_risk", "open", D, D) is None
    assert m.accepted_until("accept_risk", "done", until, D) is None
    assert m.accepted_until("training", "open", until, D) is None
    assert m.in_force("training", "open", None, D)
    assert not m.in_force("accept_risk", "open", D, D)


def test_accepting_a_risk_needs_a_justification_and_an_expiry_within_a_year():
    ok = m.accept_risk_problems("accept_risk", "SLA", D + timedelta(days=365), D)
    assert ok == []
    assert [f for _msg, f in m.accept_risk_problems("accept_risk", " ", D, D)] == [
        "note",
        "risk_expires_on",
    ]
    assert m.accept_risk_problems("accept_risk", "x", D + timedelta(days=366), D)
    assert m.accept_risk_problems("accept_risk", "x", D - timedelta(days=1), D, stored=None)
    # Keeping the stored (lapsed) expiry is allowed: to close the mitigation.
    past = D - timedelta(days=1)
    assert m.accept_risk_problems("accept_risk", "x", past, D, stored=past) == []
    assert m.accept_risk_problems("training", None, D, D)  # only accepted risks expire
    assert m.one_year_after(date(2028, 2, 29)) == date(2029, 2, 28)


def test_thinning_keeps_the_last_snapshot_of_each_week_or_month():
    days = [D + timedelta(days=n) for n in range(100)]
    assert t.step_of(days[:62]) == t.DAY
    assert t.step_of(days) == t.WEEK
    weekly = t.thin(days, t.WEEK)
    assert len(weekly) == len({d.isocalendar()[:2] for d in days})
    assert all(d.isoweekday() == 7 for d in weekly[:-1])
    year = [D + timedelta(days=n) for n in range(500)]
    assert t.step_of(year) == t.MONTH
    assert t.thin(year, t.MONTH)[0] == date(2026, 6, 30)


def test_the_step_chart_holds_each_value_until_the_next_snapshot():
    points = [
        t.Point(D, 4, 2),
        t.Point(D + timedelta(days=10), 4, 4),
        t.Point(D + timedelta(days=20), 0, 0),  # nothing analysed: a break in the line
        t.Point(D + timedelta(days=30), 4, 0),
    ]
    chart = t.chart(points)
    left, top, right, bottom = chart.plot
    assert chart.path.startswith(f"M{float(left)} ")
    assert chart.path.count("M") == 2 and "H" in chart.path
    assert len(chart.dots) == 3
    assert chart.dots[1][1] == top and chart.dots[2][1] == bottom  # 100 % and 0 %
    assert chart.x_ticks[0].position == left and chart.x_ticks[-1].position == right
    assert t.chart([]).path == ""
