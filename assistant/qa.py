"""QA over stored calls: the field timeline, the auto-vs-submitted diff and metrics across calls.

Everything here works on the dicts the store returns (`Store.get_call` shape: `field_history`, `segments`,
`submitted_ticket` with `ticket` and `auto`), so it is testable without a server. `load_calls` and `facets` are the
only functions that read the store; the REST routes, the QA page and `assistant replay` share the rest.

Definitions (per submitted call, for every key the assistant had filled or the agent submitted):
- accepted: the assistant's last value was submitted unchanged;   edited: a different value was submitted;
- cleared: the assistant filled it, the agent submitted it empty;  added: the assistant had nothing, the agent did.
- template top-1 acceptance: the submitted template is the one the assistant had chosen.
- complete_s: the call's audio time of the last value change before submission (when the ticket reached what was
  submitted); submit_s: wall seconds from call start to submission; wrapup_s: from hang-up to submission.
"""

from __future__ import annotations

import csv
import io
import statistics
from collections import Counter
from datetime import datetime, timezone
from typing import Any, Iterable

# Ticket-level values that are not form fields; the three derived ones follow the template choice.
META_LABELS: dict[str, str] = {
    "template_id": "模板", "title": "标题", "handling_unit": "承办单位",
    "appeal_type": "诉求类型", "category_l1": "一级分类", "matter": "事项",
}
DERIVED_KEYS = frozenset({"appeal_type", "category_l1", "matter"})
OUTCOMES = ("accepted", "edited", "cleared", "added")
OUTCOME_LABELS = {"accepted": "采纳", "edited": "修改", "cleared": "清空", "added": "补填", "empty": "均为空"}
KIND_LABELS = {"set": "填入", "change": "改为", "clear": "清空", "confidence": "置信度"}
SOURCE_LABELS = {"auto": "自动", "agent": "坐席"}
MAX_CALLS = 100_000  # metrics read at most this many calls per request (newest first)


# ---------- small helpers ----------
def parse_time(value: str | datetime | None) -> datetime | None:
    """An ISO timestamp from the store as an aware datetime (SQLite returns naive UTC)."""
    if value is None:
        return None
    dt = value if isinstance(value, datetime) else datetime.fromisoformat(value)
    return dt if dt.tzinfo else dt.replace(tzinfo=timezone.utc)


def _blank(v: Any) -> Any:
    return None if v is None or (isinstance(v, str) and not v.strip()) else v


def outcome(auto: str | None, final: str | None) -> str:
    """What the agent did with one value: accepted / edited / cleared / added, or empty (neither had one)."""
    auto, final = _blank(auto), _blank(final)
    if auto is None:
        return "added" if final is not None else "empty"
    if final is None:
        return "cleared"
    return "accepted" if auto == final else "edited"


def _key_order(keys: Iterable[str]) -> list[str]:
    from assistant.extraction.ticket import COMMON_FIELD_LABELS, GOLD_KEYS

    canonical = ["template_id", *[k for k in GOLD_KEYS if k != "title"], "title", "handling_unit",
                 *COMMON_FIELD_LABELS]
    rank = {k: i for i, k in enumerate(dict.fromkeys(canonical))}
    return sorted(set(keys), key=lambda k: (rank.get(k, len(rank)), k))


# ---------- labels ----------
def field_labels(template_ids: Iterable[str | None] = (), catalogue: Any = None) -> dict[str, str]:
    """Chinese labels: the common fields, ticket attributes and the given templates' own fields."""
    from assistant.extraction.ticket import COMMON_FIELD_LABELS

    labels = {**COMMON_FIELD_LABELS, **META_LABELS}
    for tid in template_ids:
        template = catalogue.get(tid) if (catalogue is not None and tid) else None
        for f in template.fields if template else ():
            labels.setdefault(f.key, f.label)
    return labels


def template_names(template_ids: Iterable[str | None], catalogue: Any = None) -> dict[str, str]:
    """template_id → 事项（诉求类型）; ids the catalogue does not know keep their id."""
    out = {}
    for tid in template_ids:
        if tid:
            t = catalogue.get(tid) if catalogue is not None else None
            out[tid] = f"{t.matter}（{t.appeal_type}）" if t else tid
    return out


def call_template_ids(call: dict) -> set[str]:
    ids = {call.get("template_id")}
    ids |= {c["new"] for c in call.get("field_history", ()) if c["key"] == "template_id"}
    sub = call.get("submitted_ticket") or {}
    ids |= {(sub.get("ticket") or {}).get("template_id"), (sub.get("auto") or {}).get("template_id")}
    return {i for i in ids if i}


# ---------- one call ----------
def timeline(call: dict, labels: dict[str, str] | None = None) -> list[dict]:
    """The ticket as it evolved: every stored field change in order, with the value it replaced (worked out from
    the history, since ticket-level changes are stored without one), its kind and its evidence in context."""
    labels = labels or {}
    segments = {s["segment_id"]: s for s in call.get("segments", ())}
    current: dict[str, str | None] = {}
    out = []
    for ch in call.get("field_history", ()):
        key, new = ch["key"], _blank(ch["new"])
        old = current.get(key)
        current[key] = new
        if old is None and new is None:
            continue  # a confidence change on an empty field tells a reviewer nothing
        kind = "set" if old is None else "clear" if new is None else "confidence" if old == new else "change"
        evidence = []
        for e in ch.get("evidence") or ():
            seg = segments.get(e.get("segment_id"))
            evidence.append({**e, "speaker": seg["speaker"] if seg else None,
                             "segment_start_s": seg["start_s"] if seg else None,
                             "segment_text": seg["text"] if seg else None})
        out.append({"t": ch.get("call_time_s"), "at": ch.get("at"), "key": key, "label": labels.get(key, key),
                    "old": old, "new": new, "kind": kind, "source": ch["source"],
                    "confidence": ch.get("confidence"), "evidence": evidence})
    return out


def final_values(call: dict) -> dict[str, str | None]:
    """What the agent submitted: the stored ticket, and for template fields it does not carry, the last value
    the history gave them (an agent's edit of such a field is in the history too)."""
    latest: dict[str, str | None] = {}
    for ch in call.get("field_history", ()):
        latest[ch["key"]] = _blank(ch["new"])
    ticket = (call.get("submitted_ticket") or {}).get("ticket") or {}
    return {**latest, **{k: _blank(v) for k, v in ticket.items()}}


def ticket_diff(call: dict, labels: dict[str, str] | None = None) -> list[dict] | None:
    """Per key: the assistant's value, the submitted value and the outcome. None until a ticket is submitted."""
    sub = call.get("submitted_ticket")
    if not sub:
        return None
    labels = labels or {}
    auto = {k: _blank(v) for k, v in (sub.get("auto") or {}).items()}
    final = final_values(call)
    rows = []
    for key in _key_order(set(auto) | set(sub.get("ticket") or {})):
        a, f = auto.get(key), final.get(key)
        rows.append({"key": key, "label": labels.get(key, key), "auto": a, "final": f, "outcome": outcome(a, f),
                     "derived": key in DERIVED_KEYS})
    return rows


def complete_time(call: dict) -> float | None:
    """Audio time of the last value change before submission (confidence-only updates do not count)."""
    if not call.get("submitted_ticket"):
        return None
    current: dict[str, Any] = {}
    last = None
    for ch in call.get("field_history", ()):
        new = _blank(ch["new"])
        if current.get(ch["key"]) != new and ch.get("call_time_s") is not None:
            last = ch["call_time_s"]
        current[ch["key"]] = new
    return last


def _seconds_between(a: str | None, b: str | None) -> float | None:
    ta, tb = parse_time(a), parse_time(b)
    return round((tb - ta).total_seconds(), 3) if ta and tb else None


def call_metrics(call: dict) -> dict:
    """One call's QA row (the `calls` table of the metrics)."""
    sub = call.get("submitted_ticket")
    diff = ticket_diff(call) or []
    counts = Counter(r["outcome"] for r in diff if not r["derived"] and r["key"] != "template_id")
    auto_t = ((sub or {}).get("auto") or {}).get("template_id")
    final_t = ((sub or {}).get("ticket") or {}).get("template_id") if sub else call.get("template_id")
    return {
        "call_id": call["id"], "agent_id": call.get("agent_id"), "started_at": call.get("started_at"),
        "state": call.get("state"), "audio_s": call.get("audio_s"), "district": call.get("district"),
        "submitted": bool(sub), "template_auto": auto_t, "template_final": final_t,
        "template_accepted": (auto_t == final_t) if sub and auto_t else None,
        "fields_auto": sum(counts[o] for o in ("accepted", "edited", "cleared")),
        **{f"fields_{o}": counts[o] for o in OUTCOMES},
        "complete_s": complete_time(call),
        "submit_s": _seconds_between(call.get("started_at"), sub["submitted_at"]) if sub else None,
        "wrapup_s": _seconds_between(call.get("ended_at"), sub["submitted_at"]) if sub else None,
    }


def review(call: dict, catalogue: Any = None) -> dict:
    """Everything the QA page and `assistant replay` show for one call."""
    ids = call_template_ids(call)
    labels = field_labels(ids, catalogue)
    return {"call": call, "labels": labels, "templates": template_names(ids, catalogue),
            "timeline": timeline(call, labels), "diff": ticket_diff(call, labels), "metrics": call_metrics(call)}


# ---------- across calls ----------
def _rate(n: int, d: int) -> float | None:
    return round(n / d, 4) if d else None


def _stats(values: list[float]) -> dict:
    values = sorted(v for v in values if v is not None)
    if not values:
        return {"n": 0, "median_s": None, "mean_s": None, "p90_s": None, "max_s": None}
    p90 = values[min(len(values) - 1, max(0, round(0.9 * len(values)) - 1))]
    return {"n": len(values), "median_s": round(statistics.median(values), 3),
            "mean_s": round(statistics.fmean(values), 3), "p90_s": round(p90, 3), "max_s": round(values[-1], 3)}


def summarise(calls: list[dict], labels: dict[str, str] | None = None) -> dict:
    """QA metrics across calls (each a `Store.get_call`-shaped dict; segments are not needed)."""
    labels = labels or {}
    rows = [call_metrics(c) for c in calls]
    per_field: dict[str, Counter] = {}
    for call in calls:
        for r in ticket_diff(call) or ():
            if r["derived"] or r["key"] == "template_id" or r["outcome"] == "empty":
                continue
            per_field.setdefault(r["key"], Counter())[r["outcome"]] += 1
    fields = []
    for key in _key_order(per_field):
        c = per_field[key]
        filled = c["accepted"] + c["edited"] + c["cleared"]
        fields.append({"key": key, "label": labels.get(key, key), "auto_filled": filled,
                       **{o: c[o] for o in OUTCOMES},
                       **{f"{o}_rate": _rate(c[o], filled) for o in ("accepted", "edited", "cleared")}})
    submitted = [r for r in rows if r["submitted"]]
    judged = [r for r in submitted if r["template_accepted"] is not None]
    accepted_t = sum(r["template_accepted"] for r in judged)
    totals = Counter()
    for f in fields:
        totals.update({o: f[o] for o in OUTCOMES})
    filled_all = totals["accepted"] + totals["edited"] + totals["cleared"]
    return {
        "calls": {"total": len(rows), "submitted": len(submitted), "by_state": dict(Counter(r["state"] for r in rows))},
        "template_top1": {"suggested": len(judged), "accepted": accepted_t, "rate": _rate(accepted_t, len(judged)),
                          "no_suggestion": len(submitted) - len(judged)},
        "fields_overall": {"auto_filled": filled_all, **{o: totals[o] for o in OUTCOMES},
                           **{f"{o}_rate": _rate(totals[o], filled_all) for o in ("accepted", "edited", "cleared")}},
        "time_to_complete": _stats([r["complete_s"] for r in submitted]),
        "time_to_submit": _stats([r["submit_s"] for r in submitted]),
        "fields": fields,
        "per_call": rows,
    }


CSV_TABLES = ("fields", "calls")


def metrics_csv(metrics: dict, table: str = "fields") -> str:
    """One table of the metrics as CSV, with a UTF-8 BOM so that spreadsheet programs read the Chinese labels."""
    if table not in CSV_TABLES:
        raise ValueError(f"unknown table {table!r}; expected one of {', '.join(CSV_TABLES)}")
    rows = metrics["fields"] if table == "fields" else metrics["per_call"]
    columns = (list(rows[0]) if rows else
               ["key", "label", "auto_filled", *OUTCOMES, "accepted_rate", "edited_rate", "cleared_rate"]
               if table == "fields" else list(call_metrics({"id": ""})))
    buf = io.StringIO()
    buf.write("\ufeff")
    writer = csv.DictWriter(buf, fieldnames=columns, lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    return buf.getvalue()


# ---------- reading the store ----------
def load_calls(store, *, agent_id: str | None = None, since: datetime | None = None, until: datetime | None = None,
               limit: int = MAX_CALLS) -> list[dict]:
    """Calls with their field history and latest submitted ticket (no segments), in three queries."""
    from sqlalchemy import select

    from assistant.server.storage import FieldChangeRow, TicketRow

    calls = store.list_calls(agent_id=agent_id, since=since, until=until, limit=limit)
    by_id = {c["id"]: {**c, "field_history": [], "submitted_ticket": None} for c in calls}
    ids = list(by_id)
    with store.session() as s:
        for i in range(0, len(ids), 500):  # stay under SQLite's bound-parameter limit
            chunk = ids[i:i + 500]
            for c in s.scalars(select(FieldChangeRow).where(FieldChangeRow.call_id.in_(chunk))
                               .order_by(FieldChangeRow.id)):
                by_id[c.call_id]["field_history"].append(
                    {"key": c.key, "old": c.old, "new": c.new, "source": c.source, "confidence": c.confidence,
                     "evidence": c.evidence, "call_time_s": c.call_time_s, "at": c.at.isoformat()})
            for t in s.scalars(select(TicketRow).where(TicketRow.call_id.in_(chunk)).order_by(TicketRow.id)):
                by_id[t.call_id]["submitted_ticket"] = {  # ordered by id: the latest one stays
                    "id": t.id, "call_id": t.call_id, "agent_id": t.agent_id, "template_id": t.template_id,
                    "ticket": t.fields, "auto": t.auto_fields, "submitted_at": t.submitted_at.isoformat()}
    return list(by_id.values())


def facets(store, agent_id: str | None = None) -> dict[str, list[str]]:
    """The agents, templates and districts that occur in stored calls (for the QA page's filters)."""
    from sqlalchemy import select

    from assistant.server.storage import CallRow

    out = {}
    with store.session() as s:
        for name, col in (("agents", CallRow.agent_id), ("templates", CallRow.template_id),
                          ("districts", CallRow.district)):
            q = select(col).distinct().where(col.is_not(None))
            if agent_id is not None:
                q = q.where(CallRow.agent_id == agent_id)
            out[name] = sorted(s.scalars(q))
    return out
