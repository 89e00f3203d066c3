"""One pass over an HTML e-mail (stdlib ``html.parser``): the compacted visible text, the raw
JSON-LD blocks and the microdata items.

Compaction drops scripts, styles, ``<head>`` (except the title), images/tracking pixels, hidden
elements (``display:none``, ``hidden``, ``mso-hide``, zero-size preheaders), comments and URLs;
table cells become tab-separated, rows and blocks become lines. Broken markup (unclosed or stray
end tags) is tolerated: an end tag closes the nearest open element of that name, or is ignored.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass
from html.parser import HTMLParser
from typing import Any

_SKIP = frozenset({"script", "style", "noscript", "template", "svg", "head", "object", "iframe"})
_VOID = frozenset(
    {
        "area",
        "base",
        "br",
        "col",
        "embed",
        "hr",
        "img",
        "input",
        "link",
        "meta",
        "param",
        "source",
        "track",
        "wbr",
        "keygen",
    }
)
_BLOCK = frozenset(
    {
        "p",
        "div",
        "tr",
        "li",
        "ul",
        "ol",
        "table",
        "tbody",
        "thead",
        "tfoot",
        "h1",
        "h2",
        "h3",
        "h4",
        "h5",
        "h6",
        "section",
        "article",
        "header",
        "footer",
        "blockquote",
        "pre",
        "dl",
        "dt",
        "dd",
        "center",
        "title",
        "body",
        "form",
        "address",
        "hr",
        "br",
        "caption",
    }
)
_CELL = frozenset({"td", "th"})
# A property name starts the declaration: ``backface-visibility: hidden`` or
# ``content-visibility`` must not read as ``visibility: hidden``.
_HIDDEN_STYLE = re.compile(
    r"(?<![\w-])(?:display\s*:\s*none|visibility\s*:\s*hidden|mso-hide\s*:\s*all"
    r"|max-height\s*:\s*0(?:px)?\s*(?:;|$|!)|font-size\s*:\s*0(?:px)?\s*(?:;|$|!)"
    r"|opacity\s*:\s*0(?:\.0+)?\s*(?:;|$|!))",
    re.I,
)
_URL_ATTRS = {
    "a": "href",
    "link": "href",
    "area": "href",
    "img": "src",
    "audio": "src",
    "embed": "src",
    "iframe": "src",
    "source": "src",
    "video": "src",
    "track": "src",
    "object": "data",
}
_VALUE_ATTRS = {"data": "value", "meter": "value", "time": "datetime"}
_MAX_PROP_CHUNKS = 200  # an itemprop value is short; bounds work on pathological nesting
_WS = re.compile(r"[ \t\u00a0\u200b\u200c\u200d\u2007\u202f\ufeff\u00ad\u034f]+")


@dataclass
class _Element:
    tag: str
    hidden: bool = False
    skip: bool = False
    item: dict | None = None  # an itemscope opened here
    props: tuple[str, ...] = ()  # itemprop names that take this element's text
    text_start: int = 0  # index into _Parser.data where this element's text begins
    jsonld: bool = False


@dataclass
class HtmlDocument:
    text: str  # compacted visible text, one block per line, cells separated by tabs
    title: str
    jsonld: list[str]  # raw contents of <script type="application/ld+json">
    microdata: list[dict]  # top-level microdata items as schema.org-like dicts


class _Parser(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.stack: list[_Element] = []
        self.out: list[str] = []
        self.title: list[str] = []
        self.jsonld: list[str] = []
        self.items: list[dict] = []
        self.data: list[str] = []  # every text chunk, for itemprop/JSON-LD values
        self._open: Counter[str] = Counter()  # open elements per tag: stray end tags cost O(1)
        self._scopes: list[dict] = []  # open itemscope items, innermost last
        self._hidden = 0
        self._skip = 0

    # -- helpers
    def _owner_item(self) -> dict | None:
        return self._scopes[-1] if self._scopes else None

    def _set_prop(self, names: tuple[str, ...], value: Any) -> None:
        owner = self._owner_item()
        if owner is None:
            return
        for name in names:
            if name in owner:
                existing = owner[name]
                owner[name] = (
                    [*existing, value] if isinstance(existing, list) else [existing, value]
                )
            else:
                owner[name] = value

    # -- events
    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k.lower(): (v or "") for k, v in attrs}
        props = tuple(a.get("itemprop", "").split()) if "itemprop" in a else ()
        if tag in _VOID:
            if props and "itemscope" not in a:
                value = a.get("content")
                if value is None:
                    value = a.get(_URL_ATTRS.get(tag, ""), "")
                self._set_prop(props, value)  # attribute values are kept verbatim
            if tag in ("br", "hr") and not (self._hidden or self._skip):
                self.out.append("\n")
            return
        if tag == "body":  # an unclosed <head> must not hide the whole body
            self.handle_endtag("head")
        el = _Element(tag, skip=tag in _SKIP)
        if tag == "script" and "ld+json" in a.get("type", "").lower():
            el.jsonld = True
        if "hidden" in a or _HIDDEN_STYLE.search(a.get("style", "")):
            el.hidden = True
        if "itemscope" in a:
            itemtype = a.get("itemtype", "").split()
            item: dict[str, Any] = {}
            if itemtype:
                full = itemtype[0]
                short = full.rstrip("/").rsplit("/", 1)[-1]
                if "schema.org" in full:
                    item["@context"] = "http://schema.org"
                item["@type"] = short
            if props:
                self._set_prop(props, item)
            else:
                self.items.append(item)
            el.item = item
            self._scopes.append(item)
        elif props:
            if tag in _URL_ATTRS or tag in _VALUE_ATTRS or tag == "meta":
                attr = _URL_ATTRS.get(tag) or _VALUE_ATTRS.get(tag) or "content"
                if a.get(attr):
                    self._set_prop(props, a[attr])
                else:
                    el.props = props
            else:
                el.props = props
        el.text_start = len(self.data)
        self.stack.append(el)
        self._open[tag] += 1
        if el.hidden:
            self._hidden += 1
        if el.skip:
            self._skip += 1
        if not (self._hidden or self._skip):
            if tag in _BLOCK:
                self.out.append("\n")
            elif tag in _CELL:
                self.out.append("\t")

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.handle_starttag(tag, attrs)
        if tag not in _VOID:
            self.handle_endtag(tag)

    def handle_endtag(self, tag: str) -> None:
        if tag in _VOID or not self._open[tag]:
            return
        for i in range(len(self.stack) - 1, -1, -1):
            if self.stack[i].tag == tag:
                break
        else:
            return
        while len(self.stack) > i:
            self._close(self.stack.pop())

    def _close(self, el: _Element) -> None:
        self._open[el.tag] -= 1
        if el.item is not None and self._scopes and self._scopes[-1] is el.item:
            self._scopes.pop()
        if el.props:
            chunks = self.data[el.text_start : el.text_start + _MAX_PROP_CHUNKS]
            self._set_prop(el.props, _WS.sub(" ", "".join(chunks)).strip())
        if el.jsonld:
            self.jsonld.append("".join(self.data[el.text_start :]))
        if el.hidden:
            self._hidden -= 1
        if el.skip:
            self._skip -= 1
        if not (self._hidden or self._skip) and (el.tag in _BLOCK or el.tag in _CELL):
            self.out.append("\n" if el.tag in _BLOCK else "\t")

    def handle_data(self, data: str) -> None:
        self.data.append(data)
        if self.stack and self.stack[-1].tag == "title":
            self.title.append(data)
        if not (self._hidden or self._skip):
            self.out.append(data.replace("\r", " ").replace("\n", " "))

    def close(self) -> None:
        super().close()
        while self.stack:
            self._close(self.stack.pop())


def _compact(raw: str) -> str:
    lines: list[str] = []
    for line in raw.split("\n"):
        cells = [c for c in (_WS.sub(" ", cell).strip() for cell in line.split("\t")) if c]
        if not cells:
            continue
        text = "\t".join(cells)
        text = re.sub(r"https?://\S+", "", text).strip()
        if not text or not re.search(r"\w", text):
            continue
        if lines and lines[-1] == text:  # repeated preheaders, mobile/desktop duplicates
            continue
        lines.append(text)
    return "\n".join(lines)


def parse_html(html: str) -> HtmlDocument:
    """Parse HTML; never raises on malformed markup."""
    parser = _Parser()
    try:
        parser.feed(html)
        parser.close()
    except (AssertionError, ValueError, IndexError):  # html.parser on pathological input
        pass
    items = [i for i in parser.items if any(not k.startswith("@") for k in i)]
    title = _WS.sub(" ", "".join(parser.title)).strip()
    return HtmlDocument(_compact("".join(parser.out)), title, parser.jsonld, items)


def plain_text(text: str) -> HtmlDocument:
    """A text/plain body as an HtmlDocument (no markup)."""
    return HtmlDocument(_compact(text.replace("\r\n", "\n")), "", [], [])
