# The README's commands. `make run` and `make test` both start with `make install`.
PYTHON ?= $(firstword $(wildcard /root/.pyenv/versions/3.13*/bin/python3.13 /root/.pyenv/versions/3.12*/bin/python3.12) $(shell command -v python3.13 python3.12 2>/dev/null))
VENV := .venv
BIN := $(VENV)/bin
UV_VERSION := 0.13.9
export UV_PROJECT_ENVIRONMENT := $(VENV)

.PHONY: install run test lint format migrate demo clean messages

$(BIN)/uv:
	@test -n "$(PYTHON)" || { echo "Python 3.12+ introuvable (PYTHON=...)"; exit 1; }
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet uv==$(UV_VERSION)

install: $(BIN)/uv
	$(BIN)/uv sync --locked --inexact --python $(BIN)/python
	npm ci --no-audit --no-fund --silent

migrate: install
	$(BIN)/python manage.py migrate --noinput

demo: migrate
	$(BIN)/python manage.py load_demo

run: demo
	$(BIN)/python manage.py collectstatic --noinput --verbosity 0
	$(BIN)/python manage.py runportal

test: install
	bash scripts/test.sh

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: install
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

clean:
	rm -rf var .pytest_cache

messages: install  ## refresh the translation catalogue (English follows French)
	$(BIN)/python manage.py makemessages -l en --ignore=.venv --ignore=node_modules --ignore=var --no-obsolete
