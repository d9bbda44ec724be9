"""One serializer per ingest protocol: it turns that protocol's WebSocket messages into frames (after pipecat)."""

from __future__ import annotations

from typing import Protocol

from assistant.server.frames import Frame


class Serializer(Protocol):
    protocol: str
    close_ends_call: bool  # whether closing the socket is this protocol's normal end of a call

    def parse(self, message: str | bytes) -> list[Frame]:
        """One WebSocket message → frames; raises ProtocolError for a message the protocol does not allow."""
