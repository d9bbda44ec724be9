"""Phone numbers: mobile (11 digits, 1…) and landline (area code 0… + 7–8 digits, or 7–8 digits alone).

Numbers are said in groups (139，2508，7416) or in one run, and corrected on the fly (139……不对，138): within a
segment a group after a correction marker replaces the group it corrects. A short group said as a correction in a
later segment (不是，最后是1919) is a partial correction of the number on the ticket.
"""

from __future__ import annotations

import re

from assistant.extraction.candidates import Candidate, SegmentView
from assistant.extraction.dialogue import DialogueState

KEY = "caller_phone"
# A digit group not part of a quantity (36号, 3800块, 11点 are not phone digits).
_GROUP = re.compile(r"(?<![\d.])\d+(?![\d.]|[号栋座楼层室块元点天岁万米个年月日分%、])")
_SEPARATOR = re.compile(r"^[，、\s\-－—]*$")
_CORRECTION = re.compile(r"^[，、\s]*(不对|不是|错了|说错了|搞错了|应该是)[，、\s]*(是|应该是)?[，、\s]*$")
# "说错了，是138…": the whole number said as a correction of an earlier one.
_CORRECTED_BEFORE = re.compile(r"(不对|不是|说错了|错了|搞错了|更正一下|应该是)[^\d]{0,8}$")
_PHONE_CUE = re.compile(r"电话|手机|号码|联系方式|打这个|号是|尾号")
_DECLINE = re.compile(r"电话[我]?(就)?不(留|给|说)|不(留|给)电话|号码[我]?(就)?不(留|给)")
_SUFFIX_CUE = re.compile(r"(最后|后面|尾数|末尾|后四位|后几位)")
_PREFIX_CUE = re.compile(r"(前面|开头|前三位|前几位)")
_MIDDLE_CUE = re.compile(r"中间")


def is_phone_number(digits: str) -> bool:
    if len(digits) == 11 and digits[0] == "1" and digits[1] in "3456789":
        return True
    if digits.startswith("0") and 10 <= len(digits) <= 12:
        return True
    return len(digits) in (7, 8) and digits[0] in "23456789"


def _chains(text: str) -> list[list[tuple[int, int, bool]]]:
    """Digit groups joined by separators or correction markers: lists of (start, end, after_correction)."""
    chains: list[list[tuple[int, int, bool]]] = []
    current: list[tuple[int, int, bool]] = []
    prev_end = None
    for m in _GROUP.finditer(text):
        gap = text[prev_end:m.start()] if prev_end is not None else None
        if gap is not None and _SEPARATOR.match(gap):
            current.append((m.start(), m.end(), False))
        elif gap is not None and _CORRECTION.match(gap):
            current.append((m.start(), m.end(), True))
        else:
            if current:
                chains.append(current)
            current = [(m.start(), m.end(), False)]
        prev_end = m.end()
    if current:
        chains.append(current)
    return chains


def assemble(text: str, chain: list[tuple[int, int, bool]]) -> str:
    """The number a chain of groups says, corrections applied."""
    groups: list[str] = []
    for start, end, corrects in chain:
        g = text[start:end]
        if corrects and groups:
            if len(g) >= 10:
                groups = [g]
            elif len(g) == len(groups[-1]):
                groups[-1] = g
            else:
                joined = "".join(groups)
                groups = [joined[: max(0, len(joined) - len(g))], g]
        else:
            groups.append(g)
    return "".join(groups)


def apply_partial(number: str, digits: str, where: str) -> str:
    """Replace part of a number: its end (default), its start or its middle group."""
    if len(digits) >= len(number):
        return digits
    if where == "prefix":
        return digits + number[len(digits):]
    if where == "middle" and len(number) == 11 and len(digits) == 4:
        return number[:3] + digits + number[7:]
    return number[: len(number) - len(digits)] + digits


class PhoneProposer:
    name = "phone-rules"

    def propose(self, view: SegmentView, state: DialogueState) -> list[Candidate]:
        text = view.text
        out: list[Candidate] = []
        m = _DECLINE.search(text)
        if m and view.speaker == "caller":
            out.append(view.candidate(KEY, None, 0.85, m.start(), m.end(), kind="declined"))
        cue = bool(_PHONE_CUE.search(text)) or "phone" in view.asked
        for chain in _chains(text):
            number = assemble(text, chain)
            start, end = chain[0][0], chain[-1][1]
            corrected = any(c for _, _, c in chain[1:]) or bool(_CORRECTED_BEFORE.search(text[:start]))
            if is_phone_number(number):
                if len(number) in (7, 8) and not cue:
                    continue
                conf = 0.85 if view.speaker == "caller" else 0.6
                if not cue:
                    conf -= 0.15
                out.append(view.candidate(KEY, number, conf, start, end, kind="full", correction=corrected))
            elif view.speaker == "caller" and 3 <= len(number) <= 4 and self._is_partial_correction(text, start):
                where = ("prefix" if _PREFIX_CUE.search(text[:start]) else
                         "middle" if _MIDDLE_CUE.search(text[:start]) else "suffix")
                out.append(view.candidate(KEY, number, 0.8, start, end, kind="partial", correction=True,
                                          extra={"where": where}))
        return out

    @staticmethod
    def _is_partial_correction(text: str, start: int) -> bool:
        before = text[:start]
        return bool(re.search(r"不对|不是|错了|应该是", before)) and bool(
            _SUFFIX_CUE.search(before) or _PREFIX_CUE.search(before) or _MIDDLE_CUE.search(before)
            or re.search(r"(不对|不是|错了)[，、\s]*(是|应该是)?[，、\s]*$", before))
