"""The live service: audio in over WebSockets, panel updates out, everything stored."""
