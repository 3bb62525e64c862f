"""Render a document's HTML to PDF with WeasyPrint.

WeasyPrint is imported inside the functions: it takes a second or so to import, and the
app must start fast.

What a rendered PDF carries:
- title, author, subject and keywords in the document information dictionary;
- the plan version's content hash under the custom info key /JointlyContentHash.
  pyHanko's incremental writer only rewrites the standard keys it manages (/ModDate,
  /Producer, ...) and keeps every other key of the info dictionary, so the hash reads
  back unchanged after each signature. (XMP is rewritten by pyHanko on every
  update, so it is not where we keep it.)
- optionally a DRAFT watermark on every page;
- where each `.signature-box` whose id starts with `signature-field-` landed: the box is
  read back from WeasyPrint's layout (`Page.anchors` gives each id'd element's border box
  on its page), so the HTML decides where each party signs and `app.signing.pades` puts
  the PDF's signature field exactly over the box.
"""

from collections.abc import Iterable
from dataclasses import dataclass

from app.signing.rendering import ASSET_BASE_URL, CONTENT_HASH_KEY, SIGNATURE_ANCHOR_PREFIX

# No PDF/A or PDF/UA claim, after trying each with pyHanko signatures:
# - PDF/UA-1 (and PDF/A-3a): tagged. pyHanko's modification analysis walks every path
#   through the structure tree: validating a signed, tagged 33-page plan took 238 s
#   (0.2 s untagged), which no verify page can afford.
# - PDF/A-3u / 2u: pyHanko signs them, but an ECDSA signature makes it declare PDF 2.0
#   (ISO 32002), which contradicts the PDF/A-2/3 (PDF 1.7) claim in the file.
# - PDF/A-4u: forbids custom keys in the information dictionary, and pyHanko drops
#   custom XMP properties when it rewrites the XMP on signing: no reliable place
#   would be left for the content hash.
# Accessibility therefore rests on real, Unicode-mapped text in an embedded font, the
# document language and title, and bookmarks for every section.
PDF_VARIANT = None

# A fixed-position element repeats on every page in WeasyPrint, the cover included.
DRAFT_CSS = """
html::after {
  content: "DRAFT";
  position: fixed;
  top: 40%;
  left: 0;
  right: 0;
  text-align: center;
  font: 700 120pt "Source Sans 3", sans-serif;
  color: rgba(179, 38, 30, 0.16);
  transform: rotate(-45deg);
}
"""


@dataclass(frozen=True)
class SignatureBox:
    """Where a signature field goes: page index (0-based) and (x1, y1, x2, y2) in PDF points."""

    field_name: str
    page: int
    box: tuple[float, float, float, float]
    label: str = ""  # shown by viewers as the field's tooltip


def render_pdf(html: str, **options) -> bytes:
    """`html` as PDF bytes (see `render_pdf_and_boxes` for the options)."""
    return render_pdf_and_boxes(html, **options)[0]


def render_pdf_and_boxes(
    html: str,
    *,
    title: str,
    author: str,
    subject: str,
    keywords: Iterable[str] | str = (),
    draft: bool = False,
    content_hash: str | None = None,
    lang: str | None = None,
    base_url: str = ASSET_BASE_URL,
    url_fetcher=None,
    pdf_variant: str | None = PDF_VARIANT,
) -> tuple[bytes, list["SignatureBox"]]:
    """Render `html` to PDF bytes, with the signature boxes the layout placed.

    Relative URLs resolve against `base_url`; every resource goes through `url_fetcher`
    (by default a `StaticAssetFetcher`, which serves the app's static files only).
    """
    import weasyprint

    from app.signing.rendering.assets import StaticAssetFetcher

    fetcher = url_fetcher or StaticAssetFetcher()
    stylesheets = [weasyprint.CSS(string=DRAFT_CSS, url_fetcher=fetcher)] if draft else None
    document = weasyprint.HTML(string=html, base_url=base_url, url_fetcher=fetcher).render(
        stylesheets=stylesheets, pdf_variant=pdf_variant
    )
    metadata = document.metadata
    metadata.title = title
    metadata.authors = [author]
    metadata.description = subject
    metadata.keywords = [keywords] if isinstance(keywords, str) else list(keywords)
    metadata.custom = {}  # arbitrary <meta> names in user content stay out of the PDF
    if lang:
        metadata.lang = lang

    def finisher(_document, pdf):
        import pydyf

        if content_hash:
            pdf.info[CONTENT_HASH_KEY[1:]] = pydyf.String(content_hash)
        _split_page_resources(pdf)

    return document.write_pdf(pdf_variant=pdf_variant, finisher=finisher), signature_boxes(document)


def _split_page_resources(pdf) -> None:
    """Give each page a /Resources dictionary naming only the XObjects it draws.

    WeasyPrint shares one resources dictionary, listing every form XObject of the
    document (an SVG chart makes dozens), between all pages. pyHanko's modification
    analysis enumerates every path from the trailer to every object, so that sharing
    makes validation cost grow with pages x XObjects (minutes for a tagged 30-page
    plan with one chart). Per-page XObject lists keep it proportional to the file.
    """
    import pydyf

    def resolve(reference):
        return pdf.objects[int(reference.split()[0])]

    shared_reference = None
    per_page = {}
    for page_reference in pdf.page_references:
        page = resolve(page_reference)
        shared_reference = shared_reference or page["Resources"]
        if page["Resources"] != shared_reference:
            return  # not the layout this was written for: leave the file as WeasyPrint made it
        drawn = set()
        for item in resolve(page["Contents"]).stream:
            if isinstance(item, bytes) and item.startswith(b"/") and item.endswith(b" Do"):
                drawn.add(item[1:-3].decode())
        per_page[page_reference] = drawn
    if shared_reference is None:
        return
    shared = resolve(shared_reference)
    all_xobjects = shared.get("XObject", {})
    if not all_xobjects:
        return
    # The other entries stay shared, as indirect objects, so each page adds a few bytes.
    common = {}
    for key, value in shared.items():
        if key == "XObject":
            continue
        if isinstance(value, pydyf.Dictionary) and value.number is None and value:
            pdf.add_object(value)
        common[key] = value.reference if isinstance(value, pydyf.Object) and value.number is not None else value
    for page_reference, drawn in per_page.items():
        resources = pydyf.Dictionary(common)
        resources["XObject"] = pydyf.Dictionary({name: all_xobjects[name] for name in drawn if name in all_xobjects})
        pdf.add_object(resources)
        resolve(page_reference)["Resources"] = resources.reference


def signature_boxes(document) -> list[SignatureBox]:
    """The signature boxes of a rendered WeasyPrint document, in PDF coordinates."""
    found = []
    for index, page in enumerate(document.pages):
        for anchor, rectangle in page.anchors.items():
            if not anchor.startswith(SIGNATURE_ANCHOR_PREFIX):
                continue
            x1, y1, x2, y2 = rectangle
            # CSS px from the top-left -> PDF points from the bottom-left (1px = 0.75pt).
            found.append(
                SignatureBox(
                    field_name=anchor[len(SIGNATURE_ANCHOR_PREFIX):],
                    page=index,
                    box=(x1 * 0.75, (page.height - y2) * 0.75, x2 * 0.75, (page.height - y1) * 0.75),
                )
            )
    return found
