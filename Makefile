# The two commands of the README: `make run` and `make test`. Both set up .venv themselves.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-stamp

.PHONY: run test demo lint typecheck unit bench clean

$(STAMP): pyproject.toml
	@$(PYTHON) -c 'import sys; sys.exit(sys.version_info < (3, 11))' || \
		{ echo "Python 3.11 or newer is needed (found $$($(PYTHON) --version))"; exit 1; }
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $(STAMP)

## run: the bot (polling, or webhook when configured); without a token, the offline demo
run: $(STAMP)
	$(BIN)/wijkbot migrate
	$(BIN)/wijkbot run

demo: $(STAMP)
	$(BIN)/wijkbot demo

## test: lint, types, and the whole suite on SQLite and PostgreSQL
test: lint typecheck unit

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

typecheck: $(STAMP)
	$(BIN)/mypy

unit: $(STAMP)
	scripts/ensure-postgres
	$(BIN)/pytest -q
	@echo "The suite again, the wall clock moved 400 days ahead:"
	WIJKBOT_TEST_SHIFT_DAYS=400 $(BIN)/pytest -q

bench: $(STAMP)
	scripts/ensure-postgres
	$(BIN)/python bench/grouping.py
	$(BIN)/python bench/observation_flow.py
	$(BIN)/python bench/broadcast.py
	$(BIN)/python bench/broadcast.py --recipients 200
	$(BIN)/python bench/crowd.py
	$(BIN)/python bench/digest.py --quick
	$(BIN)/python bench/same_matter.py
	$(BIN)/python bench/urgent.py --quiet
	$(BIN)/python bench/understanding.py
	$(BIN)/python bench/supplement.py --quick
	$(BIN)/python bench/signature_refresh.py
	$(BIN)/python bench/desk.py --quick
	$(BIN)/python bench/desk_bulk.py --quick

clean:
	rm -rf $(VENV) .mypy_cache .ruff_cache .pytest_cache
