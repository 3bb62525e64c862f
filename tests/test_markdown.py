"""User Markdown comes out as the formatting people wrote, and hostile input comes out inert."""

from html.parser import HTMLParser
from urllib.parse import urlsplit

import pytest

from app.markdown import ALLOWED_ATTRIBUTES, ALLOWED_TAGS, render_markdown

# No database: these run once, on the first engine's pass (see tests/conftest.py).
pytestmark = pytest.mark.engine_independent

HOSTILE = [
    "[click](javascript:alert(1))",
    "[click](JaVaScRiPt:alert(document.cookie))",
    "[click](data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==)",
    "[click](jav&#x61;script:alert(1))",
    "[click](&#106;&#97;&#118;&#97;&#115;&#99;&#114;&#105;&#112;&#116;&#58;alert(1))",
    "[click](java\tscript:alert(1))",
    '<a href="javascript:alert(1)">raw link</a>',
    '<a href=" javascript:alert(1)">spaced</a>',
    '<a href="vbscript:msgbox(1)">vb</a>',
    '<a href="https://ok.example" onclick="alert(1)">ok</a>',
    "<img src=x onerror=alert(1)>",
    "![pic](javascript:alert(1))",
    "<svg onload=alert(1)><circle r=10></circle></svg>",
    '<iframe src="https://evil.example"></iframe>',
    '<p style="background:url(javascript:alert(1))">styled</p>',
    "<style>body { display: none }</style>",
    "<script>alert(1)</script>",
    "<<script>script>alert(1)<</script>/script>",
    '<div onmouseover="alert(1)">hover</div>',
    '<object data="movie.swf"></object><embed src="movie.swf">',
    '<form action="https://evil.example"><input name="password"><button>Go</button></form>',
    '<math><mi xlink:href="javascript:alert(1)">x</mi></math>',
    '<base href="https://evil.example/"><meta http-equiv="refresh" content="0;url=https://evil.example">',
    "[x](//evil.example/steal)",
    '<table><tr><td background="javascript:alert(1)" style="color:red">cell</td></tr></table>',
]


class _Elements(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.elements: list[tuple[str, dict]] = []

    def handle_starttag(self, tag, attrs):
        self.elements.append((tag, dict(attrs)))


def elements(html: str) -> list[tuple[str, dict]]:
    parser = _Elements()
    parser.feed(html)
    return parser.elements


def assert_inert(html: str) -> None:
    lowered = html.lower()
    assert "<script" not in lowered and "<style" not in lowered and "<iframe" not in lowered
    for tag, attrs in elements(html):
        assert tag in ALLOWED_TAGS, f"<{tag}> survived: {html}"
        for name, value in attrs.items():
            assert name in ALLOWED_ATTRIBUTES.get(tag, set()) or (tag, name) == ("a", "rel"), f"{tag}[{name}] survived"
            assert not name.startswith("on")
            if name == "href":
                assert urlsplit(value.strip()).scheme in ("http", "https", "mailto"), f"unsafe link {value!r}"


@pytest.mark.parametrize("payload", HOSTILE)
def test_hostile_markdown_comes_out_inert(payload):
    assert_inert(render_markdown(payload))
    assert_inert(render_markdown(f"Some text\n\n{payload}\n\n- a list\n- {payload}"))


def test_unsafe_links_keep_their_text_but_lose_the_target():
    html = render_markdown("See [the plan](javascript:alert(1)) now")
    assert "the plan" in html and "href" not in html


def test_formatting_people_use_survives():
    html = render_markdown(
        "# Title\n\nSome **bold**, *italic* and ~~struck~~ `code`.\n\n"
        "- one\n- two\n\n1. first\n2. second\n\n> quoted\n\n"
        "| Party | Share |\n|:--|--:|\n| Northwind | 50% |\n\n"
        "```\nline one\n```\n\n[site](https://example.com) and [mail](mailto:alex@example.com)\n\n---"
    )
    tags = [tag for tag, _ in elements(html)]
    for tag in ("h3", "strong", "em", "code", "ul", "ol", "li", "blockquote", "table", "th", "td", "pre", "hr", "a"):
        assert tag in tags, tag
    assert "h1" not in tags  # headings start below the page's own
    assert '<td align="right">50%</td>' in html
    assert '<a href="https://example.com" rel="noopener noreferrer">site</a>' in html
    assert 'href="mailto:alex@example.com"' in html


def test_line_breaks_are_kept_and_empty_text_renders_nothing():
    assert "<br" in render_markdown("line one\nline two")
    assert render_markdown("") == "" and render_markdown("   \n ") == "" and render_markdown(None) == ""


def test_one_text_leaves_nothing_behind_for_the_next():
    # The converter is reused between texts: a link reference or a footnote-like definition
    # in one narrative must not resolve a link in the next person's.
    first = render_markdown("# Risks\n\nSee [the register][reg].\n\n[reg]: https://example.com/register")
    second = render_markdown("# Risks\n\nSee [the register][reg].")
    assert 'href="https://example.com/register"' in first
    assert "href" not in second and "[the register][reg]" in second
    assert second.count("<h3") == 1


def test_a_narrative_diff_reads_as_markdown_with_its_changes_marked():
    from types import SimpleNamespace as Piece

    from app.markdown import render_diff

    html = str(render_diff([
        Piece(op="equal", text="### Risks\n\nThe **big** one is "), Piece(op="delete", text="fire"),
        Piece(op="insert", text="flood"), Piece(op="equal", text=".\n\n"), Piece(op="skip", text=4),
        Piece(op="equal", text="\n\n- item one\n"), Piece(op="insert", text="- item **two** <script>x</script>\n"),
    ]))
    assert "###" not in html and "**" not in html and "<script" not in html
    assert '<p class="diff-heading">Risks</p>' in html and "<strong>big</strong>" in html
    assert '<del><span class="visually-hidden">deleted: </span>fire' in html
    assert '<ins><span class="visually-hidden">inserted: </span>flood' in html
    assert '<p class="diff-skip">⋯ 4 unchanged lines ⋯</p>' in html
    assert '<li><ins><span class="visually-hidden">inserted: </span>item <strong>two</strong>' in html
