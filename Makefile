# Every target makes .venv when it is missing and installs what it needs, so
# each one alone works on a fresh clone.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed

.PHONY: run test bench lint call export draw erase provision clean lint-aws deploy destroy \
	rehearse operator status redrive rotate-keys lint-workflows

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
	$(PY) -m scripts.run_tests

# `make bench` prints the table (minutes); FULL=1 the long figures (100,000
# requests, 10,000 registrations); SAVE=1 writes bench/results.md; ONLY="cold cost".
bench: $(STAMP)
	$(PY) -m bench$(if $(FULL), --full)$(if $(SAVE), --save)$(if $(ONLY), --only $(ONLY))

lint: $(STAMP)
	$(PY) -m ruff check .

# No default stage: `make provision STAGE=local|dev|prod` (local needs the
# emulator's AWS_ENDPOINT_URL; provision/__main__.py refuses it otherwise).
provision: $(STAMP)
	$(if $(STAGE),,$(error STAGE=local, STAGE=dev 또는 STAGE=prod로 실행해 주세요))
	$(PY) -m provision --stage "$(STAGE)"

# Phone event registration. `make call DIGITS=1234 [PHONE=+821012345678]` needs
# `make run` in another terminal; export/draw read STAGE's table (local default).
call: $(STAMP)
	$(PY) -m scripts.call "$(DIGITS)" $(if $(PHONE),--phone "$(PHONE)")

export: $(STAMP)
	$(PY) -m scripts.operators --stage $(or $(STAGE),local) export $(if $(OUT),--out "$(OUT)")

draw: $(STAMP)
	$(PY) -m scripts.operators --stage $(or $(STAGE),local) draw $(N) \
		$(if $(BY),--by "$(BY)")$(if $(REDRAW), --redraw)$(if $(REASON), --reason "$(REASON)")

# A person who may sign in to the dashboard: `make operator STAGE=dev USERNAME=kim
# ROLE=viewer|operator|admin` prints a temporary password (changed at first sign-in).
operator: $(STAMP)
	$(PY) -m provision.operators --stage $(or $(STAGE),local) --username "$(USERNAME)" \
		--role "$(ROLE)"

# Personal data by hand (docs/privacy.md): `make erase STAGE=S REQUEST=<id>` or
# `PHONE=010-...` for a data subject's request; neither runs the sweep now.
erase: $(STAMP)
	$(PY) -m scripts.erase --stage $(or $(STAGE),local) \
		$(if $(REQUEST),--request "$(REQUEST)")$(if $(PHONE), --phone "$(PHONE)")

# statelint on every state machine, cfn-lint on `chalice package --stage prod`.
lint-aws: $(STAMP)
	$(PY) -m scripts.lint_aws

# CI (make test) runs the AWS lints too: one prerequisite, the recipe unchanged.
test: lint-aws

# Deploy to AWS (docs/deploy.md): provisioning, `chalice deploy` through the
# launcher that puts the functions on python3.13, then the after-deploy wiring.
# Each step is idempotent, so after a failure the same command continues.
# AWS_ENDPOINT_URL is honoured (make rehearse points it at the emulator).
AWS_STAGES := dev prod
check-stage = $(if $(filter $(STAGE),$(AWS_STAGES)),,$(error STAGE=dev 또는 STAGE=prod로 실행해 주세요))
DEPLOY_ENV = $(if $(EVENT_BUCKET),EVENT_BUCKET_NAME="$(EVENT_BUCKET)")

deploy: $(STAMP)
	$(check-stage)
	$(DEPLOY_ENV) $(PY) -m provision --stage $(STAGE)
	$(PY) -m provision.chalice_cli deploy --stage $(STAGE)
	$(PY) -m provision --stage $(STAGE) --after-deploy \
		$(if $(CONNECT_INSTANCE_ID),--connect-instance-id "$(CONNECT_INSTANCE_ID)")
	$(PY) -m provision.summary --stage $(STAGE)

# Deletes every resource of the stage; prod also needs CONFIRM=prod.
destroy: $(STAMP)
	$(check-stage)
	$(DEPLOY_ENV) $(PY) -m provision.destroy --stage $(STAGE) --confirm "$(CONFIRM)" \
		$(if $(CONNECT_INSTANCE_ID),--connect-instance-id "$(CONNECT_INSTANCE_ID)")

# Day 2 (docs/operations.md): what is deployed and how it is doing, dead
# letters back to their queue, the link-signing key rotation (one step a run).
status: $(STAMP)
	$(check-stage)
	$(PY) -m scripts.day2 status --stage $(STAGE)

redrive: $(STAMP)
	$(check-stage)
	$(PY) -m scripts.day2 redrive --stage $(STAGE) --queue "$(QUEUE)"

rotate-keys: $(STAMP)
	$(check-stage)
	$(PY) -m scripts.day2 rotate-keys --stage $(STAGE)

# CI's workflows (.github/workflows), checked by actionlint; CI runs it too.
lint-workflows: $(STAMP)
	$(VENV)/bin/actionlint -no-color .github/workflows/*.yml

test: lint-workflows

# A fresh emulator: make deploy, the wiring checked, make destroy, nothing left.
rehearse: $(STAMP)
	$(PY) -m devstack.rehearse

# CI (make test) rehearses the deployment too.
test: rehearse

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache .devstack test-artifacts
