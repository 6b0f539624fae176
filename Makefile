# Every target makes .venv when it is missing and installs what it needs, so
# each one alone works on a fresh clone.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed

.PHONY: run test bench lint call export draw provision clean lint-aws

$(STAMP): requirements.txt requirements-dev.txt
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade "pip<26.3"  # chalice 1.34 pins pip<26.3
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
	$(PY) -m provision --stage $(or $(STAGE),local)

# Phone event registration. `make call DIGITS=1234 [PHONE=+821012345678]` needs
# `make run` in another terminal; export/draw read STAGE's table (local default).
call: $(STAMP)
	$(PY) -m scripts.call "$(DIGITS)" $(if $(PHONE),--phone "$(PHONE)")

export: $(STAMP)
	$(PY) -m scripts.operators --stage $(or $(STAGE),local) export $(if $(OUT),--out "$(OUT)")

draw: $(STAMP)
	$(PY) -m scripts.operators --stage $(or $(STAGE),local) draw $(N) \
		$(if $(BY),--by "$(BY)")$(if $(REDRAW), --redraw)$(if $(REASON), --reason "$(REASON)")

# statelint on every state machine, cfn-lint on `chalice package --stage prod`.
lint-aws: $(STAMP)
	$(PY) -m scripts.lint_aws

# CI (make test) runs the AWS lints too: one prerequisite, the recipe unchanged.
test: lint-aws

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache .devstack test-artifacts
