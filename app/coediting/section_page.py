"""What co-editing adds to the plan's section page and editor: who else is there, the viewer's
own unsettled conflicts, and the section's comments."""

from app.coediting import comments
from app.coediting.forms import CommentForm, ReplyForm
from app.coediting.presence import HEARTBEAT_SECONDS, people_present
from app.coediting.saving import open_conflicts
from app.forms import ConfirmForm, choices
from app.partnerships.access import Permission, has_permission
from app.types import utcnow


def coediting_extras(membership, section_type, state, ctx, *, editing: bool = False) -> dict:
    """Context for templates/coediting/_section_extras.html (`coediting` in the plan templates).

    A few fixed queries: the viewer's open conflicts (editors only), who is present (one query,
    plus one for their names when anyone is), and on the section page its comment threads.
    """
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


def item_choices(section_type, content: dict, ctx) -> list:
    """“The section as a whole”, then every current item as “Risk: Port strike”."""
    pairs = [("", "The section as a whole")]
    for kind in section_type.item_kinds:
        for item in content["items"].get(kind.key, []):
            pairs.append((item["id"], f"{kind.singular}: {kind.item_title(item, ctx)}"))
    return choices(pairs)


def item_titles(section_type, content: dict, ctx) -> dict[str, str]:
    return {
        item["id"]: f"{kind.singular.lower()} “{kind.item_title(item, ctx)}”"
        for kind in section_type.item_kinds
        for item in content["items"].get(kind.key, [])
    }


def reply_form(thread, **kwargs) -> ReplyForm:
    """The reply form of one thread: inputs named as in any reply form, ids unique on the page."""
    form = ReplyForm(**kwargs)
    form.body.id = f"reply-{thread.id}"
    return form


def comment_block(membership, section_type, section, content, ctx, *, form=None, reply_forms=None) -> dict:
    """What the comments block needs (the section page includes it; so does the comments page)."""
    can_comment = has_permission(membership, Permission.EDIT_PLAN)
    threads = comments.threads_of(section)
    if form is None and can_comment:
        form = CommentForm(formdata=None)
    if form is not None:
        form.item_id.choices = item_choices(section_type, content, ctx)
    replies = dict(reply_forms or {})
    return {
        "threads": threads,
        "open_threads": [t for t in threads if t.is_open],
        "resolved_threads": [t for t in threads if not t.is_open],
        "comment_form": form,
        "reply_form": lambda thread: replies.get(thread.id) or reply_form(thread, formdata=None),
        "can_comment": can_comment,
        "item_titles": item_titles(section_type, content, ctx),
        "mention_names": [m.user.full_name for m in ctx.members.values() if m.user.active],
        "confirm_form": ConfirmForm(),
    }
