"""Work waiting for someone, made through the services: actions they own, mentions, versions with
a last day to sign."""

from datetime import date

from app.coediting import comments
from app.extensions import db
from app.partnerships.access import load_membership
from app.plan_sections import reading
from app.plan_versions import services as plan_versions
from tests.support import review_cycle


def add_action(cycle, user, title: str, due: date, owner=None):
    return review_cycle.add_action(cycle, user, title=title, due=due, owner_user_id=(owner or user).id)


def mention(partnership, author, body: str):
    section = reading.section_for(partnership.id, "risk_assessment")
    thread = comments.start_thread(load_membership(partnership.id, author), section, body)
    db.session.commit()
    return thread


def version_with_deadline(versions, sign_by, signing_order=None):
    """A version awaiting signatures with a last day to sign (and an order), issued today."""
    version = plan_versions.issue_version(versions.member(versions.people.a.admin), step="major",
                                          summary="With a deadline.", sign_by=sign_by, signing_order=signing_order,
                                          today=date(2030, 1, 1))
    db.session.commit()
    return version
