"""The learned template scorer: the me5-small-zh encoder (frozen, ../shared) and a small trained head that reads the
caller's words as a leaf matter (事项).

    scorer = learned_scorer(catalogue, gazetteer)   # None when switched off (ASSISTANT_LEARNED_SCORER=0)
    resources.with_components(scorers=((scorer, scorer.weight),))

Each describing caller segment is encoded once (int8 encoder on one thread, mean-pooled last layer, e5 "query: "
prefix, place names left out); a call's view is the mean of those vectors, and the head turns it into p(matter).
The head is trained by `python -m assistant.models.train_template_scorer` on the catalogue's own text (see
models/MODEL_CARD.md). Heavy imports (torch, transformers) stay inside functions.
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import numpy as np
from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

from assistant.extraction.candidates import SegmentView
from assistant.extraction.gazetteer import Gazetteer
from assistant.templates.catalogue import Catalogue

log = logging.getLogger(__name__)

ENCODER_NAME = "me5-small-zh"
HEAD_NAME = "template-scorer-head"
HEAD_WEIGHTS = "template_scorer.safetensors"
HEAD_META = "template_scorer.json"
QUERY_PREFIX = "query: "        # e5 convention; the catalogue's texts and the callers' words are both "queries"
MAX_TOKENS = 96                 # a segment is a sentence or two; longer ones are cut, not split


class LearnedSettings(BaseSettings):
    """ASSISTANT_LEARNED_SCORER=0|1 switches the scorer; ASSISTANT_LEARNED_WEIGHT sets its weight against BM25."""

    model_config = SettingsConfigDict(env_prefix="ASSISTANT_", extra="ignore")

    learned_scorer: bool = True
    learned_weight: float = Field(1.0, gt=0, description="weight of the learned scores against BM25's 1")


# --- encoder ----------------------------------------------------------------------------------------------------

class Encoder:
    """me5-small-zh as a sentence encoder: mean pooling of the last layer, vectors L2-normalised."""

    def __init__(self, path: Path, quantize: bool = False) -> None:
        import torch
        from transformers import AutoModel, AutoTokenizer
        from transformers.utils import logging as hf_logging

        self.path = Path(path)
        self.quantized = quantize
        self._torch = torch
        hf_logging.set_verbosity_error()   # the checkpoint has no pooler; its "missing weights" report is noise
        hf_logging.disable_progress_bar()
        self.tokenizer = AutoTokenizer.from_pretrained(self.path, local_files_only=True)
        model = AutoModel.from_pretrained(self.path, local_files_only=True, dtype=torch.float32).eval()
        if quantize:
            # int8 weights for the linear layers: about 2.5x faster on one core, vectors within ~0.99 cosine.
            import warnings

            with warnings.catch_warnings():
                warnings.simplefilter("ignore")   # torch.ao's deprecation notice; the API is what 2.13 ships
                model = torch.ao.quantization.quantize_dynamic(model, {torch.nn.Linear}, dtype=torch.qint8)
        self.model = model

    def encode(self, texts: list[str], batch_size: int = 64) -> np.ndarray:
        """One vector per text (float32, unit length), in input order."""
        if isinstance(texts, str):
            raise TypeError("encode takes a list of texts")
        torch = self._torch
        out = np.zeros((len(texts), self.model.config.hidden_size), dtype=np.float32)
        order = np.argsort([len(t) for t in texts], kind="stable")   # similar lengths batch with little padding
        with torch.inference_mode():
            for start in range(0, len(texts), batch_size):
                idx = order[start:start + batch_size]
                batch = self.tokenizer([QUERY_PREFIX + texts[i] for i in idx], padding=True, truncation=True,
                                       max_length=MAX_TOKENS, return_tensors="pt")
                hidden = self.model(**batch).last_hidden_state
                mask = batch["attention_mask"].unsqueeze(-1).to(hidden.dtype)
                pooled = (hidden * mask).sum(1) / mask.sum(1).clamp(min=1)
                out[idx] = torch.nn.functional.normalize(pooled, dim=-1).numpy()
        return out


@lru_cache(maxsize=2)
def load_encoder(quantize: bool = True) -> Encoder:
    """The process-wide encoder (found through the model registry); inference runs on one thread."""
    import torch

    from assistant.models.registry import find_model

    torch.set_num_threads(1)
    return Encoder(find_model(ENCODER_NAME), quantize=quantize)


# --- head -------------------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class TemplateHead:
    """A linear read-out of the leaf matter over centred, normalised sentence vectors (a cosine classifier)."""

    center: np.ndarray           # (dim,) mean training vector, subtracted before normalising
    weight: np.ndarray           # (n_matters, dim)
    bias: np.ndarray             # (n_matters,), already multiplied by the scale
    scale: float                 # logit scale (the classifier's inverse temperature)
    matter_ids: tuple[str, ...]
    meta: dict

    def prepare(self, vectors: np.ndarray) -> np.ndarray:
        """Encoder vectors (n, dim) → the head's input space: centred, unit length."""
        return unit(np.atleast_2d(vectors) - self.center)

    def log_probs(self, x: np.ndarray) -> np.ndarray:
        """log p(matter) for prepared vectors x (n, dim) → (n, n_matters)."""
        return _log_softmax(self.scale * (unit(x) @ self.weight.T) + self.bias)

    def save(self, folder: Path) -> list[Path]:
        from safetensors.numpy import save_file

        folder.mkdir(parents=True, exist_ok=True)
        # fp16 halves the file (~1.5 MB); top-1 matters on the held-out examples do not change
        save_file({k: np.ascontiguousarray(getattr(self, k), dtype=np.float16) for k in ("center", "weight", "bias")},
                  str(folder / HEAD_WEIGHTS))
        meta = {**self.meta, "scale": self.scale, "matter_ids": list(self.matter_ids)}
        (folder / HEAD_META).write_text(json.dumps(meta, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
        return [folder / HEAD_WEIGHTS, folder / HEAD_META]

    @classmethod
    def load(cls, folder: Path) -> "TemplateHead":
        from safetensors.numpy import load_file

        weights, meta_path = Path(folder) / HEAD_WEIGHTS, Path(folder) / HEAD_META
        for f in (weights, meta_path):
            if not f.is_file():
                raise FileNotFoundError(f"template scorer head incomplete: {f} missing "
                                        "(python -m assistant.models.train_template_scorer writes it)")
        t = {k: v.astype(np.float32) for k, v in load_file(str(weights)).items()}
        meta = json.loads(meta_path.read_text(encoding="utf-8"))
        head = cls(t["center"], t["weight"], t["bias"], float(meta.pop("scale")), tuple(meta.pop("matter_ids")), meta)
        if head.weight.shape != (len(head.matter_ids), head.center.shape[0]) or head.bias.shape[0] != len(
                head.matter_ids):
            raise ValueError(f"{folder}: head weights and matter list disagree")
        return head


def unit(x: np.ndarray) -> np.ndarray:
    return x / np.maximum(np.linalg.norm(x, axis=-1, keepdims=True), 1e-12)


def _log_softmax(z: np.ndarray) -> np.ndarray:
    z = z - z.max(axis=-1, keepdims=True)
    return z - np.log(np.exp(z).sum(axis=-1, keepdims=True))


@lru_cache(maxsize=1)
def load_head() -> TemplateHead:
    """The committed head (models/heads/, checksums in the model registry)."""
    from assistant.models.registry import find_model

    return TemplateHead.load(find_model(HEAD_NAME))


def without_places(text: str, gazetteer: Gazetteer | None) -> str:
    """The text less the place names the gazetteer knows (everyday words that are also names stay): where it
    happened has its own fields, and names like 芳村 read as a matter (rural street lights) otherwise."""
    if gazetteer is None:
        return text
    kept, last = [], 0
    for hit in gazetteer.scan(text):
        if not hit.common:
            kept.append(text[last:hit.start])
            last = hit.end
    return "".join(kept) + text[last:]


# --- scorer -----------------------------------------------------------------------------------------------------

class LearnedSession:
    """One call: the mean vector of the caller's descriptions, read by the head.

    Only the caller's own account counts: the agent's words (procedures, routing: 结婚证, 转交警部门) and the
    caller's answers to the agent's questions (an address, a name, a time) pulled the head towards other matters
    on the dev calls. So most updates of a long call encode nothing.
    """

    def __init__(self, scorer: "LearnedScorer") -> None:
        self._scorer = scorer
        self._sum: np.ndarray | None = None

    def add(self, view: SegmentView) -> bool:
        if view.speaker != "caller" or view.asked:
            return False
        text = without_places(view.text, self._scorer.gazetteer).strip("，。,. ")
        if not text:
            return False
        vector = self._scorer.head.prepare(self._scorer.encoder.encode([text]))[0]
        self._sum = vector if self._sum is None else self._sum + vector
        return True

    def scores(self) -> np.ndarray | None:
        return None if self._sum is None else self._scorer.score_vectors(self._sum[None])[0]


class LearnedScorer:
    """Template scores from the encoder and head, in catalogue order, scaled to [0, 1].

    A template scores by its matter: the appeal type stays with the rules (stated cues, the matter's variants).
    An appeal-type read-out trained alongside won on held-out catalogue examples but lost dev calls (MODEL_CARD).
    """

    name = "learned"
    # exp((log p - best) / SPREAD): the best matter scores 1, one e-times less likely exp(-1/4) = 0.78, so the
    # runners-up stay visible to the chooser next to BM25's scale.
    SPREAD = 4.0

    def __init__(self, catalogue: Catalogue, encoder: Encoder, head: TemplateHead, gazetteer: Gazetteer | None = None,
                 weight: float = 1.0) -> None:
        self.encoder, self.head, self.gazetteer, self.weight = encoder, head, gazetteer, weight
        index = {m: i for i, m in enumerate(head.matter_ids)}
        self._matter = np.asarray([index.get(t.matter_id, -1) for t in catalogue.templates], dtype=np.int64)

    def session(self) -> LearnedSession:
        return LearnedSession(self)

    def score_vectors(self, x: np.ndarray) -> np.ndarray:
        """Scores (n, templates) for head-space vectors x (n, dim); 0 for matters the head was not trained on."""
        lp = self.head.log_probs(x)
        known = self._matter >= 0
        out = np.zeros((x.shape[0], len(self._matter)))
        out[:, known] = np.exp((lp - lp.max(axis=1, keepdims=True)) / self.SPREAD)[:, self._matter[known]]
        return out

    def score_texts(self, texts: list[str]) -> np.ndarray:
        """Scores for utterances, one row each (what a one-segment session would give)."""
        texts = [without_places(t, self.gazetteer) for t in texts]
        return self.score_vectors(self.head.prepare(self.encoder.encode(texts)))


# Below this share of the catalogue's templates known to the head, the head was trained for another catalogue:
# a deployment with its own catalogue retrains (models/MODEL_CARD.md) rather than scoring a fraction of it.
MIN_COVERAGE = 0.9


def learned_scorer(catalogue: Catalogue, gazetteer: Gazetteer | None = None,
                   settings: LearnedSettings | None = None) -> LearnedScorer | None:
    """The learned scorer for this catalogue, or None when it is switched off or its head does not fit the
    catalogue (logged). The encoder and head are loaded once per process."""
    settings = settings or LearnedSettings()
    if not settings.learned_scorer:
        return None
    head = load_head()
    known = set(head.matter_ids)
    coverage = sum(t.matter_id in known for t in catalogue.templates) / max(len(catalogue.templates), 1)
    if coverage < MIN_COVERAGE:   # checked before the encoder loads: a test catalogue costs nothing
        log.warning("learned template scorer off: its head knows %.0f%% of this catalogue's templates; retrain it "
                    "with python -m assistant.models.train_template_scorer", 100 * coverage)
        return None
    return LearnedScorer(catalogue, load_encoder(), head, gazetteer, settings.learned_weight)
