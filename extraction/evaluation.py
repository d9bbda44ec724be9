"""Scoring predicted tickets against the clerks' gold records: exact match after light normalisation for most
fields, character F1 for the free-text ones (address, demand, title)."""

from __future__ import annotations

import re
import unicodedata
from collections import Counter
from collections.abc import Mapping

from assistant.extraction.textnorm import to_simplified
from assistant.extraction.ticket import GOLD_KEYS

CHAR_F1_FIELDS = ("address", "demand", "title")
# Targets of the issue (text mode, dev calls).
TARGETS: dict[str, float] = {
    "caller_phone": 0.98, "district": 0.95, "street": 0.90, "appeal_type": 0.90, "category_l1": 0.85,
    "caller_name": 0.90, "address": 0.85, "title": 0.60,
}
_DROP = re.compile(r"[\s\W_]+", re.UNICODE)


def normalise(value: object) -> str:
    """Case, width, script and punctuation do not count."""
    if value is None:
        return ""
    text = unicodedata.normalize("NFKC", str(value)).lower()
    return _DROP.sub("", to_simplified(text))


def exact(pred: object, gold: object) -> float:
    return float(normalise(pred) == normalise(gold))


def char_f1(pred: object, gold: object) -> float:
    p, g = normalise(pred), normalise(gold)
    if not p and not g:
        return 1.0
    if not p or not g:
        return 0.0
    overlap = sum((Counter(p) & Counter(g)).values())
    if overlap == 0:
        return 0.0
    precision, recall = overlap / len(p), overlap / len(g)
    return 2 * precision * recall / (precision + recall)


def score_call(pred: Mapping[str, object], gold: Mapping[str, object]) -> dict[str, float]:
    return {k: (char_f1 if k in CHAR_F1_FIELDS else exact)(pred.get(k), gold.get(k)) for k in GOLD_KEYS}


def score(preds: Mapping[str, Mapping[str, object]], golds: Mapping[str, Mapping[str, object]]) -> dict:
    """Per-field and overall scores over the gold calls; a call without a prediction scores as all-null."""
    if not golds:
        raise ValueError("no gold calls to score against")
    per_call = {cid: score_call(preds.get(cid, {}), gold) for cid, gold in golds.items()}
    fields = {k: sum(s[k] for s in per_call.values()) / len(per_call) for k in GOLD_KEYS}
    return {
        "calls": len(golds),
        "missing_predictions": sorted(set(golds) - set(preds)),
        "fields": {k: round(v, 4) for k, v in fields.items()},
        "metric": {k: ("char_f1" if k in CHAR_F1_FIELDS else "exact") for k in GOLD_KEYS},
        "overall": round(sum(fields.values()) / len(fields), 4),
        "targets": {k: {"target": t, "met": fields[k] >= t} for k, t in TARGETS.items()},
        "per_call": per_call,
    }


def markdown_table(result: dict) -> str:
    lines = ["| field | metric | score | target |", "|---|---|---:|---|"]
    for k in GOLD_KEYS:
        target = result["targets"].get(k)
        mark = "" if target is None else f"≥ {target['target']:.2f} {'✓' if target['met'] else '✗'}"
        lines.append(f"| {k} | {result['metric'][k]} | {result['fields'][k]:.3f} | {mark} |")
    lines.append(f"| **overall** | mean | {result['overall']:.3f} | |")
    return "\n".join(lines)
