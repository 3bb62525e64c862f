"""Write the sample Word plan that "Import a plan" is shown and tested with.

    .venv/bin/python tools/make_sample_plan.py [OUT]   (default app/static/samples/sample-plan.docx)

It reads like a relationship plan written in Word before Jointly: a title, numbered headings
that use other words for some sections ("Governance", "Assets", "Risk register", "Comms",
"Exit (pre-nuptials)"), one heading no section is named by ("Operating rhythm"), paragraphs
and bullets, a risk register and an asset table with header rows (one column, "Site contact",
matches no asset field), and a payment-milestone table whose columns fit no item (it stays a
table in the text). The file is rebuilt identically each run, apart from Word's timestamps.
"""

import datetime
import os
import sys

from docx import Document
from docx.shared import Pt

DEFAULT_OUT = os.path.join(os.path.dirname(__file__), "..", "app", "static", "samples", "sample-plan.docx")

RISKS = [
    ("Risk", "Category", "Owner", "Likelihood", "Impact", "Mitigation", "Review date"),
    ("Peak-season capacity shortfall at the Rotterdam hub", "Operational", "Northwind Logistics", "High", "Major",
     "Reserve 15% overflow capacity with a second carrier from October; weekly capacity call in Q4.", "31/03/2027"),
    ("Forecast data arrives late or incomplete", "Technology", "Contoso Manufacturing", "3", "4",
     "Automated EDI feed with completeness checks; fall back to the previous week's plan.", "30 June 2027"),
    ("Key account team turnover", "People", "Northwind", "Low", "Moderate",
     "Named deputies for every role in the governance ladder; joint onboarding pack.", "2027-09-30"),
    ("Fuel price volatility erodes the gain-share", "Commercial", "Contoso", "Likely", "Medium",
     "Quarterly fuel index adjustment outside the gain-share baseline.", "31 Dec 2026"),
]
ASSETS = [
    ("Asset", "Category", "Contributed by", "Value", "At exit", "Site contact"),
    ("Rotterdam cross-dock (12,000 m²)", "Facilities", "Northwind Logistics", "€1,200,000", "Returns",
     "Jan de Vries"),
    ("Production planning system (SAP PP)", "Technology", "Contoso Manufacturing", "EUR 350k", "Stays jointly owned",
     "Planning desk"),
    ("Joint logistics control tower team", "People", "Northwind", "", "To be agreed", "Control tower lead"),
]
MILESTONES = [
    ("Milestone", "Payment", "When"),
    ("Mobilisation complete", "10% of year-one fee", "Month 3"),
    ("Control tower live", "15% of year-one fee", "Month 6"),
    ("First gain-share review", "Gain-share true-up", "Month 12"),
]


def _table(document, rows):
    table = document.add_table(rows=len(rows), cols=len(rows[0]))
    table.style = "Table Grid"
    for r, row in enumerate(rows):
        for c, text in enumerate(row):
            cell = table.cell(r, c)
            cell.text = text
            if r == 0:
                for run in cell.paragraphs[0].runs:
                    run.bold = True
    return table


def build(out: str) -> None:
    document = Document()
    document.styles["Normal"].font.name = "Calibri"
    document.styles["Normal"].font.size = Pt(11)
    document.core_properties.title = "Enterprise Relationship Management Plan"
    document.core_properties.author = "Alliance management office"
    document.core_properties.created = datetime.datetime(2026, 9, 1, 9, 0, 0)  # noqa: DTZ001 - Word's own format
    document.core_properties.modified = document.core_properties.created

    document.add_heading("Enterprise Relationship Management Plan", 0)
    document.add_paragraph("Northwind Logistics and Contoso Manufacturing · Version 3 · agreed at the Joint Steering "
                           "Board, September 2026")

    document.add_heading("1. Governance", 1)
    document.add_paragraph("The partnership is steered jointly. Neither party decides alone on anything that changes "
                           "the scope, the price or the people of the relationship.")
    document.add_heading("Joint Steering Board", 2)
    document.add_paragraph("Meets quarterly, chaired alternately by each party's executive sponsor.")
    for text in ("Approves the annual plan and the gain-share outcome", "Resolves escalations within ten working days",
                 "Signs off changes to this plan"):
        document.add_paragraph(text, style="List Bullet")

    document.add_heading("2. Business case and objectives", 1)
    document.add_paragraph("Together we aim to cut finished-goods lead time from 9 to 6 days and inventory days from "
                           "42 to 35 by the end of 2027, while keeping on-time delivery above 97%.")

    document.add_heading("3. Assets", 1)
    document.add_paragraph("What each party brings to the table, and what happens to it if we part.")
    _table(document, ASSETS)

    document.add_heading("4. Risk register", 1)
    document.add_paragraph("Reviewed at every monthly operations review; the top five go to the Steering Board.")
    _table(document, RISKS)

    document.add_heading("5. Commercial", 1)
    document.add_paragraph("A five-year framework agreement (ref. NW-CM-2026-014) with unit rates per pallet and a "
                           "50/50 gain-share on savings against the 2026 baseline.")
    _table(document, MILESTONES)

    document.add_heading("6. Operating rhythm", 1)
    document.add_paragraph("Daily stand-up between the control tower and Contoso's planners at 08:30; weekly "
                           "performance call; monthly operations review with both operations directors.")

    document.add_heading("7. Continuous improvement", 1)
    document.add_paragraph("Ideas from either side go into one shared backlog, reviewed monthly. Each approved "
                           "initiative names a champion and the measure it should move.")

    document.add_heading("8. Knowledge and IP", 1)
    document.add_paragraph("Each party keeps its background IP. Process improvements developed together are "
                           "foreground IP, owned jointly and licensed royalty-free to both parties.")

    document.add_heading("9. Comms", 1)
    document.add_paragraph("One shared workspace for the plan and actions; a monthly newsletter to both teams; the "
                           "Steering Board minutes within five working days.")

    document.add_heading("10. Exit (pre-nuptials)", 1)
    document.add_paragraph("Either party may leave on twelve months' notice. Exit follows a joint disengagement plan "
                           "so that customers see no interruption.")
    for text in ("Notice given in writing to the other party's executive sponsor",
                 "Disengagement plan agreed within 30 days",
                 "Shared assets returned or bought out at fair value"):
        document.add_paragraph(text, style="List Number")

    os.makedirs(os.path.dirname(os.path.abspath(out)), exist_ok=True)
    document.save(out)


if __name__ == "__main__":
    target = sys.argv[1] if len(sys.argv) > 1 else DEFAULT_OUT
    build(target)
    print(f"wrote {os.path.normpath(target)}")
