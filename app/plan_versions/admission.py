"""What a new party would see of the plan versions, said on the proposal to admit it."""

import sqlalchemy as sa

from app.extensions import db
from app.invitations.visibility import Seen, plural
from app.plan_versions.models import PlanVersion


def versions_seen(proposal, **_kwargs) -> Seen:
    """`invitations.visibility.what_a_new_party_sees`: every version, signed or not."""
    versions = db.session.execute(sa.select(PlanVersion.status, sa.func.count()).where(
        PlanVersion.partnership_id == proposal.partnership_id).group_by(PlanVersion.status)).all()
    signed = sum(count for status, count in versions if status == "signed")
    all_versions = sum(count for _status, count in versions)
    return Seen(20, f"Every plan version ({plural(all_versions, 'version')}, {signed} signed) with its PDF and "
                    "signatures.")
