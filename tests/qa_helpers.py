"""A store seeded with three calls written through the Store's own API, as the live service writes them
(ticket-level changes without an old value, confidence-only updates, agent edits after hang-up)."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

from assistant.server.storage import Store

POWER = "utilities.planned-power-outage.complaint"   # has its own field supply_outage_duration (停供时长)
NOISE = "eco.renovation-noise.complaint"
NIGHT_NOISE = "eco.night-construction-noise.complaint"
T0 = datetime(2026, 3, 2, 1, 0, 0, tzinfo=timezone.utc)  # 09:00 in Guangzhou


def _auto(key, new, t, conf=None, evidence=(), old=None):
    return {"key": key, "old": old, "new": new, "source": "auto", "confidence": conf, "evidence": list(evidence),
            "call_time_s": t}


def _agent(key, new, t, old=None):
    return {"key": key, "old": old, "new": new, "source": "agent", "confidence": 1.0, "evidence": [],
            "call_time_s": t}


def _call(store: Store, call_id: str, agent: str, started: datetime, audio_s: float, state: str = "ended") -> None:
    store.create_call(id=call_id, agent_id=agent, protocol="native", sample_rate=16000, encoding="pcm16", channels=2,
                      state=state, started_at=started, ended_at=started + timedelta(seconds=audio_s + 1),
                      audio_s=audio_s, meta={})


def seed(store: Store) -> None:
    # q1 (a1): power cut; the agent fixes a misheard address, clears the time, adds the name; template accepted.
    _call(store, "q1", "a1", T0, 24.0)
    for sid, speaker, start, end, text in [
        ("a1", "agent", 0.2, 3.9, "您好，广州12345，请问有什么可以帮您？"),
        ("c1", "caller", 4.4, 9.5, "我们这里今天早上8点多就停电了，到现在都没来。"),
        ("c2", "caller", 11.8, 14.6, "海珠区江海街道大唐新街36号"),
    ]:
        store.add_segment("q1", segment_id=sid, speaker=speaker, start_s=start, end_s=end, text=text, words=[])
    store.add_field_changes("q1", [
        _auto("template_id", POWER, 9.6), _auto("title", "投诉计划停电通知问题", 9.6),
        _auto("handling_unit", "广州供电局", 9.6),
        _auto("event_time", "今天早上8点多", 9.6, 0.75, [{"segment_id": "c1", "start": 4, "end": 11,
                                                      "text": "今天早上8点多"}]),
        _auto("supply_outage_duration", "到现在都没来", 9.6, 0.4,
              [{"segment_id": "c1", "start": 16, "end": 22, "text": "到现在都没来"}]),
        _auto("district", "海珠区", 14.7, 0.78, [{"segment_id": "c2", "start": 0, "end": 3, "text": "海珠区"}]),
        _auto("address", "大唐新街36号", 14.7, 0.79, [{"segment_id": "c2", "start": 7, "end": 14, "text": "大唐新街36号"}]),
        _auto("title", "投诉海珠区大唐新街36号计划停电通知问题", 14.7),
        _auto("district", "海珠区", 15.0, 0.94, old="海珠区"),   # confidence only
    ])
    store.add_field_changes("q1", [
        _agent("address", "大塘新街36号", 24.0, old="大唐新街36号"),
        _agent("title", "投诉海珠区大塘新街36号计划停电通知问题", 24.0),
        _agent("event_time", None, 24.0, old="今天早上8点多"),
        _agent("caller_name", "赵先生", 24.0),
    ])
    store.add_ticket("q1", agent_id="a1", template_id=POWER, submitted_at=T0 + timedelta(seconds=40), fields={
        "appeal_type": "投诉", "category_l1": "水电气与市政设施", "matter": "计划停电", "caller_name": "赵先生",
        "caller_phone": None, "district": "海珠区", "street": None, "address": "大塘新街36号", "event_time": None,
        "involved_party": None, "amount": None, "demand": None, "title": "投诉海珠区大塘新街36号计划停电通知问题",
        "template_id": POWER, "handling_unit": "广州供电局"},
        auto_fields={"template_id": POWER, "appeal_type": "投诉", "category_l1": "水电气与市政设施",
                     "matter": "计划停电", "title": "投诉海珠区大唐新街36号计划停电通知问题",
                     "handling_unit": "广州供电局", "event_time": "今天早上8点多",
                     "supply_outage_duration": "到现在都没来", "district": "海珠区", "address": "大唐新街36号"})

    # q2 (a2): noise; the agent picks another template; everything the assistant filled is kept.
    _call(store, "q2", "a2", T0 + timedelta(hours=3), 30.0)
    store.add_segment("q2", segment_id="c1", speaker="caller", start_s=1.0, end_s=6.0,
                      text="楼上天天装修吵得不行，我电话13800138000", words=[])
    store.add_field_changes("q2", [
        _auto("template_id", NOISE, 6.5), _auto("title", "投诉室内装修噪声问题", 6.5),
        _auto("caller_phone", "13800138000", 6.5, 0.9, [{"segment_id": "c1", "start": 16, "end": 27,
                                                        "text": "13800138000"}]),
        _auto("district", "天河区", 12.0, 0.6),
        _agent("template_id", NIGHT_NOISE, 20.0), _agent("title", "投诉夜间建筑施工噪声问题", 20.0),
    ])
    store.add_ticket("q2", agent_id="a2", template_id=NIGHT_NOISE, submitted_at=T0 + timedelta(hours=3, seconds=50),
                     fields={"appeal_type": "投诉", "category_l1": "生态环境", "matter": "夜间建筑施工噪声",
                             "caller_name": None, "caller_phone": "13800138000", "district": "天河区", "street": None,
                             "address": None, "event_time": None, "involved_party": None, "amount": None,
                             "demand": None, "title": "投诉夜间建筑施工噪声问题", "template_id": NIGHT_NOISE,
                             "handling_unit": None},
                     auto_fields={"template_id": NOISE, "title": "投诉室内装修噪声问题", "caller_phone": "13800138000",
                                  "district": "天河区", "appeal_type": "投诉", "category_l1": "生态环境",
                                  "matter": "室内装修噪声"})

    # q3 (a1), a day later: ended, never submitted.
    _call(store, "q3", "a1", T0 + timedelta(days=1), 12.0)
    store.add_segment("q3", segment_id="c1", speaker="caller", start_s=0.5, end_s=4.0, text="我想问一下社保怎么转", words=[])
    store.add_field_changes("q3", [_auto("district", "越秀区", 4.2, 0.5)])
    store.update_call("q3", district="越秀区")


def seeded_store(url: str) -> Store:
    store = Store(url)
    seed(store)
    return store
