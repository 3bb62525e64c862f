"""Properties (Hypothesis) of the give-and-get arithmetic: for any mix of entries, parties,
currencies and zero amounts, shares are within [0, 1] and add up to one per unit or are none
(never a division by zero); a unit's figures come from its own entries alone (currencies never
mixed); positions sum to zero; and a party is flagged exactly when it has been out of the band
in the latest two periods."""

from datetime import date
from decimal import Decimal
from fractions import Fraction

from hypothesis import given, settings
from hypothesis import strategies as st

from app.partnerships.parties import RecordParty
from app.promises.balance import (
    DATA,
    GET,
    GIVE,
    IP,
    TIME,
    Entry,
    PeriodBalance,
    balance,
    flags,
    out_of_band_runs,
)

PARTY_IDS = [1, 2, 3]
NAMES = {pid: RecordParty(pid, f"Party {pid}") for pid in PARTY_IDS}
UNITS = ["USD", "EUR", "JPY", TIME, IP, DATA]


@st.composite
def entries(draw):
    unit = draw(st.sampled_from(UNITS))
    side = draw(st.sampled_from([GIVE, GET])) if unit in ("USD", "EUR", "JPY") else GIVE
    amount = draw(st.one_of(st.just(Decimal(0)), st.decimals(min_value=0, max_value=10**9, places=2,
                                                                allow_nan=False, allow_infinity=False)))
    return Entry(draw(st.sampled_from(PARTY_IDS)), side, "assets" if side == GIVE else "benefits", unit, amount, "x")


@settings(max_examples=200, deadline=None)
@given(st.lists(entries(), max_size=40), st.lists(st.sampled_from(PARTY_IDS), unique=True, max_size=3))
def test_shares_add_up_per_unit_and_never_divide_by_zero(found, listed):
    units = balance(found, listed)
    assert sorted(u.unit for u in units) == sorted({e.unit for e in found})
    for unit in units:
        own = [e for e in found if e.unit == unit.unit]
        assert unit.given == sum((e.amount for e in own if e.side == GIVE), Decimal(0))
        assert unit.got == sum((e.amount for e in own if e.side == GET), Decimal(0))
        for total, share_of in ((unit.given, lambda s: s.share_given), (unit.got, lambda s: s.share_got)):
            shares = [share_of(s) for s in unit.shares]
            if total == 0:
                assert shares == [None] * len(shares)  # nothing to divide by: no share at all
            else:
                assert all(0 <= s <= 1 for s in shares) and sum(shares) == 1
        positions = [s.position for s in unit.shares]
        if unit.two_sided:
            assert sum(positions) == 0 and all(-1 <= p <= 1 for p in positions)
        else:
            assert positions == [None] * len(positions)
        assert [s.party_id for s in unit.shares][:len(listed)] == listed


@settings(max_examples=150, deadline=None)
@given(st.lists(entries(), max_size=30), st.lists(entries(), max_size=30))
def test_a_unit_is_untouched_by_entries_in_any_other(mine, others):
    """Adding entries in other currencies and units never changes a unit's figures."""
    unit = "USD"
    mine = [e for e in mine if e.unit == unit]
    others = [e for e in others if e.unit != unit]
    alone = {u.unit: u for u in balance(mine, PARTY_IDS)}.get(unit)
    mixed = {u.unit: u for u in balance(mine + others, PARTY_IDS)}.get(unit)
    assert alone == mixed


def period(label: str, positions: dict[int, Fraction | None]) -> PeriodBalance:
    """A period whose USD balance puts each party at the given position (None: not in it)."""
    found = []
    for pid, position in positions.items():
        if position is None:
            continue
        # Give 1/2 of the total and get 1/2 + position: two parties balance each other exactly.
        found.append(Entry(pid, GIVE, "assets", "USD", Decimal(50), "x"))
        found.append(Entry(pid, GET, "benefits", "USD", Decimal(50) + Decimal(position.numerator * 100)
                           / position.denominator, "x"))
    made = PeriodBalance(label, date(2026, 1, 1), date(2026, 3, 31), True, found)
    made.units = balance(found, [1, 2])
    return made


@settings(max_examples=200, deadline=None)
@given(st.lists(st.fractions(min_value=0, max_value=Fraction(1, 2), max_denominator=100), min_size=1, max_size=6),
       st.integers(5, 50))
def test_flagged_exactly_when_out_of_the_band_in_the_latest_two_periods(swings, band):
    """Party 1 gets 50 + 100·swing against party 2's 50: its position is what the shares make it,
    and the flag follows the rule, not the arithmetic's rounding."""
    history = []
    for n, swing in enumerate(swings):
        history.append(period(f"P{n}", {1: swing, 2: Fraction(0)}))
    out = [abs(p.unit("USD").share_of(1).position) > Fraction(band, 100) for p in history]
    flagged = {f.party.id for f in flags(history, band, NAMES)}
    expected = len(out) >= 2 and out[-1] and out[-2]
    assert (1 in flagged) == expected and (2 in flagged) == expected  # symmetric: both sides of the gap
    runs = out_of_band_runs(history, band)
    streak = 0
    for was_out in out:
        streak = streak + 1 if was_out else 0
    assert runs.get(("USD", 1), 0) == streak
