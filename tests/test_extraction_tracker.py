"""The tracker as the live server uses it: incremental updates, stability, evidence, agent edits, bad input."""

from __future__ import annotations

import pytest
from extraction_helpers import A, C, talk

from assistant.extraction import GOLD_KEYS, TextSegment, TicketTracker
from assistant.templates.schema import APPEAL_TYPES, CATEGORY_L1

NOISE_CALL = [
    (A, "您好，幺二三四五，请讲。"),
    (C, "我要投诉，我们小区旁边的工地每天晚上十二点还在打桩，吵得根本睡不着。"),
    (A, "请问具体地址是？"),
    (C, "白云区京溪街道，云景花园，七栋。"),
    (A, "白云区京溪街道云景花园七栋是吧？请问您贵姓，电话多少？"),
    (C, "姓黄，电话一三九，二二零八，六六一五。"),
    (A, "好的黄先生，已经为您登记。"),
]


def test_flat_has_exactly_the_gold_keys_plus_template_and_unit():
    flat = talk(*NOISE_CALL).ticket.flat()
    assert list(flat) == [*GOLD_KEYS, "template_id", "handling_unit"]


def test_a_whole_call_fills_the_ticket():
    t = talk(*NOISE_CALL)
    flat = t.ticket.flat()
    assert flat["caller_phone"] == "13922086615"
    assert flat["caller_name"] == "黄先生"
    assert (flat["district"], flat["street"]) == ("白云区", "京溪街道")
    assert flat["address"] == "云景花园7栋"
    assert flat["appeal_type"] == "投诉"
    assert flat["category_l1"] in CATEGORY_L1
    assert flat["title"] and len(flat["title"]) <= 30 and flat["title"].startswith("投诉")
    assert flat["handling_unit"]
    top3 = t.ticket.template_top3
    assert 1 <= len(top3) <= 3 and top3[0].template_id == flat["template_id"]
    assert all(c.appeal_type in APPEAL_TYPES for c in top3)


def test_updates_report_old_and_new_values_with_evidence_in_the_original_text():
    t = TicketTracker()
    t.add_segment(TextSegment(segment_id="a", speaker="caller", text="嗯，我电话是一三九，二二零八，六六一五。"))
    update = t.add_segment(TextSegment(segment_id="b", speaker="caller", text="不对，是一三九，二二零八，六六一六。"))
    phone = next(u for u in update.field_updates if u.key == "caller_phone")
    assert (phone.old, phone.new) == ("13922086615", "13922086616")
    ev = phone.evidence[-1]
    assert ev.segment_id == "b"
    said = "不对，是一三九，二二零八，六六一六。"
    assert said[ev.start:ev.end] == ev.text == "一三九，二二零八，六六一六"


def test_each_update_only_reports_changes():
    t = talk(*NOISE_CALL[:4])
    update = t.add_segment(TextSegment(segment_id="x", speaker="agent", text="好的，您稍等。"))
    from assistant.extraction.ticket import COMMON_FIELD_LABELS

    assert [u.key for u in update.field_updates if u.key in COMMON_FIELD_LABELS] == []


def test_fields_do_not_flip_flop_on_weaker_later_mentions():
    t = talk(*NOISE_CALL)
    snapshot = t.ticket.flat()
    history = []
    for i, text in enumerate(["对了，我朋友住在天河区那边。", "他那边也有工地。", "反正你们管一管吧。"]):
        t.add_segment(TextSegment(segment_id=f"late{i}", speaker="caller", text=text))
        history.append(t.ticket.flat())
    for flat in history:
        for key in ("caller_phone", "caller_name", "district", "street", "address"):
            assert flat[key] == snapshot[key], key


def test_template_does_not_flip_between_updates():
    t = TicketTracker()
    seen = []
    for i, (speaker, text) in enumerate(NOISE_CALL):
        t.add_segment(TextSegment(segment_id=str(i), speaker=speaker, text=text))
        seen.append(t.ticket.template_id)
    chosen = [x for x in seen if x]
    changes = sum(1 for a, b in zip(chosen, chosen[1:]) if a != b)
    assert changes <= 2


def test_agent_edit_is_kept_over_later_auto_fill():
    t = talk(*NOISE_CALL[:4])
    t.set_field("address", "云景花园7栋（东门）")
    t.set_field("caller_phone", "13900000000")
    talk((C, "地址是云景花园八栋，电话一三九，二二零八，六六一五。"), tracker=t)
    f = t.ticket.fields["address"]
    assert (f.value, f.source, f.confidence) == ("云景花园7栋（东门）", "agent", 1.0)
    assert t.ticket.value("caller_phone") == "13900000000"


def test_agent_can_clear_a_field_and_set_title():
    t = talk(*NOISE_CALL)
    t.set_field("involved_party", None)
    t.set_field("title", "投诉白云区工地夜间施工噪声")
    talk((C, "那个工地叫宏建建筑工地。"), tracker=t)
    assert t.ticket.value("involved_party") is None
    assert t.ticket.title == "投诉白云区工地夜间施工噪声"


def test_agent_template_choice_is_locked():
    t = talk(*NOISE_CALL[:2])
    other = next(x for x in t.resources.catalogue.templates if x.category_l1 != t.ticket.category_l1)
    update = t.choose_template(other.id)
    assert "template_id" in update.changed
    talk(*NOISE_CALL[2:], tracker=t)
    assert t.ticket.template_id == other.id and t.ticket.template_locked
    assert t.ticket.category_l1 == other.category_l1 and t.ticket.appeal_type == other.appeal_type
    assert t.ticket.template_top3[0].template_id == other.id


def test_fields_follow_the_template():
    t = talk(*NOISE_CALL)
    template = t.resources.catalogue.get(t.ticket.template_id)
    assert [f.key for f in template.fields] == list(t.ticket.fields)[:len(template.fields)]


def test_bad_input_is_refused_clearly():
    t = talk(*NOISE_CALL[:2])
    with pytest.raises(ValueError, match="already added"):
        t.add_segment(TextSegment(segment_id="t1", speaker="caller", text="再说一遍"))
    with pytest.raises(ValueError, match="unknown field"):
        t.set_field("favourite_colour", "red")
    with pytest.raises(ValueError, match="unknown template"):
        t.choose_template("no.such.template")
    with pytest.raises(TypeError):
        t.add_segment({"segment_id": "z", "speaker": "caller", "text": "hi"})
    with pytest.raises(ValueError):
        TextSegment(segment_id="z", speaker="robot", text="hi")


def test_empty_and_noise_segments_change_nothing():
    t = TicketTracker()
    update = t.add_segment(TextSegment(segment_id="0", speaker="caller", text=""))
    assert update.is_empty and t.ticket.flat()["template_id"] is None
    update = t.add_segment(TextSegment(segment_id="1", speaker="caller", text="嗯，喂？"))
    assert t.ticket.value("caller_phone") is None


def test_trackers_are_independent_and_cheap():
    a = talk(*NOISE_CALL)
    b = TicketTracker()
    assert b.ticket.value("caller_phone") is None and a.ticket.value("caller_phone") == "13922086615"
    assert a.resources is b.resources


def test_no_template_before_the_caller_speaks():
    tracker = TicketTracker()
    # a greeting misheard by ASR, then a question from the agent: nothing about the caller's matter yet
    tracker.add_segment(TextSegment(segment_id="a1", speaker="agent", text="您好,要爱三四五,热线请讲"))
    tracker.add_segment(TextSegment(segment_id="a2", speaker="agent", text="请问有什么可以帮您"))
    assert tracker.ticket.template_id is None and tracker.ticket.template_top3 == []
    tracker.add_segment(TextSegment(segment_id="c1", speaker="caller", text="我要投诉楼下饭店油烟太大了"))
    assert tracker.ticket.template_id is not None and tracker.ticket.appeal_type == "投诉"
