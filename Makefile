# The README's two commands: `make lab` and `make test`. Both set everything up in .venv.
PYTHON ?= python3
VENV   := .venv
PY     := $(VENV)/bin/python
STAMP  := $(VENV)/.installed
# The course's arrays are small: one BLAS thread is faster than a pool that must wake up
# (and much faster on a busy machine). Set them yourself to override.
OPENBLAS_NUM_THREADS ?= 1
OMP_NUM_THREADS ?= 1
export OPENBLAS_NUM_THREADS OMP_NUM_THREADS
# The browser tests (tests/browser) drive this Chromium with Playwright.
CHROMIUM ?= /usr/bin/chromium
export CHROMIUM

.PHONY: lab test setup sandbox browser postgres framework dask release bench clean

setup: $(STAMP) sandbox

# bubblewrap sandboxes student code when `python -m grader autograde` grades a class: installed
# with apt-get when missing and run as root; otherwise say how to install it (the autograder
# then falls back to process limits and warns loudly).
sandbox:
	@if command -v bwrap >/dev/null 2>&1; then :; \
	elif [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then \
	  echo "Installing bubblewrap (the autograder's sandbox): apt-get install -y bubblewrap"; \
	  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq bubblewrap >/dev/null 2>&1 \
	    || (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq bubblewrap >/dev/null) \
	    || echo "Could not install bubblewrap; the autograder will run student code without a sandbox."; \
	else \
	  echo "bubblewrap (bwrap) is missing: the autograder will run student code without a sandbox. Install it:"; \
	  echo "  sudo apt-get install -y bubblewrap   (Debian/Ubuntu; dnf/pacman/zypper: bubblewrap)"; \
	fi

$(STAMP): requirements.txt pyproject.toml
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "Python 3.11 or newer is needed; found " + sys.version.split()[0])'
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -r requirements.txt
	$(PY) -m pip install --quiet --no-deps -e .
	touch $(STAMP)

lab: setup
	$(VENV)/bin/jupyter lab --notebook-dir=notebooks $$([ "$$(id -u)" = 0 ] && echo --allow-root)

# Chromium for the browser tests: installed with apt-get when missing and run as root;
# otherwise say how to install it (the browser tests then skip with that message).
browser:
	@if [ -x "$(CHROMIUM)" ]; then :; \
	elif [ "$(CHROMIUM)" = /usr/bin/chromium ] && [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then \
	  echo "Installing Chromium for the browser tests: apt-get install -y chromium"; \
	  (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null) \
	    || echo "Could not install Chromium; the browser tests will be skipped."; \
	else \
	  echo "No Chromium at $(CHROMIUM): the browser tests will be skipped. Install it with"; \
	  echo "  sudo apt-get install -y chromium   (Debian; or make test CHROMIUM=/path/to/chromium)"; \
	fi

# PostgreSQL for the gradebook tests (tools/pgserver.py starts a private server from these binaries):
# Debian's postgresql, installed with apt-get when no initdb is found and run as root; otherwise
# say how to install it (the PostgreSQL tests then skip with that message).
postgres:
	@if ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 || command -v initdb >/dev/null 2>&1; then :; \
	elif [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then \
	  echo "Installing PostgreSQL for the gradebook tests: apt-get install -y postgresql"; \
	  (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql >/dev/null) \
	    || echo "Could not install PostgreSQL; the PostgreSQL gradebook tests will be skipped."; \
	else \
	  echo "PostgreSQL is missing: the PostgreSQL gradebook tests will be skipped. Install it with"; \
	  echo "  sudo apt-get install -y postgresql   (Debian/Ubuntu)"; \
	fi

# The whole suite; the browser tests share one JupyterLab, so they stay on one xdist worker.
test: setup browser postgres
	$(PY) -m pytest -n auto --dist loadgroup

# Optional: PyTorch (CPU build) for notebook 09; without it that notebook runs its NumPy half.
framework: setup
	$(PY) -m pip install --quiet -r requirements-framework.txt

# Optional: Dask distributed, to grade on a cluster (autograde --scheduler); tests/test_dask.py uses it.
dask: setup
	$(PY) -m pip install --quiet -r requirements-dask.txt

release: setup
	$(PY) -m grader release

# Headless execution, widget redraws (kernel and browser), autograder: a table + bench-results/bench.json.
bench: setup browser
	$(PY) -m tools.bench

clean:
	rm -rf $(VENV)
