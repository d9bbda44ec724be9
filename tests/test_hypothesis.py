from assistant.asr.hypothesis import HypothesisBuffer
from assistant.asr.text import clean_transcript, collapse_repeats, is_hallucination


def test_only_agreed_prefix_is_committed():
    h = HypothesisBuffer()
    assert h.insert("我要投") == ""
    assert h.current() == "我要投"
    assert h.insert("我要投诉楼下") == "我要投"
    assert h.committed == "我要投"
    assert h.insert("我要投诉楼下烧烤店") == "诉楼下"
    assert h.committed == "我要投诉楼下"
    assert h.current() == "我要投诉楼下烧烤店"


def test_committed_text_is_never_taken_back():
    h = HypothesisBuffer()
    h.insert("电话一三九")
    h.insert("电话一三九二五")
    assert h.committed == "电话一三九"
    h.insert("电话一三八二五")  # a later guess disagrees with committed text
    assert h.committed == "电话一三九"
    assert h.current().startswith("电话一三九")


def test_reset_starts_a_new_segment():
    h = HypothesisBuffer()
    h.insert("你好")
    h.insert("你好")
    h.reset()
    assert h.committed == "" and h.current() == ""


def test_decoder_loops_are_collapsed():
    assert collapse_repeats("好的好的好的好的好的好的") == "好的好的"
    assert collapse_repeats("我住在一一零号") == "我住在一一零号"


def test_subtitle_hallucinations_are_dropped():
    assert is_hallucination("请不吝点赞 订阅 转发 打赏支持明镜与点点栏目")
    assert is_hallucination("，。")
    assert not is_hallucination("我要投诉楼下烧烤店")
    assert clean_transcript("謝謝觀看") == ""
    assert clean_transcript("我要投訴 樓下 燒烤店") == "我要投诉楼下烧烤店"
