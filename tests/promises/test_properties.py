"""Properties (Hypothesis) of the reliability arithmetic: any mix of outcomes, due dates and
parties gives shares within [0, 1] or none (never a division by zero), counts that add up, and
p-chart limits around their centre; a period is flagged exactly when it falls below its limit."""

from datetime import date, timedelta

from hypothesis import given, settings
from hypothesis import strategies as st

from app.partnerships.parties import RecordParty
from app.promises.ledger import Promise
from app.promises.reliability import chart, control_limits, period_figures, reliability

PARTIES = [RecordParty(1, "Alpha"), RecordParty(2, "Beta")]
TODAY = date(2027, 1, 1)
STATES = st.sampled_from(["open", "kept", "broken", "released"])


@st.composite
def promises(draw):
    state = draw(STATES)
    due = TODAY - timedelta(days=draw(st.integers(-60, 900)))
    kept_on = due + timedelta(days=draw(st.integers(-30, 60))) if state == "kept" else None
    party = draw(st.sampled_from(PARTIES))
    return Promise(key=f"p:{draw(st.integers())}", source="action", title="x", link="/", promisor=party,
                   promisees=tuple(p for p in PARTIES if p != party), due_on=due, state=state, kept_on=kept_on,
                   today=TODAY)


@settings(max_examples=150, deadline=None)
@given(st.lists(promises(), max_size=60), st.sampled_from([1, 3, 6, 12]))
def test_figures_add_up_and_never_divide_by_zero(ledger, months):
    for party in reliability(ledger, PARTIES, months):
        own = [p for p in ledger if p.promisor == party.party]
        assert party.due == sum(1 for p in own if p.due)  # released and not-yet-due promises left out
        assert party.due == 0 or 0 <= party.on_time / party.due <= 1
        for point in party.points:
            f = point.figure
            assert f.due == f.on_time + f.late + f.broken + f.open_overdue > 0
            assert 0 <= f.share <= 1
            assert f.mean_lateness is None or f.mean_lateness >= 0
            assert f.mean_lateness is not None or f.kept == 0
            assert 0 <= point.lower <= party.centre <= point.upper <= 1
            assert point.special_cause == (f.share < point.lower - 1e-12)
        assert (party.centre is None) == (party.due == 0)


@given(st.floats(0, 1), st.integers(1, 10_000))
def test_limits_stay_within_zero_and_one(centre, n):
    lower, upper = control_limits(centre, n)
    assert 0 <= lower <= centre <= upper <= 1


def test_a_period_far_below_the_rest_is_flagged_and_one_within_noise_is_not():
    def period(year, on_time, due):
        day = date(year, 2, 1)
        return [Promise(key=f"{year}:{n}", source="action", title="x", link="/", promisor=PARTIES[0],
                        promisees=(PARTIES[1],), due_on=day, state="kept",
                        kept_on=day if n < on_time else day + timedelta(days=3), today=TODAY) for n in range(due)]

    steady = [*period(2020, 9, 10), *period(2021, 10, 10), *period(2022, 9, 10)]
    points, centre = chart(period_figures(steady, 12))
    assert centre == 28 / 30 and not any(p.special_cause for p in points)
    dropped = [*steady, *period(2023, 3, 10)]
    points, _centre = chart(period_figures(dropped, 12))
    assert [p.figure.period for p in points if p.special_cause] == ["2023"]
    assert points[-1].figure.mean_lateness == 3 * 7 / 10


def test_no_promises_no_chart():
    assert chart([]) == ([], None)
    (party,) = reliability([], PARTIES[:1], 3)
    assert (party.due, party.centre, party.mean_lateness, party.trend, party.flagged) == (0, None, None, None, [])
