# Every target makes .venv when it is missing and installs what it needs, so
# each one alone works on a fresh clone.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed

.PHONY: run test bench lint call export draw provision clean lint-aws

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

# statelint on every state machine, cfn-lint on `chalice package --stage prod`.
lint-aws: $(STAMP)
	$(PY) -m scripts.lint_aws

# CI (make test) runs the AWS lints too: one prerequisite, the recipe unchanged.
test: lint-aws

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache .devstack test-artifacts
