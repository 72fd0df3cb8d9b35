# The two set-up commands a newcomer runs: `make demo` and `make test`. Nothing else is needed first.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.cfx-installed
PROTOS := $(wildcard proto/cfx/v1/*.proto)

.PHONY: demo test lint proto proto-check bench clean interop fuzz

# (Re)install when the venv is missing or pyproject.toml is newer than the last install.
$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

demo: $(STAMP)
	$(BIN)/cfx demo

# Digital Bazaar's JavaScript verifier, for the interop tests. Best effort: where npm is missing or
# the registry cannot be reached, those tests skip and say why; nothing else depends on it.
INTEROP := tests/signing/interop
interop:
	@if [ -f $(INTEROP)/node_modules/.package-lock.json ] && \
	    [ $(INTEROP)/node_modules/.package-lock.json -nt $(INTEROP)/package-lock.json ]; then :; \
	elif command -v npm >/dev/null 2>&1; then \
	  npm ci --prefix $(INTEROP) --no-audit --no-fund --silent || \
	    echo "npm ci failed: the JS interop tests will be skipped" >&2; \
	else echo "npm not found: the JS interop tests will be skipped" >&2; fi

# pytest exits 5 when it collected nothing: that is a broken suite, not a pass.
test: $(STAMP) interop
	$(BIN)/python -m pytest; rc=$$?; \
	  if [ $$rc -eq 5 ]; then echo "pytest collected no tests: failing" >&2; exit 1; fi; \
	  exit $$rc
	$(MAKE) lint

lint: $(STAMP)
	$(BIN)/ruff check gateway signing schemas tests bench
	$(BIN)/ruff format --check gateway signing schemas tests bench
	$(BIN)/mypy --strict gateway signing schemas
	cd proto && ../$(BIN)/buf lint
	$(MAKE) proto-check

proto: $(STAMP)
	rm -rf gateway/_proto && mkdir -p gateway/_proto
	$(BIN)/python -m grpc_tools.protoc -Iproto \
	  --python_out=gateway/_proto --pyi_out=gateway/_proto --grpc_python_out=gateway/_proto \
	  $(PROTOS)
	# protoc writes absolute `cfx.v1` imports; make them package-relative to gateway._proto.
	find gateway/_proto -name '*.py*' -exec sed -i -E \
	  's/^from cfx\.v1 import/from gateway._proto.cfx.v1 import/' {} +
	touch gateway/_proto/__init__.py gateway/_proto/cfx/__init__.py gateway/_proto/cfx/v1/__init__.py

# The checked-in generated code must match what `make proto` makes from proto/.
proto-check: proto
	git diff --exit-code -- gateway/_proto
	test -z "$$(git ls-files --others --exclude-standard -- gateway/_proto)" || \
	  { echo "gateway/_proto has files not in git: run make proto and commit" >&2; exit 1; }

# Each fuzz target (fuzz/) runs SECONDS seconds; non-zero exit on a finding. Not part of `test`.
SECONDS ?= 60
FUZZ_STAMP := $(VENV)/.cfx-fuzz-installed
$(FUZZ_STAMP): $(STAMP)
	$(BIN)/python -m pip install --quiet -e '.[dev,fuzz]'
	touch $(FUZZ_STAMP)

fuzz: $(FUZZ_STAMP)
	$(BIN)/python fuzz/run.py --seconds $(SECONDS)

bench: $(STAMP)
	# -P: do not put bench/ on sys.path (bench/signing.py would shadow the signing package).
	for b in bench/*.py; do $(BIN)/python -P $$b || exit 1; done

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache .coverage
