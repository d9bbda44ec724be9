"""Train the learned template scorer's head (extraction/learned.py) on the catalogue's own text.

    python -m assistant.models.train_template_scorer                 # the shipped head → models/heads/
    python -m assistant.models.train_template_scorer --holdout --evaluate --out /tmp/head   # validation run

Data: every template's example utterances and description and every matter's trigger phrases, name and subject,
each labelled with its leaf matter, as the learned scorer sees a caller's segment (normalised, housekeeping clauses
and place names out). Inputs are frozen me5-small-zh vectors (cached per text under the cache folder, in a file
named by the model's checksum); the head is one linear read-out (a cosine classifier over matters) trained with AdamW.
--holdout keeps one example per template (seeded) out of training and out of the BM25 index; --evaluate then
compares the tracker's template choice with BM25 alone and with the learned scorer on those held-out utterances.
"""

from __future__ import annotations

import json
import random
import time
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Annotated

import numpy as np
import typer

from assistant.config import get_settings
from assistant.extraction.gazetteer import Gazetteer, load_gazetteer
from assistant.extraction.learned import HEAD_META, HEAD_WEIGHTS, Encoder, LearnedScorer, TemplateHead, unit, without_places
from assistant.templates.catalogue import Catalogue, load_catalogue
from assistant.templates.schema import Template

HEADS_DIR = Path(__file__).resolve().parent / "heads"


@dataclass(frozen=True)
class Example:
    text: str
    matter_id: str


def scoring_text(text: str, gazetteer: Gazetteer | None) -> str:
    """What the learned scorer encodes for a caller segment with this text (as the tracker hands it over)."""
    from assistant.extraction.dialogue import topic_text
    from assistant.extraction.textnorm import normalize

    return without_places(topic_text(normalize(text).text), gazetteer).strip("，。,. ")


def split_catalogue(catalogue: Catalogue, seed: int) -> tuple[Catalogue, list[tuple[Template, str]]]:
    """The catalogue less one example per template (picked at random), and the held-out (template, example)."""
    rng = random.Random(seed)
    kept, held = [], []
    for t in catalogue.templates:
        k = rng.randrange(len(t.examples))
        held.append((t, t.examples[k]))
        kept.append(t.model_copy(update={"examples": tuple(e for i, e in enumerate(t.examples) if i != k)}))
    reduced = Catalogue(tuple(kept), catalogue.categories, catalogue.fields, catalogue.common_fields,
                        source=f"{catalogue.source} (held out: seed {seed})")
    return reduced, held


def training_examples(catalogue: Catalogue, gazetteer: Gazetteer | None) -> list[Example]:
    """Each template's example utterances and description, each matter's triggers, name and subject."""
    out: list[Example] = []
    seen_matters: set[str] = set()
    for t in catalogue.templates:
        out += [Example(e, t.matter_id) for e in (*t.examples, t.description)]
        if t.matter_id not in seen_matters:
            seen_matters.add(t.matter_id)
            out += [Example(x, t.matter_id) for x in dict.fromkeys((*t.triggers, t.matter, t.subject))]
    return [Example(s, e.matter_id) for e in out if (s := scoring_text(e.text, gazetteer))]


def subset(catalogue: Catalogue, matters: int) -> Catalogue:
    """The first `matters` leaf matters of the catalogue with all their templates (for quick runs and tests)."""
    keep = list(dict.fromkeys(t.matter_id for t in catalogue.templates))[:matters]
    templates = tuple(t for t in catalogue.templates if t.matter_id in set(keep))
    return Catalogue(templates, catalogue.categories, catalogue.fields, catalogue.common_fields,
                     source=f"{catalogue.source} (first {matters} matters)")


def encode_cached(encoder: Encoder, texts: list[str], cache_dir: Path | None) -> np.ndarray:
    """Encoder vectors for texts. With a cache folder, vectors are kept per text in one file per encoder (named by
    the model's checksum), so a changed catalogue only encodes its new texts."""
    if cache_dir is None:
        return encoder.encode(texts)
    tag = "-int8" if encoder.quantized else ""
    path = cache_dir / f"{encoder.path.name}-{_model_checksum(encoder.path)[:16]}{tag}.npz"
    known: dict[str, np.ndarray] = {}
    if path.is_file():
        with np.load(path) as f:
            known = dict(zip(f["texts"].tolist(), f["vectors"]))
    missing = list(dict.fromkeys(t for t in texts if t not in known))
    if missing:
        known.update(zip(missing, encoder.encode(missing)))
        cache_dir.mkdir(parents=True, exist_ok=True)
        tmp = path.with_name(path.name + ".tmp.npz")
        np.savez(tmp, texts=np.asarray(list(known)), vectors=np.stack(list(known.values())))
        tmp.replace(path)
    return np.stack([known[t] for t in texts])


def _model_checksum(model_dir: Path) -> str:
    from assistant.models.registry import REGISTRY, sha256_file

    pinned = REGISTRY.get(model_dir.name)
    return (pinned and pinned.files.get("model.safetensors")) or sha256_file(model_dir / "model.safetensors")


def train_head(vectors: np.ndarray, examples: list[Example], *, epochs: int = 30, lr: float = 3e-3,
               scale: float = 10.0, dropout: float = 0.1, batch_size: int = 256, seed: int = 0) -> TemplateHead:
    """Fit the matter read-out (a cosine classifier: cross-entropy, AdamW, minibatches) on encoder vectors."""
    import torch
    import torch.nn.functional as F

    if len(examples) != len(vectors) or not examples:
        raise ValueError("need one vector per example, and some examples")
    torch.manual_seed(seed)
    center = vectors.mean(axis=0)
    x = torch.from_numpy(unit(vectors - center).astype(np.float32))
    matter_ids = tuple(dict.fromkeys(e.matter_id for e in examples))
    index = {m: i for i, m in enumerate(matter_ids)}
    y = torch.tensor([index[e.matter_id] for e in examples])
    readout = torch.nn.Linear(x.shape[1], len(matter_ids))
    opt = torch.optim.AdamW(readout.parameters(), lr=lr, weight_decay=0.0)
    for _ in range(epochs):
        for idx in torch.randperm(len(x)).split(batch_size):
            loss = F.cross_entropy(scale * readout(F.dropout(x[idx], dropout)), y[idx])
            opt.zero_grad()
            loss.backward()
            opt.step()
    with torch.no_grad():   # inference computes scale * (x @ W.T) + b: the bias goes in pre-scaled
        return TemplateHead(center=center.astype(np.float32), weight=readout.weight.numpy().copy(),
                            bias=(scale * readout.bias).numpy().copy(), scale=scale, matter_ids=matter_ids, meta={})


def evaluate(catalogue: Catalogue, held: list[tuple[Template, str]], scorer: LearnedScorer | None,
             bm25: bool = True) -> dict:
    """Top-1 matter / category_l1 / appeal type of the tracker's choice, one held-out utterance per call, with
    BM25 and/or the learned scorer."""
    from assistant.extraction.resources import build_resources
    from assistant.extraction.ticket import TextSegment
    from assistant.extraction.tracker import TicketTracker

    resources = build_resources(catalogue, scorer.gazetteer if scorer else None)
    rules = tuple((s, w) for s, w in resources.scorers if s.name != LearnedScorer.name)
    resources = replace(resources, scorers=(rules if bm25 else ()) + (((scorer, scorer.weight),) if scorer else ()))
    hits = dict.fromkeys(("matter", "category_l1", "appeal_type"), 0)
    for template, utterance in held:
        tracker = TicketTracker(resources)
        tracker.add_segment(TextSegment(segment_id="1", speaker="caller", text=utterance))
        chosen = catalogue.get(tracker.ticket.template_id or "")
        hits["matter"] += chosen is not None and chosen.matter_id == template.matter_id
        hits["category_l1"] += chosen is not None and chosen.category_l1 == template.category_l1
        hits["appeal_type"] += chosen is not None and chosen.appeal_type == template.appeal_type
    return {k: round(v / max(len(held), 1), 4) for k, v in hits.items()} | {"n": len(held)}


class _MemoEncoder:
    """An encoder that answers from vectors computed in one batch beforehand (evaluation speed only)."""

    def __init__(self, vectors: np.ndarray, texts: list[str], encoder: Encoder) -> None:
        self._encoder = encoder
        self._memo = dict(zip(texts, vectors))

    def encode(self, texts: list[str]) -> np.ndarray:
        missing = [t for t in texts if t not in self._memo]
        if missing:
            self._memo.update(zip(missing, self._encoder.encode(missing)))
        return np.stack([self._memo[t] for t in texts])


def file_sha256(path: Path) -> str:
    from assistant.models.registry import sha256_file

    return sha256_file(path)


def main(
    out: Annotated[Path, typer.Option(help="folder for the head files")] = HEADS_DIR,
    holdout: Annotated[bool, typer.Option(help="keep one example per template out of training")] = False,
    evaluate_: Annotated[bool, typer.Option("--evaluate", help="with --holdout: compare the tracker's choice "
                                                               "with and without the head on held-out examples")] = False,
    matters: Annotated[int | None, typer.Option(help="train on the first N matters only (quick runs)")] = None,
    epochs: Annotated[int, typer.Option(min=1)] = 30,
    seed: Annotated[int, typer.Option()] = 0,
    threads: Annotated[int, typer.Option(min=1, help="torch threads for encoding and training")] = 2,
    cache: Annotated[bool, typer.Option(help="cache encoder vectors under the cache folder")] = True,
) -> None:
    """Train the template scorer head and write it (with its settings and metrics) to OUT."""
    import torch

    from assistant.models.registry import find_model

    if evaluate_ and not holdout:
        raise typer.BadParameter("--evaluate needs --holdout (otherwise the test utterances were trained on)")
    started = time.perf_counter()
    catalogue = load_catalogue()
    if matters is not None:
        catalogue = subset(catalogue, matters)
    train_catalogue, held = split_catalogue(catalogue, seed) if holdout else (catalogue, [])
    gazetteer = load_gazetteer()
    examples = training_examples(train_catalogue, gazetteer)
    torch.set_num_threads(threads)
    encoder = Encoder(find_model("me5-small-zh"))
    cache_dir = get_settings().cache_dir / "embeddings" if cache else None
    typer.echo(f"encoding {len(examples)} texts of {len(train_catalogue)} templates …", err=True)
    vectors = encode_cached(encoder, [e.text for e in examples], cache_dir)
    settings = {"epochs": epochs, "lr": 3e-3, "scale": 10.0, "dropout": 0.1, "batch_size": 256, "seed": seed}
    head = train_head(vectors, examples, **settings)
    meta = {
        "base_model": encoder.path.name, "base_model_sha256": _model_checksum(encoder.path),
        "pooling": "mean of the last layer, 'query: ' prefix", "settings": settings,
        "data": {"catalogue": catalogue.source, "templates": len(catalogue), "matters": len(head.matter_ids),
                 "training_texts": len(examples), "held_out_examples": len(held)},
    }
    head = replace(head, meta=meta)
    head.save(out)
    if evaluate_:   # the head as saved (fp16), the encoder as the tracker runs it (int8)
        head = TemplateHead.load(out)
        texts = [scoring_text(u, gazetteer) for _, u in held]
        inference = Encoder(encoder.path, quantize=True)
        memo = _MemoEncoder(encode_cached(inference, texts, cache_dir), texts, inference)
        scorer = LearnedScorer(train_catalogue, memo, head, gazetteer)  # type: ignore[arg-type]
        meta["held_out"] = {"rules": evaluate(train_catalogue, held, None),
                            "learned": evaluate(train_catalogue, held, scorer, bm25=False),
                            "rules+learned": evaluate(train_catalogue, held, scorer)}
        typer.echo(json.dumps(meta["held_out"], ensure_ascii=False), err=True)
        head = replace(head, meta=meta)
        head.save(out)
    for path in (out / HEAD_WEIGHTS, out / HEAD_META):
        typer.echo(f"{path}  sha256 {file_sha256(path)}")
    typer.echo(f"done in {time.perf_counter() - started:.0f} s", err=True)


if __name__ == "__main__":
    typer.run(main)
