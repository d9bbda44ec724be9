"""One live call: audio frames → per-speaker ASR (off the event loop) → extraction → panel events and storage.

Frames wait in a bounded queue; when it is full the frame is refused and the client is told (overload is reported,
never absorbed silently). Recognisers run in the hub's ASR thread pool; tracker operations (extraction and agent
actions) are serialised per call by a lock, so an agent's edit and an auto-fill never race.
"""

from __future__ import annotations

import asyncio
import logging
import time
from typing import TYPE_CHECKING

import numpy as np

from assistant.asr.channel import ChannelTranscriber
from assistant.asr.events import FinalTranscript, PartialTranscript, RecognizerFailed, TranscriptEvent
from assistant.server.frames import AudioFrame, CallStart
from assistant.server.panel_events import (CallStateEvent, ErrorEvent, EvidenceOut, FieldUpdateEvent, FormField,
                                           SnapshotEvent, StageTimings, TemplateOption, TicketMetaEvent,
                                           TranscriptFinalEvent, TranscriptPartialEvent)
from assistant.server.recorder import Recorder
from assistant.server.storage import utcnow

if TYPE_CHECKING:
    from assistant.server.hub import Hub

log = logging.getLogger(__name__)


class CallSession:
    def __init__(self, hub: "Hub", start: CallStart, protocol: str):
        self.hub = hub
        self.start = start
        self.call_id = start.call_id
        self.agent_id = start.agent_id
        self.protocol = protocol
        self.state = "live"
        self.ticket_id: int | None = None
        settings = hub.settings
        self.queue: asyncio.Queue[AudioFrame | None] = asyncio.Queue()
        self.backlog = 0  # samples queued but not yet recognised, summed over speakers
        self.max_backlog = int(settings.server.max_backlog_s * start.sample_rate) * len(start.speakers)
        self.partials_backlog = int(0.5 * start.sample_rate) * len(start.speakers)
        self.transcribers = {
            sp: ChannelTranscriber(sp, hub.engine, start.sample_rate, vad=settings.vad.model_dump())
            for sp in start.speakers.values()
        }
        self.tracker = hub.new_tracker()
        self.segments: list[TranscriptFinalEvent] = []
        self.partials: dict[str, TranscriptPartialEvent] = {}
        self.samples: dict[str, int] = {sp: 0 for sp in start.speakers.values()}
        self.dropped_frames = 0
        self.recorder = (Recorder(hub.recordings_dir, self.call_id, start.sample_rate)
                         if settings.server.record_audio else None)
        self._lock = asyncio.Lock()
        self._consumer = asyncio.create_task(self._consume(), name=f"call-{self.call_id}")
        self.auto_values: dict[str, str | None] = {}  # what the assistant filled last, per key (QA's diff)

    # ---- audio in ----
    @property
    def audio_s(self) -> float:
        return max(self.samples.values(), default=0) / self.start.sample_rate

    def offer(self, frame: AudioFrame) -> bool:
        """Queue a frame for recognition; False when the call's backlog is full (the frame is not taken)."""
        size = frame.samples
        if self.backlog + size > self.max_backlog:
            self.dropped_frames += 1
            return False
        self.backlog += size
        self.queue.put_nowait(frame)
        return True

    def _take_queued(self, first: AudioFrame) -> tuple[AudioFrame, bool]:
        """Join the frames already waiting into one (fewer thread hops when small frames pile up)."""
        parts: dict[str, list] = {sp: [a] for sp, a in first.audio.items()}
        ended = False
        while not self.queue.empty():
            nxt = self.queue.get_nowait()
            if nxt is None:
                ended = True
                break
            for sp, a in nxt.audio.items():
                parts.setdefault(sp, []).append(a)
        frame = AudioFrame(audio={sp: np.concatenate(v) if len(v) > 1 else v[0] for sp, v in parts.items()})
        return frame, ended

    async def _consume(self) -> None:
        loop = asyncio.get_running_loop()
        ended = False
        while not ended and (first := await self.queue.get()) is not None:
            frame, ended = self._take_queued(first)
            try:
                events = await loop.run_in_executor(self.hub.asr_pool, self._recognise, frame)
                await self._handle(events)
            except Exception:  # a failure in one call's pipeline must not kill its consumer
                log.exception("call %s: pipeline error", self.call_id)
                await self.broadcast(ErrorEvent(code="pipeline_error", message="识别处理出错，已跳过该段音频"))

    def _recognise(self, frame: AudioFrame) -> list[TranscriptEvent]:
        events: list[TranscriptEvent] = []
        self.backlog -= frame.samples
        # Behind real time: partials are stale before they are shown, so spend the CPU on finals only.
        partials = self.backlog <= self.partials_backlog
        for tr in self.transcribers.values():
            tr.set_partials(partials)
        for speaker, audio in frame.audio.items():
            if self.recorder:
                self.recorder.write(speaker, audio)
            self.samples[speaker] += audio.size
            events.extend(self.transcribers[speaker].feed(audio))
        return events

    async def _handle(self, events: list[TranscriptEvent]) -> None:
        for ev in events:
            if isinstance(ev, PartialTranscript):
                p = TranscriptPartialEvent(call_id=self.call_id, speaker=ev.speaker, segment_id=ev.segment_id,
                                           text=ev.text, stable=ev.stable, start_s=ev.start_s, end_s=ev.end_s)
                self.partials[ev.speaker] = p
                await self.broadcast(p)
            elif isinstance(ev, FinalTranscript):
                await self._final(ev)
            elif isinstance(ev, RecognizerFailed):
                await self.broadcast(ErrorEvent(code="asr_error", message=f"语音识别出错（{ev.speaker}），该段已跳过"))

    async def _final(self, ev: FinalTranscript) -> None:
        self.partials.pop(ev.speaker, None)
        timings = StageTimings(endpoint_s=ev.endpoint_s, asr_decode_s=ev.decode_s)
        seg = TranscriptFinalEvent(call_id=self.call_id, speaker=ev.speaker, segment_id=ev.segment_id, text=ev.text,
                                   start_s=ev.start_s, end_s=ev.end_s, timings=timings)
        self.segments.append(seg)
        await self.hub.db(self.hub.store.add_segment, self.call_id, segment_id=ev.segment_id, speaker=ev.speaker,
                          start_s=ev.start_s, end_s=ev.end_s, text=ev.text,
                          words=[w.model_dump() for w in ev.words])
        await self.broadcast(seg)
        from assistant.extraction.ticket import TextSegment

        async with self._lock:
            t0 = time.perf_counter()
            update = await asyncio.get_running_loop().run_in_executor(
                self.hub.extract_pool, self.tracker.add_segment,
                TextSegment(segment_id=ev.segment_id, speaker=ev.speaker, text=ev.text, start_s=ev.start_s,
                            end_s=ev.end_s))
            timings.extract_s = round(time.perf_counter() - t0, 4)
        await self._publish_update(update, speech_end_s=ev.end_s, timings=timings)

    async def _publish_update(self, update, speech_end_s: float | None = None, source: str = "auto",
                              timings: StageTimings | None = None) -> None:
        changes = []
        for fu in update.field_updates:
            if fu.source == "auto":
                self.auto_values[fu.key] = fu.new
            event = self._field_event(fu, speech_end_s)
            event.timings = timings
            changes.append({"key": fu.key, "old": fu.old, "new": fu.new, "source": fu.source,
                            "confidence": fu.confidence, "evidence": [e.model_dump() for e in fu.evidence],
                            "call_time_s": round(self.audio_s, 3)})
            await self.broadcast(event)
        if source == "auto":
            self.auto_values.update({k: getattr(update, k, None) for k in update.changed
                                     if k in ("template_id", "title", "handling_unit", "appeal_type", "category_l1",
                                              "matter")})
        if update.changed or source == "agent":
            await self.broadcast(self.meta_event(speech_end_s))
        meta_changes = [{"key": k, "old": None, "new": getattr(update, k, None), "source": source,
                         "confidence": None, "evidence": [], "call_time_s": round(self.audio_s, 3)}
                        for k in update.changed if k in ("template_id", "title", "handling_unit")]
        await self.hub.db(self.hub.store.add_field_changes, self.call_id, changes + meta_changes)

    def _field_event(self, fu, speech_end_s: float | None = None) -> FieldUpdateEvent:
        fv = self.tracker.ticket.fields.get(fu.key)
        return FieldUpdateEvent(call_id=self.call_id, key=fu.key, label=fv.label if fv else fu.key, old=fu.old,
                                new=fu.new, confidence=fu.confidence,
                                evidence=[EvidenceOut(**e.model_dump()) for e in fu.evidence], source=fu.source,
                                locked=fu.source == "agent", speech_end_s=speech_end_s)

    # ---- agent actions ----
    async def edit_field(self, key: str, value: str | None) -> None:
        async with self._lock:
            update = self.tracker.set_field(key, value)
        await self._publish_update(update, source="agent")

    async def choose_template(self, template_id: str) -> None:
        async with self._lock:
            update = self.tracker.choose_template(template_id)
        await self._publish_update(update, source="agent")

    async def submit(self) -> int:
        async with self._lock:
            ticket = self.tracker.ticket
            flat = ticket.flat()
        self.ticket_id = await self.hub.db(self.hub.store.add_ticket, self.call_id, agent_id=self.agent_id,
                                           template_id=flat.get("template_id"), fields=flat,
                                           auto_fields=dict(self.auto_values))
        self.state = "submitted"
        await self.broadcast(self.state_event())
        return self.ticket_id

    # ---- end of call ----
    async def finish(self, state: str = "ended") -> None:
        """Drain the queued audio, flush the recognisers, store the outcome. Idempotent."""
        if self._consumer.done():
            return
        await self.queue.put(None)
        await self._consumer
        loop = asyncio.get_running_loop()
        tail = await loop.run_in_executor(self.hub.asr_pool, self._flush)
        await self._handle(tail)
        audio_path = await loop.run_in_executor(None, self.recorder.finish) if self.recorder else None
        if self.state == "live":
            self.state = state
        await self.hub.db(self.hub.store.update_call, self.call_id, state=self.state, ended_at=utcnow(),
                          audio_s=self.audio_s, audio_path=str(audio_path) if audio_path else None,
                          template_id=self.tracker.ticket.template_id, district=self.tracker.ticket.value("district"))
        await self.broadcast(self.state_event())

    def _flush(self) -> list[TranscriptEvent]:
        events: list[TranscriptEvent] = []
        for tr in self.transcribers.values():
            events.extend(tr.close())
        return sorted(events, key=lambda e: getattr(e, "end_s", 0.0))

    # ---- panel views ----
    def state_event(self) -> CallStateEvent:
        return CallStateEvent(call_id=self.call_id, state=self.state, agent_id=self.agent_id,
                              audio_s=round(self.audio_s, 3), ticket_id=self.ticket_id)

    def meta_event(self, speech_end_s: float | None = None) -> TicketMetaEvent:
        t = self.tracker.ticket
        return TicketMetaEvent(
            call_id=self.call_id, template_top3=[TemplateOption(**c.model_dump()) for c in t.template_top3],
            template_id=t.template_id, template_locked=t.template_locked, category_l1=t.category_l1,
            appeal_type=t.appeal_type, matter=t.matter, title=t.title, handling_unit=t.handling_unit,
            form=self.hub.form(t.template_id), speech_end_s=speech_end_s)

    def snapshot(self) -> SnapshotEvent:
        t = self.tracker.ticket
        fields = [FieldUpdateEvent(call_id=self.call_id, key=k, label=v.label, old=None, new=v.value,
                                   confidence=v.confidence, evidence=[EvidenceOut(**e.model_dump()) for e in v.evidence],
                                   source=v.source, locked=v.source == "agent")
                  for k, v in t.fields.items() if v.value is not None]
        return SnapshotEvent(call=self.state_event(), segments=list(self.segments),
                             partials=list(self.partials.values()), fields=fields, meta=self.meta_event())

    async def broadcast(self, event) -> None:
        self.hub.publish(self, event)


def form_fields(template) -> list[FormField]:
    return [FormField(key=f.key, label=f.label, type=str(f.type), options=list(f.options), required=f.required)
            for f in template.fields]
