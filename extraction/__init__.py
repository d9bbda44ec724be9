"""Transcript text in → ticket fields out. Pure text processing: no audio, no network."""
