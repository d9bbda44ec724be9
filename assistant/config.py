"""Settings, read from ASSISTANT_* environment variables (pydantic-settings).

Nested groups use a double underscore: ASSISTANT_VAD__AGGRESSIVENESS=3, ASSISTANT_WHISPER__THREADS=2.
Paths default to places that work both in a checkout (the project cache and ../shared beside it) and in an
installed copy (the user cache); nothing below depends on the current directory.
"""

from __future__ import annotations

import os
from functools import lru_cache
from pathlib import Path
from typing import Annotated, Literal

from pydantic import BaseModel, Field, field_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

PACKAGE_DIR = Path(__file__).resolve().parent


def _checkout_root() -> Path | None:
    """The source checkout this package runs from (editable install), if any."""
    root = PACKAGE_DIR.parent
    return root if (root / "pyproject.toml").is_file() else None


def default_cache_dir() -> Path:
    root = _checkout_root()
    if root is not None:
        return root / ".cache"
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "hotline12345"


def default_shared_dir() -> Path | None:
    """The team's read-only ../shared folder next to the checkout (or the working directory)."""
    candidates = []
    root = _checkout_root()
    if root is not None:
        candidates.append(root.parent / "shared")
    candidates.append(Path.cwd().parent / "shared")
    for c in candidates:
        if (c / "README.md").is_file():
            return c.resolve()
    return None


def _default_model_path() -> list[Path]:
    paths = [default_cache_dir() / "models"]
    shared = default_shared_dir()
    if shared is not None:
        paths.append(shared / "models")
    return paths


def _default_data_dir() -> Path | None:
    shared = default_shared_dir()
    return shared / "data" if shared is not None else None


class VadSettings(BaseModel):
    aggressiveness: int = Field(2, ge=0, le=3, description="webrtcvad mode: 0 least, 3 most aggressive")
    frame_ms: Literal[10, 20, 30] = 30
    start_ms: int = Field(150, ge=0, description="voiced audio needed within the window to open a segment")
    end_ms: int = Field(450, ge=30, description="trailing silence that closes a segment (endpoint hangover)")
    pre_roll_ms: int = Field(240, ge=0, description="audio kept before the detected start")
    max_segment_s: float = Field(15.0, gt=1.0, description="a segment longer than this is cut")


class WhisperSettings(BaseModel):
    model: str = "faster-whisper-base"
    compute_type: str = "int8"
    threads: int = Field(1, ge=1, description="CPU threads per decode (with fitted windows the decoder dominates, "
                                              "and one thread decodes faster than two: 0.6 s vs 1.0 s for 6.5 s of "
                                              "speech on the reference machine)")
    workers: int = Field(2, ge=1, description="decodes that may run in parallel (calls share the one model)")
    beam_size: int = Field(5, ge=1)
    language: str = "zh"
    partial_interval_s: float = Field(1.0, gt=0, description="minimum audio between two partial re-decodes")
    word_timestamps: bool = Field(False, description="per-word times from whisper (about 25 % more decode time; "
                                                      "no consumer needs them yet)")
    initial_prompt: str = Field("", description="decoder prompt (e.g. to steer the script); empty for none")
    fitted_window: bool = Field(True, description="encode each utterance on a window fitted to its length instead "
                                                  "of whisper's fixed 30 s (several times faster; unreliable "
                                                  "results are redone on the full window)")
    window_margin_s: float = Field(1.0, ge=0, le=10, description="silence added after the utterance in a fitted "
                                                                 "window")


class VoskSettings(BaseModel):
    model: str = "vosk-model-small-cn-0.22"
    sample_rate: int = 16000


class Principal(BaseModel):
    """Who holds a token: an agent (sees their own calls), QA (sees every call) or a telephony bridge."""

    role: Literal["agent", "qa", "service"] = "agent"  # service: a telephony bridge that streams calls in
    agent_id: str | None = None


class ServerSettings(BaseModel):
    host: str = "127.0.0.1"
    port: int = 8345
    database_url: str = Field("", description="SQLAlchemy URL; empty: SQLite in the cache folder")
    record_audio: bool = Field(True, description="keep each call's audio as a WAV file next to the database")
    tokens: dict[str, Principal] = Field(
        default_factory=dict,
        description='token → principal, e.g. {"s3cret": {"role": "agent", "agent_id": "a01"}}; empty: open (demo)')
    allowed_origins: list[str] = Field(default_factory=list, description="browser origins allowed besides our own")
    max_message_bytes: int = Field(256 * 1024, description="largest WebSocket message accepted")
    max_backlog_s: float = Field(10.0, gt=0, description="per-call audio awaiting recognition before overload is "
                                                          "reported and further frames are refused")
    asr_workers: int = Field(2, ge=1, description="threads running recognisers (decoding is CPU-bound)")
    keep_ended_s: float = Field(1800, description="how long an ended call stays editable in memory")


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="ASSISTANT_", env_nested_delimiter="__", extra="ignore")

    model_path: Annotated[list[Path], NoDecode] = Field(default_factory=_default_model_path,
                                   description="directories searched for models, in order (os.pathsep-separated)")
    data_dir: Path | None = Field(default_factory=_default_data_dir,
                                  description="the shared data folder (gazetteer, taxonomy, calls)")
    cache_dir: Path = Field(default_factory=default_cache_dir)
    asr_backend: Literal["whisper", "vosk"] = "whisper"
    agent_channel: Literal[0, 1] = Field(0, description="stereo channel carrying the agent (0 = left)")
    vad: VadSettings = VadSettings()
    whisper: WhisperSettings = WhisperSettings()
    vosk: VoskSettings = VoskSettings()
    catalogue_path: Path | None = Field(None, description="a deployment's own template catalogue (JSONL)")
    server: ServerSettings = ServerSettings()

    @property
    def database_url(self) -> str:
        return self.server.database_url or f"sqlite:///{self.cache_dir / 'assistant.db'}"

    @field_validator("model_path", mode="before")
    @classmethod
    def _split_path(cls, v: object) -> object:
        if isinstance(v, str):
            return [p for p in v.split(os.pathsep) if p]
        return v

    @property
    def caller_channel(self) -> int:
        return 1 - self.agent_channel


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    return Settings()
