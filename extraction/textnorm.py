"""ASR/transcript text → the normalised text extractors read, with a map back to the original characters.

Traditional → simplified (OpenCC), full-width digits → ASCII, one punctuation style, filler words dropped, and
Chinese numerals → digits where they are numbers (see `numerals`). Every normalised character remembers the span of
original characters it came from, so an extracted value can cite its evidence in the segment as it was heard.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache

import opencc

from assistant.extraction.numerals import rewrite_numerals

# Clause separators after normalisation.
CLAUSE_PUNCT = "，。？！；：…"
_PUNCT_MAP = str.maketrans({
    ",": "，", "?": "？", "!": "！", ";": "；", ":": "：", "．": "。", "、": "、",
    "～": "，", "~": "，", "—": "，", "(": "（", ")": "）",
})
_FULLWIDTH = str.maketrans({chr(0xFF10 + i): str(i) for i in range(10)})

# Interjections that carry nothing (hesitations, call openers); removed with the pause that follows them.
_FILLERS = re.compile(
    r"[嗯呃额唔]+[，。]?"                                   # hesitation sounds anywhere
    r"|(?:(?<=^)|(?<=[，。？！；]))(?:喂|哦|噢|啊|哎)+[，。！]?"   # openers at a clause start
    r"|(?:(?<=^)|(?<=[，。？！；]))(?:那个|这个|就是说|然后呢)[，]"  # hesitation words standing alone
)
_ELLIPSIS = re.compile(r"\.{2,}|…+|。{2,}")
_REPEATED_PUNCT = re.compile(r"([，。？！；])[，。；]+")
_LEADING_PUNCT = re.compile(r"^[，。；、]+")
# Recognisers often drop punctuation; a segment said in one breath is cut before words that open a new clause.
_SOFT_BREAK = re.compile(r"(?<=[\u4e00-\u9fff\d])(?<!希望)(?<!麻烦)(?<!就是)(?=希望|麻烦|赶紧|你们|电话|手机号|我姓|我叫|叫我|就是|对吧|是吧|对吗|"
                         r"我住|每天|名字)")
_HAS_CLAUSES = re.compile(r"[，。？！；]")
# 一三八二八五零摇三七六, 138，280，摇376: the recogniser's homophones of 幺 between spoken digits. Across a separator
# only inside a long digit run (a phone number), so that "128，要3个月" stays as said.
_D = "[零一二三四五六七八九幺\\d]"
_YAO = "[摇要妖腰邀药]"
_YAO_HEARD = re.compile(rf"(?<={_D}){_YAO}(?={_D}|[，、\s-]{_D}{{2}})|(?<={_D}{{3}}[，、\s-]){_YAO}(?={_D}{{2}})")
# 十二洞 → 十二栋: the recogniser's homophones of 栋 after a number.
_BUILDING_HEARD = re.compile(r"(?<=[\d零一二三四五六七八九十两幺])[洞动冻](?=楼|单元|[，。？！\s\d]|$)")


@dataclass(frozen=True)
class NormalizedText:
    """Normalised text; `starts[i]`/`ends[i]` delimit the original characters normalised char i came from."""

    text: str
    original: str
    starts: tuple[int, ...]
    ends: tuple[int, ...]

    def source_span(self, start: int, end: int) -> tuple[int, int]:
        """Original-text span [s, e) for normalised span [start, end)."""
        if not self.text or start >= end:
            s = self.starts[start] if start < len(self.starts) else len(self.original)
            return s, s
        return self.starts[start], self.ends[end - 1]

    def source_text(self, start: int, end: int) -> str:
        s, e = self.source_span(start, end)
        return self.original[s:e]


class _Mapped:
    """A string under rewriting, each character carrying its original span."""

    def __init__(self, text: str) -> None:
        self.text = text
        self.starts = list(range(len(text)))
        self.ends = list(range(1, len(text) + 1))

    def sub(self, pattern: re.Pattern[str], repl: Callable[[re.Match[str]], str]) -> None:
        out: list[str] = []
        starts: list[int] = []
        ends: list[int] = []
        pos = 0
        for m in pattern.finditer(self.text):
            a, b = m.span()
            new = repl(m)
            if new == m.group(0):
                continue
            out.append(self.text[pos:a])
            starts.extend(self.starts[pos:a])
            ends.extend(self.ends[pos:a])
            if new:
                if a < b:
                    s, e = self.starts[a], self.ends[b - 1]
                else:  # pure insertion: anchor on the neighbour
                    s = e = self.starts[a] if a < len(self.starts) else (self.ends[-1] if self.ends else 0)
                out.append(new)
                starts.extend([s] * len(new))
                ends.extend([e] * len(new))
            pos = b
        if not out:
            return
        out.append(self.text[pos:])
        starts.extend(self.starts[pos:])
        ends.extend(self.ends[pos:])
        self.text = "".join(out)
        self.starts, self.ends = starts, ends


@lru_cache(maxsize=1)
def _t2s() -> opencc.OpenCC:
    return opencc.OpenCC("t2s")


def to_simplified(text: str) -> str:
    """Traditional → simplified, character for character (so offsets stay valid)."""
    converted = _t2s().convert(text)
    if len(converted) == len(text):
        return converted
    return "".join(_t2s().convert(ch) if len(_t2s().convert(ch)) == 1 else ch for ch in text)


def normalize(text: str) -> NormalizedText:
    """Normalise one transcript segment for extraction."""
    original = text
    mapped = _Mapped(to_simplified(text).translate(_FULLWIDTH).translate(_PUNCT_MAP))
    mapped.sub(re.compile(r"\s+"), lambda m: "" if _between_cjk(mapped.text, m.start(), m.end()) else " ")
    mapped.sub(_ELLIPSIS, lambda m: "，")
    mapped.sub(_FILLERS, lambda m: "")
    mapped.sub(_REPEATED_PUNCT, lambda m: m.group(1))
    mapped.sub(_LEADING_PUNCT, lambda m: "")
    if len(mapped.text) > 12 and not _HAS_CLAUSES.search(mapped.text[:-1]):
        mapped.sub(_SOFT_BREAK, lambda m: "，")
    mapped.sub(_BUILDING_HEARD, lambda m: "栋")
    mapped.sub(_YAO_HEARD, lambda m: "幺")
    rewrite_numerals(mapped)
    return NormalizedText(mapped.text, original, tuple(mapped.starts), tuple(mapped.ends))


def _between_cjk(text: str, a: int, b: int) -> bool:
    before = text[a - 1] if a > 0 else ""
    after = text[b] if b < len(text) else ""
    return _is_cjk(before) or _is_cjk(after)


def _is_cjk(ch: str) -> bool:
    return bool(ch) and ("\u4e00" <= ch <= "\u9fff" or ch in CLAUSE_PUNCT)


def clauses(text: str) -> list[tuple[int, int]]:
    """Spans of the clauses of a normalised text (split at clause punctuation)."""
    spans = []
    start = 0
    for i, ch in enumerate(text):
        if ch in CLAUSE_PUNCT:
            if i > start:
                spans.append((start, i))
            start = i + 1
    if start < len(text):
        spans.append((start, len(text)))
    return spans
