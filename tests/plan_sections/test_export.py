"""Each item kind of the working plan as CSV: the fields' labels as header, one row per item in
the plan's order, plain values, and no cell a spreadsheet would run as a formula."""

import copy
import csv
import io

from app.downloads import csv_safe
from app.plan_sections.registry import section_types


def _rows(response) -> list[list[str]]:
    text = response.get_data(as_text=True)
    assert text.startswith("\ufeff")
    return list(csv.reader(io.StringIO(text[1:])))


def _url(plan, section_key: str, kind_key: str) -> str:
    return f"/partnerships/{plan.partnership.id}/plan/{section_key}/{kind_key}.csv"


def test_every_item_kind_downloads_with_its_field_labels_as_header(plan, client_as):
    plan.fill_referenced_sections(plan.people.a.editor)
    for section_type in section_types():
        if section_type.key not in ("business_case", "asset_register", "knowledge_management"):
            plan.save(plan.people.a.editor, section_type.key)
    client = client_as(plan.people.b.viewer)
    for section_type in section_types():
        content = plan.section(section_type.key).current_revision.content
        for kind in section_type.item_kinds:
            response = client.get(_url(plan, section_type.key, kind.key))
            assert response.status_code == 200 and response.mimetype == "text/csv"
            assert response.headers["Content-Disposition"].startswith("attachment;")
            rows = _rows(response)
            assert rows[0] == ["ID", *(f.label for f in kind.fields), *(d.label for d in kind.derived.values())]
            assert [row[0] for row in rows[1:]] == [item["id"] for item in content["items"][kind.key]]


def test_the_risk_register_holds_plain_values_and_no_formulas(plan, client_as):
    plan.fill_referenced_sections(plan.people.a.editor)
    plan.save(plan.people.a.editor, "risk_assessment")
    content = copy.deepcopy(plan.section("risk_assessment").current_revision.content)
    risk = content["items"]["risks"][0]
    risk.update(title="=HYPERLINK(\"http://evil.example\",\"open\")", mitigation="+1 call\n@SUM(A1)",
                likelihood=4, impact=3, next_review="2027-03-01")
    plan.save(plan.people.a.editor, "risk_assessment", content)
    rows = _rows(client_as(plan.people.a.viewer).get(_url(plan, "risk_assessment", "risks")))
    header, first = rows[0], dict(zip(rows[0], rows[1], strict=True))
    assert header[:3] == ["ID", "Risk", "Category"] and header[-1] == "Score"
    assert first["Risk"] == "'=HYPERLINK(\"http://evil.example\",\"open\")"
    assert first["Mitigation"] == "'+1 call\n@SUM(A1)"
    assert first["Likelihood"] == "4 — Likely" and first["Score"] == "12"
    assert first["Next review"] == "2027-03-01"
    assert first["Owner party"] in ("Alpha Ltd", "Beta GmbH")


def test_unknown_kinds_and_outsiders_get_404(plan, client_as):
    client = client_as(plan.people.a.editor)
    assert client.get(_url(plan, "risk_assessment", "assets")).status_code == 404
    assert client.get(_url(plan, "no_such_section", "risks")).status_code == 404
    assert client_as(plan.people.outsider).get(_url(plan, "risk_assessment", "risks")).status_code == 404


def test_the_section_page_offers_each_register_as_csv(plan, client_as):
    plan.fill_referenced_sections(plan.people.a.editor)
    page = client_as(plan.people.b.viewer).get(f"/partnerships/{plan.partnership.id}/plan/asset_register")
    assert _url(plan, "asset_register", "assets") in page.get_data(as_text=True)


def test_one_formula_guard_for_every_export():
    for value, safe in (("=1+1", "'=1+1"), ("+1", "'+1"), ("-1", "'-1"), ("@A1", "'@A1"), ("\tx", "'\tx"),
                        ("plain", "plain"), (None, ""), (12, "12")):
        assert csv_safe(value) == safe
