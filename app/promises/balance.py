"""The give-and-get balance: what each party gives the partnership and what it gets from it, read
from the plan's own registers and the meetings recorded, per review period.

Given:
- *assets and resources* the asset register says a party contributes, at their declared value;
- *time* on the partnership's bodies and forums: for each meeting held in the period, how many
  of the party's people came times how long it lasted (meetings recorded without both are
  counted, not timed);
- *IP and knowledge*: entries the party owns in the knowledge register, and its IP assets;
- *data shared*: the party's data assets and the data it owns in the knowledge register.

Got: the business case's *benefits* by benefiting party, at their estimated value per year. The
commercial agreement words its gain-share without a figure: a gain-share counts once the
benefits list it with its value.

Registers count as they stood at the end of each period (as they stand today, for the period
under way). Each unit stands on its own (a currency, hours, register entries): nothing is
converted or summed across units.

In a unit where value is both given and got, a party's *position* is its share of what is got
less its share of what is given, in points of share (above zero: it gets more than it gives).
Out of the band the partnership agreed (±20 points unless changed by consent) in two periods in
a row, the party is flagged. Shares are exact fractions: the arithmetic never divides by zero
(a unit with nothing in it has no shares) and never rounds a flag into or out of the band.
"""

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from fractions import Fraction

import sqlalchemy as sa

from app.extensions import db
from app.partnerships.models import Partnership, Party
from app.partnerships.parties import RecordParty
from app.plan_sections.fields import format_money
from app.plan_sections.models import PlanSection, SectionRevision
from app.promises.models import Meeting
from app.review_cycle import periods
from app.review_cycle.models import ReviewCycle

GIVE, GET = "give", "get"
SOURCES = {
    "assets": "Assets and resources",
    "time": "Time on bodies and forums",
    "ip": "IP and knowledge",
    "data": "Data shared",
    "benefits": "Business-case benefits",
}
# Units other than money; a money unit is its currency code.
TIME, IP, DATA = "hours", "ip-entries", "data-entries"
UNIT_LABELS = {TIME: "Hours on bodies and forums", IP: "IP and knowledge (register entries)",
               DATA: "Data shared (register entries)"}
REGISTERS = ("asset_register", "business_case", "knowledge_management")
PERIODS_SHOWN = 8
IN_A_ROW = 2


@dataclass(frozen=True)
class Entry:
    """One thing given or got: by or to `party_id`, in `unit`."""
    party_id: int
    side: str  # GIVE or GET
    source: str
    unit: str
    amount: Decimal
    title: str


def is_money(unit: str) -> bool:
    return unit not in UNIT_LABELS


def unit_label(unit: str) -> str:
    return UNIT_LABELS.get(unit, unit)


def format_amount(unit: str, amount: Decimal) -> str:
    if is_money(unit):
        return format_money({"amount": str(amount), "currency": unit})
    if unit == TIME:
        hours = amount.quantize(Decimal("0.1"))
        return f"{hours.normalize():f} h" if hours != hours.to_integral() else f"{int(hours)} h"
    return f"{int(amount)} entr{'y' if amount == 1 else 'ies'}"


# -- the arithmetic ----------------------------------------------------------------------------


@dataclass(frozen=True)
class PartyShare:
    party_id: int
    given: Decimal
    got: Decimal
    share_given: Fraction | None  # None when nothing is given in the unit
    share_got: Fraction | None

    @property
    def position(self) -> Fraction | None:
        """Share got less share given, or None unless both sides have value in the unit."""
        if self.share_given is None or self.share_got is None:
            return None
        return self.share_got - self.share_given

    @property
    def position_points(self) -> float | None:
        return float(self.position * 100) if self.position is not None else None

    def out_of_band(self, band_points: int) -> bool:
        return self.position is not None and abs(self.position) > Fraction(band_points, 100)


@dataclass(frozen=True)
class UnitBalance:
    unit: str
    given: Decimal
    got: Decimal
    shares: tuple[PartyShare, ...]

    @property
    def two_sided(self) -> bool:
        return self.given > 0 and self.got > 0

    def share_of(self, party_id: int) -> PartyShare | None:
        return next((s for s in self.shares if s.party_id == party_id), None)


def _share(amount: Decimal, total: Decimal) -> Fraction | None:
    return Fraction(amount) / Fraction(total) if total > 0 else None


def _unit_order(unit: str) -> tuple[int, str, int]:
    return (0, unit, 0) if is_money(unit) else (1, "", list(UNIT_LABELS).index(unit))


def balance(entries: Iterable[Entry], party_ids: Iterable[int]) -> list[UnitBalance]:
    """Each unit's totals and every party's shares of them (parties listed first, then any other
    party an entry names). Units never mix: each is computed from its own entries alone."""
    given: dict[str, dict[int, Decimal]] = defaultdict(lambda: defaultdict(Decimal))
    got: dict[str, dict[int, Decimal]] = defaultdict(lambda: defaultdict(Decimal))
    order = list(dict.fromkeys(party_ids))
    for entry in entries:
        (given if entry.side == GIVE else got)[entry.unit][entry.party_id] += entry.amount
        if entry.party_id not in order:
            order.append(entry.party_id)
    units = []
    for unit in sorted(set(given) | set(got), key=_unit_order):
        total_given, total_got = sum(given[unit].values(), Decimal(0)), sum(got[unit].values(), Decimal(0))
        units.append(UnitBalance(unit, total_given, total_got, tuple(
            PartyShare(pid, given[unit][pid], got[unit][pid], _share(given[unit][pid], total_given),
                       _share(got[unit][pid], total_got))
            for pid in order)))
    return units


@dataclass
class PeriodBalance:
    period: str
    start: date
    end: date
    complete: bool  # False for the period under way: the registers as they stand today
    entries: list[Entry]
    units: list[UnitBalance] = field(default_factory=list)
    untimed: dict[int, int] = field(default_factory=dict)  # party -> meetings attended without hours
    unvalued: dict[str, int] = field(default_factory=dict)  # source -> entries without a value

    def unit(self, unit: str) -> UnitBalance | None:
        return next((u for u in self.units if u.unit == unit), None)


@dataclass(frozen=True)
class Flag:
    party: RecordParty
    unit: str
    periods: tuple[str, ...]
    shares: tuple[PartyShare, ...]  # the party's share in each of those periods

    @property
    def latest(self) -> PartyShare:
        return self.shares[-1]


def out_of_band_runs(history: list[PeriodBalance], band_points: int) -> dict[tuple[str, int], int]:
    """(unit, party) -> how many periods in a row, up to the latest, it has been out of the band."""
    runs: dict[tuple[str, int], int] = {}
    for period in history:
        current = {}
        for unit in period.units:
            for share in unit.shares:
                if share.out_of_band(band_points):
                    current[(unit.unit, share.party_id)] = runs.get((unit.unit, share.party_id), 0) + 1
        runs = current
    return runs


def flags(history: list[PeriodBalance], band_points: int, parties: dict[int, RecordParty]) -> list[Flag]:
    """The parties out of the band in the latest `IN_A_ROW` periods, in the same unit."""
    found = []
    for (unit, party_id), run in out_of_band_runs(history, band_points).items():
        if run < IN_A_ROW:
            continue
        recent = history[-run:]
        found.append(Flag(parties[party_id], unit, tuple(p.period for p in recent),
                          tuple(p.unit(unit).share_of(party_id) for p in recent)))
    return sorted(found, key=lambda f: (_unit_order(f.unit), f.party.name))


# -- reading the registers ---------------------------------------------------------------------


def _money(value: dict | None) -> tuple[str, Decimal] | None:
    if not value or not value.get("amount"):
        return None
    return value["currency"], Decimal(value["amount"])


def register_entries(contents: dict[str, dict]) -> tuple[list[Entry], dict[str, int]]:
    """What the registers say each party gives and gets, and how many entries have no value."""
    entries: list[Entry] = []
    unvalued: dict[str, int] = defaultdict(int)
    assets = contents.get("asset_register", {}).get("items", {}).get("assets", [])
    for item in assets:
        if not item.get("party"):
            continue
        money = _money(item.get("value"))
        if money is not None:
            entries.append(Entry(item["party"], GIVE, "assets", money[0], money[1], item["name"]))
        else:
            unvalued["assets"] += 1
        if item.get("category") in ("ip", "data"):
            unit = IP if item["category"] == "ip" else DATA
            entries.append(Entry(item["party"], GIVE, item["category"], unit, Decimal(1), item["name"]))
    for item in contents.get("knowledge_management", {}).get("items", {}).get("knowledge", []):
        if item.get("owner"):
            data = item.get("type") == "data"
            entries.append(Entry(item["owner"], GIVE, "data" if data else "ip", DATA if data else IP, Decimal(1),
                                 item["name"]))
    for item in contents.get("business_case", {}).get("items", {}).get("benefits", []):
        if not item.get("party"):
            continue
        money = _money(item.get("value"))
        if money is not None:
            entries.append(Entry(item["party"], GET, "benefits", money[0], money[1], item["benefit"]))
        else:
            unvalued["benefits"] += 1
    return entries, dict(unvalued)


def time_entries(meetings: Iterable[Meeting]) -> tuple[list[Entry], dict[int, int]]:
    """Each party's person-hours at the meetings, and how many it attended untimed."""
    entries, untimed = [], defaultdict(int)
    for meeting in meetings:
        for attended in meeting.attendance or []:
            party_id, count = int(attended["party_id"]), attended.get("count")
            if meeting.length_minutes and count:
                entries.append(Entry(party_id, GIVE, "time", TIME,
                                     Decimal(count * meeting.length_minutes) / 60,
                                     f"{meeting.body_name}, {meeting.held_on:%-d %B %Y}"))
            else:
                untimed[party_id] += 1
    return entries, dict(untimed)


def _bounds(label: str) -> tuple[date, date] | None:
    for months in periods.PERIOD_PATTERNS:
        found = periods.period_bounds(label, months)
        if found is not None:
            return found
    return None


def _periods(partnership: Partnership, today: date) -> list[tuple[str, date, date]]:
    """The partnership's review periods (its cycles') and the period under way, the last eight."""
    labels = set(db.session.scalars(sa.select(ReviewCycle.period).where(
        ReviewCycle.partnership_id == partnership.id, ReviewCycle.kind == "review")))
    labels.add(periods.period_of(today, partnership.review_cadence_months))
    found = sorted(((label, *bounds) for label in labels if (bounds := _bounds(label)) is not None),
                   key=lambda p: (p[1], p[2]))
    found = [p for p in found if p[1] <= today]
    return found[-PERIODS_SHOWN:]


def _contents_at(section_ids: dict[int, str], moment: datetime | None) -> dict[str, dict]:
    """The registers' contents as they stood at `moment` (now, when None). One statement."""
    if not section_ids:
        return {}
    where = [SectionRevision.section_id.in_(section_ids)]
    if moment is not None:
        where.append(SectionRevision.created_at < moment)
    latest = (sa.select(SectionRevision.section_id, sa.func.max(SectionRevision.number).label("number"))
              .where(*where).group_by(SectionRevision.section_id).subquery())
    rows = db.session.execute(
        sa.select(SectionRevision.section_id, SectionRevision.content)
        .join(latest, sa.and_(SectionRevision.section_id == latest.c.section_id,
                              SectionRevision.number == latest.c.number)))
    return {section_ids[section_id]: content for section_id, content in rows}


@dataclass
class GiveAndGet:
    parties: list[RecordParty]
    band_points: int
    history: list[PeriodBalance]
    flags: list[Flag]

    @property
    def latest(self) -> PeriodBalance | None:
        return self.history[-1] if self.history else None

    def party(self, party_id: int) -> RecordParty:
        return next((p for p in self.parties if p.id == party_id), RecordParty(party_id, "A former party"))

    @property
    def not_counted(self) -> list[str]:
        """What the latest period leaves out, in words."""
        latest, notes = self.latest, []
        if latest is None:
            return notes
        if n := latest.unvalued.get("assets"):
            notes.append(f"{n} asset{'s' if n != 1 else ''} in the register without a value")
        if n := latest.unvalued.get("benefits"):
            notes.append(f"{n} benefit{'s' if n != 1 else ''} without a value")
        for party_id, n in latest.untimed.items():
            notes.append(f"{self.party(party_id).name}'s {n} meeting{'s' if n != 1 else ''} recorded without a "
                         "length or a headcount")
        return notes

    @property
    def units(self) -> list[str]:
        """Every unit any period shows, in order."""
        return sorted({u.unit for p in self.history for u in p.units}, key=_unit_order)


def give_and_get(partnership_id: int, today: date) -> GiveAndGet:
    """The balance of every period shown, and the flags of the latest."""
    partnership = db.session.get(Partnership, partnership_id)
    everyone = list(db.session.scalars(sa.select(Party).where(Party.partnership_id == partnership_id)
                                       .order_by(Party.id)))
    section_ids = dict(db.session.execute(sa.select(PlanSection.id, PlanSection.section_key).where(
        PlanSection.partnership_id == partnership_id, PlanSection.section_key.in_(REGISTERS))).all())
    shown = _periods(partnership, today)
    held = list(db.session.scalars(sa.select(Meeting).where(
        Meeting.partnership_id == partnership_id,
        Meeting.held_on >= (shown[0][1] if shown else today), Meeting.held_on <= today)))
    current = [p.id for p in everyone if p.left_at is None]
    history = []
    for label, start, end in shown:
        complete = end < today
        moment = datetime.combine(end + timedelta(days=1), time.min, tzinfo=UTC) if complete else None
        entries, unvalued = register_entries(_contents_at(section_ids, moment))
        timed, untimed = time_entries(m for m in held if start <= m.held_on <= end)
        period = PeriodBalance(label, start, end, complete, entries + timed, untimed=untimed, unvalued=unvalued)
        period.units = balance(period.entries, current)
        history.append(period)
    names = {p.id: RecordParty(p.id, p.name) for p in everyone}
    for period in history:  # a party an entry names that is not (or no longer) a party
        for entry in period.entries:
            names.setdefault(entry.party_id, RecordParty(entry.party_id, "A former party"))
    listed = list(dict.fromkeys([*current, *(s.party_id for period in history for unit in period.units
                                            for s in unit.shares)]))
    parties = [names[pid] for pid in listed]
    band = partnership.balance_band_points
    return GiveAndGet(parties, band, history, flags(history, band, names))
