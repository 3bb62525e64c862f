"""The partnership's health dimensions: the default eight, and admins adding, renaming and
retiring them (a retired dimension stays in the cycles that scored it)."""

import sqlalchemy as sa

from app.audit.services import record_event
from app.database import insert_for
from app.extensions import db
from app.inputs import CONTROL_MESSAGE, has_control_characters
from app.partnerships.access import Permission, check_permission
from app.partnerships.models import Membership
from app.review_cycle.models import HealthDimension
from app.rules import RuleViolation
from app.types import utcnow

DEFAULT_DIMENSIONS = [
    "Trust", "Communication", "Commitment", "Joint value",
    "Governance", "Responsiveness", "Fairness", "Innovation",
]
DIMENSION_NAME_MAX = 80
ADMINS_ONLY = "Only a partnership admin can change the health dimensions."


def dimensions(partnership_id: int, *, include_retired: bool = False) -> list[HealthDimension]:
    query = sa.select(HealthDimension).where(HealthDimension.partnership_id == partnership_id)
    if not include_retired:
        query = query.where(HealthDimension.retired_at.is_(None))
    return list(db.session.scalars(query.order_by(HealthDimension.position, HealthDimension.id)))


def ensure_dimensions(partnership_id: int) -> list[HealthDimension]:
    """The partnership's dimensions, creating the default eight the first time (concurrency-safe)."""
    existing = dimensions(partnership_id, include_retired=True)
    if existing:
        return [d for d in existing if d.retired_at is None]
    now = utcnow()
    db.session.execute(
        insert_for(HealthDimension)
        .values([
            {"partnership_id": partnership_id, "name": name, "position": n, "created_at": now}
            for n, name in enumerate(DEFAULT_DIMENSIONS)
        ])
        .on_conflict_do_nothing(index_elements=["partnership_id", "name"])
    )
    return dimensions(partnership_id)


def _clean_name(name: str | None) -> str:
    name = " ".join((name or "").split())
    if has_control_characters(name):
        raise RuleViolation(CONTROL_MESSAGE, "name")
    if not name:
        raise RuleViolation("Give the dimension a name.", "name")
    if len(name) > DIMENSION_NAME_MAX:
        raise RuleViolation(f"Keep the name to {DIMENSION_NAME_MAX} characters (it has {len(name)}).", "name")
    return name


def _name_taken(partnership_id: int, name: str, except_id: int | None = None) -> bool:
    query = sa.select(HealthDimension.id).where(
        HealthDimension.partnership_id == partnership_id, sa.func.lower(HealthDimension.name) == name.lower()
    )
    if except_id is not None:
        query = query.where(HealthDimension.id != except_id)
    return db.session.scalar(query) is not None


def add_dimension(membership: Membership, name: str) -> HealthDimension:
    check_permission(membership, Permission.EDIT_PARTNERSHIP, ADMINS_ONLY)
    current = ensure_dimensions(membership.partnership_id)
    name = _clean_name(name)
    if _name_taken(membership.partnership_id, name):
        raise RuleViolation(f"There is already a dimension called “{name}”.", "name")
    dimension = HealthDimension(
        partnership_id=membership.partnership_id, name=name,
        position=max((d.position for d in current), default=-1) + 1,
    )
    db.session.add(dimension)
    db.session.flush()
    record_event("review.dimension_added", actor=membership.user, partnership_id=membership.partnership_id,
                 party_id=membership.party_id, obj=dimension, details={"name": name})
    return dimension


def dimension_of(partnership_id: int, dimension_id: int) -> HealthDimension | None:
    dimension = db.session.get(HealthDimension, dimension_id)
    return dimension if dimension is not None and dimension.partnership_id == partnership_id else None


def rename_dimension(membership: Membership, dimension: HealthDimension, name: str) -> None:
    check_permission(membership, Permission.EDIT_PARTNERSHIP, ADMINS_ONLY)
    name = _clean_name(name)
    if name == dimension.name:
        return
    if _name_taken(dimension.partnership_id, name, dimension.id):
        raise RuleViolation(f"There is already a dimension called “{name}”.", "name")
    before, dimension.name = dimension.name, name
    record_event("review.dimension_renamed", actor=membership.user, partnership_id=dimension.partnership_id,
                 party_id=membership.party_id, obj=dimension, details={"name": [before, name]})


def set_dimension_retired(membership: Membership, dimension: HealthDimension, retired: bool) -> None:
    check_permission(membership, Permission.EDIT_PARTNERSHIP, ADMINS_ONLY)
    if retired == (dimension.retired_at is not None):
        return
    if retired and len(dimensions(dimension.partnership_id)) <= 1:
        raise RuleViolation("Keep at least one dimension to score.")
    dimension.retired_at = utcnow() if retired else None
    record_event("review.dimension_retired" if retired else "review.dimension_restored", actor=membership.user,
                 partnership_id=dimension.partnership_id, party_id=membership.party_id, obj=dimension,
                 details={"name": dimension.name})
