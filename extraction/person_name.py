"""The caller's name: full name (孙志强), surname + 先生/女士 (叫我李女士就行, or 姓王 with the agent's 王先生), or
explicitly none when the caller declines (名字就不说了, 匿名)."""

from __future__ import annotations

import importlib.resources
import re
from functools import lru_cache

from assistant.extraction.candidates import Candidate, SegmentView
from assistant.extraction.dialogue import DialogueState

KEY = "caller_name"
TITLES = ("先生", "女士", "小姐")
_DECLINE = re.compile(r"匿名|不留名|名字[我]?(就)?不(说|留|讲|告诉|方便|用)|姓名[我]?(就)?不(说|留|讲|用)"
                      r"|不(方便|想)(说|留)(名字|姓名)|(名字|姓名)就?(不用|免了)")
# Words that follow 我是/我叫 but are not names.
_NOT_NAME_START = re.compile(r"^(从|在|住|这|那|他|她|你|我|本|外|个|一|广|业|老|小区|户|来|想|要|打|听|帮|问)")
_NAME_STOP = re.compile(r"[，。？！；、\s]|电话|手机|号码|联系|是|的|啊|呀|吧|呢|就|住|在|今年")


@lru_cache(maxsize=1)
def _surname_list() -> tuple[str, ...]:
    text = (importlib.resources.files("assistant.extraction") / "data" / "surnames.txt").read_text(encoding="utf-8")
    return tuple(line.strip() for line in text.splitlines() if line.strip() and not line.startswith("#"))


@lru_cache(maxsize=1)
def surnames() -> tuple[frozenset[str], frozenset[str]]:
    """(single-character surnames, compound surnames)."""
    names = _surname_list()
    return frozenset(n for n in names if len(n) == 1), frozenset(n for n in names if len(n) == 2)


@lru_cache(maxsize=1)
def _surnames_by_sound() -> dict[str, str]:
    from assistant.extraction.gazetteer import fuzzy_pinyin

    by_sound: dict[str, str] = {}
    for name in _surname_list():
        if len(name) == 1:
            by_sound.setdefault(fuzzy_pinyin(name), name)   # the list is ordered: the commonest wins
    return by_sound


def surname_by_sound(char: str) -> str | None:
    """The common surname a misheard character stands for (留, 流 → 刘); None when none sounds like it."""
    from assistant.extraction.gazetteer import fuzzy_pinyin

    return _surnames_by_sound().get(fuzzy_pinyin(char))


def split_surname(name: str) -> tuple[str, str] | None:
    """(surname, given name) when name starts with a known surname."""
    single, compound = surnames()
    if len(name) >= 3 and name[:2] in compound:
        return name[:2], name[2:]
    if name and name[0] in single:
        return name[0], name[1:]
    return None


def _is_cjk(s: str) -> bool:
    return bool(s) and all("\u4e00" <= c <= "\u9fff" for c in s)


def _read_name(text: str, start: int, max_len: int = 4) -> tuple[str, int] | None:
    """A full name (2–4 characters, known surname) starting at text[start], with its end."""
    m = _NAME_STOP.search(text, start)
    end = m.start() if m else len(text)
    name = text[start:end]
    if not (2 <= len(name) <= max_len) or not _is_cjk(name) or _NOT_NAME_START.match(name):
        return None
    parts = split_surname(name)
    if parts is None or not parts[1] or len(parts[1]) > 2:
        return None
    return name, end


class NameProposer:
    name = "name-rules"

    def propose(self, view: SegmentView, state: DialogueState) -> list[Candidate]:
        text = view.text
        out: list[Candidate] = []
        if view.speaker == "agent":
            return self._agent(view)
        single, compound = surnames()
        m = _DECLINE.search(text)
        if m:
            out.append(view.candidate(KEY, None, 0.85, m.start(), m.end(), kind="declined"))
        # 叫我李女士 / 我是王先生
        for m in re.finditer(r"(?:叫我|我是|我姓|免贵姓)([\u4e00-\u9fff]{1,2}?)(先生|女士|小姐)", text):
            if split_surname(m.group(1) + "x") is not None:
                title = "女士" if m.group(2) == "小姐" else m.group(2)
                out.append(view.candidate(KEY, m.group(1) + title, 0.9, m.start(1), m.end(2), kind="titled"))
        # 我姓陈 / 姓王 — not "一个姓陈的小姑娘" (a third person)
        for m in re.finditer(r"(?<![个位])(?:免贵)?姓([\u4e00-\u9fff]{1,2})", text):
            s = m.group(1)
            surname = s if s in compound else s[0]
            if surname not in single and surname not in compound:
                continue
            after = text[m.start(1) + len(surname):m.start(1) + len(surname) + 1]
            if after == "的" or text.startswith(("先生", "女士", "小姐"), m.start(1) + len(surname)):
                continue
            out.append(view.candidate(KEY, surname, 0.85, m.start(1), m.start(1) + len(surname), kind="surname"))
        # 我叫孙志强 / 我的名字是… / 名字叫…
        for m in re.finditer(r"(?:我叫|名字叫|名字是|我的名字是|姓名是|本人)", text):
            got = _read_name(text, m.end())
            if got:
                out.append(view.candidate(KEY, got[0], 0.9, m.end(), got[1], kind="full"))
        # 我信留 / 新王: 姓 and the surname both misheard by the recogniser, in answer to the agent's question.
        if "name" in view.asked and not out:
            m = re.match(r"^(?:我)?[信新心性星兴幸]([\u4e00-\u9fff])(?=[，。、\s电\d]|$)", text)
            if m:
                heard = m.group(1)
                surname = heard if heard in single else surname_by_sound(heard)
                if surname:
                    out.append(view.candidate(KEY, surname, 0.5, m.start(1), m.end(1), kind="surname",
                                              extra={"by_sound": surname != heard}))
        # A bare name answering the agent's question: "冯伟，电话…"
        if "name" in view.asked and not any(c.kind in ("full", "titled") for c in out):
            got = _read_name(text, 0, max_len=3)
            if got and (got[1] >= len(text) or text[got[1]] in "，。 "):
                out.append(view.candidate(KEY, got[0], 0.75, 0, got[1], kind="full"))
        return out

    @staticmethod
    def _agent(view: SegmentView) -> list[Candidate]:
        """The agent addressing the caller: 王先生 / 陈女士, or reading back a full name."""
        text = view.text
        out = []
        single, compound = surnames()
        for m in re.finditer(r"先生|女士|小姐", text):
            two = text[max(0, m.start() - 2):m.start()]
            surname = two if two in compound else text[m.start() - 1:m.start()] if m.start() > 0 else ""
            if surname not in single and surname not in compound:
                # 流女士: a surname the recogniser misheard, when a common surname sounds the same
                heard = surname
                surname = surname_by_sound(heard) if heard and "\u4e00" <= heard <= "\u9fff" else None
                if not surname or heard in "的是了位个这那您":
                    continue
            title = "女士" if m.group(0) == "小姐" else m.group(0)
            out.append(view.candidate(KEY, surname + title, 0.6, m.start() - len(surname), m.end(), kind="titled"))
        # A full name read back at the start of the agent's turn: "孙志强，136…"
        got = _read_name(text, 0, max_len=3)
        if got and got[1] < len(text) and text[got[1]] == "，" and not text.startswith(("好的", "您好", "请问")):
            out.append(view.candidate(KEY, got[0], 0.55, 0, got[1], kind="full"))
        return out
