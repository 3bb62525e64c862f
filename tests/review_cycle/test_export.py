"""The results CSV: only after the reveal, for every party alike, one row per fact, and no cell a
spreadsheet would run as a formula."""

import csv
import io

from tests.support.review_cycle import open_cycle, submit


def _rows(response) -> list[dict]:
    text = response.get_data(as_text=True)
    assert text.startswith("\ufeff")
    return list(csv.DictReader(io.StringIO(text[1:])))


def _url(cycle) -> str:
    return f"/partnerships/{cycle.partnership_id}/reviews/{cycle.id}/results.csv"


def test_before_the_reveal_nobody_gets_the_results_csv(world, client_as):
    cycle = open_cycle(world.partnership, world.a.admin)
    submit(cycle, world.a.editor, 5, comment="=SUM(A1:A9) early view")
    for user in (world.a.admin, world.a.editor, world.b.admin, world.b.viewer):
        assert client_as(user).get(_url(cycle)).status_code == 404
    page = client_as(world.b.admin).get(f"/partnerships/{world.partnership.id}/reviews/{cycle.id}/results")
    assert "results.csv" not in page.get_data(as_text=True)
    assert client_as(world.outsider).get(_url(cycle)).status_code == 404


def test_after_the_reveal_every_party_downloads_the_same_results(world, client_as):
    cycle = open_cycle(world.partnership, world.a.admin)
    submit(cycle, world.a.editor, 5, comment="=HYPERLINK(\"http://evil.example\",\"x\")", text="@SUM(1)")
    submit(cycle, world.b.editor, 2, comment="-2+3 felt slow", actual="4.5")
    answers = [client_as(user).get(_url(cycle)) for user in (world.a.viewer, world.b.viewer)]
    for response in answers:
        assert response.status_code == 200 and response.mimetype == "text/csv"
        assert response.headers["Content-Disposition"].startswith("attachment;")
    assert answers[0].get_data() == answers[1].get_data()
    rows = _rows(answers[0])
    assert list(rows[0]) == ["Period", "Kind", "Name", "Party", "Score or actual", "Comment or reason", "Mean",
                             "Perception gap", "Unit", "Better when", "Baseline", "Target", "Rating", "Disputed"]
    scores = [r for r in rows if r["Kind"] == "Score"]
    assert len(scores) == 2 * len(cycle.dimensions)
    first = cycle.dimensions[0]["name"]
    by_party = {r["Party"]: r for r in scores if r["Name"] == first}
    assert by_party["Alpha Ltd"]["Score or actual"] == "5" and by_party["Beta GmbH"]["Score or actual"] == "2"
    assert by_party["Alpha Ltd"]["Perception gap"] == "3" and by_party["Alpha Ltd"]["Mean"] == "3.5"
    # Formulas typed into comments and notes arrive as text.
    assert by_party["Alpha Ltd"]["Comment or reason"] == "'=HYPERLINK(\"http://evil.example\",\"x\")"
    assert by_party["Beta GmbH"]["Comment or reason"] == "'-2+3 felt slow"
    achievements = next(r for r in rows if r["Kind"] == "Achievements" and r["Party"] == "Alpha Ltd")
    assert achievements["Comment or reason"] == "'@SUM(1)"
    measures = {r["Name"]: r for r in rows if r["Kind"] == "Measure" and r["Disputed"] == ""}
    assert measures["Cost per unit"]["Score or actual"] == "4.5" and measures["Cost per unit"]["Party"] == "Beta GmbH"
    assert measures["Cost per unit"]["Better when"] == "Lower" and measures["Cost per unit"]["Target"] == "3.8"
    index = next(r for r in rows if r["Kind"] == "Health index" and r["Party"] == "All parties")
    assert index["Score or actual"] != ""
    page = client_as(world.b.viewer).get(f"/partnerships/{world.partnership.id}/reviews/{cycle.id}/results")
    assert f"/reviews/{cycle.id}/results.csv" in page.get_data(as_text=True)
