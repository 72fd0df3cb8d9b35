# The two set-up commands a newcomer runs: `make demo` and `make test`. Nothing else is needed first.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.cfx-installed
PROTOS := $(wildcard proto/cfx/v1/*.proto)

.PHONY: help demo test chromium lint proto proto-check proto-breaking bench clean interop fuzz

# (Re)install when the venv is missing or pyproject.toml is newer than the last install.
$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

# `make` alone lists the targets: each target line's `## ` comment is its one-line description.
.DEFAULT_GOAL := help
help: ## list the targets with a one-line description each
	@grep -E '^[a-zA-Z_-]+:.*## ' $(MAKEFILE_LIST) | \
	  awk 'BEGIN {FS = ":.*## "}; {printf "  %-15s %s\n", $$1, $$2}'

demo: $(STAMP) ## run the three-node federation demonstration (installs into .venv first)
	$(BIN)/cfx demo

# Digital Bazaar's JavaScript verifier, for the interop tests. Best effort: where npm is missing or
# the registry cannot be reached, those tests skip and say why; nothing else depends on it.
INTEROP := tests/data/interop
interop: ## install the JavaScript verifier for the interop tests (best effort)
	@if [ -f $(INTEROP)/node_modules/.package-lock.json ] && \
	    [ $(INTEROP)/node_modules/.package-lock.json -nt $(INTEROP)/package-lock.json ]; then :; \
	elif command -v npm >/dev/null 2>&1; then \
	  npm ci --prefix $(INTEROP) --no-audit --no-fund --silent || \
	    echo "npm ci failed: the JS interop tests will be skipped" >&2; \
	else echo "npm not found: the JS interop tests will be skipped" >&2; fi

# The web page's browser tests drive Debian's chromium (tests/integration/web/); install it when
# missing. CI runs as root; elsewhere apt-get fails loudly and says what to install.
chromium: ## install Debian's chromium for the browser tests when missing
	@command -v chromium >/dev/null 2>&1 || \
	  { { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium fonts-noto-cjk >/dev/null; } || \
	    { echo "could not install chromium: run apt-get install -y chromium as root" >&2; exit 1; }; }

# pytest exits 5 when it collected nothing: that is a broken suite, not a pass.
test: $(STAMP) interop chromium ## run the whole test suite, then the linters
	$(BIN)/python -m pytest; rc=$$?; \
	  if [ $$rc -eq 5 ]; then echo "pytest collected no tests: failing" >&2; exit 1; fi; \
	  exit $$rc
	$(MAKE) lint

lint: $(STAMP) ## ruff, mypy --strict, buf lint and the proto checks
	$(BIN)/ruff check gateway signing schemas tests bench
	$(BIN)/ruff format --check gateway signing schemas tests bench
	# tests: every body is checked, tests/helpers strictly (pyproject.toml [[tool.mypy.overrides]]).
	$(BIN)/mypy --strict gateway signing schemas tests
	cd proto && ../$(BIN)/buf lint
	$(MAKE) proto-breaking
	$(MAKE) proto-check

proto: $(STAMP) ## regenerate gateway/_proto from proto/
	rm -rf gateway/_proto && mkdir -p gateway/_proto
	$(BIN)/python -m grpc_tools.protoc -Iproto \
	  --python_out=gateway/_proto --pyi_out=gateway/_proto --grpc_python_out=gateway/_proto \
	  $(PROTOS)
	# protoc writes absolute `cfx.v1` imports; make them package-relative to gateway._proto.
	find gateway/_proto -name '*.py*' -exec sed -i -E \
	  's/^from cfx\.v1 import/from gateway._proto.cfx.v1 import/' {} +
	touch gateway/_proto/__init__.py gateway/_proto/cfx/__init__.py gateway/_proto/cfx/v1/__init__.py

# `buf breaking` against the previous commit (HEAD~1: on main, the previous commit of main; for a
# merge commit, its first parent). The base tree comes from `git archive`, so this needs no network
# and no BSR, and works in a plain clone and in a git worktree; a shallow clone without HEAD~1
# fails here rather than skipping the check unseen.
# Deliberate breaks: nothing is released yet, so the wire may still break on purpose, once per
# epoch. proto/WIRE_EPOCH holds a number; the check runs only when HEAD~1 has the same number and
# is skipped, with a message, for the one commit that raises it (or that adds the file, as the
# AIP-141/142/158 fix did). A plain "skip when HEAD~1 differs" would let any change through and
# "check from the next commit on" would fail the fixing commit itself; the epoch makes every break
# a visible one-line bump in review, and lowering it fails.
proto-breaking: $(STAMP) ## buf breaking against the previous commit (see proto/WIRE_EPOCH)
	@base=$$(git rev-parse --verify --quiet 'HEAD~1^{commit}') || \
	  { echo "proto-breaking: WARNING: no HEAD~1 here (a shallow clone): the breaking check" \
	    "did NOT run; fetch at least 2 commits to run it" >&2; exit 0; }; \
	epoch() { sed -n 's/^epoch: *\([0-9][0-9]*\)$$/\1/p'; }; \
	now=$$(epoch < proto/WIRE_EPOCH); \
	was=$$(git show "$$base:proto/WIRE_EPOCH" 2>/dev/null | epoch); \
	test -n "$$now" || { echo "proto/WIRE_EPOCH has no 'epoch: N' line" >&2; exit 1; }; \
	if [ "$$now" = "$$was" ]; then :; \
	elif [ -z "$$was" ] || [ "$$now" -gt "$$was" ]; then \
	  echo "proto-breaking: wire epoch $${was:-none} -> $$now in this commit: check skipped once"; \
	  exit 0; \
	else echo "proto/WIRE_EPOCH went down ($$was -> $$now)" >&2; exit 1; fi; \
	tmp=$$(mktemp -d) && trap 'rm -rf "$$tmp"' EXIT && \
	git archive "$$base" proto | tar -x -C "$$tmp" && \
	cd proto && ../$(BIN)/buf breaking --against "$$tmp/proto"

# The checked-in generated code must match what `make proto` makes from proto/.
proto-check: proto ## check the committed gateway/_proto matches proto/
	git diff --exit-code -- gateway/_proto
	test -z "$$(git ls-files --others --exclude-standard -- gateway/_proto)" || \
	  { echo "gateway/_proto has files not in git: run make proto and commit" >&2; exit 1; }

# Each fuzz target (fuzz/) runs SECONDS seconds; non-zero exit on a finding. Not part of `test`.
SECONDS ?= 60
FUZZ_STAMP := $(VENV)/.cfx-fuzz-installed
$(FUZZ_STAMP): $(STAMP)
	$(BIN)/python -m pip install --quiet -e '.[dev,fuzz]'
	touch $(FUZZ_STAMP)

fuzz: $(FUZZ_STAMP) ## run each fuzz target for SECONDS seconds (default 60)
	$(BIN)/python fuzz/run.py --seconds $(SECONDS)

# Every benchmark, then bench/RESULTS.md from the figures they recorded (bench/results.py).
# Quick sizes by default (minutes on 2 cores); FULL=1 for the issues' sizes (hours). A bench
# that fails is recorded as failed and the others still run; make exits 1 at the end.
# -P: do not put bench/ on sys.path (bench/signing.py would shadow the signing package).
ifeq ($(FULL),1)
BENCH_SIZES := full (the issues' sizes)
BENCH_ARGS_load := --calls 20000 --clients 8 --time-limit 900
else
BENCH_SIZES := quick (make bench FULL=1 for the issues' sizes)
BENCH_ARGS_canon :=
BENCH_ARGS_fast_rdf := --seconds 0.3
BENCH_ARGS_gec_ledger := 5000 2000
BENCH_ARGS_log := --entries 50000 --proofs 5000 --baseline-entries 20000
BENCH_ARGS_replicas := --submissions 300
BENCH_ARGS_signing := --seconds 0.3
BENCH_ARGS_store_put := 200
BENCH_ARGS_submit := --submissions 600 --noop-seconds 2
BENCH_ARGS_sync := --count 2000 --baseline-count 500 --latency-seconds 5 --time-limit 300
BENCH_ARGS_load := --calls 1200 --time-limit 45
endif
BENCHES := canon fast_rdf signing validate store_put log gec_ledger submit replicas sync load

bench: $(STAMP) ## run every benchmark and write bench/RESULTS.md (FULL=1: the issues' sizes)
	$(BIN)/python -P bench/results.py reset
	failed=0; for b in $(BENCHES); do \
	  echo "== bench/$$b.py"; \
	  case $$b in \
	    canon) a="$(BENCH_ARGS_canon)";; fast_rdf) a="$(BENCH_ARGS_fast_rdf)";; \
	    gec_ledger) a="$(BENCH_ARGS_gec_ledger)";; log) a="$(BENCH_ARGS_log)";; \
	    replicas) a="$(BENCH_ARGS_replicas)";; signing) a="$(BENCH_ARGS_signing)";; \
	    store_put) a="$(BENCH_ARGS_store_put)";; submit) a="$(BENCH_ARGS_submit)";; \
	    sync) a="$(BENCH_ARGS_sync)";; load) a="$(BENCH_ARGS_load)";; *) a="";; \
	  esac; \
	  $(BIN)/python -P bench/$$b.py $$a; rc=$$?; \
	  if [ $$rc -ne 0 ]; then failed=1; $(BIN)/python -P bench/results.py failed $$b $$rc; fi; \
	done; \
	$(BIN)/python -P bench/results.py render "$(BENCH_SIZES)"; exit $$failed

clean: ## remove .venv and the tool caches
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache .coverage
