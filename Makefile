# Every target makes .venv when it is missing and installs what it needs, so
# each one alone works on a fresh clone.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed

.PHONY: run test bench lint call export draw provision clean

$(STAMP): requirements.txt requirements-dev.txt
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -r requirements.txt -r requirements-dev.txt
	@touch $(STAMP)

run: $(STAMP)
	$(PY) -m devstack

test: $(STAMP)
	bash scripts/ensure-browser.sh
	$(PY) -m ruff check .
	$(PY) -m pytest

bench: $(STAMP)
	$(PY) -m bench

lint: $(STAMP)
	$(PY) -m ruff check .

provision: $(STAMP)
	$(PY) -m provision --stage $(STAGE)

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache .devstack test-artifacts
