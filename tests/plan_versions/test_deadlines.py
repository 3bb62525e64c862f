"""A version's deadline and signing order: chosen when issued, frozen with it."""

from datetime import date

import pytest
import sqlalchemy as sa

from app.extensions import db
from app.plan_versions.models import ImmutableRecord


@pytest.mark.parametrize("column, value", [("sign_by", date(2030, 1, 31)), ("signing_order", [1, 2])])
def test_the_deadline_and_order_of_an_issued_version_never_change(versions, column, value):
    version = versions.issue()
    setattr(version, column, value)
    with pytest.raises(ImmutableRecord):
        db.session.flush()
    db.session.rollback()


@pytest.mark.postgres_only
@pytest.mark.parametrize("statement", [
    "UPDATE plan_version SET sign_by = DATE '2030-01-31' WHERE id = :id",
    "UPDATE plan_version SET signing_order = '[1, 2]' WHERE id = :id",
])
def test_postgresql_refuses_changing_the_deadline_or_order(versions, statement):
    version = versions.issue()
    with pytest.raises(sa.exc.DBAPIError, match="issued content"):
        db.session.execute(sa.text(statement), {"id": version.id})
    db.session.rollback()
