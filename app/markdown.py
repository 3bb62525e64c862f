"""Markdown written by users (plan narratives, comments) rendered to HTML that is safe to show.

Python-Markdown turns the text into HTML, then nh3 keeps only an explicit allow-list
of tags and attributes: whatever Markdown passes through (raw HTML, odd links) never
reaches the page with a script, a style or an unsafe URL.
"""

import re

import markdown
import nh3
from markupsafe import Markup

# Headings start at h3: narratives sit under the page's h1 and the section's h2, so a
# "# Title" in the text must not break the page's outline.
ALLOWED_TAGS = frozenset({
    "h3", "h4", "h5", "h6", "p", "br", "hr", "em", "strong", "del",
    "ul", "ol", "li", "table", "thead", "tbody", "tr", "th", "td",
    "a", "code", "pre", "blockquote",
})
ALLOWED_ATTRIBUTES = {"a": {"href", "title"}, "th": {"align"}, "td": {"align"}, "ol": {"start"}}
URL_SCHEMES = frozenset({"http", "https", "mailto"})
LINK_REL = "noopener noreferrer"

_EXTENSIONS = ["tables", "fenced_code", "sane_lists", "nl2br", "toc"]
_EXTENSION_CONFIGS = {
    # align= rather than style=, which the sanitiser (and the page's CSP) would drop.
    "tables": {"use_align_attribute": True},
    "toc": {"baselevel": 3, "marker": ""},
}


def sanitise_html(html: str) -> str:
    return nh3.clean(
        html,
        tags=set(ALLOWED_TAGS),
        attributes={tag: set(attrs) for tag, attrs in ALLOWED_ATTRIBUTES.items()},
        url_schemes=set(URL_SCHEMES),
        # Links must name their scheme: relative and scheme-less URLs are dropped.
        url_relative="deny",
        link_rel=LINK_REL,
        strip_comments=True,
    )


_HEADING = re.compile(r"<(/?)h([3-6])\b")


def outline(html: str, top: int = 3) -> str:
    """Headings of sanitised `html` that never skip a level: each is at most one deeper than the
    one before it (the first at most `top`), so "#### Risks" under the section title reads as
    its sub-heading rather than a gap in the page's outline."""
    levels: list[int] = []  # open headings' new levels, to close each with its own tag

    def renumber(match: re.Match) -> str:
        closing, level = match.group(1), int(match.group(2))
        if closing:
            return f"</h{levels.pop() if levels else level}"
        previous = renumber.last
        new = min(level, previous + 1)
        renumber.last = new
        levels.append(new)
        return f"<h{new}"

    renumber.last = top - 1
    return _HEADING.sub(renumber, html)


def render_markdown(text: str | None) -> str:
    """Sanitised HTML for the Markdown `text` (an empty string for none)."""
    if not text or not text.strip():
        return ""
    # A fresh converter per call: Markdown instances keep state between conversions.
    converter = markdown.Markdown(extensions=_EXTENSIONS, extension_configs=_EXTENSION_CONFIGS)
    return outline(sanitise_html(converter.convert(text))).strip()


def outline_markup(html: str | None) -> Markup:
    """`outline` for HTML this module rendered and stored earlier (saved before outlines)."""
    return Markup(outline(html or ""))  # noqa: S704  # nosec B704 - sanitised when it was rendered


def markdown_markup(text: str | None) -> Markup:
    return Markup(render_markdown(text))  # noqa: S704  # nosec B704 - sanitised by render_markdown
