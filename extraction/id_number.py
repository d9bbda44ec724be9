"""Resident ID numbers (身份证号): 18 characters said digit by digit, the last may be X (叉)."""

from __future__ import annotations

import re

from assistant.extraction.candidates import Candidate, SegmentView
from assistant.extraction.dialogue import DialogueState

KEY = "id_number"
_CUE = re.compile(r"身份证|证件号|证件")
_DIGITS = re.compile(r"\d[\d，、\s\-]{14,30}(?:[xX]|叉|艾克斯|埃克斯)?")
_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_CHECK = "10X98765432"


def checksum_ok(number: str) -> bool:
    """GB 11643 check character of an 18-character ID number."""
    if len(number) != 18 or not number[:17].isdigit():
        return False
    total = sum(int(d) * w for d, w in zip(number[:17], _WEIGHTS))
    return _CHECK[total % 11] == number[17].upper()


class IdNumberProposer:
    name = "id-rules"

    def propose(self, view: SegmentView, state: DialogueState) -> list[Candidate]:
        text = view.text
        if view.speaker != "caller" or not (_CUE.search(text) or "id" in view.asked):
            return []
        out = []
        for m in _DIGITS.finditer(text):
            raw = m.group(0)
            x = bool(re.search(r"([xX]|叉|艾克斯|埃克斯)$", raw))
            digits = re.sub(r"\D", "", raw)
            number = digits + ("X" if x else "")
            if len(number) not in (15, 18):
                continue
            conf = 0.9 if checksum_ok(number) else 0.6 if len(number) == 18 else 0.7
            out.append(view.candidate(KEY, number, conf, m.start(), m.end(), kind="id"))
        return out
