# One entry point for people and CI. Every target sets up ./venv (the virtualenv Pulumi.yaml
# names) on first use from the lock file, so it works on a fresh clone.
#
# Dependencies: pyproject.toml declares them (the CLI's boto3, the program's group, then one
# group per command), uv.lock locks all of them; requirements.txt (what `pulumi up` installs),
# policy/requirements.lock and app/requirements.lock are exports of parts of it.
# Each command installs only what it needs: `make preview` the program and the preview,
# `make test` adds the test tools, `make lint` the linters; `make venv` installs everything.
# `make lock` updates the locks after a change to pyproject.toml (or, with
# UPGRADE=1, moves every package to its newest allowed version).
PYTHON ?= python3
VENV := venv
BIN := $(VENV)/bin

# uv, pinned and hash-checked (requirements-uv.txt), installed from PyPI into build/uv on
# first use. UV=uv uses one from PATH instead.
UV_DIR := build/uv
UV_BOOTSTRAP := $(UV_DIR)/bin/uv
UV ?= $(UV_BOOTSTRAP)
# The bootstrap as a prerequisite only when it is the uv in use.
NEED_UV := $(filter $(UV_BOOTSTRAP),$(UV))
export UV_PROJECT_ENVIRONMENT := $(CURDIR)/$(VENV)
export UV_PYTHON_DOWNLOADS := never
export UV_NO_PROGRESS := 1
# --locked: fail rather than change uv.lock when it no longer matches pyproject.toml.
# --inexact: a command's sync leaves the other commands' packages in place.
SYNC = $(UV) sync --locked --inexact --quiet --python $(PYTHON)

# ./venv itself, made as Pulumi makes it (python -m venv, with pip): Pulumi.yaml's toolchain pip
# lists and installs the program's packages with this venv's pip, uv fills it faster.
$(VENV)/bin/pip:
	$(PYTHON) -m venv $(VENV)

# pytest-xdist workers for `make test`, one per core (PYTEST_WORKERS=0: one process). Whole
# test files go to one worker (--dist loadfile), so a module's program runs and fixtures
# are made once, not once per worker.
PYTEST_WORKERS ?= auto

# Bytecode written next to the sources as Python does by default (__pycache__, ignored by
# git), compiled once and reused by every later process: the test workers and the many
# previews and servers the tests start. Where the environment sets PYTHONDONTWRITEBYTECODE,
# each process would compile all it imports again.
unexport PYTHONDONTWRITEBYTECODE

STACK ?= dev
# make preview REGION=ap-northeast-2: the stack as if its aws:region were that region.
REGION ?=

.PHONY: venv policy-venv sync-test sync-lint preview preview-diff diff rehearse test lint contract lock lock-check lock-uv check clean

$(UV_BOOTSTRAP): requirements-uv.txt
	$(PYTHON) -m pip install --quiet --disable-pip-version-check --no-warn-script-location \
		--root-user-action=ignore --require-hashes --upgrade --target $(UV_DIR) -r requirements-uv.txt
	touch $@

# The preview's packages, synced again when pyproject.toml or uv.lock changes (a stamp keeps
# `make preview` from spending even a no-op sync's time; `pulumi install` keeps what it needs).
$(VENV)/.synced-preview: pyproject.toml uv.lock | $(NEED_UV) $(VENV)/bin/pip
	$(SYNC) --group preview
	touch $@

venv: | $(NEED_UV) $(VENV)/bin/pip
	$(SYNC) --all-groups
	touch $(VENV)/.synced-preview

# test and lint sync on every run (a no-op sync takes a fraction of a second), so their tools
# are there whatever else changed ./venv since.
sync-test: | $(NEED_UV) $(VENV)/bin/pip
	$(SYNC) --group test

sync-lint: | $(NEED_UV) $(VENV)/bin/pip
	$(SYNC) --group lint

# The policy pack's own virtualenv (PulumiPolicy.yaml), from its hash-checked lock.
policy-venv: | $(NEED_UV)
	$(UV) venv --quiet --allow-existing --python $(PYTHON) policy/venv
	$(UV) pip install --quiet --python policy/venv --require-hashes -r policy/requirements.lock

# Offline: the real program under Pulumi's mock engine; writes build/preview-$(STACK).md
# and build/architecture-$(STACK).svg. No AWS account or Pulumi CLI needed.
preview: $(VENV)/.synced-preview
	$(BIN)/python -m preview --stack $(STACK) $(if $(REGION),--region $(REGION))

diff: $(VENV)/.synced-preview
	$(BIN)/python -m preview --diff dev prod

# What the working tree changes against BASE (a git ref), per stack: resources added, removed
# and replaced, settings, monthly cost and the release, each before -> after. The base's own
# preview runs in a temporary worktree. STACK may name several: STACK="dev prod". Writes
# build/change-<stack>.md and build/pr-comment-<stack>.md (what CI posts) besides the report.
BASE ?=
preview-diff: $(VENV)/.synced-preview
	@test -n "$(BASE)" || { echo 'usage: make preview-diff BASE=<git ref> [STACK="dev prod"]' >&2; exit 2; }
	$(BIN)/python -m preview --base '$(BASE)' $(foreach s,$(STACK),--stack $(s)) $(if $(REGION),--region $(REGION))

# A release rehearsed on this machine (rehearse/): blue (git HEAD) and green (the working
# tree) as real processes of the app behind HAProxy on loopback, steady load, the stack's
# hooks, alarms and rollback, time-compressed. Needs haproxy (apt-get install haproxy).
# SCENARIO: good, crash, unhealthy, errors, slow, no-drain. Writes build/rehearsal/.
# REHEARSE_ARGS: more options, e.g. --blue-ref main --json (python -m rehearse --help).
# RUNTIME=docker: blue and green as containers of the image built from app/Dockerfile with the
# task definition's settings (needs a Docker daemon; rehearse/docker_base.sh builds the base
# image where no registry is reachable).
SCENARIO ?= good
RUNTIME ?= process
REHEARSE_ARGS ?=
rehearse: | $(NEED_UV)
	$(SYNC) --group preview --group app
	$(BIN)/python -m rehearse --stack $(STACK) --scenario $(SCENARIO) --runtime $(RUNTIME) $(REHEARSE_ARGS)

test: sync-test
	$(BIN)/python -m pytest -n $(PYTEST_WORKERS) --dist loadfile

lint: sync-lint lock-check
	$(BIN)/python -m stack_config.contract --check
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy --strict specs stack_config hooks release preview components rehearse __main__.py \
		policy/__init__.py policy/values.py policy/resource_checks.py policy/stack_checks.py policy/guardrails.py \
		policy/network_checks.py
	$(BIN)/hadolint app/Dockerfile
	$(BIN)/yamllint --strict -c .yamllint.yaml Pulumi.yaml Pulumi.dev.yaml Pulumi.prod.yaml .github/workflows policy/PulumiPolicy.yaml
	$(BIN)/check-jsonschema --builtin-schema vendor.github-workflows .github/workflows/*.yml
	$(BIN)/zizmor --offline .github/workflows

# The config contract: Pulumi.yaml's config block and the README's key tables, written from
# stack_config/model.py (lint fails when they differ from it).
contract: $(VENV)/.synced-preview
	$(BIN)/python -m stack_config.contract

# The program's, the policy pack's and the container image's locks, exported from uv.lock's
# `program`, `policy` and `app` groups: one resolution for everything, each installer given
# only its part.
EXPORT = $(UV) export --frozen --no-emit-project --format requirements-txt --no-header --quiet --only-group
# The program's: the project's own dependencies (boto3) and the `program` group.
EXPORT_PROGRAM = $(UV) export --frozen --no-emit-project --format requirements-txt --no-header --quiet \
	--no-default-groups --group program
PROGRAM_LOCK_HEADER = \# The Pulumi program: its locked, hash-checked dependencies, which `pulumi up` installs into\n\# ./venv (Pulumi.yaml: toolchain pip). Generated from uv.lock by `make lock`; do not edit.
POLICY_LOCK_HEADER = \# The policy pack (policy/venv): its locked, hash-checked dependencies. Generated from\n\# uv.lock by `make lock`; do not edit. Install: pip install --require-hashes -r policy/requirements.lock
APP_LOCK_HEADER = \# The container image: its runtime dependencies, locked and hash-checked (app/Dockerfile).\n\# Generated from the `app` group of uv.lock by `make lock`; do not edit.

# Update the locks: uv.lock from pyproject.toml (UPGRADE=1: newest allowed versions of
# everything), then requirements.txt, policy/requirements.lock and app/requirements.lock from it.
lock: | $(NEED_UV)
	$(UV) lock $(if $(UPGRADE),--upgrade)
	{ printf '$(PROGRAM_LOCK_HEADER)\n'; $(EXPORT_PROGRAM); } > requirements.txt
	{ printf '$(POLICY_LOCK_HEADER)\n'; $(EXPORT) policy; } > policy/requirements.lock
	{ printf '$(APP_LOCK_HEADER)\n'; $(EXPORT) app; } > app/requirements.lock

# Fails when uv.lock no longer matches pyproject.toml or an exported lock is stale.
lock-check: | $(NEED_UV)
	$(UV) lock --check --quiet
	{ printf '$(PROGRAM_LOCK_HEADER)\n'; $(EXPORT_PROGRAM); } | diff -u requirements.txt - \
		|| { echo 'requirements.txt is stale: run make lock' >&2; exit 1; }
	{ printf '$(POLICY_LOCK_HEADER)\n'; $(EXPORT) policy; } | diff -u policy/requirements.lock - \
		|| { echo 'policy/requirements.lock is stale: run make lock' >&2; exit 1; }
	{ printf '$(APP_LOCK_HEADER)\n'; $(EXPORT) app; } | diff -u app/requirements.lock - \
		|| { echo 'app/requirements.lock is stale: run make lock' >&2; exit 1; }

# Pin another uv: make lock-uv UV_VERSION=X.Y.Z (rewrites requirements-uv.txt with its hashes).
UV_HEADER = \# uv itself, pinned and hash-checked: `make` installs it into build/uv (or: pip install\n\# --require-hashes -r requirements-uv.txt). uv then installs everything else from uv.lock.\n\# Another uv version: make lock-uv UV_VERSION=X.Y.Z
lock-uv: | $(NEED_UV)
	test -n "$(UV_VERSION)" || { echo 'usage: make lock-uv UV_VERSION=X.Y.Z' >&2; exit 2; }
	{ printf '$(UV_HEADER)\n'; echo 'uv==$(UV_VERSION)' | $(UV) pip compile --generate-hashes --universal \
		--no-header --no-annotate --quiet -; } > requirements-uv.txt.new
	mv requirements-uv.txt.new requirements-uv.txt

check: lint test

clean:
	rm -rf $(VENV) policy/venv build .pytest_cache .ruff_cache .mypy_cache
