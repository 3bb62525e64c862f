"""Partnerships with work waiting in them: helpers shared by the My work and calendar tests."""

from datetime import date

import pytest

from app.coediting import comments
from app.extensions import db
from app.partnerships.access import load_membership
from app.plan_sections import services as plan_sections
from tests.consent.conftest import propose_rename
from tests.plan_sections.conftest import Plan
from tests.plan_versions.conftest import Versions
from tests.support import review_cycle
from tests.support.review_cycle import cycle_in_improve


@pytest.fixture
def plan(two_parties) -> Plan:
    return Plan(two_parties)


@pytest.fixture
def versions(two_parties) -> Versions:
    plan = Versions(two_parties)
    plan.write_everything()
    return plan


def add_action(cycle, user, title: str, due: date, owner=None):
    return review_cycle.add_action(cycle, user, title=title, due=due, owner_user_id=(owner or user).id)


def mention(partnership, author, body: str):
    section = plan_sections.section_for(partnership.id, "risk_assessment")
    thread = comments.start_thread(load_membership(partnership.id, author), section, body)
    db.session.commit()
    return thread


__all__ = ["add_action", "cycle_in_improve", "mention", "propose_rename"]


def version_with_deadline(versions, sign_by, signing_order=None):
    """A version awaiting signatures with a last day to sign (and an order), issued today."""
    from app.plan_versions import services

    version = services.issue_version(versions.member(versions.people.a.admin), step="major", summary="With a deadline.",
                                     sign_by=sign_by, signing_order=signing_order, today=date(2030, 1, 1))
    db.session.commit()
    return version
