"""Agreed sections: with the switch on, a change to a section of the signed baseline is proposed
to the other parties (app/consent) and made only when every one of them agrees.

The save path (app/coediting/saving.py) asks this module's save gate first. For a section the
signed baseline froze, it keeps the author's change as a "section_change" proposal: the
revision it started from, the content as the author meant it, and their note. Nothing else is
written. When the last party agrees, the content is saved as the author's revision from that
base, so whatever was saved meanwhile merges three ways as any save does; a change that now
overlaps lapses (the other parties agreed to this change on that text, not to a resolution
nobody has seen), and its author proposes it again from the current text.

One open proposal per section: a second change while one waits is refused with a link to it.
Sections the baseline did not freeze, plans with no signed version, and partnerships with the
switch off save as they always did.
"""

from dataclasses import dataclass

import sqlalchemy as sa
from blinker import Namespace

from app.coediting import saving
from app.coediting.diffing import diff_content
from app.coediting.merging import merge_content
from app.coediting.presenting import section_diff
from app.consent import services as consent
from app.consent.kinds import KINDS, Kind, Lapsed
from app.consent.models import Proposal
from app.extensions import db
from app.partnerships.access import Permission, has_permission
from app.partnerships.models import Membership, Partnership
from app.plan_sections import reading, writing
from app.plan_sections.models import PlanSection, SectionRevision
from app.plan_sections.registry import get_section_type
from app.plan_versions.services import baseline_of

KIND = "section_change"

# Sent, inside the agreeing transaction, once every party agreed and the change is saved:
# `section_change_agreed.send(proposal, author=membership, revision=revision)`. The review cycle
# marks an improvement action promoted when the change was its promotion (payload "from_action").
section_change_agreed = Namespace().signal("section-change-agreed")


def _target(payload: dict) -> str:
    return f"section:{payload['section']}"


def needs_agreement(partnership: Partnership, section_key: str) -> bool:
    """Whether a change to this section waits for every party (switch on, section signed)."""
    if not partnership.agreed_sections:
        return False
    baseline = baseline_of(partnership.id)
    return baseline is not None and section_key in baseline.revision_ids


def _applies(section: PlanSection) -> bool:
    return needs_agreement(db.session.get(Partnership, section.partnership_id), section.section_key)


def open_change(partnership_id: int, section_key: str) -> Proposal | None:
    """The section's open proposed change, if one waits for answers."""
    for proposal in consent.open_of_kind(partnership_id, KIND):
        if proposal.payload.get("section") == section_key:
            return proposal
    return None


def changes_of(partnership_id: int, section_key: str) -> list[Proposal]:
    """Every change proposed to this section, newest first (open, agreed, declined, …)."""
    rows = db.session.scalars(
        sa.select(Proposal).where(Proposal.partnership_id == partnership_id, Proposal.kind == KIND)
        .order_by(Proposal.created_at.desc(), Proposal.id.desc())
    )
    return [p for p in rows if p.payload.get("section") == section_key]


def summary_of(section_key: str, note: str | None) -> str:
    title = get_section_type(section_key).title
    return f"Change {title}: {note}" if note else f"Change {title}"


def _lock_section(section: PlanSection) -> None:
    """Serialise proposals for one section (and saves, whose compare-and-swap takes this row)."""
    db.session.execute(sa.select(PlanSection.id).where(PlanSection.id == section.id).with_for_update())


def propose_change(attempt: saving.Attempt) -> saving.SaveOutcome:
    """The save gate: keep the attempt as a proposal to the other parties instead of saving it."""
    section = attempt.section
    _lock_section(section)
    current = writing.committed_revision(section.id)
    if current is not None and writing.content_hash(attempt.content) == current.content_hash:
        return saving.SaveOutcome("unchanged")
    base = attempt.base_revision
    base_content = base.content if base is not None else get_section_type(section.section_key).empty_content()
    if writing.content_hash(attempt.content) == writing.content_hash(base_content):
        return saving.SaveOutcome("unchanged")
    waiting = open_change(section.partnership_id, section.section_key)
    if waiting is not None:
        raise consent.ConsentError(
            f"A change to this section proposed by {waiting.proposed_by.full_name} ({waiting.proposed_by_party.name}) "
            "is waiting for the parties' answers, so nothing was proposed. Everything you typed is still here: "
            "copy it, then answer or withdraw that proposal first.", 409)
    payload = {
        "section": section.section_key,
        "base_revision_id": base.id if base is not None else None,
        "base_number": base.number if base is not None else None,
        "content": attempt.content,
        "note": attempt.note,
        "restoring": attempt.kind == "restore",
        "revision_number": None,
    }
    proposal = consent.propose(attempt.membership, KIND, payload, summary=summary_of(section.section_key, attempt.note))
    return saving.SaveOutcome("proposed", proposal=proposal)


# -- the kind ---------------------------------------------------------------------------------


def _author(proposal: Proposal) -> Membership | None:
    membership = db.session.scalar(sa.select(Membership).where(
        Membership.partnership_id == proposal.partnership_id, Membership.user_id == proposal.proposed_by_id))
    if membership is None or membership.party_id != proposal.proposed_by_party_id:
        return None
    return membership if has_permission(membership, Permission.EDIT_PLAN) else None


def _section(proposal: Proposal) -> PlanSection:
    return reading.section_for(proposal.partnership_id, proposal.payload["section"])


def _base(proposal: Proposal, section: PlanSection) -> dict:
    base_id = proposal.payload.get("base_revision_id")
    if base_id is None:
        return get_section_type(section.section_key).empty_content()
    return db.session.get(SectionRevision, base_id).content


def _check(proposal: Proposal) -> str | None:
    if _author(proposal) is None:
        return f"{proposal.proposed_by.full_name} no longer edits this plan for {proposal.proposed_by_party.name}."
    section = _section(proposal)
    current = section.current_revision
    if current is None or current.id == proposal.payload.get("base_revision_id"):
        return None
    merged = merge_content(_base(proposal, section), proposal.payload["content"], current.content)
    if not merged.clean:
        return (f"the section changed since (revision {current.number} by {current.author.full_name}) "
                "where this change changes it too. Nothing changed; propose it again from the current text.")
    return None


def _apply(proposal: Proposal, _membership: Membership) -> None:
    author = _author(proposal)
    if author is None:
        raise Lapsed(_check(proposal) or "its author can no longer edit the plan.")
    section = _section(proposal)
    payload = proposal.payload
    outcome = saving.save_edit(author, section, payload["content"], payload.get("base_revision_id"),
                               saving.with_suffix(payload.get("note"), "agreed by every party"), agreed=True)
    if outcome.status == "conflict":
        raise Lapsed(_check(proposal) or "the section changed since, where this change changes it too.")
    revision = outcome.revision if outcome.revision is not None else section.current_revision
    proposal.payload = {**payload, "revision_number": revision.number if revision is not None else None,
                        "merged": outcome.status == "merged"}
    section_change_agreed.send(proposal, author=author, revision=revision)


def _details_visible(_proposal, _party_id) -> bool:
    return True


PROPOSAL_KIND = Kind(
    key=KIND,
    label="Change a section of the signed plan",
    template="consent/kinds/section_change.html",
    apply=_apply,
    check=_check,
    target=_target,
    proposed_by="editor",
    details_visible=_details_visible,
)


# -- reading ----------------------------------------------------------------------------------


@dataclass
class ChangeView:
    """A proposed change as its page shows it: the diff from its base, and what moved since."""

    section_type: object
    view: object  # SectionDiffView, for templates/coediting/_diff.html
    base_number: int | None
    current_number: int | None
    revision_number: int | None


def change_view(proposal: Proposal) -> ChangeView:
    section = _section(proposal)
    section_type = get_section_type(section.section_key)
    old = _base(proposal, section)
    new = proposal.payload["content"]
    ctx = reading.section_context(section)
    current = section.current_revision
    return ChangeView(
        section_type=section_type,
        view=section_diff(section_type, diff_content(old, new), old, new, ctx),
        base_number=proposal.payload.get("base_number"),
        current_number=current.number if current is not None else None,
        revision_number=proposal.payload.get("revision_number"),
    )


def agreed_section_state(membership: Membership, section_key: str) -> dict | None:
    """For the section page and editor: whether changes here are proposed, and the open one."""
    partnership = membership.partnership
    if not needs_agreement(partnership, section_key):
        return None
    others = [p.name for p in partnership.parties if p.id != membership.party_id]
    return {"others": others, "open": open_change(partnership.id, section_key)}


def init_app(app) -> None:
    """A change to an agreed section becomes a proposal: its consent kind, its save gate and
    the section pages' helpers."""
    KINDS.add(app, PROPOSAL_KIND)
    saving.SAVE_GATES.add(app, saving.SaveGate(_applies, propose_change))
    app.add_template_global(change_view, "section_change_view")
    app.add_template_global(agreed_section_state, "agreed_section_state")
    app.add_template_global(changes_of, "section_changes")
