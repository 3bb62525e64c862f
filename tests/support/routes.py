"""Walking every URL rule of the app: the data the walks need and a snapshot of the database.

The walkers (tests/partnerships/test_membership_gate.py, tests/security/test_route_walks.py)
enumerate `app.url_map`, so a new route is covered without editing them. A route with a
new kind of URL argument needs one value here: add it to `World.fillers` (and, when one
argument name means different things on different routes, to `ENDPOINT_FILLERS`).
"""

import re
from collections import Counter
from dataclasses import dataclass, field

import sqlalchemy as sa

from app.accounts import services as accounts
from app.extensions import db
from app.invitations import services as invitations
from app.notifications.services import notify
from app.partnerships.access import load_membership
from app.partnerships.models import Invitation, Membership, Partnership
from tests.support.factories import TwoParties, join, make_organisation_user, make_two_parties
from tests.support.mail import file_outbox, text_of

# Methods the walks send; Werkzeug adds HEAD and OPTIONS to every rule and they pass the
# same hooks, so they are walked too.
WRITE_METHODS = {"POST", "PUT", "PATCH", "DELETE"}


@dataclass
class World:
    """Two partnerships: A–B (two_parties.partnership, with admin/editor/viewer per side)
    and C–D (C = the 'outsider' organisation of two_parties, D joins it), each with a
    pending invitation; plus a live password-reset link."""

    ab: TwoParties
    cd: Partnership
    c_admin: object
    d_admin: object
    tokens: dict = field(default_factory=dict)
    notification_id: int | None = None
    mail_id: int | None = None
    # Per partnership id: a kept conflict (its author is A's admin / C's admin) and a comment thread,
    # both on the risk assessment, which has revisions 1 and 2.
    conflicts: dict = field(default_factory=dict)
    threads: dict = field(default_factory=dict)
    # Per partnership id: a plan version v1.0, issued by A's admin / C's admin, awaiting signatures.
    versions: dict = field(default_factory=dict)
    # Per partnership id: a review cycle in its Improve stage (both parties submitted and agreed twice),
    # one improvement action of it, and a health dimension.
    cycles: dict = field(default_factory=dict)
    actions: dict = field(default_factory=dict)
    dimensions: dict = field(default_factory=dict)
    # Per partnership id: a DRAFT PDF asked for and waiting for a worker.
    drafts: dict = field(default_factory=dict)
    # Per partnership id: an evidence pack asked for and waiting for a worker.
    packs: dict = field(default_factory=dict)
    # Per partnership id: a proposal to rename it, by A's admin / C's admin, waiting for the other party.
    proposals: dict = field(default_factory=dict)
    # Per partnership id: a plan file uploaded by A's admin / C's admin, waiting for its preview's confirmation.
    imports: dict = field(default_factory=dict)
    # Per partnership id: a text file attached to the risk assessment by A's admin / C's admin (version 1).
    attachments: dict = field(default_factory=dict)
    # Per partnership id: a meeting of a steering committee, recorded by A's admin / C's admin, with
    # one decision within the body's rights and one outside them.
    meetings: dict = field(default_factory=dict)
    # Per partnership id: an issue raised on the escalation ladder by A's admin / C's admin.
    escalations: dict = field(default_factory=dict)

    def fillers(self, partnership: Partnership) -> dict:
        """Values for every URL argument, all belonging to `partnership`."""
        viewer = self.ab.b.viewer if partnership.id == self.ab.partnership.id else self.d_admin
        membership = db.session.scalar(
            sa.select(Membership).where(Membership.partnership_id == partnership.id, Membership.user_id == viewer.id)
        )
        invitation = db.session.scalar(sa.select(Invitation).where(Invitation.partnership_id == partnership.id))
        return {
            "partnership_id": partnership.id,
            "membership_id": membership.id,
            "invitation_id": invitation.id,
            "section_key": "risk_assessment",
            "kind_key": "risks",  # an item kind of that section (its CSV)
            "number": 1,  # a revision number of the section (every plan has its own revision 1)
            "conflict_id": self.conflicts[partnership.id],
            "thread_id": self.threads[partnership.id],
            "version_id": self.versions[partnership.id],
            # Routes outside partnerships: a colleague of A's admin, a live invitation link.
            "user_id": self.ab.a.editor.id,
            "token": self.tokens["invitation"],
            # A notification addressed to A's admin.
            "notification_id": self.notification_id,
            "filename": "css/app.css",
            "cycle_id": self.cycles[partnership.id],
            "action_id": self.actions[partnership.id],
            "dimension_id": self.dimensions[partnership.id],
            "draft_id": self.drafts[partnership.id],
            "pack_id": self.packs[partnership.id],
            "organisation_id": partnership.parties[0].organisation_id,  # a party organisation of it
            "proposal_id": self.proposals[partnership.id],
            "import_id": self.imports[partnership.id],
            "attachment_id": self.attachments[partnership.id],
            # A promise of the ledger: the improvement action's.
            "key": f"action:{self.actions[partnership.id]}",
            "meeting_id": self.meetings[partnership.id],
            "escalation_id": self.escalations[partnership.id],
            # A message the outbox holds for A's organisation (sent: nothing to send again).
            "mail_id": self.mail_id,
        }


# One argument name, different meanings: the value a given endpoint needs instead.
def ENDPOINT_FILLERS(world: World) -> dict:  # noqa: N802 - reads as the table it is
    return {
        "accounts.reset_password": {"token": world.tokens["reset"]},
        "my_work.calendar_feed": {"token": world.tokens["calendar"]},
    }


def _last_link_token(app, to: str) -> str:
    message = [m for m in file_outbox(app) if to in str(m["To"])][-1]
    return re.search(r"https?://\S+/([A-Za-z0-9_-]{20,})\b", text_of(message)).group(1)


def _coediting(partnership: Partnership, author, other) -> tuple[int, int]:
    """Two revisions of the risk assessment, `author`'s overlapping save kept as a conflict, and
    a comment thread by `other`."""
    from app.coediting import comments, saving
    from app.plan_sections import reading, writing

    author_m, other_m = load_membership(partnership.id, author), load_membership(partnership.id, other)
    section = reading.section_for(partnership.id, "risk_assessment")
    def content(start: str, end: str) -> dict:
        return {"narrative": f"{start}\n\nThe middle stays.\n\n{end}", "items": {"risks": []}}

    first = writing.save_section(author_m, section, content("Start.", "End."), None)
    writing.save_section(other_m, section, content("Their start.", "Their end."), first.id)
    # Two overlapping paragraphs, so the conflict page has two choices to make.
    conflict = saving.save_edit(author_m, section, content("My start.", "My end."), first.id).conflict
    thread = comments.start_thread(other_m, section, "A question about the risks.")
    db.session.commit()
    return conflict.id, thread.id


def _plan_version(partnership: Partnership, admin) -> int:
    """A plan version awaiting signatures (the plan has the risk assessment written)."""
    from app.plan_versions import services as versions

    version = versions.issue_version(load_membership(partnership.id, admin), step="major", summary="The first plan.")
    db.session.commit()
    return version.id


def _waiting_draft(partnership: Partnership, by) -> int:
    from app.plan_versions.models import DraftPdf

    draft = DraftPdf(partnership_id=partnership.id, content_hash="0" * 64, status="pending",
                     html="<h1>A draft</h1>", requested_by_id=by.id)
    db.session.add(draft)
    db.session.commit()
    return draft.id


def _waiting_pack(partnership: Partnership, by) -> int:
    from app.evidence.models import EvidencePack

    pack = EvidencePack(partnership_id=partnership.id, organisation_id=by.organisation_id, requested_by_id=by.id)
    db.session.add(pack)
    db.session.commit()
    return pack.id


def _proposal(partnership: Partnership, admin) -> int:
    """A proposal to rename the partnership, waiting for the other party's answer."""
    from app.consent import profile

    values = {field: getattr(partnership, field) for field in profile.FIELDS}
    proposal = profile.propose_changes(load_membership(partnership.id, admin), {**values, "name": "Renamed"})
    db.session.commit()
    return proposal.id


def _pending_import(partnership: Partnership, admin) -> int:
    """A Markdown plan uploaded and read, its preview not yet confirmed."""
    from app.plan_import import services as plan_import

    text = (b"# Governance\n\nA joint board.\n\n# Risks\n\n| Risk | Category | Likelihood | Impact |\n"
            b"|---|---|---|---|\n| Floods | Operational | 3 | 4 |\n")
    pending = plan_import.start_import(load_membership(partnership.id, admin), text, "plan.md")
    db.session.commit()
    return pending.id


def _attachment(partnership: Partnership, admin) -> int:
    """A text file on the risk assessment section."""
    import io

    from werkzeug.datastructures import FileStorage

    from app.attachments import places, services

    version = services.attach(load_membership(partnership.id, admin), places.section_target("risk_assessment"),
                              FileStorage(io.BytesIO(b"Flood defences: inspected in May.\n"), filename="Floods.txt"))
    db.session.commit()
    return version.attachment_id


def _meeting(partnership: Partnership, admin) -> int:
    """A steering committee's meeting with two decisions, one outside the body's rights."""
    from datetime import date

    from app.promises import meetings

    body = meetings.Body("body", "gov-walk", "Steering committee", "quarterly", ("Approves budgets",), None)
    membership = load_membership(partnership.id, admin)
    meeting = meetings.record_meeting(
        membership, body, date(2026, 1, 15), {membership.party_id: "Both sponsors"}, "## Minutes\n\nAll well.",
        [meetings.DecisionInput("Approve the 2026 budget", 0),
         meetings.DecisionInput("Change the contract term", None)])
    db.session.commit()
    return meeting.id


def _escalation(partnership: Partnership, admin) -> int:
    """An issue raised on the escalation ladder (written first when the plan has none)."""
    from datetime import date

    from app.plan_sections import reading, writing
    from app.promises import escalations

    membership = load_membership(partnership.id, admin)
    if not escalations.ladder_of(partnership.id):
        section = reading.section_for(partnership.id, "organisational_arrangements")
        content = reading.current_content(partnership.id, "organisational_arrangements")
        content["items"]["escalation_levels"] = [
            {"level": 1, "name": "Operational", "resolve_days": 3,
             "who": {str(p.id): "Leads" for p in partnership.parties}}]
        writing.save_section(membership, section, content, section.current_revision_id)
    issue = escalations.raise_issue(membership, "Dock doors double-booked", "Both sides booked door 4.",
                                    date(2026, 1, 20))
    db.session.commit()
    return issue.id


def _review_cycle(partnership: Partnership, first, second) -> tuple[int, int, int]:
    """A cycle of `partnership` in its Improve stage, with an adaptation and an action; ids of the
    cycle, the action and a dimension."""
    from tests.support import review_cycle

    cycle = review_cycle.cycle_in_improve(partnership, first, second)
    action = review_cycle.add_action(cycle, first)
    return cycle.id, action.id, cycle.dimensions[0]["id"]


def build_world(app) -> World:
    ab = make_two_parties()
    c_admin = ab.outsider
    d_admin = make_organisation_user("Delta plc", email="dora@delta.example.com", name="Dora Delta")
    join(ab.outsider_partnership, d_admin, "admin")
    db.session.commit()
    invitations.invite(
        load_membership(ab.partnership.id, ab.a.admin), email="new@alpha.example.com", role="viewer"
    )
    invitations.invite(
        load_membership(ab.outsider_partnership.id, c_admin), email="new@gamma.example.com", role="viewer"
    )
    accounts.request_password_reset(ab.b.editor.email)
    [note] = notify(
        [ab.a.admin], "mention", partnership=ab.partnership, title="Eve mentioned you",
        link=f"/partnerships/{ab.partnership.id}", actor=ab.a.editor,
    )
    db.session.commit()
    world = World(ab=ab, cd=ab.outsider_partnership, c_admin=c_admin, d_admin=d_admin)
    world.notification_id = note.id
    from app.mail.models import OutboundMail

    world.mail_id = db.session.scalar(
        sa.select(OutboundMail.id).where(OutboundMail.organisation_id == ab.a.admin.organisation_id).limit(1)
    )
    for partnership, author, other in ((ab.partnership, ab.a.admin, ab.b.editor), (world.cd, c_admin, d_admin)):
        conflict_id, thread_id = _coediting(partnership, author, other)
        world.conflicts[partnership.id], world.threads[partnership.id] = conflict_id, thread_id
        world.versions[partnership.id] = _plan_version(partnership, author)
        world.drafts[partnership.id] = _waiting_draft(partnership, author)
        world.packs[partnership.id] = _waiting_pack(partnership, author)
        world.proposals[partnership.id] = _proposal(partnership, author)
        world.imports[partnership.id] = _pending_import(partnership, author)
        world.attachments[partnership.id] = _attachment(partnership, author)
    world.tokens["invitation"] = _last_link_token(app, "new@alpha.example.com")
    world.tokens["reset"] = _last_link_token(app, ab.b.editor.email)
    # A's admin's calendar address (its token is the credential: no session needed).
    from app.accounts import feeds

    world.tokens["calendar"] = feeds.token_of(feeds.create_feed(ab.a.admin))
    db.session.commit()
    for partnership, first, second in ((ab.partnership, ab.a.admin, ab.b.admin), (world.cd, c_admin, d_admin)):
        ids = _review_cycle(partnership, first, second)
        world.cycles[partnership.id], world.actions[partnership.id], world.dimensions[partnership.id] = ids
        # After the links above are read from the outbox: the meeting tells the other party by email.
        world.meetings[partnership.id] = _meeting(partnership, first)
        world.escalations[partnership.id] = _escalation(partnership, first)
    return world


def routes(app, fillers: dict, *, endpoint_fillers: dict | None = None, only=None, methods=None):
    """(endpoint, method, path) for every URL rule (filtered by `only(rule)`) and method."""
    found = []
    for rule in app.url_map.iter_rules():
        if only is not None and not only(rule):
            continue
        values = {**fillers, **(endpoint_fillers or {}).get(rule.endpoint, {})}
        missing = rule.arguments - values.keys()
        assert not missing, f"{rule.rule}: add a value for {missing} to World.fillers in {__file__}"
        path = rule.build({name: values[name] for name in rule.arguments})[1]
        for method in sorted(rule.methods):
            if methods is None or method in methods:
                found.append((rule.endpoint, method, path))
    return found


def call(client, method: str, path: str, *, csrf: bool = True, data: dict | None = None):
    data = dict(data or {})
    if csrf and method in WRITE_METHODS:
        data.setdefault("csrf_token", client.csrf_token())
    if method in ("GET", "HEAD", "OPTIONS"):
        return client.open(path, method=method)
    return client.open(path, method=method, data=data)


def snapshot() -> dict:
    """Every row of every table, to prove a request changed nothing at all."""
    db.session.expire_all()
    state = {}
    with db.engine.connect() as connection:
        for table in db.metadata.sorted_tables:
            rows = connection.execute(sa.select(table).order_by(*table.primary_key.columns)).all()
            state[table.name] = [repr(tuple(row)) for row in rows]
    return state


def difference(before: dict, after: dict) -> dict:
    """Per table: how the rows changed (empty when nothing did)."""
    changed = {}
    for name in before.keys() | after.keys():
        old, new = set(before.get(name, [])), set(after.get(name, []))
        if old != new:
            changed[name] = {"gone": sorted(old - new, key=repr)[:3], "new": sorted(new - old, key=repr)[:3]}
    return changed


class Tally(Counter):
    """Requests checked, by walk and role: the figure the walks report."""

    def report(self) -> str:
        width = max((len(k) for k in self), default=10)
        lines = [f"  {key:<{width}}  {count:>5}" for key, count in sorted(self.items())]
        return "\n".join(["routes × roles checked:", *lines, f"  {'total':<{width}}  {sum(self.values()):>5}"])
