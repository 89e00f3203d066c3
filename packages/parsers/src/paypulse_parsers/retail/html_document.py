"""One pass over an HTML e-mail: the compacted visible text, the raw JSON-LD blocks and the
microdata items.

The markup is parsed by lexbor (``selectolax``), an HTML5 tree builder in C: the tree a mail
client's engine builds, and ~10x faster than the stdlib ``html.parser`` tokenizer, which was most
of a retail parse's time (benchmarks/extraction_speed.py). One walk over that tree, in Python,
yields the text, the JSON-LD and the microdata.

Compaction drops scripts, styles, ``<head>`` (except the title), images/tracking pixels, hidden
elements (``display:none``, ``hidden``, ``mso-hide``, zero-size preheaders), comments and URLs;
table cells become tab-separated, rows and blocks become lines. Broken markup (unclosed or stray
end tags, a ``<head>`` never closed) is repaired by the HTML5 tree-building rules.
"""

from __future__ import annotations

import html as html_lib
import re
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from selectolax.lexbor import LexborNode

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
_WS_NO_TAB = re.compile(r"[ \u00a0\u200b\u200c\u200d\u2007\u202f\ufeff\u00ad\u034f]+")


@dataclass
class HtmlDocument:
    text: str  # compacted visible text, one block per line, cells separated by tabs
    title: str
    jsonld: list[str]  # raw contents of <script type="application/ld+json">
    microdata: list[dict]  # top-level microdata items as schema.org-like dicts


class _Open:
    """An element being walked: what closing it must undo or emit."""

    __slots__ = ("hidden", "item", "jsonld", "props", "skip", "tag", "text_start")

    def __init__(self, tag: str, hidden: bool, skip: bool) -> None:
        self.tag = tag
        self.hidden = hidden
        self.skip = skip
        self.item: dict | None = None  # an itemscope opened here
        self.props: tuple[str, ...] = ()  # itemprop names that take this element's text
        self.text_start = 0  # index into _Walker.data where this element's text begins
        self.jsonld = False


class _Walker:
    """Start/text/end events of the parsed tree → visible text, title, JSON-LD, microdata."""

    def __init__(self) -> None:
        self.stack: list[_Open] = []
        self.out: list[str] = []
        self.title: list[str] = []
        self.jsonld: list[str] = []
        self.items: list[dict] = []
        self.data: list[str] = []  # every text chunk, for itemprop/JSON-LD values
        self._scopes: list[dict] = []  # open itemscope items, innermost last
        self._quiet = 0  # open hidden or skipped elements: their text is not visible
        self._hides: dict[str, bool] = {}  # style attribute → hides; e-mails repeat a few styles

    def walk(self, top: LexborNode) -> None:
        """Depth first without recursion: the nesting depth is the document's to choose. Text
        nodes are handled inline (they are most of the events)."""
        stack, data, out, title = self.stack, self.data, self.out, self.title
        self._start(top.tag or "", top.attributes)
        parents = [top]
        node = top.child
        while parents:
            if node is None:  # the last child of parents[-1] is done: close it
                self._end()
                done = parents.pop()
                node = done.next if parents else None
                continue
            tag = node.tag
            if tag == "-text":
                chunk = node.text_content or ""
                data.append(chunk)
                if not self._quiet:
                    out.append(chunk.replace("\r", " ").replace("\n", " "))
                if stack[-1].tag == "title":
                    title.append(chunk)
            elif tag and tag[0] not in "-_":  # an element, not a comment or doctype
                self._start(tag, node.attributes)
                parents.append(node)
                node = node.child
                continue
            node = node.next

    def _set_prop(self, names: tuple[str, ...], value: Any) -> None:
        if not self._scopes:
            return
        owner = self._scopes[-1]
        for name in names:
            if name in owner:
                existing = owner[name]
                owner[name] = (
                    [*existing, value] if isinstance(existing, list) else [existing, value]
                )
            else:
                owner[name] = value

    def _start(self, tag: str, a: dict[str, str | None]) -> None:
        if tag in _VOID:
            if a and "itemprop" in a and "itemscope" not in a:
                value = a.get("content")
                if value is None:
                    value = a.get(_URL_ATTRS.get(tag, "")) or ""
                self._set_prop(tuple((a["itemprop"] or "").split()), value)  # kept verbatim
            if not self._quiet and (tag == "br" or tag == "hr"):
                self.out.append("\n")
            self.stack.append(_Open(tag, False, False))  # its end event comes from walk()
            return
        hidden = False
        if a:
            style = a.get("style")
            if style:
                cached = self._hides.get(style)
                if cached is None:
                    cached = self._hides[style] = _HIDDEN_STYLE.search(style) is not None
                hidden = cached
            hidden = hidden or "hidden" in a
        el = _Open(tag, hidden, tag in _SKIP)
        if a and (tag == "script" or "itemprop" in a or "itemscope" in a):
            self._markup(el, tag, a)
        el.text_start = len(self.data)
        self.stack.append(el)
        if hidden or el.skip:
            self._quiet += 1
        elif not self._quiet:
            if tag in _BLOCK:
                self.out.append("\n")
            elif tag in _CELL:
                self.out.append("\t")

    def _markup(self, el: _Open, tag: str, a: dict[str, str | None]) -> None:
        """A JSON-LD script or microdata (itemscope / itemprop) opened by this element."""
        if tag == "script" and "ld+json" in (a.get("type") or "").lower():
            el.jsonld = True
        props = tuple((a.get("itemprop") or "").split()) if "itemprop" in a else ()
        if "itemscope" in a:
            itemtype = (a.get("itemtype") or "").split()
            item: dict[str, Any] = {}
            if itemtype:
                full = itemtype[0]
                if "schema.org" in full:
                    item["@context"] = "http://schema.org"
                item["@type"] = full.rstrip("/").rsplit("/", 1)[-1]
            if props:
                self._set_prop(props, item)
            else:
                self.items.append(item)
            el.item = item
            self._scopes.append(item)
        elif props:
            attr = (
                _URL_ATTRS.get(tag) or _VALUE_ATTRS.get(tag) or ("content" if tag == "meta" else "")
            )
            if attr and a.get(attr):
                self._set_prop(props, a[attr])
            else:
                el.props = props

    def _end(self) -> None:
        el = self.stack.pop()
        if el.item is not None and self._scopes and self._scopes[-1] is el.item:
            self._scopes.pop()
        if el.props:
            chunks = self.data[el.text_start : el.text_start + _MAX_PROP_CHUNKS]
            self._set_prop(el.props, _WS.sub(" ", "".join(chunks)).strip())
        if el.jsonld:
            self.jsonld.append("".join(self.data[el.text_start :]))
        if el.hidden or el.skip:
            self._quiet -= 1
        elif not self._quiet:
            if el.tag in _BLOCK:
                self.out.append("\n")
            elif el.tag in _CELL:
                self.out.append("\t")


# HTML5 closes an open <p> at any block start tag, so ``<p itemscope>…<div itemprop>`` (Google's
# own e-mail markup examples) would lose the div's properties; e-mail authors and the markup
# readers they test with nest freely, so a <p> is read as a <div> (the same line break).
_P_TAG = re.compile(r"<(/?)p(?=[\s/>])", re.I)
_URL_IN_TEXT = re.compile(r"https?://\S+")
_WORD = re.compile(r"\w")


def _compact(raw: str) -> str:
    lines: list[str] = []
    # one pass over the whole text for the runs of spaces (tabs kept: they separate cells)
    for line in _WS_NO_TAB.sub(" ", raw).split("\n"):
        if not line or line.isspace():
            continue
        if "\t" in line:
            text = "\t".join(c for c in (cell.strip() for cell in line.split("\t")) if c)
        else:
            text = line.strip()
        if "://" in text:
            text = _URL_IN_TEXT.sub("", text).strip()
        if not text or not _WORD.search(text):
            continue
        if lines and lines[-1] == text:  # repeated preheaders, mobile/desktop duplicates
            continue
        lines.append(text)
    return "\n".join(lines)


# HTML5 tree building looks down the stack of open elements at every block start tag (is a <p>
# in scope?), so its cost grows with the square of the nesting depth: 8,000 nested <div>s take
# ~0.7 s, 100,000 several minutes. E-mails nest a few dozen deep; a document nested deeper than
# this is read as text without its tags (only a hostile or broken one gets there).
MAX_DEPTH = 1000
_OPEN_OR_CLOSE = re.compile(
    r"<(/?)(?!(?:area|base|br|col|embed|hr|img|input|link|meta|param|source|track|wbr)\b)[a-z]",
    re.I,
)
_ANY_TAG = re.compile(r"<[^>]*>")


def nesting_depth(html: str) -> int:
    """An upper estimate of the element nesting depth (start tags up, end tags down; void
    elements left out); 0 without counting for a document of at most 2 * MAX_DEPTH tags (the
    worst such nesting costs tens of ms, and nearly every e-mail is that small)."""
    if html.count("<") <= 2 * MAX_DEPTH:
        return 0
    depth = deepest = 0
    for slash in _OPEN_OR_CLOSE.findall(html):
        if slash:
            depth = depth - 1 if depth else 0
        else:
            depth += 1
            deepest = max(deepest, depth)
    return deepest


def parse_html(html: str) -> HtmlDocument:
    """Parse HTML; never raises on malformed markup (HTML5 tree building takes any input)."""
    from selectolax.lexbor import LexborHTMLParser  # lazy: a C extension, ~3 ms to import

    if nesting_depth(html) > MAX_DEPTH:
        return plain_text(html_lib.unescape(_ANY_TAG.sub("\n", html)))
    walker = _Walker()
    root = LexborHTMLParser(_P_TAG.sub(r"<\1div", html.replace("\x00", "\ufffd"))).root
    if root is not None:
        walker.walk(root)
    items = [i for i in walker.items if any(not k.startswith("@") for k in i)]
    title = _WS.sub(" ", "".join(walker.title)).strip()
    return HtmlDocument(_compact("".join(walker.out)), title, walker.jsonld, items)


def plain_text(text: str) -> HtmlDocument:
    """A text/plain body as an HtmlDocument (no markup)."""
    return HtmlDocument(_compact(text.replace("\r\n", "\n")), "", [], [])
