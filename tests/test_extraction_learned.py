"""The learned template scorer: the real encoder (../shared/models/me5-small-zh) and the committed head."""

from __future__ import annotations

import json
import subprocess
import sys

import numpy as np
import pytest

from assistant.extraction import SegmentView, TicketTracker, TextSegment, default_resources
from assistant.extraction.gazetteer import load_gazetteer
from assistant.extraction.learned import (
    HEAD_NAME, LearnedScorer, LearnedSettings, TemplateHead, learned_scorer, load_encoder, load_head, without_places,
)
from assistant.extraction.textnorm import normalize
from assistant.models.registry import REGISTRY, check_model, find_model, sha256_file
from assistant.templates.catalogue import Catalogue, load_catalogue

# Sentences written for these tests (not taken from the catalogue or the dev calls), with the leaf matter meant.
NATURAL = [
    ("隔壁那户人家养的狗一整晚都在叫，吵得我们睡不着觉", "eco.dog-barking"),
    ("我离职都两个月了，公司最后一个月的工资到现在还没给我结", "labour.final-pay-unsettled"),
    ("楼下新开的那家饭馆，抽油烟机正对着我家窗户排，家里全是油烟味", "eco.restaurant-fumes"),
    ("我们这条路上的路灯坏了好几盏，晚上黑漆漆的什么都看不见", "utilities.streetlight-out"),
    ("共享单车我都已经还车了，它还一直在计时扣我的钱", "transport.bike-billing"),
    ("想问一下公积金从外地转到广州来要怎么办理", "housing-fund.account-transfer"),
]


@pytest.fixture(scope="module")
def scorer() -> LearnedScorer:
    s = learned_scorer(load_catalogue(), load_gazetteer(), LearnedSettings(learned_scorer=True))
    assert s is not None
    return s


def test_head_files_match_their_registry_checksums():
    spec = REGISTRY[HEAD_NAME]
    folder = find_model(HEAD_NAME)
    for rel, pinned in spec.files.items():
        assert pinned is not None, f"{rel}: no sha256 pinned in the registry"
        assert sha256_file(folder / rel) == pinned, rel
    assert check_model(HEAD_NAME).status == "ok"
    assert sum((folder / rel).stat().st_size for rel in spec.files) < 4 * 2**20   # committed: a few MB at most


def test_head_matches_the_catalogue_and_the_base_model():
    head = load_head()
    catalogue = load_catalogue()
    assert set(head.matter_ids) == {t.matter_id for t in catalogue.templates}
    assert head.weight.shape == (len(head.matter_ids), 384)
    assert head.meta["base_model_sha256"] == REGISTRY["me5-small-zh"].files["model.safetensors"]


def test_natural_sentences_rank_their_matter_first(scorer):
    catalogue = load_catalogue()
    scores = scorer.score_texts([text for text, _ in NATURAL])
    assert scores.shape == (len(NATURAL), len(catalogue))
    assert np.all((scores >= 0) & (scores <= 1)) and np.allclose(scores.max(axis=1), 1.0)
    got = [catalogue.templates[int(i)].matter_id for i in scores.argmax(axis=1)]
    assert got == [matter for _, matter in NATURAL]


def _view(i: int, speaker: str, text: str) -> SegmentView:
    return SegmentView(i, TextSegment(segment_id=str(i), speaker=speaker, text=text), normalize(text))


def test_session_accumulates_the_call(scorer):
    catalogue = load_catalogue()
    session = scorer.session()
    assert session.scores() is None
    assert session.add(_view(0, "caller", "  ")) is False
    assert session.add(_view(1, "agent", "您好，请讲")) is False           # the agent's words are not read
    assert session.add(_view(2, "caller", "我们这条路上的路灯坏了好几盏，晚上黑漆漆的什么都看不见")) is True
    scores = session.scores()
    assert scores.shape == (len(catalogue),) and scores.max() == pytest.approx(1.0)
    assert catalogue.templates[int(scores.argmax())].matter_id == "utilities.streetlight-out"
    answer = SegmentView(3, TextSegment(segment_id="3", speaker="caller", text="白云区同和街道"),
                         normalize("白云区同和街道"), asked=frozenset({"address"}))
    assert session.add(answer) is False                                      # an answer to the agent's question
    assert np.array_equal(session.scores(), scores)


def test_place_names_are_left_out():
    gazetteer = load_gazetteer()
    assert without_places("白云区同和街道那边路灯不亮", gazetteer) == "那边路灯不亮"
    assert without_places("路灯不亮", None) == "路灯不亮"


def test_tracker_uses_the_learned_scorer_by_default():
    resources = default_resources()
    names = [s.name for s, _ in resources.scorers]
    assert names == ["bm25", "learned"]
    tracker = TicketTracker(resources)
    tracker.add_segment(TextSegment(segment_id="1", speaker="caller", text="我离职都两个月了，公司最后一个月的工资还没给我结"))
    assert tracker.ticket.category_l1 == "劳动和社会保障"


def test_switched_off_by_setting(monkeypatch):
    monkeypatch.setenv("ASSISTANT_LEARNED_SCORER", "0")
    assert LearnedSettings().learned_scorer is False
    assert learned_scorer(load_catalogue()) is None


def test_a_head_for_another_catalogue_is_not_used():
    catalogue = load_catalogue()
    foreign = Catalogue(tuple(t.model_copy(update={"matter_id": "other." + t.matter_id.split(".", 1)[1]})
                              for t in catalogue.templates), catalogue.categories, catalogue.fields,
                        catalogue.common_fields, source="foreign")
    assert learned_scorer(foreign, None, LearnedSettings(learned_scorer=True)) is None


def test_bad_inputs_are_refused(tmp_path):
    with pytest.raises(TypeError):
        load_encoder().encode("一句话")
    with pytest.raises(FileNotFoundError, match="train_template_scorer"):
        TemplateHead.load(tmp_path)


def test_training_command_runs_end_to_end_on_a_few_matters(tmp_path):
    out = tmp_path / "head"
    proc = subprocess.run(
        [sys.executable, "-m", "assistant.models.train_template_scorer", "--out", str(out), "--matters", "4",
         "--epochs", "3", "--no-cache", "--threads", "1"],
        capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    head = TemplateHead.load(out)
    assert len(head.matter_ids) == 4 and head.meta["settings"]["epochs"] == 3
    assert head.meta["data"]["training_texts"] > 4 * 4
    meta = json.loads((out / "template_scorer.json").read_text(encoding="utf-8"))
    assert meta["base_model"] == "me5-small-zh"
    assert "sha256" in proc.stdout
