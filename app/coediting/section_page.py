"""What co-editing adds to the plan's section page and editor: who else is there, the viewer's
own unsettled conflicts, and the section's comments."""

from app.coediting.presence import HEARTBEAT_SECONDS, people_present
from app.coediting.saving import open_conflicts
from app.partnerships.access import Permission, has_permission
from app.types import utcnow


def coediting_extras(membership, section_type, state, ctx, *, editing: bool = False) -> dict:
    """Context for templates/coediting/_section_extras.html (`coediting` in the plan templates).

    A few fixed queries: the viewer's open conflicts (editors only), who is present (one query,
    plus one for their names when anyone is), and on the section page its comment threads.
    """
    from app.coediting.routes.comments import comment_block

    can_edit = has_permission(membership, Permission.EDIT_PLAN)
    section = state.section
    now = utcnow()
    extras = {
        "now": now,
        "editing": editing,
        "can_edit": can_edit,
        "conflicts": open_conflicts(section, membership.user_id) if can_edit else [],
        "present": people_present(membership.partnership_id, section_type.key, exclude_user_id=membership.user_id,
                                  now=now),
        "heartbeat_seconds": HEARTBEAT_SECONDS,
    }
    if not editing:
        extras["comments"] = comment_block(membership, section_type, section, state.content, ctx)
    return extras
