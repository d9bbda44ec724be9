"""Text normalisation: numerals in context, traditional → simplified, fillers, offsets back to the original."""

from __future__ import annotations

import pytest

from assistant.extraction.numerals import to_digits
from assistant.extraction.textnorm import clauses, normalize


@pytest.mark.parametrize("said, written", [
    ("电话幺八六，二二零三，九九幺七", "电话186，2203，9917"),       # grouped 3-4-4 with 幺
    ("一五八零零七二幺六三幺", "15800721631"),                     # one run
    ("零二零，八三五六，七七一二", "020，8356，7712"),               # landline with area code
    ("住在十七栋二单元五零三", "住在17栋2单元503"),                 # house numbers
    ("押金交了两千五百块钱", "押金交了2500块钱"),                   # amounts
    ("总共花了一万二", "总共花了12000"),
    ("每天晚上十一点以后", "每天晚上11点以后"),                      # clock times
    ("凌晨一点多还在唱", "凌晨1点多还在唱"),
    ("大概下午两三点", "大概下午2、3点"),                           # an approximate range
    ("二零七国道旁边", "207国道旁边"),
    ("等了三天", "等了3天"),
    ("一三九，二五零八，七十一六", "139，2508，7416"),               # 四 heard as 十 inside a phone number
    ("一三九二五零八七十一六", "13925087416"),                     # … or inside one long run
])
def test_numbers_become_digits(said, written):
    assert to_digits(said) == written


@pytest.mark.parametrize("text", [
    "一直没人管", "你们去看一下", "我们一起去的", "差一点摔倒", "快点来人", "电梯坏了两个多星期",
    "第一次打电话", "三分之二的业主同意", "十几分钟", "千万别挂", "上个星期五去的", "这两天水是黄的",
    "小孩二十一二岁了",  # 21 or 22, not digits
])
def test_words_with_numeral_characters_stay_words(text):
    assert to_digits(text) == text


def test_traditional_becomes_simplified_and_fillers_go():
    n = normalize("嗯，我們樓下那個燒烤店，呃，天天很吵")
    assert n.text == "我们楼下那个烧烤店，天天很吵"


def test_standalone_hesitation_words_go_but_determiners_stay():
    assert normalize("海珠区，那个，宝岗大道").text == "海珠区，宝岗大道"
    assert normalize("那个工地很吵").text == "那个工地很吵"


def test_offsets_map_back_to_what_was_said():
    said = "嗯，电话一三九，二五零八"
    n = normalize(said)
    start = n.text.index("139")
    s, e = n.source_span(start, start + 3)
    assert said[s:e] == "一三九"
    start = n.text.index("2508")
    assert n.source_text(start, start + 4) == "二五零八"


def test_clauses_split_at_punctuation():
    text = "白云区，同和街道。握山新村？"
    assert [text[a:b] for a, b in clauses(text)] == ["白云区", "同和街道", "握山新村"]


@pytest.mark.parametrize("heard, meant", [
    ("一三八二八五零摇三七六", "13828501376"),
    ("138，2850，摇376", "138，2850，1376"),      # whisper groups digits; 幺 misheard after a separator
    ("物业费128，要3个月一交", "物业费128，要3个月一交"),  # after a short number 要 is the verb
    ("1382805，要什么", "1382805，要什么"),
])
def test_homophones_of_yao_become_one_only_between_digits(heard, meant):
    assert normalize(heard).text == meant
