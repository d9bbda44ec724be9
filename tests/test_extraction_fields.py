"""Each extractor on its hard cases: corrections, grouped digits, declined names, rates vs amounts, party names."""

from __future__ import annotations

from assistant.extraction.amount import AmountProposer
from assistant.extraction.demand import DemandProposer
from assistant.extraction.event_time import EventTimeProposer
from assistant.extraction.party import PartyProposer
from assistant.extraction.person_name import NameProposer
from assistant.extraction.phone import PhoneProposer, apply_partial, is_phone_number
from extraction_helpers import A, C, propose, talk, values

# -- phone ---------------------------------------------------------------------------------------------------------


def test_phone_grouped_three_four_four_with_yao():
    assert values(propose(PhoneProposer(), "我姓张，电话幺三七，零零八二，四六幺九。")) == ["13700824619"]


def test_phone_said_in_one_run():
    assert values(propose(PhoneProposer(), "手机是一八九二零三三四七五六")) == ["18920334756"]


def test_phone_correction_inside_a_segment_replaces_the_corrected_group():
    got = propose(PhoneProposer(), "电话一三六……不对，一三九，四四零二，八八一五")
    assert values(got) == ["13944028815"]
    got = propose(PhoneProposer(), "电话幺五零，二二六八，三三零四，不对，是三三零七")
    assert values(got) == ["15022683307"]


def test_landline_with_area_code():
    assert values(propose(PhoneProposer(), "打座机吧，零二零，三八八二，六六一四")) == ["02038826614"]


def test_quantities_are_not_phone_digits():
    assert propose(PhoneProposer(), "在三十六号，交了三千八百块，晚上十一点") == []
    assert propose(PhoneProposer(), "您好，幺二三四五，请讲。", speaker=A) == []


def test_partial_correction_arithmetic():
    assert apply_partial("13800001234", "1299", "suffix") == "13800001299"
    assert apply_partial("13800001234", "139", "prefix") == "13900001234"
    assert apply_partial("13800001234", "7777", "middle") == "13877771234"
    assert is_phone_number("13800001234") and not is_phone_number("12345")


def test_caller_corrects_the_agents_misread_number():
    t = talk((C, "电话一五九，三三零二，八一七六。"),
             (A, "一五九三三零二八一七九，对吗？"),
             (C, "不对，最后是八一七六。"))
    assert t.ticket.value("caller_phone") == "15933028176"


def test_the_latest_correction_wins_across_segments():
    t = talk((C, "电话一三八，二二一零，四五六七。"), (A, "好的。"), (C, "不好意思说错了，是一三八，二二一零，四五六八。"))
    assert t.ticket.value("caller_phone") == "13822104568"


def test_agent_reads_the_incoming_number_and_the_caller_confirms():
    t = talk((C, "我想问一下医保怎么转过来。"),
             (A, "联系电话就是您现在这个号码，一八六，二二七零，九九零三吗？"),
             (C, "对，就是这个。"))
    f = t.ticket.fields["caller_phone"]
    assert f.value == "18622709903" and f.confidence >= 0.9


def test_readback_and_confirmation_raise_confidence():
    t = talk((C, "电话一三零，五五八二，六六幺四。"))
    before = t.ticket.fields["caller_phone"].confidence
    talk((A, "一三零五五八二六六幺四，对吗？"), (C, "对的。"), tracker=t)
    assert t.ticket.fields["caller_phone"].confidence > before


def test_declined_phone_is_none():
    t = talk((C, "电话我就不留了，你们去查就行。"))
    assert t.ticket.value("caller_phone") is None

# -- name ----------------------------------------------------------------------------------------------------------


def test_full_name():
    assert values(propose(NameProposer(), "我叫林晓东，电话一三八。")) == ["林晓东"]


def test_compound_surname():
    assert values(propose(NameProposer(), "我姓司马，电话是一三八。")) == ["司马"]


def test_surname_takes_the_agents_title():
    t = talk((C, "姓郭，电话一三五，二二零一，三三八八。"), (A, "好的郭女士，已经给您登记。"))
    assert t.ticket.value("caller_name") == "郭女士"


def test_call_me_miss_li():
    t = talk((C, "我就不说全名了，叫我何女士就行，电话一三九，零零零一，二三四五。"))
    assert t.ticket.value("caller_name") == "何女士"


def test_declined_name_is_none_even_when_the_agent_says_sir():
    t = talk((A, "请问怎么称呼您？"), (C, "名字就不说了，电话一三七，二二三三，四四五五。"), (A, "好的先生，会转交处理。"))
    assert t.ticket.value("caller_name") is None
    assert t.ticket.value("caller_phone") == "13722334455"


def test_anonymous_report():
    t = talk((C, "我要匿名举报，我们楼下有个仓库偷偷囤放煤气罐。"))
    assert t.ticket.value("caller_name") is None


def test_a_third_person_is_not_the_caller():
    assert propose(NameProposer(), "我想表扬一个姓罗的护士，服务特别好。") == []


def test_bare_name_answering_the_agent():
    got = propose(NameProposer(), "周建平，电话一三六。", asked=frozenset({"name"}))
    assert values(got) == ["周建平"]


def test_surname_without_the_agents_title_keeps_both_titles():
    t = talk((C, "我姓韦，电话一五零，一一二二，三三四四。"))
    assert t.ticket.value("caller_name") == "韦先生/女士"

# -- time, amount, party, demand -----------------------------------------------------------------------------------


def test_event_time_joins_pieces_and_keeps_approximation():
    assert values(propose(EventTimeProposer(), "一般凌晨两三点开始排，臭得很")) == ["凌晨2、3点"]
    assert values(propose(EventTimeProposer(), "前天下午四点多我去买的")) == ["前天下午4点多"]
    assert values(propose(EventTimeProposer(), "大概有两个多月没发工资了")) == ["两个多月"]


def test_event_time_skips_ages_rates_and_the_future():
    assert propose(EventTimeProposer(), "我妈今年满七十岁了") == []
    assert propose(EventTimeProposer(), "明年孩子要上小学") == []
    assert propose(EventTimeProposer(), "每个月能领多少？") == []


def test_agent_words_are_not_event_times():
    assert propose(EventTimeProposer(), "一般要居住半年以上。", speaker=A) == []


def test_amount_prefers_what_was_charged_over_what_it_is_compared_with():
    got = propose(AmountProposer(), "平时打车四十来块，这次收了我一百二十块")
    best = max(got, key=lambda c: c.confidence)
    assert best.value == "120元"


def test_amount_with_period_and_wan():
    assert values(propose(AmountProposer(), "每个月多扣二十五块")) == ["每月25元"]
    assert values(propose(AmountProposer(), "装修押金交了一万二")) == ["12000元"]


def test_party_named_after_its_kind():
    got = propose(PartyProposer(), "我投诉我们楼下那个糖水店，叫甜蜜屋的，天天占道。")
    assert "甜蜜屋糖水店" in values(got)


def test_party_company_and_unit():
    got = propose(PartyProposer(), "我在永盛物流有限公司上班，一直没签合同。")
    assert "永盛物流有限公司" in values(got)


def test_a_bank_used_as_a_landmark_is_not_the_party():
    assert "工商银行" not in values(propose(PartyProposer(), "就在工商银行门口，有个井盖不见了"))


def test_demand_from_request_and_question():
    got = propose(DemandProposer(), "希望你们尽快派人来处理一下。")
    assert values(got) == ["希望有关部门尽快派人来处理一下"]
    got = propose(DemandProposer(), "我想问一下，新生儿医保怎么办理？")
    assert values(got) == ["了解新生儿医保怎么办理"]
    assert propose(DemandProposer(), "我帮我妈问一下。") == []


def test_misheard_surname_and_title_from_the_recogniser():
    # 我姓刘 heard as 我信留, the agent's 刘女士 as 流女士
    t = talk((A, "请问您贵姓？"), (C, "我信留，电话一八六，二零三七，五五九幺。"), (A, "好的流女士，我们会尽快处理。"))
    assert t.ticket.value("caller_name") == "刘女士"
    # the agent's title settles which surname a misheard one was (lu: 卢 or 陆)
    t = talk((A, "怎么称呼您？"), (C, "信录，电话150-0268-7341"), (A, "陆女士，我们会转交处理。"))
    assert t.ticket.value("caller_name") == "陆女士"


def test_house_number_is_not_an_event_date():
    got = propose(EventTimeProposer(), "天河区员村四横路十二号首层，天天凌晨还在打麻将")
    assert values(got) == ["天天凌晨"]


def test_called_x_after_a_specific_kind_is_its_own_name():
    got = propose(PartyProposer(), "我要投诉一家装修公司，叫鑫盛装饰的，收了定金不开工。")
    assert max(got, key=lambda c: c.confidence).value == "鑫盛装饰"
    got = propose(PartyProposer(), "我们楼下有家麻将馆天天很吵")
    assert "麻将馆" in values(got)


def test_id_number_said_digit_by_digit_with_x():
    t = talk((A, "请提供一下您的身份证号码。"), (C, "幺幺零幺零五，幺九四九幺二三幺，零零二叉。"))
    assert t.ticket.value("id_number") == "11010519491231002X"
    assert t.ticket.fields["id_number"].confidence >= 0.9      # the check character agrees
    assert t.ticket.value("caller_phone") is None and t.ticket.value("event_time") is None


def test_id_number_needs_a_cue():
    from assistant.extraction.id_number import IdNumberProposer

    assert propose(IdNumberProposer(), "编号是一一零一零五一九四九一二三一零零二一") == []


def test_time_range_drops_the_verb_between_its_ends():
    assert values(propose(EventTimeProposer(), "每天晚上放音乐到凌晨三点")) == ["每天晚上到凌晨3点"]


def test_praised_unit_and_person():
    got = propose(PartyProposer(), "我想表扬一下石牌派出所的民警，帮我找回了钱包。")
    assert "石牌派出所民警" in values(got)


def test_generic_party_shows_on_a_complaint_but_not_on_a_question():
    t = talk((C, "我要投诉，小区对面的酒吧每天晚上放音乐到凌晨三点。"))
    assert t.ticket.value("involved_party") == "酒吧"
    t = talk((C, "我想咨询一下，我想开个奶茶店，营业执照怎么办？"))
    assert t.ticket.value("involved_party") is None


def test_recogniser_homophones_of_yao_and_guixing():
    t = talk((A, "请问您贵信，电话多少？"), (C, "新鞋，一三八二八五零摇三七六"))
    assert t.ticket.value("caller_phone") == "13828501376"
    assert t.ticket.value("caller_name") == "谢先生/女士"
    t = talk((A, "电话多少？"), (C, "138，2850，摇376"))  # grouped digits, as whisper writes them
    assert t.ticket.value("caller_phone") == "13828501376"
    t = talk((A, "电话多少？"), (C, "新王，变化一三九，二五零八，七十一六，希望你们管一管。"))  # 四 heard as 十
    assert t.ticket.value("caller_phone") == "13925087416"
