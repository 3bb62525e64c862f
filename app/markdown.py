"""Markdown written by users (plan narratives, comments) rendered to HTML that is safe to show.

Python-Markdown turns the text into HTML, then nh3 keeps only an explicit allow-list
of tags and attributes: whatever Markdown passes through (raw HTML, odd links) never
reaches the page with a script, a style or an unsafe URL.
"""

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


def render_markdown(text: str | None) -> str:
    """Sanitised HTML for the Markdown `text` (an empty string for none)."""
    if not text or not text.strip():
        return ""
    # A fresh converter per call: Markdown instances keep state between conversions.
    converter = markdown.Markdown(extensions=_EXTENSIONS, extension_configs=_EXTENSION_CONFIGS)
    return sanitise_html(converter.convert(text)).strip()


def markdown_markup(text: str | None) -> Markup:
    return Markup(render_markdown(text))  # noqa: S704  # nosec B704 - sanitised by render_markdown
