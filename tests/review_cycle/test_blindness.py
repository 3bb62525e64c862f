"""Blind means blind: before every party has submitted, no page, export, notification, audit
view or API shows one party's scores, comments, actuals or notes to another party.

The walk opens every GET URL of the app (found from the URL map, so new pages are covered
by themselves) as each member of the other party, and looks for marker texts typed into
the first party's submitted assessment and the second party's draft.
"""

import io

import docx
import pytest

from app.extensions import db
from app.partnerships.access import load_membership
from app.plan_versions.word import MIME_TYPE
from app.review_cycle import assessments, cycles
from app.review_cycle.assessments import AssessmentInput
from app.review_cycle.forms import read_assessment
from tests.support.poppler import poppler
from tests.support.review_cycle import agree_all, assessment_form, open_cycle
from tests.support.routes import ENDPOINT_FILLERS, build_world, routes

A_MARKERS = ["BLINDCOMMENTALPHA", "BLINDACHIEVEALPHA", "BLINDCONCERNALPHA", "424242.5", "BLINDNOTEALPHA"]
B_MARKERS = ["DRAFTCOMMENTBETA", "DRAFTACHIEVEBETA", "171717.25", "DRAFTREASONBETA"]


def _assessment(cycle, party_id: int, comment: str, text: str, actual: str, note: str) -> AssessmentInput:
    form = assessment_form(cycle, party_id, 5, comment=comment, actual=actual)
    form["achievements"], form["concerns"] = text, text.replace("ACHIEVE", "CONCERN")
    for measure in cycle.measures:
        form[f"reason-{measure['id']}"] = note
        if measure["data_owner"] != party_id:
            form[f"actual-{measure['id']}"] = actual
            form[f"disputed-{measure['id']}"] = "1"
    return read_assessment(cycle, form)


@pytest.fixture
def blind_world(app):
    world = build_world(app)
    ab = world.ab
    partnership = ab.partnership
    cycle = cycles.cycle_of(partnership.id, world.cycles[partnership.id])
    agree_all(cycle, [ab.a.admin, ab.b.admin])  # Improve -> Operate
    agree_all(cycle, [ab.a.admin, ab.b.admin])  # closed
    current = open_cycle(partnership, ab.a.admin)
    a, b = load_membership(partnership.id, ab.a.editor), load_membership(partnership.id, ab.b.editor)
    assessments.submit(
        a, current, _assessment(current, a.party_id, A_MARKERS[0], A_MARKERS[1], A_MARKERS[3], A_MARKERS[4])
    )
    assessments.save_draft(b, current, _assessment(current, b.party_id, B_MARKERS[0], B_MARKERS[1], B_MARKERS[2],
                                          B_MARKERS[3]))
    db.session.commit()
    world.cycles[partnership.id] = current.id
    return world


def _walk(app, world, client) -> dict[str, str]:
    pages = {}
    for endpoint, _method, path in routes(
        app, world.fillers(world.ab.partnership), endpoint_fillers=ENDPOINT_FILLERS(world), methods={"GET"},
        only=lambda rule: rule.endpoint != "static" and "sign_out" not in rule.endpoint,
    ):
        response = client.get(path)
        pages[f"{endpoint} {path} ({response.status_code})"] = _text_of(response)
    return pages


def _text_of(response) -> str:
    """A page's HTML or CSV, the text of a Word document (the plan and its versions), or the text
    of a PDF (the draft plan, stored versions, review reports)."""
    if response.mimetype == MIME_TYPE:
        document = docx.Document(io.BytesIO(response.get_data()))
        cells = [cell.text for table in document.tables for row in table.rows for cell in row.cells]
        return "\n".join([p.text for p in document.paragraphs] + cells)
    if response.mimetype != "application/pdf":
        return response.get_data(as_text=True)
    return poppler("pdftotext", "-raw", "-", "-", data=response.get_data())


def _leaks(pages: dict[str, str], markers: list[str]) -> list[str]:
    return [f"{marker} on {page}" for page, body in pages.items() for marker in markers if marker in body]


def _found_by_search(client, markers: list[str]) -> list[str]:
    """The markers the search page finds anything for (older revisions included); the page repeats
    what was typed, so a leak is a result, not the marker's text."""
    return [marker for marker in markers
            if "search-hit" in client.get("/search", query_string={"q": marker, "older": "y"}).text]


def test_no_page_shows_another_partys_assessment_before_the_reveal(app, blind_world, client_as):
    world = blind_world
    checked = 0
    for user, hidden, own in (
        (world.ab.b.admin, A_MARKERS, B_MARKERS), (world.ab.b.editor, A_MARKERS, B_MARKERS),
        (world.ab.b.viewer, A_MARKERS + B_MARKERS, []),  # viewers do not even see their own party's draft form
        (world.ab.a.admin, B_MARKERS, A_MARKERS), (world.ab.a.viewer, B_MARKERS, []),
    ):
        client = client_as(user)
        pages = _walk(app, world, client)
        checked += len(pages)
        assert _leaks(pages, hidden) == []
        assert _found_by_search(client, hidden) == []
        results = next(body for page, body in pages.items() if page.startswith("review_cycle.results "))
        export = next(page for page in pages if page.startswith("review_cycle.results_export "))
        assert export.endswith("(404)"), export  # the results CSV does not exist before the reveal
        assert "score-dot" not in results and "chart--radar" not in results
        if own:  # the walk did reach the place where the party's own text shows
            assert any(own[0] in body for body in pages.values())
    assert checked > 100


def test_the_audit_export_and_notifications_carry_no_blind_content(app, blind_world, client_as):
    world = blind_world
    client = client_as(world.ab.b.admin)
    export = client.get(f"/partnerships/{world.ab.partnership.id}/audit.csv")
    assert export.status_code == 200
    assert _leaks({"audit export": export.get_data(as_text=True)}, A_MARKERS) == []
    notes = client.get("/notifications").get_data(as_text=True)
    assert "submitted its review" in notes and _leaks({"notifications": notes}, A_MARKERS) == []


def test_after_the_last_submission_everything_is_shown(app, blind_world, client_as):
    world = blind_world
    partnership_id = world.ab.partnership.id
    cycle = cycles.cycle_of(partnership_id, world.cycles[partnership_id])
    b = load_membership(partnership_id, world.ab.b.editor)
    assessments.submit(b, cycle, _assessment(cycle, b.party_id, B_MARKERS[0], B_MARKERS[1], B_MARKERS[2], B_MARKERS[3]))
    db.session.commit()
    page = client_as(world.ab.b.viewer).get(f"/partnerships/{partnership_id}/reviews/{cycle.id}/results")
    body = page.get_data(as_text=True)
    for marker in A_MARKERS[:4] + B_MARKERS[:3]:
        assert marker in body
    assert "Disputed" in body and "<svg" in body
    # Revealed, every party's text is found by search too (numbers are not words to search for).
    words = [A_MARKERS[0], A_MARKERS[1], A_MARKERS[2], A_MARKERS[4], B_MARKERS[0], B_MARKERS[1], B_MARKERS[3]]
    assert _found_by_search(client_as(world.ab.b.viewer), words) == words


REASON_MARKER = "BLINDREASONALPHA"


def test_a_correction_asked_for_before_the_reveal_tells_the_other_party_only_that(app, blind_world, client_as):
    """Alpha asks to correct its submitted assessment, then Beta agrees: at both points Beta's
    pages, notifications, emails and audit trail show that a correction was asked for, and
    nothing of what Alpha submitted or why."""
    from app.consent import services as consent
    from app.review_cycle import corrections
    from tests.support.mail import file_outbox, text_of

    world = blind_world
    partnership_id = world.ab.partnership.id
    cycle = cycles.cycle_of(partnership_id, world.cycles[partnership_id])
    proposal = corrections.propose_correction(
        load_membership(partnership_id, world.ab.a.admin), cycle, f"{REASON_MARKER}: {A_MARKERS[3]} was a typo")
    db.session.commit()
    hidden = A_MARKERS + [REASON_MARKER]
    for stage in ("pending", "agreed"):
        if stage == "agreed":
            consent.respond(load_membership(partnership_id, world.ab.b.admin), proposal, "agree")
            db.session.commit()
            assert assessments.own_assessment(cycle, world.ab.a.party.id).submitted_at is None
        for user in (world.ab.b.admin, world.ab.b.viewer):
            client = client_as(user)
            pages = _walk(app, world, client)
            pages["proposal"] = client.get(f"/partnerships/{partnership_id}/proposals/{proposal.id}").text
            pages["notifications"] = client.get("/notifications").text
            pages["audit export"] = client.get(f"/partnerships/{partnership_id}/audit.csv").text
            assert _leaks(pages, hidden) == [], stage
            assert _found_by_search(client, hidden) == [], stage
            assert "correct" in pages["proposal"] and "Alpha Ltd" in pages["proposal"]
        mails = {f"mail to {m['To']}": text_of(m) for m in file_outbox(app)
                 if "beta.example.com" in str(m["To"])}
        assert mails and _leaks(mails, hidden) == [], stage
    own = client_as(world.ab.a.admin).get(f"/partnerships/{partnership_id}/proposals/{proposal.id}").text
    assert REASON_MARKER in own  # the proposing party reads its own reason


# -- the maturity assessment: the same engine, the same blindness ---------------------------------

MATURITY_A = ["MATURITYEVIDENCEALPHA", "MATURITYSTRENGTHALPHA", "MATURITYBACKALPHA"]
MATURITY_B = ["MATURITYDRAFTBETA", "MATURITYDRAFTSTRENGTHBETA"]


@pytest.fixture
def blind_maturity_world(app):
    """Beside the open quarterly review, a maturity assessment Alpha has submitted (every rating 5,
    its evidence, strengths and what holds it back) and Beta has only drafted."""
    from app.review_cycle import maturity

    world = build_world(app)
    partnership = world.ab.partnership
    admin = load_membership(partnership.id, world.ab.a.admin)
    cycle = maturity.start_assessment(admin, cycles.proposed_period(partnership, kind=maturity.KIND))
    a, b = load_membership(partnership.id, world.ab.a.editor), load_membership(partnership.id, world.ab.b.editor)
    form = assessment_form(cycle, a.party_id, 5, comment=MATURITY_A[0])
    form["achievements"], form["concerns"] = MATURITY_A[1], MATURITY_A[2]
    assessments.submit(a, cycle, read_assessment(cycle, form))
    draft = assessment_form(cycle, b.party_id, 1, comment=MATURITY_B[0], text=MATURITY_B[1])
    assessments.save_draft(b, cycle, read_assessment(cycle, draft))
    db.session.commit()
    world.cycles[partnership.id] = cycle.id  # the walk's cycle pages are the maturity assessment's
    return world


def test_no_page_shows_another_partys_maturity_ratings_before_the_reveal(app, blind_maturity_world, client_as):
    world = blind_maturity_world
    partnership_id = world.ab.partnership.id
    for user, hidden, own in (
        (world.ab.b.admin, MATURITY_A, MATURITY_B), (world.ab.b.viewer, MATURITY_A + MATURITY_B, []),
        (world.ab.a.viewer, MATURITY_B, []),
    ):
        client = client_as(user)
        pages = _walk(app, world, client)
        pages["notifications"] = client.get("/notifications").text
        pages["audit export"] = client.get(f"/partnerships/{partnership_id}/audit.csv").text
        assert _leaks(pages, hidden) == []
        assert _found_by_search(client, hidden) == []
        results = next(body for page, body in pages.items() if page.startswith("review_cycle.results "))
        assert "Maturity assessment" in results and "score-dot" not in results and "chart--radar" not in results
        assert next(page for page in pages if page.startswith("review_cycle.results_export ")).endswith("(404)")
        overview = next(body for page, body in pages.items() if page.startswith("partnerships.show "))
        assert "ratings stay hidden until every party has submitted" in overview
        if own:
            assert any(own[0] in body for body in pages.values())
    # Then Beta submits: every party reads every rating.
    cycle = cycles.cycle_of(partnership_id, world.cycles[partnership_id])
    b = load_membership(partnership_id, world.ab.b.editor)
    assessments.submit(b, cycle, assessments.AssessmentInput.of(assessments.own_assessment(cycle, b.party_id)))
    db.session.commit()
    body = client_as(world.ab.b.viewer).get(f"/partnerships/{partnership_id}/reviews/{cycle.id}/results").text
    assert all(marker in body for marker in MATURITY_A + MATURITY_B)
    assert _found_by_search(client_as(world.ab.b.viewer), MATURITY_A + MATURITY_B) == MATURITY_A + MATURITY_B
