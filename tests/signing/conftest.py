"""Shared, expensive fixtures for the signing tests: rendered PDFs and identities.

Rendering is the slow part (seconds), so each PDF is rendered once per session.
"""

import pytest

from app.signing import keys, pades
from tests.support.sample_plan import CONTENT_HASH, PARTIES, build_plan_html


def render_sample(**options) -> bytes:
    draft = options.pop("draft", False)
    return pades.render_for_signing(
        build_plan_html(**options),
        title="Northwind–Contoso Logistics Alliance — ERMP v1.2",
        author="Northwind Logistics Ltd, Contoso Manufacturing GmbH",
        subject="Enterprise Relationship Management Plan, version 1.2",
        keywords=["ERMP", "v1.2", "partnership plan"],
        draft=draft,
        content_hash=CONTENT_HASH,
        lang="en-GB",
    )


@pytest.fixture(scope="session")
def draft_plan_pdf(tmp_path_factory):
    """The full sample: cover, contents, 300-row risk register, heat map, signature page; DRAFT."""
    data = render_sample(draft=True, risks=300)
    path = tmp_path_factory.mktemp("pdf") / "draft.pdf"
    path.write_bytes(data)
    return path


@pytest.fixture(scope="session")
def plan_pdf() -> bytes:
    """A short final (not draft) plan with one signature field per party, for signing."""
    return render_sample(risks=12, assets=4, narrative_paragraphs=1)


@pytest.fixture(scope="session")
def identities():
    return [keys.generate_identity(name) for name in PARTIES]


@pytest.fixture(scope="session")
def signed_once(plan_pdf, identities) -> bytes:
    return pades.sign_pdf(
        plan_pdf,
        identities[0],
        field_name="Party1",
        reason="Approves plan version 1.2",
        location="Leeds",
        signer_name="Dana Whitfield",
    )


@pytest.fixture(scope="session")
def signed_twice(signed_once, identities) -> bytes:
    return pades.sign_pdf(
        signed_once,
        identities[1],
        field_name="Party2",
        reason="Approves plan version 1.2",
        location="Hamburg",
        signer_name="Jonas Becker",
    )
