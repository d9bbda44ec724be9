"""QA metrics, timeline and diff over a real SQLite store, and the /api/qa routes over HTTP."""

from __future__ import annotations

import csv
import io
from datetime import timedelta

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from assistant import qa
from assistant.config import Settings
from assistant.server.hub import Hub
from assistant.server.qa_routes import router
from assistant.templates.catalogue import load_catalogue

from qa_helpers import NIGHT_NOISE, NOISE, POWER, T0, seeded_store


@pytest.fixture()
def store(tmp_path):
    return seeded_store(f"sqlite:///{tmp_path / 'qa.db'}")


@pytest.fixture(scope="module")
def catalogue():
    return load_catalogue()


@pytest.mark.parametrize("auto, final, expected", [
    ("海珠区", "海珠区", "accepted"), ("大唐新街36号", "大塘新街36号", "edited"), ("今天", None, "cleared"),
    ("今天", "  ", "cleared"), (None, "赵先生", "added"), ("", "赵先生", "added"), (None, None, "empty"),
])
def test_outcome(auto, final, expected):
    assert qa.outcome(auto, final) == expected


def test_timeline_recovers_replaced_values_and_evidence_context(store, catalogue):
    call = store.get_call("q1")
    entries = qa.timeline(call, qa.field_labels(qa.call_template_ids(call), catalogue))
    assert len(entries) == len(call["field_history"])  # nothing here is empty → empty
    titles = [e for e in entries if e["key"] == "title"]
    # ticket-level changes are stored without the value they replaced: the timeline knows it
    assert [(e["old"], e["kind"], e["source"]) for e in titles] == [
        (None, "set", "auto"), ("投诉计划停电通知问题", "change", "auto"),
        ("投诉海珠区大唐新街36号计划停电通知问题", "change", "agent")]
    kinds = {(e["key"], e["source"]): e["kind"] for e in entries}
    assert kinds[("event_time", "agent")] == "clear" and kinds[("caller_name", "agent")] == "set"
    assert [e["kind"] for e in entries if e["key"] == "district"] == ["set", "confidence"]
    event_time = next(e for e in entries if e["key"] == "event_time" and e["source"] == "auto")
    assert event_time["label"] == "发生时间" and event_time["t"] == 9.6 and event_time["confidence"] == 0.75
    assert event_time["evidence"] == [{"segment_id": "c1", "start": 4, "end": 11, "text": "今天早上8点多",
                                       "speaker": "caller", "segment_start_s": 4.4,
                                       "segment_text": "我们这里今天早上8点多就停电了，到现在都没来。"}]
    own = catalogue[POWER].field("supply_outage_duration").label
    assert next(e for e in entries if e["key"] == "supply_outage_duration")["label"] == own
    assert [e["t"] for e in entries] == sorted(e["t"] for e in entries)


def test_timeline_skips_changes_between_two_empty_values():
    call = {"segments": [], "field_history": [
        {"key": "amount", "old": None, "new": None, "source": "auto", "confidence": 0.2, "call_time_s": 1.0},
        {"key": "amount", "old": None, "new": "200元", "source": "auto", "confidence": 0.7, "call_time_s": 2.0}]}
    assert [(e["new"], e["kind"], e["evidence"]) for e in qa.timeline(call)] == [("200元", "set", [])]


def test_diff_of_auto_against_submitted(store):
    diff = {r["key"]: r for r in qa.ticket_diff(store.get_call("q1"))}
    assert {k: r["outcome"] for k, r in diff.items() if r["outcome"] != "empty" and not r["derived"]} == {
        "template_id": "accepted", "caller_name": "added", "district": "accepted", "address": "edited",
        "event_time": "cleared", "title": "edited", "handling_unit": "accepted",
        "supply_outage_duration": "accepted"}  # a template field the flat ticket lacks: judged from the history
    assert diff["address"]["auto"] == "大唐新街36号" and diff["address"]["final"] == "大塘新街36号"
    assert diff["matter"]["derived"] and diff["street"]["outcome"] == "empty"
    assert list(diff)[0] == "template_id"
    assert qa.ticket_diff(store.get_call("q3")) is None  # nothing submitted, nothing to compare


def test_call_metrics_times_and_counts(store):
    q1 = qa.call_metrics(store.get_call("q1"))
    assert (q1["fields_auto"], q1["fields_accepted"], q1["fields_edited"], q1["fields_cleared"],
            q1["fields_added"]) == (6, 3, 2, 1, 1)
    assert q1["template_accepted"] is True
    assert q1["complete_s"] == 24.0            # the agent's last edit
    assert q1["submit_s"] == 40.0 and q1["wrapup_s"] == 15.0   # SQLite's naive times are read as UTC
    q2 = qa.call_metrics(store.get_call("q2"))
    assert q2["template_auto"] == NOISE and q2["template_final"] == NIGHT_NOISE and q2["template_accepted"] is False
    assert q2["complete_s"] == 20.0
    q3 = qa.call_metrics(store.get_call("q3"))
    assert not q3["submitted"] and q3["complete_s"] is None and q3["template_accepted"] is None


def test_complete_time_ignores_confidence_only_updates():
    call = {"submitted_ticket": {"ticket": {}, "auto": {}, "submitted_at": None}, "field_history": [
        {"key": "district", "new": "海珠区", "call_time_s": 5.0},
        {"key": "district", "new": "海珠区", "call_time_s": 9.0}]}
    assert qa.complete_time(call) == 5.0


def test_summary_across_calls(store):
    m = qa.summarise(qa.load_calls(store))
    assert m["calls"] == {"total": 3, "submitted": 2, "by_state": {"submitted": 2, "ended": 1}}
    assert m["template_top1"] == {"suggested": 2, "accepted": 1, "rate": 0.5, "no_suggestion": 0}
    fields = {f["key"]: f for f in m["fields"]}
    assert fields["district"]["auto_filled"] == 2 and fields["district"]["accepted_rate"] == 1.0
    assert fields["title"]["edited"] == 2 and fields["title"]["edited_rate"] == 1.0
    assert fields["event_time"]["cleared_rate"] == 1.0
    assert fields["caller_name"]["added"] == 1 and fields["caller_name"]["accepted_rate"] is None
    assert "template_id" not in fields and "matter" not in fields  # the template has its own rate
    overall = m["fields_overall"]
    assert (overall["auto_filled"], overall["accepted"], overall["edited"], overall["cleared"]) == (9, 5, 3, 1)
    assert overall["accepted_rate"] == round(5 / 9, 4)
    assert m["time_to_complete"]["median_s"] == 22.0 and m["time_to_submit"]["median_s"] == 45.0
    assert {r["call_id"] for r in m["per_call"]} == {"q1", "q2", "q3"}


def test_load_calls_matches_get_call_and_filters(store):
    loaded = {c["id"]: c for c in qa.load_calls(store)}
    for cid in ("q1", "q2", "q3"):
        full = store.get_call(cid)
        assert loaded[cid]["field_history"] == full["field_history"]
        assert loaded[cid]["submitted_ticket"] == full["submitted_ticket"]
    assert [c["id"] for c in qa.load_calls(store, agent_id="a1")] == ["q3", "q1"]
    assert [c["id"] for c in qa.load_calls(store, since=T0 + timedelta(hours=1), until=T0 + timedelta(hours=5))] == ["q2"]
    # the calls table holds each call's final template (q3 never had one)
    assert qa.facets(store) == {"agents": ["a1", "a2"], "templates": [NIGHT_NOISE, POWER],
                                "districts": ["天河区", "海珠区", "越秀区"]}
    assert qa.facets(store, agent_id="a2")["agents"] == ["a2"]


def test_csv_tables(store):
    m = qa.summarise(qa.load_calls(store))
    text = qa.metrics_csv(m, "fields")
    assert text.startswith("\ufeff")  # spreadsheet programs need it to read UTF-8
    rows = list(csv.DictReader(io.StringIO(text.lstrip("\ufeff"))))
    assert [r["key"] for r in rows] == [f["key"] for f in m["fields"]]
    district = next(r for r in rows if r["key"] == "district")
    assert district["accepted"] == "2" and district["accepted_rate"] == "1.0"
    calls = list(csv.DictReader(io.StringIO(qa.metrics_csv(m, "calls").lstrip("\ufeff"))))
    assert {r["call_id"]: r["template_accepted"] for r in calls} == {"q1": "True", "q2": "False", "q3": ""}
    empty = qa.summarise([])
    assert qa.metrics_csv(empty, "calls").lstrip("\ufeff").startswith("call_id,agent_id,")
    with pytest.raises(ValueError, match="unknown table"):
        qa.metrics_csv(m, "segments")


def test_review_names_templates(store, catalogue):
    r = qa.review(store.get_call("q2"), catalogue)
    t = catalogue[NIGHT_NOISE]
    assert r["templates"][NIGHT_NOISE] == f"{t.matter}（{t.appeal_type}）"
    assert set(r["templates"]) == {NOISE, NIGHT_NOISE}
    assert r["metrics"]["template_accepted"] is False and r["diff"][0]["outcome"] == "edited"


# ---------- the REST routes ----------
@pytest.fixture()
def client(tmp_path, store):
    settings = Settings(cache_dir=tmp_path, server={"database_url": str(store.engine.url), "tokens": {
        "tok-qa": {"role": "qa"}, "tok-a2": {"role": "agent", "agent_id": "a2"}}})
    app = FastAPI()
    app.include_router(router)
    app.state.hub = Hub(settings, None, store)  # the routes read the store and the catalogue, never the recogniser
    with TestClient(app) as c:
        yield c
    app.state.hub.shutdown()


QA = {"Authorization": "Bearer tok-qa"}


def test_metrics_route_json_and_csv(client):
    m = client.get("/api/qa/metrics", headers=QA).json()
    assert m["calls"]["total"] == 3 and m["template_top1"]["rate"] == 0.5
    assert next(f for f in m["fields"] if f["key"] == "district")["label"] == "区"
    r = client.get("/api/qa/metrics", params={"format": "csv", "table": "calls"}, headers=QA)
    assert r.headers["content-type"].startswith("text/csv") and "qa-calls.csv" in r.headers["content-disposition"]
    assert {row["call_id"] for row in csv.DictReader(io.StringIO(r.text.lstrip("\ufeff")))} == {"q1", "q2", "q3"}
    # an offset is honoured: 09:00+08:00 is 01:00 UTC, so q1 (01:00:00 UTC) is in and nothing later than noon
    r = client.get("/api/qa/metrics", params={"since": "2026-03-02T09:00:00+08:00",
                                              "until": "2026-03-02T10:00:00+08:00"}, headers=QA).json()
    assert [c["call_id"] for c in r["per_call"]] == ["q1"]
    assert client.get("/api/qa/metrics", params={"agent_id": "a2"}, headers=QA).json()["calls"]["total"] == 1


def test_metrics_route_rejects_bad_input(client):
    assert client.get("/api/qa/metrics").status_code == 401
    assert client.get("/api/qa/metrics", headers={"Authorization": "Bearer nope"}).status_code == 401
    assert client.get("/api/qa/metrics", params={"format": "xml"}, headers=QA).status_code == 422
    assert client.get("/api/qa/metrics", params={"since": "yesterday"}, headers=QA).status_code == 422
    r = client.get("/api/qa/metrics", params={"since": "2026-03-03T00:00:00Z", "until": "2026-03-02T00:00:00Z"},
                   headers=QA)
    assert r.status_code == 422 and "later" in r.json()["detail"]


def test_agents_see_their_own_calls_only(client):
    agent = {"Authorization": "Bearer tok-a2"}
    m = client.get("/api/qa/metrics", params={"agent_id": "a1"}, headers=agent).json()
    assert [c["call_id"] for c in m["per_call"]] == ["q2"] and m["filters"]["agent_id"] == "a2"
    assert client.get("/api/qa/calls/q1", headers=agent).status_code == 404
    assert client.get("/api/qa/calls/q2", headers=agent).status_code == 200
    assert client.get("/api/qa/facets", headers=agent).json()["agents"] == ["a2"]


def test_review_and_facets_routes(client):
    r = client.get("/api/qa/calls/q1", headers=QA).json()
    assert r["call"]["id"] == "q1" and len(r["call"]["segments"]) == 3
    assert [e["key"] for e in r["timeline"]][:3] == ["template_id", "title", "handling_unit"]
    assert {d["key"]: d["outcome"] for d in r["diff"]}["address"] == "edited"
    assert r["labels"]["supply_outage_duration"] == "停供时长"
    missing = client.get("/api/qa/calls/nope", headers=QA)
    assert missing.status_code == 404 and "nope" in missing.json()["detail"]
    f = client.get("/api/qa/facets", headers=QA).json()
    assert f["districts"] == ["天河区", "海珠区", "越秀区"]
    assert {t["id"] for t in f["templates"]} == {POWER, NIGHT_NOISE}
    assert all(t["name"].endswith("）") for t in f["templates"])
