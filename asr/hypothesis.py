"""Local agreement between consecutive hypotheses of the same open segment (after whisper_streaming).

Whisper re-decodes the growing segment; text that two consecutive decodes agree on is committed and never taken
back, so partials shown to the agent only ever grow at the committed end.
"""

from __future__ import annotations


class HypothesisBuffer:
    def __init__(self) -> None:
        self.committed = ""
        self._previous: str | None = None

    def insert(self, hypothesis: str) -> str:
        """Add a new full hypothesis for the open segment; returns the newly committed text (may be empty)."""
        newly = ""
        if self._previous is not None and hypothesis.startswith(self.committed) \
                and self._previous.startswith(self.committed):
            agreed = _common_prefix(self._previous, hypothesis)
            if len(agreed) > len(self.committed):
                newly = agreed[len(self.committed):]
                self.committed = agreed
        self._previous = hypothesis
        return newly

    def current(self) -> str:
        """Committed text followed by the newest unconfirmed tail."""
        prev = self._previous or ""
        return self.committed + prev[len(_common_prefix(self.committed, prev)):]

    def reset(self) -> None:
        self.committed = ""
        self._previous = None


def _common_prefix(a: str, b: str) -> str:
    n = 0
    for x, y in zip(a, b):
        if x != y:
            break
        n += 1
    return a[:n]
