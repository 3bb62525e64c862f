"""What a browser would submit from a form on a page (for posting edited forms in view tests), and
which of its fields the page marks invalid."""

from html.parser import HTMLParser

from werkzeug.datastructures import MultiDict


class _FormReader(HTMLParser):
    def __init__(self, selector_attr: str | None):
        super().__init__(convert_charrefs=True)
        self.selector_attr = selector_attr
        self.in_form = selector_attr is None
        self.template_depth = 0
        self.pairs: list[list[str]] = []
        self.select_name: str | None = None
        self.select_value: str | None = None
        self.select_first: str | None = None
        self.option_value: str | None = None
        self.textarea: list | None = None

    def _selects(self, attributes: dict) -> bool:
        name, _, value = self.selector_attr.partition("=")
        return name in attributes and (not value or attributes[name] == value)

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "form" and self.selector_attr is not None and self._selects(a):
            self.in_form = True
        if not self.in_form:
            return
        if tag == "template":
            self.template_depth += 1
        if self.template_depth:
            return
        if tag == "input":
            kind = a.get("type", "text")
            if kind in ("submit", "button", "image", "reset") or not a.get("name"):
                return
            if kind in ("checkbox", "radio") and "checked" not in a:
                return
            self.pairs.append([a["name"], a.get("value", "on" if kind in ("checkbox", "radio") else "")])
        elif tag == "textarea" and a.get("name"):
            self.textarea = [a["name"], ""]
            self.pairs.append(self.textarea)
        elif tag == "select" and a.get("name"):
            self.select_name, self.select_value, self.select_first = a["name"], None, None
        elif tag == "option" and self.select_name is not None:
            value = a.get("value")
            self.option_value = value
            if self.select_first is None:
                self.select_first = value
            if "selected" in a:
                self.select_value = value

    def handle_data(self, data):
        if self.textarea is not None:
            self.textarea[1] += data

    def handle_endtag(self, tag):
        if tag == "template" and self.template_depth:
            self.template_depth -= 1
        elif tag == "textarea":
            if self.textarea is not None and self.textarea[1].startswith("\n"):
                self.textarea[1] = self.textarea[1][1:]
            self.textarea = None
        elif tag == "select" and self.select_name is not None:
            value = self.select_value if self.select_value is not None else self.select_first
            self.pairs.append([self.select_name, value or ""])
            self.select_name = None
        elif tag == "form" and self.in_form and self.selector_attr is not None:
            self.in_form = False


def form_fields(html: str, form_attribute: str | None = None) -> MultiDict:
    """The (name, value) pairs a browser submits, in page order (outside <template>s), of the
    form having `form_attribute` ("data-plan-form", or "id=new-comment" for a value too)."""
    reader = _FormReader(form_attribute)
    reader.feed(html)
    return MultiDict([(name, value) for name, value in reader.pairs])


class _InvalidReader(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.marked: list[str] = []

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if "aria-invalid" in a:
            self.marked.append(a.get("id") or a.get("name") or tag)


def invalid_fields(html: str) -> list[str]:
    """The id (or name) of every element the page marks aria-invalid, in page order: a form shown
    again with its errors should mark exactly the fields that have one."""
    reader = _InvalidReader()
    reader.feed(html)
    return reader.marked
