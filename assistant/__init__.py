"""12345 hotline speech-to-ticket assistant.

`assistant` is the one top-level import name; the project's other folders are installed beneath it:
assistant.asr (audio → transcript), assistant.extraction (text → ticket), assistant.templates (catalogue),
assistant.models (model registry), assistant.web_ui (panel assets).
"""

__version__ = "0.1.0"
