"""Character error rate as the benchmarks and tests compute it."""

from __future__ import annotations

import re
import unicodedata
import warnings
from functools import lru_cache

from rapidfuzz.distance import Levenshtein

from assistant.asr.text import to_simplified


@lru_cache(maxsize=1)
def _cn2an():
    import cn2an  # slow import; only when scoring

    return cn2an


def normalise_for_cer(text: str) -> str:
    """Simplified script, no punctuation or spaces, numbers as digits on both sides (幺 is 一)."""
    text = to_simplified(text).replace("幺", "一")
    text = "".join(ch for ch in text if not unicodedata.category(ch).startswith(("P", "Z", "S")))
    try:
        with warnings.catch_warnings():  # cn2an warns about runs it leaves alone (digit-by-digit numbers)
            warnings.simplefilter("ignore")
            text = _cn2an().transform(text, "cn2an")
    except Exception:  # cn2an rejects a few odd numeral runs; compare those as they are
        pass
    return re.sub(r"\s+", "", text).lower()


def char_errors(reference: str, hypothesis: str) -> tuple[int, int]:
    """(edit distance, reference length) after normalisation."""
    ref, hyp = normalise_for_cer(reference), normalise_for_cer(hypothesis)
    return Levenshtein.distance(ref, hyp), len(ref)


def cer(reference: str, hypothesis: str) -> float:
    errors, n = char_errors(reference, hypothesis)
    return errors / max(n, 1)
