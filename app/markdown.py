"""Markdown written by users (plan narratives, comments) rendered to HTML that is safe to show.

Raw HTML in the text is shown as the text it is, escaped like any other characters: what a
person types stays visible (an unclosed `<style>` no longer swallows what follows it). Then
nh3 keeps only an explicit allow-list of the tags and attributes Markdown itself makes, so
odd links never reach the page with a script, a style or an unsafe URL.
"""

import re
import threading

import markdown
import nh3
from markdown.extensions import Extension
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



class _RawHtmlAsText(Extension):
    """Without Markdown's raw-HTML block and inline rules, `<tag>` is text, escaped on output.
    Autolinks (`<https://…>`, `<name@example.com>`) are rules of their own and still work."""

    def extendMarkdown(self, md):  # noqa: N802 - Python-Markdown's name
        md.preprocessors.deregister("html_block")
        md.inlinePatterns.deregister("html")


_EXTENSIONS = ["tables", "fenced_code", "sane_lists", "nl2br", "toc", _RawHtmlAsText()]
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


_converters = threading.local()


def _converter() -> markdown.Markdown:
    """This thread's converter, reset before each use: Markdown instances keep state between
    conversions (reset clears it), and building one with its extensions costs about as much
    as converting a paragraph."""
    converter = getattr(_converters, "markdown", None)
    if converter is None:
        converter = _converters.markdown = markdown.Markdown(
            extensions=_EXTENSIONS, extension_configs=_EXTENSION_CONFIGS
        )
    return converter.reset()


def render_markdown(text: str | None) -> str:
    """Sanitised HTML for the Markdown `text` (an empty string for none)."""
    if not text or not text.strip():
        return ""
    return outline(sanitise_html(_converter().convert(text))).strip()


# A narrative diff rendered as it reads: the changed stretches are marked with private-use
# characters, the whole text goes through Markdown and the sanitiser like any narrative, then
# the marks become <ins>/<del> (with words for screen readers) and folded stretches a note.
_MARKS = {"insert": ("\ue000", "\ue001"), "delete": ("\ue002", "\ue003")}
_SKIP = "\ue004"
_BLOCK_PREFIX = re.compile(r"^(\s*(?:#{1,6}\s+|[-*+]\s+|\d+[.)]\s+|>\s*)*)")
_TAGS = {
    "\ue000": '<ins><span class="visually-hidden">inserted: </span>',
    "\ue001": '<span class="visually-hidden"> (end of insertion)</span></ins>',
    "\ue002": '<del><span class="visually-hidden">deleted: </span>',
    "\ue003": '<span class="visually-hidden"> (end of deletion)</span></del>',
}


def _marked(text: str, op: str) -> str:
    start, end = _MARKS[op]
    lines = []
    for line in text.split("\n"):
        if not line.strip():
            lines.append(line)
            continue
        prefix = _BLOCK_PREFIX.match(line).group(1)  # "### ", "- ": kept outside, so blocks stay blocks
        body = line[len(prefix):]
        lines.append(f"{prefix}{start}{body}{end}" if body else line)
    return "\n".join(lines)


def render_diff(pieces) -> Markup:
    """HTML of a narrative diff (pieces with .op "equal"/"insert"/"delete"/"skip" and .text)."""
    parts, skipped = [], []
    for piece in pieces:
        if piece.op == "skip":
            skipped.append(piece.text)
            parts.append(f"\n\n{_SKIP}\n\n")
        elif piece.op in _MARKS:
            parts.append(_marked(piece.text, piece.op))
        else:
            parts.append(piece.text)
    html = render_markdown("".join(parts))
    # Headings inside a diff are the narrative's, not the page's: shown bold, out of the outline.
    html = re.sub(r"<h[3-6]>", '<p class="diff-heading">', html)
    html = re.sub(r"</h[3-6]>", "</p>", html)
    for mark, tag in _TAGS.items():
        html = html.replace(mark, tag)
    counts = iter(skipped)

    def skip(_match) -> str:
        n = next(counts, 0)
        return f'<p class="diff-skip">⋯ {n} unchanged line{"" if n == 1 else "s"} ⋯</p>'

    html = re.sub(f"<p>{_SKIP}</p>|{_SKIP}", skip, html)
    return Markup(html)  # noqa: S704  # nosec B704 - sanitised by render_markdown; only fixed tags added


def outline_markup(html: str | None) -> Markup:
    """`outline` for HTML this module rendered and stored earlier (saved before outlines)."""
    return Markup(outline(html or ""))  # noqa: S704  # nosec B704 - sanitised when it was rendered


def markdown_markup(text: str | None) -> Markup:
    return Markup(render_markdown(text))  # noqa: S704  # nosec B704 - sanitised by render_markdown
