"""Chinese numerals → Arabic digits, where the words are numbers.

Two ways of saying a number: digit by digit (phone numbers, 幺三八…, road numbers 一零五) and as a value
(三千八百, 十五栋, 一万二). Values are converted with cn2an; the context decides whether a short numeral is a number
at all (一直, 一下, 两个多星期 stay words; 十五栋, 三天, 晚上十一点 become digits).
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

import cn2an

if TYPE_CHECKING:
    from assistant.extraction.textnorm import _Mapped

DIGITS = {"零": "0", "〇": "0", "洞": "0", "一": "1", "幺": "1", "二": "2", "两": "2", "三": "3", "四": "4",
          "五": "5", "六": "6", "七": "7", "八": "8", "九": "9"}
_MAGNITUDES = "十百千万"
_RUN = re.compile(r"[零〇一幺二两三四五六七八九十百千万]+")

# Words after a numeral that make it a quantity written with digits. Longest first.
_UNITS = ("点钟", "点半", "单元", "块钱", "分钟", "公里", "号线", "号楼", "点", "号", "栋", "幢", "座", "楼", "层",
          "室", "房", "块", "元", "万", "岁", "天", "米", "分", "秒", "路", "次", "趟", "期", "届", "级", "户", "人")
# Units after which even 一 is a number (一楼 1楼); elsewhere 一 is usually a word (一天 = some day, 一点 = a bit).
_ONE_UNITS = frozenset({"栋", "幢", "座", "楼", "层", "单元", "室", "号", "号楼", "号线", "块", "块钱", "元", "岁", "万"})
# Single-digit quantities that stay words: 一次 两次, 三路车 …; kept unless they carry a magnitude.
_WORDY_UNITS = frozenset({"次", "趟", "期", "届", "级", "户", "人", "路", "分", "秒", "米"})
_IN_DIGIT_GROUPS = re.compile(r"[\d零〇一幺二两三四五六七八九][，、\s-]?$")
_CLOCK_CONTEXT = re.compile(r"(早上|上午|中午|下午|晚上|傍晚|夜里|半夜|凌晨|深夜|夜间|早|晚|到|至|从|约|大概|差不多)$")


def _digit_string(run: str) -> str:
    return "".join(DIGITS[c] for c in run)


def _value(run: str) -> str | None:
    try:
        value = cn2an.cn2an(run.replace("幺", "一"), "smart")
    except (ValueError, KeyError, IndexError, TypeError):
        return None
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() else str(value)
    return str(value)


def _unit_after(text: str, end: int) -> str | None:
    for unit in _UNITS:
        if text.startswith(unit, end):
            return unit
    return None


def convert_run(text: str, start: int, end: int) -> str | None:
    """Digits for the numeral run text[start:end], or None when it should stay as words."""
    run = text[start:end]
    before = text[max(0, start - 4):start]
    after = text[end:end + 3]
    if before.endswith("第") or before.endswith("分之") or after.startswith("分之") or after.startswith("几"):
        return None
    if run == "两" and before[-1:] in ("这", "那", "前") and after[:1] in ("天", "年", "个", "次"):
        return None  # 这两天, 前两年: "a few", not two
    has_digit = any(c in DIGITS for c in run)
    if any(c in _MAGNITUDES for c in run):
        if not has_digit and not run.startswith("十"):
            return None  # 千万, 百万 as words
        if after.startswith(("个", "多个")) and len(run) <= 2:
            return None  # 十个 … stays as said
        value = _value(run)
        if value is None and set(run) - set(DIGITS) == {"十"} and (len(run) >= 5 or _IN_DIGIT_GROUPS.search(before)):
            # 一三九，二五零八，七十一六: no value but digits read one by one (a phone number), 四 heard as 十 (the
            # sì/shí merge of southern Mandarin). Short runs elsewhere stay words: 二十一二岁 is "21 or 22".
            return "".join("4" if c == "十" else DIGITS[c] for c in run)
        return value
    # No magnitude: digit by digit when it is long or clearly a code (幺, leading 零).
    if len(run) >= 3 or "幺" in run or (len(run) >= 2 and run[0] in "零〇"):
        return _digit_string(run)
    unit = _unit_after(text, end)
    if unit is None:
        return None
    if unit in _WORDY_UNITS:
        return None
    if len(run) == 2:
        a, b = int(DIGITS[run[0]]), int(DIGITS[run[1]])
        if b == a + 1:
            return f"{a}、{b}"  # 两三点 → 2、3点: an approximate range
        return None
    if run == "一" and unit not in _ONE_UNITS:
        if unit.startswith("点") and _CLOCK_CONTEXT.search(before):
            return "1"
        return None
    if unit.startswith("点") and run in "两二" and not _CLOCK_CONTEXT.search(before) and after.startswith("点儿"):
        return None
    return _digit_string(run)


def rewrite_numerals(mapped: "_Mapped") -> None:
    """Rewrite numeral runs of a mapped text in place."""

    def repl(m: re.Match[str]) -> str:
        converted = convert_run(m.string, m.start(), m.end())
        return m.group(0) if converted is None else converted

    mapped.sub(_RUN, repl)


def to_digits(text: str) -> str:
    """Plain-string convenience: the numeral rewriting of `normalize` without the offset bookkeeping."""
    from assistant.extraction.textnorm import _Mapped

    mapped = _Mapped(text)
    rewrite_numerals(mapped)
    return mapped.text
