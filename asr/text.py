"""Recogniser output clean-up: traditional → simplified, and guards against Whisper's hallucinations."""

from __future__ import annotations

import re
from functools import lru_cache

import opencc

# Phrases Whisper invents over silence or noise (learned from subtitle data); dropped when they are all there is.
_HALLUCINATIONS = (
    "请不吝点赞", "订阅", "转发", "打赏", "字幕由", "字幕志愿者", "明镜与点点", "谢谢观看", "感谢观看", "谢谢大家观看",
    "下集再见", "欢迎收看", "本期视频", "中文字幕", "点赞订阅",
)
_REPEAT = re.compile(r"(.{1,8}?)\1{3,}")
_SPACES = re.compile(r"\s+")


@lru_cache(maxsize=1)
def _t2s() -> opencc.OpenCC:
    return opencc.OpenCC("t2s")


def to_simplified(text: str) -> str:
    return _t2s().convert(text)


def collapse_repeats(text: str) -> str:
    """'好的好的好的好的好的' → '好的好的': a phrase looping four or more times is a decoder loop, not speech."""
    return _REPEAT.sub(lambda m: m.group(1) * 2, text)


def is_hallucination(text: str) -> bool:
    core = re.sub(r"[\s\W_]+", "", text)
    if not core:
        return True
    return any(h in core for h in _HALLUCINATIONS) and len(core) <= 24


def clean_transcript(text: str) -> str:
    """Simplified Chinese, no decoder loops, spaces between Chinese characters removed; '' when it is noise."""
    text = to_simplified(text.strip())
    text = _SPACES.sub(" ", text)
    text = re.sub(r"(?<=[\u4e00-\u9fff，。？！、]) (?=[\u4e00-\u9fff])", "", text)
    text = collapse_repeats(text)
    return "" if is_hallucination(text) else text
