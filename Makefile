# Two commands do everything on a fresh machine: `make report` and `make test`.
PYTHON ?= python3.11
VENV   := .venv
PY     := $(VENV)/bin/python
STAMP  := $(VENV)/.orfl-installed

.PHONY: setup report paper tolerance test test-fast test-slow lint bench clean

setup: $(STAMP)

# Idempotent: the venv is made once; torch==2.13.0 (the local CPU wheel) goes in first so
# nothing pulls a CUDA build; the project is reinstalled only when pyproject.toml changes.
$(STAMP): pyproject.toml setup.py mechanism/_native/sha256.c mechanism/_native/select.c mechanism/_native/common.h
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet torch==2.13.0
	$(PY) -m pip install --quiet -e '.[dev]'
	# solcjs (npm registry) compiles the generated ZK verifiers the slow suite runs in py-evm
	if command -v npm >/dev/null; then npm install --silent --no-audit --no-fund --prefix $(HOME)/.cache/orfl/solcjs solc@0.8.30; fi
	touch $(STAMP)

report: setup
	$(VENV)/bin/orfl report --name default

# Re-run the measurement campaigns the report reads as shipped tables (hours of CPU; the report
# itself re-measures a deterministic sample of them on every build): the tolerance grid, the
# controlled experiments (norm bound, ALIE against Krum) and the local-DP privacy table.
tolerance: setup
	$(VENV)/bin/orfl tolerance --workers 2 --out mechanism/data/tolerance_default.json
	$(VENV)/bin/orfl report --name remeasure --remeasure --sections malicious_tolerance
	cp results/tolerance/findings_controlled.json results/tolerance/findings_controlled.json.sha256 mechanism/data/
	$(VENV)/bin/orfl tolerance --privacy-epsilon 30,100,300,1000,3000,inf \
	  --rules mean,median,trimmed_mean,krum,geometric_median,centered_clipping,bulyan \
	  --attacks sign_flip,label_flip,ipm,alie --models logreg --alphas 0.1,100 --fractions 0,0.1,0.2,0.3 \
	  --seeds 3 --workers 2 --out mechanism/data/tolerance_privacy.json

# The LaTeX article from the latest report (numbers.tex macros, vector figures, tables); latexmk
# builds paper/main.pdf, installing Debian's texlive-latex-recommended and latexmk when missing.
paper: report
	$(VENV)/bin/orfl paper --report reports/default --out paper --pdf

lint: setup
	$(VENV)/bin/ruff check .
	$(VENV)/bin/mypy mechanism

test-fast: setup
	$(PY) -m pytest -m "not slow" -q -p no:cacheprovider

# Bounded slow cross-checks: every test carries a timeout, the pass as a whole is capped;
# two workers, one test file each at a time (the 10,000-step fuzzer runs beside the rest).
test-slow: setup
	timeout 1800 $(PY) -m pytest -m slow -q -p no:cacheprovider --timeout=600 -n 2 --dist loadfile

test: lint test-fast test-slow

# Timing tables with ratios against baselines measured in the same run (never gates CI).
bench: setup
	$(PY) benchmarks/aggregation.py
	$(PY) benchmarks/commitment.py --chunks 16,32,1024 --arity 16
	$(PY) benchmarks/dispute.py
	$(PY) benchmarks/abm.py
	$(PY) benchmarks/outofcore.py --d 1000000 10000000 --krum-d 1000000 10000000

clean:
	rm -rf $(VENV) reports/default paper build mechanism/_native/*.so
