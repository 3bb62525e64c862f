"""Regression tests for the examples of hostile input that once answered 500 or damaged data.

Each class is also tried on every route and form by the property-based suite
(tests/security/test_hostile_input.py); these pin the examples people reported.
"""

import pytest

from app.inputs import DB_INT_MAX, IdConverter
from app.markdown import render_markdown
from tests.support.routes import ENDPOINT_FILLERS, build_world, call, difference, routes, snapshot

BEYOND = [DB_INT_MAX + 1, 2**63, 2**64 + 1, 10**30]


@pytest.fixture
def world(app):
    return build_world(app)


# -- ids and page numbers beyond the database's integer range --------------------------------------


def test_ids_beyond_the_integer_range_are_not_found_like_a_missing_partnership(app, world, client_as):
    """Every id in every URL rule (partnerships, revisions, versions, reviews, conflicts,
    notifications, members, comments…), as a member and as an outsider: 404, nothing changed."""
    member, outsider = client_as(world.ab.a.admin), client_as(world.c_admin)
    fillers = world.fillers(world.ab.partnership)
    numbered = {
        rule.endpoint: sorted(name for name, converter in rule._converters.items() if isinstance(converter, IdConverter))
        for rule in app.url_map.iter_rules()
    }
    tried = 0
    before = snapshot()
    for name in {n for names in numbered.values() for n in names}:
        for huge in BEYOND:
            for endpoint, method, path in routes(
                app, {**fillers, name: huge}, endpoint_fillers=ENDPOINT_FILLERS(world),
                only=lambda rule, name=name: name in rule.arguments, methods={"GET", "POST"},
            ):
                for who, client in (("member", member), ("outsider", outsider)):
                    response = call(client, method, path)
                    tried += 1
                    assert response.status_code == 404, f"{who}: {method} {path} ({endpoint}) answered {response.status_code}"
    assert tried >= 200
    assert difference(before, snapshot()) == {}


@pytest.mark.parametrize("path", ["/notifications", "/partnerships/{id}/audit"])
def test_page_numbers_beyond_any_page_are_not_found_and_odd_ones_mean_the_first(world, client_as, path):
    client = client_as(world.ab.a.admin)
    path = path.format(id=world.ab.partnership.id)
    for huge in BEYOND:
        assert client.get(f"{path}?page={huge}").status_code == 404
    for odd in ("", "0", "-1", "abc", "1.5", "²", "٣"):
        assert client.get(f"{path}?page={odd}").status_code == 200, odd


def test_control_characters_in_an_address_are_refused(world, client_as):
    client = client_as(world.ab.a.admin)
    pid = world.ab.partnership.id
    for path in (f"/partnerships/{pid}/audit?action=%00", f"/partnerships/{pid}/activity?before=a%00b",
                 "/home?type=%01", f"/invitations/{world.tokens['invitation']}%00"):
        assert client.get(path).status_code == 400, path


# -- raw HTML in Markdown ----------------------------------------------------------------------------


def test_an_unclosed_style_tag_no_longer_swallows_what_follows_it():
    html = render_markdown("Our scope.\n\n<style>\n\nEverything written after the tag.\n\n- and this list")
    assert "Everything written after the tag." in html and "<li>and this list</li>" in html
    assert "&lt;style&gt;" in html and "<style" not in html


def test_raw_html_reads_as_the_text_it_is():
    html = render_markdown('Say <b>bold</b> or <a href="https://x.example">a link</a> & <!-- a note -->')
    assert "&lt;b&gt;bold&lt;/b&gt;" in html and "&lt;!-- a note --&gt;" in html
    assert "<b>" not in html and "<a href" not in html
    # What Markdown itself makes still works, autolinks included.
    assert '<a href="https://ok.example" rel="noopener noreferrer">' in render_markdown("<https://ok.example>")
    assert "<strong>bold</strong>" in render_markdown("**bold**")
