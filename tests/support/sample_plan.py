"""A realistic plan document in HTML, for the PDF tests and the benchmark.

Cover, table of contents, the ten ERMP sections (a risk register with a 5x5 heat map
as inline SVG, an asset register, long narratives) and a signature page with one box
per party. Deterministic: the same arguments give the same HTML.
"""

import hashlib
import random
from html import escape

PARTIES = ("Northwind Logistics Ltd", "Contoso Manufacturing GmbH")
SECTIONS = (
    ("organisation", "Organisational arrangements"),
    ("business-case", "Business case"),
    ("assets", "Asset register"),
    ("risks", "Risk assessment"),
    ("commercial", "Commercial agreement"),
    ("management", "Management activities"),
    ("improvement", "Continuous improvement & innovation"),
    ("knowledge", "Knowledge management"),
    ("communications", "Communications"),
    ("exit", "Exit arrangements"),
)
CONTENT_HASH = hashlib.sha256(b"sample plan v1.2 canonical content").hexdigest()

_WORDS = tuple(
    " ".join(
        (
            "partners agree review joint governance quarterly escalation value shared capability",
            "commitment trust delivery customer service improvement measure target baseline risk",
            "mitigation owner contract change control knowledge register exit transition asset",
            "resource performance forum steering operational regional programme supplier logistics",
            "capacity forecast warehouse network demand planning integration data security",
        )
    ).split()
)
_RISK_CATEGORIES = ("Operational", "Commercial", "Strategic", "Compliance", "Technology", "People")
_ASSET_CATEGORIES = ("Facility", "Fleet", "Software", "Know-how", "Data", "Staff time", "Brand")


def sentence(rng: random.Random, words: int = 14) -> str:
    text = " ".join(rng.choice(_WORDS) for _ in range(words))
    return text[0].upper() + text[1:] + "."


def paragraph(rng: random.Random, sentences: int = 5) -> str:
    return "<p>" + " ".join(sentence(rng, rng.randint(9, 20)) for _ in range(sentences)) + "</p>"


def heat_map_svg(counts: list[list[int]]) -> str:
    """A 5x5 likelihood x impact grid, coloured by score, with the number of risks per cell."""
    cell, left, top = 48, 64, 12
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{left + 5 * cell + 12}" height="{top + 5 * cell + 52}" '
        f'viewBox="0 0 {left + 5 * cell + 12} {top + 5 * cell + 52}" role="img" aria-label="Risk heat map">'
    ]
    for likelihood in range(5, 0, -1):
        for impact in range(1, 6):
            score = likelihood * impact
            colour = "#e5f4ea" if score <= 4 else "#fdf3e1" if score <= 12 else "#f6c9c5"
            x = left + (impact - 1) * cell
            y = top + (5 - likelihood) * cell
            parts.append(
                f'<rect x="{x}" y="{y}" width="{cell}" height="{cell}" fill="{colour}" '
                'stroke="#ffffff" stroke-width="2"/>'
            )
            count = counts[likelihood - 1][impact - 1]
            if count:
                parts.append(
                    f'<text x="{x + cell / 2}" y="{y + cell / 2 + 5}" text-anchor="middle" '
                    f'font-family="Source Sans 3" font-weight="700" font-size="15" fill="#1d2433">{count}</text>'
                )
        parts.append(
            f'<text x="{left - 8}" y="{top + (5 - likelihood) * cell + cell / 2 + 4}" text-anchor="end" '
            f'font-family="Source Sans 3" font-size="11" fill="#3d4657">{likelihood}</text>'
        )
    for impact in range(1, 6):
        parts.append(
            f'<text x="{left + (impact - 1) * cell + cell / 2}" y="{top + 5 * cell + 16}" text-anchor="middle" '
            f'font-family="Source Sans 3" font-size="11" fill="#3d4657">{impact}</text>'
        )
    parts.append(
        f'<text x="{left + 2.5 * cell}" y="{top + 5 * cell + 38}" text-anchor="middle" '
        f'font-family="Source Sans 3" font-size="12" fill="#1d2433">Impact</text>'
    )
    parts.append(
        f'<text x="14" y="{top + 2.5 * cell}" text-anchor="middle" transform="rotate(-90 14 {top + 2.5 * cell})" '
        f'font-family="Source Sans 3" font-size="12" fill="#1d2433">Likelihood</text>'
    )
    parts.append("</svg>")
    return "".join(parts)


def risk_rows(rng: random.Random, count: int) -> tuple[str, list[list[int]]]:
    counts = [[0] * 5 for _ in range(5)]
    rows = []
    for n in range(1, count + 1):
        likelihood, impact = rng.randint(1, 5), rng.randint(1, 5)
        counts[likelihood - 1][impact - 1] += 1
        score = likelihood * impact
        level = "low" if score <= 4 else "medium" if score <= 12 else "high"
        rows.append(
            f"<tr><td>R-{n:03d}</td><td>{rng.choice(_RISK_CATEGORIES)}</td>"
            f"<td>{escape(sentence(rng, rng.randint(6, 12)))}</td><td>{rng.choice(PARTIES).split()[0]}</td>"
            f'<td class="num">{likelihood}</td><td class="num">{impact}</td>'
            f'<td class="num"><span class="score score-{level}">{score}</span></td>'
            f"<td>{escape(sentence(rng, rng.randint(5, 10)))}</td></tr>"
        )
    return "".join(rows), counts


def asset_rows(rng: random.Random, count: int) -> str:
    rows = []
    for n in range(1, count + 1):
        rows.append(
            f"<tr><td>A-{n:03d}</td><td>{rng.choice(_ASSET_CATEGORIES)}</td><td>{rng.choice(PARTIES).split()[0]}</td>"
            f"<td>{escape(sentence(rng, rng.randint(6, 11)))}</td>"
            f'<td class="num">{rng.randint(5, 900) * 1000:,} EUR</td>'
            f"<td>{rng.choice(('Returned at exit', 'Licensed on', 'Transferred', 'Retired'))}</td></tr>"
        )
    return "".join(rows)


def build_plan_html(
    *,
    risks: int = 300,
    assets: int = 40,
    narrative_paragraphs: int = 3,
    parties: tuple[str, ...] = PARTIES,
    narrative_extra: str = "",
    content_hash: str = CONTENT_HASH,
    seed: int = 7,
) -> str:
    rng = random.Random(seed)
    risk_body, counts = risk_rows(rng, risks)
    toc, sections = [], []
    for number, (slug, title) in enumerate(SECTIONS, start=1):
        toc.append(f'<li><a href="#{slug}">{number}. {escape(title)}</a></li>')
        body = [
            f'<section class="plan-section" id="{slug}"><h2>{number}. {escape(title)}</h2>',
            '<p class="section-meta">Last changed 3 March 2026 by Dana Whitfield (Northwind) · '
            "reviewed 10 March 2026 by Jonas Becker (Contoso)</p>",
        ]
        body += [paragraph(rng) for _ in range(narrative_paragraphs)]
        if slug == "organisation":
            body.append(narrative_extra)
            body.append("<h3>Governance bodies</h3>")
            body.append(
                "<table><thead><tr><th>Body</th><th>Purpose</th><th>Members</th><th>Frequency</th></tr></thead><tbody>"
                "<tr><td>Joint steering board</td><td>Strategy, escalations, plan approval</td>"
                "<td>Both MDs, alliance managers</td><td>Quarterly</td></tr>"
                "<tr><td>Operations forum</td><td>Service delivery and measures</td>"
                "<td>Operations leads</td><td>Monthly</td></tr></tbody></table>"
            )
        if slug == "risks":
            body.append(
                "<h3>Heat map</h3><figure>" + heat_map_svg(counts) + "<figcaption>Open risks by likelihood "
                "and impact (score = likelihood × impact).</figcaption></figure>"
            )
            body.append(
                "<h3>Risk register</h3><table><thead><tr><th>Id</th><th>Category</th><th>Risk</th><th>Owner</th>"
                '<th class="num">L</th><th class="num">I</th><th class="num">Score</th><th>Mitigation</th>'
                f"</tr></thead><tbody>{risk_body}</tbody></table>"
            )
        if slug == "assets":
            body.append(
                "<h3>Resources and capabilities</h3><table><thead><tr><th>Id</th><th>Category</th>"
                '<th>Party</th><th>Description</th><th class="num">Value</th><th>At exit</th></tr></thead>'
                f"<tbody>{asset_rows(rng, assets)}</tbody></table>"
            )
        body.append("</section>")
        sections.append("".join(body))
    toc.append('<li><a href="#signatures">Signatures</a></li>')

    party_items = "".join(f"<li>{escape(name)}</li>" for name in parties)
    slots = "".join(
        f'<div class="signature-slot"><h3>{escape(name)}</h3>'
        f'<div class="signature-box" id="signature-field-Party{i}"></div>'
        f'<p class="signature-caption">Digital signature of the authorised signatory of {escape(name)}</p></div>'
        for i, name in enumerate(parties, start=1)
    )
    return f"""<!doctype html>
<html lang="en-GB">
<head>
<meta charset="utf-8">
<title>Northwind–Contoso Logistics Alliance — ERMP v1.2</title>
<link rel="stylesheet" href="static/css/print.css">
</head>
<body>
<section class="cover">
  <div class="brand">Jointly</div>
  <h1 class="doc-partnership">Northwind–Contoso Logistics Alliance</h1>
  <p class="subtitle">Enterprise Relationship Management Plan</p>
  <ul class="parties">{party_items}</ul>
  <dl>
    <dt>Version</dt><dd class="doc-version">v1.2</dd>
    <dt>Issued</dt><dd>14 March 2026</dd>
    <dt>Content SHA-256</dt><dd class="doc-content-hash">{escape(content_hash)}</dd>
  </dl>
  <p class="status">Issued for signature by both parties.</p>
</section>
<nav class="toc"><h2>Contents</h2><ol>{"".join(toc)}</ol></nav>
{"".join(sections)}
<section class="signature-page" id="signatures">
  <h2>Signatures</h2>
  <p class="signature-statement">By signing, each party confirms that this version of the plan is the agreed
  basis for the relationship. The signatures below are PAdES digital signatures over this document;
  any later change to the file invalidates them.</p>
  <div class="signature-grid">{slots}</div>
</section>
</body>
</html>
"""
