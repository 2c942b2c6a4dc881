"""What a patient reads on a portal page, and how plain it is.

``page_blocks`` keeps the text of the portal's part of a page (``<div class="portal">``), one
block per heading, paragraph, list item, label or button, so a heading is not read as the start
of the next sentence. ``flesch_douma`` is Douma's Dutch version of the Flesch reading ease:
206.84 − 0.77 × syllables per 100 words − 0.93 × words per sentence; 60 to 70 is plain, above 70
easy. Syllables are counted as groups of vowels, which is close enough for Dutch."""

from __future__ import annotations

import re
from dataclasses import dataclass
from html import unescape
from html.parser import HTMLParser
from pathlib import Path

from tests.i18n_portal.po import entries

BLOCKS = {
    "p", "li", "h1", "h2", "h3", "h4", "label", "legend", "button", "a", "dt", "dd",
    "th", "td", "caption", "summary", "figcaption", "blockquote", "div", "section", "title",
    "desc", "option", "span", "br", "time",
}  # fmt: skip
SKIPPED = {"script", "style", "svg"}  # charts have their own text alternative, tested elsewhere


class _PortalText(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.depth = 0  # inside <div class="portal">: its nesting depth, else 0
        self.skipping = 0
        self.blocks: list[str] = []
        self.current: list[str] = []

    def flush(self):
        text = " ".join("".join(self.current).split())
        if text:
            self.blocks.append(text)
        self.current = []

    def handle_starttag(self, tag, attrs):
        if self.depth == 0:
            if tag == "div" and "portal" in (dict(attrs).get("class") or "").split():
                self.depth = 1
            return
        if tag == "div":
            self.depth += 1
        if tag in SKIPPED:
            self.skipping += 1
        if tag in BLOCKS:
            self.flush()

    def handle_endtag(self, tag):
        if self.depth == 0:
            return
        if tag in SKIPPED:
            self.skipping -= 1
        if tag in BLOCKS:
            self.flush()
        if tag == "div":
            self.depth -= 1

    def handle_data(self, data):
        if self.depth and not self.skipping:
            self.current.append(data)


def page_blocks(html: str) -> list[str]:
    parser = _PortalText()
    parser.feed(html)
    parser.flush()
    assert parser.blocks, "no portal text on the page"
    return parser.blocks


def page_text(html: str) -> str:
    return " ".join(page_blocks(html))


def all_text(html: str) -> str:
    """The whole page's text, head and attributes' words aside: title, menus, footer too."""
    text = re.sub(r"<(script|style)\b.*?</\1>", " ", html, flags=re.DOTALL)
    return " ".join(unescape(re.sub(r"<[^>]+>", " ", text)).split())


# --- English left behind ---------------------------------------------------------------------

PLACEHOLDER = re.compile(r"%\(\w+\)[sd]|<[^>]+>")
SENTENCE_END = re.compile(r"(?<=[.!?])\s+")


def english_sentences(po: Path, *, longer_than: int = 3) -> list[str]:
    """The English pieces of the portal's messages, between placeholders and tags, of more than
    ``longer_than`` words: none of them may be left on a page in Dutch."""
    found = set()
    for entry in entries(po)[1:]:
        for msgid in filter(None, (entry.msgid, entry.msgid_plural)):
            for piece in PLACEHOLDER.split(unescape(msgid)):
                for sentence in SENTENCE_END.split(" ".join(piece.split())):
                    sentence = sentence.lstrip(" ,:;.“”()").rstrip(" ,:;“”(")
                    if len(sentence.split()) > longer_than:
                        found.add(sentence)
    return sorted(found)


# --- Readability ---------------------------------------------------------------------------------

WORD = re.compile(r"[^\W\d_]+(?:['’-][^\W\d_]+)*|\d+(?:[.,]\d+)?")
VOWELS = re.compile(r"[aeiouyáéíóúàèëïöüâêîôû]+", re.IGNORECASE)


def syllables(word: str) -> int:
    if word[0].isdigit():
        return 1
    return max(1, len(VOWELS.findall(word)))


@dataclass(frozen=True)
class Reading:
    words: int
    sentences: int
    syllables: int

    @property
    def score(self) -> float:
        per_100_words = 100 * self.syllables / self.words
        per_sentence = self.words / self.sentences
        return 206.84 - 0.77 * per_100_words - 0.93 * per_sentence


def flesch_douma(blocks: list[str]) -> Reading:
    words = sentences = counted = 0
    for block in blocks:
        for sentence in SENTENCE_END.split(block):
            found = WORD.findall(sentence)
            if any(word[0].isalpha() for word in found):  # not a row of numbered buttons
                sentences += 1
                words += len(found)
                counted += sum(syllables(w) for w in found)
    return Reading(words, sentences, counted)
