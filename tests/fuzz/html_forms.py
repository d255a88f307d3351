"""Read a page's forms and error messages with the standard library's HTML parser.

The form fuzzer learns each form's fields from the page itself (names, kinds, the
choices of selects, radios and checkboxes, the CSRF token), so it keeps working when
a form's fields are renamed or another library renders it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from html.parser import HTMLParser

VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "wbr"}


@dataclass
class Field:
    name: str
    kind: str  # an input's type, or "select" / "textarea"
    value: str = ""
    options: list[str] = field(default_factory=list)  # select options, radio/checkbox values
    multiple: bool = False


@dataclass
class Form:
    action: str
    method: str
    fields: dict[str, Field] = field(default_factory=dict)
    primary: set[str] = field(default_factory=set)  # of merged forms: the first one's fields

    def add(self, name: str, kind: str, value: str, checked: bool = False, **extra) -> Field:
        existing = self.fields.setdefault(name, Field(name, kind, **extra))
        if kind in ("radio", "checkbox"):
            existing.options.append(value or "on")
            existing.value = (value or "on") if checked else existing.value
        else:
            existing.value = value
        return existing


class PageParser(HTMLParser):
    """Collects the forms, the text of error containers and whether a field is marked invalid."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.forms: list[Form] = []
        self.errors: list[str] = []
        self.invalid_fields: list[str] = []
        self._form: Form | None = None
        self._select: Field | None = None
        self._textarea: Field | None = None
        self._error_depth = 0  # > 0 inside an error container
        self._stack: list[bool] = []  # per open element: does it open an error container?

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k: v or "" for k, v in attrs}
        if tag not in VOID:
            opens_error = _is_error_container(a)
            self._stack.append(opens_error)
            self._error_depth += opens_error
        if a.get("aria-invalid") == "true" and "name" in a:
            self.invalid_fields.append(a["name"])
        if tag == "form":
            self._form = Form(a.get("action", ""), a.get("method", "get").lower())
            self.forms.append(self._form)
        elif self._form is None or ("name" not in a and tag != "option"):
            return
        elif tag in ("input", "button"):
            kind = a.get("type", "text" if tag == "input" else "submit")
            if kind in ("submit", "button", "image", "reset"):
                kind = "radio"  # a named button (intent=draft/submit) is one choice of several
            self._form.add(a["name"], kind, a.get("value", ""), checked="checked" in a)
        elif tag == "select":
            self._select = self._form.add(a["name"], "select", "", multiple="multiple" in a)
        elif tag == "option" and self._select is not None:
            self._select.options.append(a.get("value", ""))
        elif tag == "textarea":
            self._textarea = self._form.add(a["name"], "textarea", "")

    def handle_endtag(self, tag: str) -> None:
        if tag not in VOID and self._stack:
            self._error_depth -= self._stack.pop()
        if tag == "form":
            self._form = None
        elif tag == "select":
            self._select = None
        elif tag == "textarea":
            self._textarea = None

    def handle_data(self, data: str) -> None:
        if self._textarea is not None:
            self._textarea.value += data
        if self._error_depth and data.strip():
            self.errors.append(data.strip())


def _is_error_container(attrs: dict[str, str]) -> bool:
    classes = attrs.get("class", "").split()
    return any("error" in c for c in classes) or attrs.get("role") == "alert"


def parse_page(html: str) -> PageParser:
    parser = PageParser()
    parser.feed(html)
    parser.close()
    return parser
