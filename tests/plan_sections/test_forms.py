"""The editor's new rows: sensible defaults, and a new row nobody touched is left out."""

from app.plan_sections import forms
from app.plan_sections.registry import get_section_type


def test_a_new_risk_starts_open_and_reduced_so_its_first_save_needs_only_what_people_know(plan):
    ctx = plan.context()
    risks = get_section_type("risk_assessment")
    kind = risks.kind_by_key["risks"]
    state = forms.state_from_content(risks, {"narrative": "", "items": {}}, None, ctx)
    [row] = state.rows["risks"]
    assert (row.raw["status"], row.raw["response"]) == ("open", "reduce")

    # Untouched, the new row is left out of the save.
    content, errors = forms.content_from_state(risks, state, ctx)
    assert errors == {} and content["items"]["risks"] == []

    # With the title, category, owner, likelihood and impact filled in, it saves with the defaults.
    row.raw.update(
        {
            "title": "Port strike",
            "category": next(f for f in kind.fields if f.name == "category").options(ctx)[0][0],
            "owner_party": str(plan.people.a.party.id),
            "likelihood": "3",
            "impact": "4",
        }
    )
    content, errors = forms.content_from_state(risks, state, ctx)
    assert errors == {}, errors
    [risk] = content["items"]["risks"]
    assert (risk["title"], risk["status"], risk["response"]) == ("Port strike", "open", "reduce")
