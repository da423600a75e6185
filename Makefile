# Quick start: `make run` (demo store on http://127.0.0.1:8000) and `make test`.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
HOST ?= 127.0.0.1
PORT ?= 8000
# Absolute URLs (images, notify URLs) follow the address the demo is served on.
export SITE_URL ?= http://$(HOST):$(PORT)

.PHONY: run test lint bench soak install install-dev demo worker schema clean

# The demo's targets run with DEBUG (and so the sandbox) on unless told otherwise; a
# deployment that sets nothing gets DEBUG and the sandbox off (config/settings.py).
demo run worker schema: export DEBUG ?= true

$(VENV)/.installed: requirements.txt
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -r requirements.txt
	touch $@

$(VENV)/.installed-dev: requirements-dev.txt requirements.txt $(VENV)/.installed
	$(PY) -m pip install --quiet -r requirements-dev.txt
	touch $@

install: $(VENV)/.installed
install-dev: $(VENV)/.installed-dev

demo: install
	$(PY) manage.py migrate --noinput
	$(PY) manage.py load_demo

# The web server and a Celery worker with the beat schedule embedded (filesystem broker
# without REDIS_URL), so periodic jobs such as cancelling unpaid orders really run.
run: demo
	exec $(PY) -m config.devserver --host $(HOST) --port $(PORT)

worker: install
	$(VENV)/bin/celery -A config worker --beat --pool=solo --loglevel=INFO --schedule=var/celerybeat-schedule

test: install-dev
	$(VENV)/bin/pytest -n 2 --dist loadfile $(PYTEST_ARGS)

# Style, formatting and the dependency rule between apps and domains (pyproject.toml).
lint: install-dev
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/lint-imports

schema: install
	$(PY) manage.py spectacular --validate --fail-on-warn --file var/openapi.yaml

# The Chinese catalogue of the kit's own strings (Oscar and Django ship their own): gathers
# every marked string into locale/zh_Hans/LC_MESSAGES/django.po, keeping the translations
# there, then compiles django.mo (committed, so machines without gettext need nothing).
# New strings come in with an empty translation: fill them in and run it again.
.PHONY: messages
messages: export DEBUG ?= true
messages: install
	$(PY) manage.py makemessages -l zh_Hans --no-obsolete --add-location=file \
		--ignore=.venv --ignore=bench --ignore=var --ignore=node_modules --ignore=static --ignore=media --ignore=tests
	$(PY) manage.py compilemessages -l zh_Hans --ignore=.venv --ignore=bench

# The benchmark has its own virtualenv (the kit plus django-oscar-api and the profilers),
# so the peer never becomes a dependency of the kit. PostgreSQL: DATABASE_URL's server, or
# the local one (started, or installed, when needed); see bench/README.md.
BENCH_VENV := bench/.work/venv
$(BENCH_VENV)/.installed: bench/requirements.txt requirements.txt
	test -x $(BENCH_VENV)/bin/python || $(PYTHON) -m venv $(BENCH_VENV)
	$(BENCH_VENV)/bin/python -m pip install --quiet -r bench/requirements.txt
	touch $@

bench: $(BENCH_VENV)/.installed
	$(BENCH_VENV)/bin/python bench/run.py

# Mixed shopper load for SOAK_MINUTES (default 10) on the benchmark's stack; bench/results/soak.md.
soak: $(BENCH_VENV)/.installed
	$(BENCH_VENV)/bin/python bench/soak.py

clean:
	rm -rf var media db.sqlite3
