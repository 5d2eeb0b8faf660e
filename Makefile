# Boekbrug — two commands on a fresh machine:
#   make run    install, migrate, load the demo office and invoices, process them, start the workbench
#   make test   install, start Redis and PostgreSQL if needed, run the whole suite
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
PORT ?= 8501
# the workbench listens on this machine only; expose it through a reverse proxy with TLS (README)
ADDRESS ?= 127.0.0.1
API_PORT ?= 8600
MAX_UPLOAD_MB ?= 50
SUDO := $(shell [ "$$(id -u)" = 0 ] || command -v sudo >/dev/null && [ "$$(id -u)" != 0 ] && echo sudo)
APT_PACKAGES := tesseract-ocr tesseract-ocr-nld tesseract-ocr-fra tesseract-ocr-deu chromium chromium-driver
export OMP_THREAD_LIMIT ?= 1

.PHONY: run test install system-packages services demo workbench evaluate bench lint clean-runtime translations

run: install demo workbench

install: system-packages $(VENV)/.installed

system-packages:
	@missing=""; for p in $(APT_PACKAGES); do dpkg -s $$p >/dev/null 2>&1 || missing="$$missing $$p"; done; \
	if [ -n "$$missing" ]; then \
	  if command -v apt-get >/dev/null; then \
	    echo "installing Debian packages:$$missing"; \
	    $(SUDO) apt-get update -qq && DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq $$missing >/dev/null; \
	  else echo "warning: please install$$missing (Tesseract OCR and Chromium) with your package manager"; fi; \
	fi

$(VENV)/.installed: requirements.txt
	@[ -x $(PY) ] || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q -r requirements.txt
	@touch $@

demo: install
	$(PY) -m pipeline demo

workbench: install
	@echo "Workbench on http://$(ADDRESS):$(PORT), HTTP API on http://127.0.0.1:$(API_PORT)/docs (Ctrl+C stops both); clients' mailboxes on SMTP 127.0.0.1:2525 (python -m pipeline mailin)"
	$(PY) -m pipeline serve --host 127.0.0.1 --port $(API_PORT) & api=$$!; \
	$(PY) -m pipeline mailin & mail=$$!; trap 'kill $$api $$mail 2>/dev/null' EXIT; \
	$(PY) -m streamlit run workbench/server.py --server.address $(ADDRESS) --server.port $(PORT) --server.maxUploadSize $(MAX_UPLOAD_MB)

services:
	@bash .ci/services.sh

test: install services
	$(PY) -m pytest -q -p no:cacheprovider

evaluate: install
	$(PY) -m pipeline evaluate ../shared/data

bench: install
	$(PY) bench/read.py && $(PY) bench/ubl.py && $(PY) bench/queue.py && $(PY) bench/workbench.py

lint: install
	$(PY) -m ruff check .
	$(VENV)/bin/lint-imports

clean-runtime:
	rm -rf data/runtime

# Bring the catalogues up to date with the code (then translate what is new in pipeline/locale/*/LC_MESSAGES/boekbrug.po)
translations: install
	$(VENV)/bin/pybabel -q extract -w 100 -F babel.cfg -k _ -k N_ -k translate --no-location --omit-header --sort-output -o pipeline/locale/boekbrug.pot .
	@for lang in nl fr; do \
	  if [ -f pipeline/locale/$$lang/LC_MESSAGES/boekbrug.po ]; then \
	    $(VENV)/bin/pybabel -q update -w 100 --no-fuzzy-matching --ignore-obsolete -i pipeline/locale/boekbrug.pot -d pipeline/locale -D boekbrug -l $$lang; \
	  else $(VENV)/bin/pybabel -q init -w 100 -i pipeline/locale/boekbrug.pot -d pipeline/locale -D boekbrug -l $$lang; fi; \
	done
