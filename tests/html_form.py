"""What a browser would post for a form of a page: its fields as they are on the page
(inputs, checked boxes, selected options, textareas), read with the standard HTML parser."""

from __future__ import annotations

from html.parser import HTMLParser


class _FormReader(HTMLParser):
    def __init__(self, form_id: str) -> None:
        super().__init__(convert_charrefs=True)
        self.form_id, self.inside = form_id, False
        self.fields: list[tuple[str, str]] = []
        self._textarea: list | None = None
        self._select: str | None = None
        self._first_option: tuple[str, str] | None = None
        self._selected = False

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "form":
            self.inside = a.get("id") == self.form_id
        if not self.inside:
            return
        name = a.get("name")
        if tag == "input" and name:
            kind = (a.get("type") or "text").lower()
            if kind in ("checkbox", "radio"):
                if "checked" in a:
                    self.fields.append((name, a.get("value", "on")))
            elif kind not in ("submit", "button", "file"):
                self.fields.append((name, a.get("value") or ""))
        elif tag == "textarea" and name:
            self._textarea = [name, ""]
        elif tag == "select" and name:
            self._select, self._first_option, self._selected = name, None, False
        elif tag == "option" and self._select:
            pair = (self._select, a.get("value", ""))
            if self._first_option is None:
                self._first_option = pair
            if "selected" in a:
                self.fields.append(pair)
                self._selected = True

    def handle_data(self, data):
        if self._textarea is not None:
            self._textarea[1] += data

    def handle_endtag(self, tag):
        if tag == "textarea" and self._textarea is not None:
            # a browser drops the one newline right after <textarea>
            value = self._textarea[1]
            self.fields.append((self._textarea[0], value[1:] if value.startswith("\n") else value))
            self._textarea = None
        elif tag == "select" and self._select:
            if not self._selected and self._first_option:
                self.fields.append(self._first_option)
            self._select = None
        elif tag == "form":
            self.inside = False


def form_fields(html: str, form_id: str) -> list[tuple[str, str]]:
    """The (name, value) pairs the form ``form_id`` of ``html`` would send unchanged."""
    reader = _FormReader(form_id)
    reader.feed(html)
    assert reader.fields, f"no form {form_id!r} on the page"
    return reader.fields
