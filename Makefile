# voicecoach: `make demo` and `make test` work on a fresh machine (they set up .venv themselves).
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: demo test test-fast bench accuracy samples system-deps install clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip
	$(BIN)/pip install -q -e '.[test,dask,base,postgres,history,web]'
	touch $@

install: $(STAMP)

demo: install
	$(BIN)/voicecoach analyze samples/long_hold_take1.wav --agent-channel right --scenario long-hold

# Tests synthesize speech (espeak-ng, sox) and use real speech: LibriVox clips (pocketsphinx-testdata)
# and telephone-voice prompts with their text (asterisk-core-sounds-en-wav, asterisk-core-sounds-en):
# system-deps installs them with apt when run as root, else says what to install.
test: install system-deps
	$(BIN)/python -m pytest -q -ra

test-fast: install
	$(BIN)/python -m pytest -q -m "not slow and not browser and not audio"

bench: install system-deps
	$(BIN)/python bench/run.py

# Accuracy on real human speech per recording condition (the README's table); a few minutes.
accuracy: install system-deps
	$(BIN)/python bench/accuracy.py

samples: install system-deps
	$(BIN)/python samples/make_samples.py

system-deps:
	@bash scripts/system-deps.sh

clean:
	rm -rf $(VENV) .pytest_cache build *.egg-info
