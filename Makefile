# faceauth: the two commands are `make demo` (build, then make and read back a FaceAuth URL)
# and `make test` (every test, every language).

CARGO ?= cargo
VENV  := .venv
PY    := $(VENV)/bin/python

# Demo values: the reference key of docs/encryption.md, never a real project's.
DEMO_KEY ?= 0123456789abcdefghijABCDEFGHIJ0123456789
DEMO_PID ?= demo-project
DEMO_SID ?= abc123xyz
# The demo and every test share one dev-profile build (Cargo.toml's [profile.dev]); the demo
# builds the CLI alone, with the features every later build resolves, so `make test` reuses it.
FACEAUTH_DEV := target/debug/faceauth

.PHONY: demo build build-release fetch test test-rust test-docs test-python python-env python-wheel python-bench-wheel bench bench-criterion lint fmt clean \
	ffi header header-check test-c c-env ffi-debug test-cpp install examples test-examples \
	go go-sdk test-go bench-go

demo: build
	@export FACEAUTH_API_KEY=$(DEMO_KEY); \
	url=$$($(FACEAUTH_DEV) url --pid $(DEMO_PID) --sid $(DEMO_SID) --user-id user-1 --new-token --lang en) \
	&& echo "== a FaceAuth URL for submission $(DEMO_SID), with a fresh token (demo key):" \
	&& echo "$$url" \
	&& echo "== the same URL, inspected back:" \
	&& $(FACEAUTH_DEV) inspect "$$url"

build:
	$(CARGO) build -p faceauth-cli

# The optimised CLI, for the benchmarks and `make install`.
build-release:
	$(CARGO) build --release -p faceauth-cli

# Every suite, each quiet: its output goes to target/test-logs/SUITE.log and one summary line is
# printed; a failing suite prints the end of its log and stops the run (scripts/suite.sh).
SUITE := ./scripts/suite.sh
test:
	@$(SUITE) rust test-rust
	@$(SUITE) licenses test-licenses
	@$(SUITE) python test-python
	@$(SUITE) header header-check
	@$(SUITE) c test-c
	@$(SUITE) abi test-abi
	@$(SUITE) cpp test-cpp
	@$(SUITE) examples test-examples
	@$(SUITE) go test-go
	@$(SUITE) names test-names
	@$(SUITE) docs test-docs
	@$(SUITE) apidocs test-apidocs
	@$(SUITE) dist test-dist
	@$(SUITE) go-link test-go-link
	@GO_DIST_PROFILE=debug $(SUITE) dist-go test-dist-go
	@$(SUITE) versions test-versions

# The Rust tests run against a throwaway PostgreSQL server (scripts/with-postgres.sh: installs
# Debian's postgresql if needed, runs it as an unprivileged user on a free loopback port, removes
# it afterwards), so the ledger suite covers memory, SQLite and PostgreSQL.
# First, scripts/check-features.sh: the demo's, the C library's, the wheel's and these builds
# resolve one feature set, so each crate compiles once for all of them.
# fetch: every crate of Cargo.lock, for all platforms, before the steps that read the dependency
# graph offline (check-features, licenses, docs): a fresh machine's Cargo cache is empty.
fetch:
	$(CARGO) fetch --locked

test-rust: fetch
	CARGO=$(CARGO) ./scripts/check-features.sh
	./scripts/with-postgres.sh $(CARGO) test --workspace --all-targets
	$(CARGO) test --workspace --doc

python-env:
	./scripts/setup-python.sh

# The wheel (python/, maturin, dev profile) installed into .venv; pytest imports the installed
# package, never python/py_src (tests/python/binding/test_package.py checks `faceauth.__file__`).
PY_WHEEL_DIR := target/python-wheel

python-wheel: python-env
	rm -rf $(PY_WHEEL_DIR)
	$(PY) -m maturin build --quiet -m python/Cargo.toml --interpreter $(PY) --out $(PY_WHEEL_DIR)
	$(PY) -m pip install --quiet --disable-pip-version-check --no-deps --force-reinstall $(PY_WHEEL_DIR)/faceauth-*.whl

# Every examples/python/*.py runs with no arguments and passes mypy --strict; the stubs match
# the installed native module (mypy.stubtest, run from target/ so it imports the wheel).
test-python: python-wheel
	$(CARGO) build -p faceauth-cli
	$(PY) -m pytest tests/python -q
	$(PY) -m mypy --strict examples/python tests/python/binding
	cd target && ../$(PY) -m mypy.stubtest faceauth
	set -e; for example in examples/python/*.py; do echo "== $$example"; $(PY) $$example >/dev/null; done

# The C ABI (ffi/): libfaceauth.a and libfaceauth.so in target/debug, include/faceauth.h.
# The tests build it together with the CLI: one cargo invocation resolves features as
# test-python's build does, so core and its dependencies compile once for both.
FFI_LIB_DIR := target/debug

ffi:
	$(CARGO) build -p faceauth-ffi

# Regenerate include/faceauth.h with the pinned cbindgen (commit the result).
header:
	$(CARGO) build -p faceauth-ffi --features generate-header

c-env:
	./scripts/setup-c.sh

# Fails if include/faceauth.h is not what ffi/ generates; compiles it alone as C99 and C++17.
header-check: c-env
	CARGO=$(CARGO) ./scripts/header-check.sh

# The debug libfaceauth.a/.so, the CLI, and target/debug/faceauth-native-static-libs: cargo's
# native-static-libs, the one source of the static link line (scripts/native-static-libs.sh).
# The CLI and the library build last, together, so their shared crates compile once.
ffi-debug:
	CARGO=$(CARGO) ./scripts/native-static-libs.sh debug >/dev/null
	$(CARGO) build -p faceauth-cli -p faceauth-ffi

# tests/c under ASan+UBSan (static library), then under valgrind (shared library).
test-c: c-env ffi-debug
	./tests/c/run.sh $(FFI_LIB_DIR)

# include/faceauth.hpp: tests/cpp under ASan+UBSan.
test-cpp: c-env ffi-debug
	./tests/cpp/run.sh $(FFI_LIB_DIR)

# make install [PREFIX=/usr/local] [DESTDIR=] [PROFILE=release]: bin/faceauth, libfaceauth.a and
# .so (soname libfaceauth.so.0), faceauth.h and faceauth.hpp, faceauth.pc and the CMake package.
PREFIX ?= /usr/local
DESTDIR ?=
PROFILE ?= release

install: c-env
	CARGO=$(CARGO) ./scripts/native-static-libs.sh $(PROFILE) >/dev/null
	$(CARGO) build $(if $(filter release,$(PROFILE)),--release) -p faceauth-cli
	PREFIX="$(PREFIX)" DESTDIR="$(DESTDIR)" PROFILE=$(PROFILE) CARGO=$(CARGO) ./scripts/install.sh

# Builds examples/c (pkg-config) and examples/cpp (CMake) into target/examples against the
# libfaceauth installed in PREFIX (make install PREFIX=… first); tests/examples/run.sh runs it.
# Always rebuilt from scratch (make -B, cmake --fresh): the programs hold PREFIX (an rpath, the
# CMake package's location), so ones built against another prefix must not survive.
examples: c-env
	$(MAKE) -B -C examples/c O=$(CURDIR)/target/examples PKG_CONFIG_PATH="$(PREFIX)/lib/pkgconfig"
	cmake --fresh -S examples/cpp -B target/examples/cpp -DCMAKE_PREFIX_PATH="$(PREFIX)"
	cmake --build target/examples/cpp

# Installs into a temporary prefix from the debug build, checks every static link line against
# cargo's, builds and runs examples/c and examples/cpp (ASan+UBSan, against the simulator).
test-examples: c-env ffi-debug
	./tests/examples/run.sh $(FFI_LIB_DIR)

# Every code block of README.md and docs/*.md: Python type-checked (mypy --strict) and run, Go
# vetted, C and C++ compiled (a whole C program run), Rust compiled, sh syntax-checked, JSON
# parsed; the conventions (markers such as <!-- not-run -->) are at the top of the script, and
# tests/docs/test_check_blocks.py shows it refusing broken blocks (tests/docs/fixtures).
test-docs: python-wheel go-sdk
	$(PY) -m mypy --strict tests/docs/check_blocks.py tests/docs/test_check_blocks.py
	$(PY) -m pytest tests/docs -q
	$(PY) tests/docs/check_blocks.py

# The API reference, offline, into dist/docs (scripts/docs.sh): rustdoc of faceauth and
# faceauth-mock, the Python package (the installed wheel's docstrings, the stubs' signatures),
# the Go packages (go/doc) and faceauth.h/faceauth.hpp; dist/docs/index.html links them.
# test-apidocs builds it, then checks that every public item of each language is documented
# (scripts/apidocs.py check: Python at runtime and in the stubs, C, C++; scripts/godoc -check:
# go/ and go/faceauthtest), with tests/apidocs showing each check failing on a removed doc.
.PHONY: docs test-apidocs
DOCS_DIR ?= dist/docs

docs: fetch python-wheel
	CARGO=$(CARGO) ./scripts/docs.sh $(DOCS_DIR)

test-apidocs: docs
	$(PY) -m mypy --strict scripts/apidocs.py tests/apidocs
	$(PY) -m pytest tests/apidocs -q
	$(PY) scripts/apidocs.py check
	cd scripts/godoc && GOFLAGS=-mod=readonly GOPROXY=off $(GO) vet . && GOFLAGS=-mod=readonly GOPROXY=off $(GO) run . -check ../../go ../../go/faceauthtest

# Every benchmark, each against its baseline in the same run; bench/c_abi/run.sh builds
# URLs through the C ABI (release libfaceauth.a, C at -O2) against
# UrlBuilder::build in Rust, interleaved, with the ratio; bench/webhook_serve.py measures
# webhooks/s through `webhook serve` (confirmed with the simulator, and --unverified) into
# SQLite and a throwaway PostgreSQL against one
# `ledger apply-webhook` process per body; the last, bench/ledger_stores.sh,
# issues tokens into SQLite and into a throwaway PostgreSQL from 1, 4 and 8 processes, and
# records batch --ledger into each.
bench: build-release python-env python-bench-wheel c-env
	$(CARGO) build --release -p faceauth-cli --examples
	$(CARGO) bench -p faceauth --bench throughput
	$(CARGO) bench -p faceauth --bench ledger
	$(PY) bench/batch_vs_python.py
	$(PY) bench/api_get_vs_python.py
	./scripts/with-postgres.sh $(PY) bench/webhook_serve.py
	PYTHONPATH=$(PY_BENCH_SITE) $(PY) bench/python_binding_vs_python.py
	CARGO=$(CARGO) ./bench/c_abi/run.sh
	./bench/ledger_stores.sh

# The release wheel for the benchmark, unpacked into its own directory (on PYTHONPATH for the
# bench only), so the dev wheel that `make test` installed in .venv stays as it is.
PY_BENCH_SITE := target/python-bench-site

python-bench-wheel: python-env
	rm -rf target/python-wheel-release $(PY_BENCH_SITE)
	$(PY) -m maturin build --quiet --release -m python/Cargo.toml --interpreter $(PY) --out target/python-wheel-release
	$(PY) -m pip install --quiet --disable-pip-version-check --no-deps --target $(PY_BENCH_SITE) target/python-wheel-release/faceauth-*.whl

# Go (go/, examples/go/): scripts/install.sh installs the debug libfaceauth that test-c uses into
# target/go/debug (no second cargo build), whose faceauth.pc go/internal/capi links through
# (`#cgo pkg-config`, statically); scripts/go-env.sh gives go that PKG_CONFIG_PATH and a
# writable GOCACHE/GOPATH. faceauthtest's simulator is in libfaceauth: no FACEAUTH_BIN.
GO ?= go
GO_RUN = cd $(1) && env $$($(CURDIR)/scripts/go-env.sh $(2)) $(GO)

go-sdk: ffi-debug
	PREFIX=$(CURDIR)/target/go/debug PROFILE=debug INSTALL_BIN=no CARGO=$(CARGO) ./scripts/install.sh >/dev/null

go: go-sdk
	$(call GO_RUN,go,debug) build ./...
	$(call GO_RUN,examples/go,debug) build ./...

# go vet and go test -race over the package, faceauthtest and the examples (run, not only built);
# then `faceauth webhook serve` against a Go net/http keep-alive sender (tests/serve).
test-go: go
	$(call GO_RUN,go,debug) vet ./...
	$(call GO_RUN,go,debug) test -race -count=1 ./...
	$(call GO_RUN,examples/go,debug) vet ./...
	$(call GO_RUN,examples/go,debug) test -race -count=1 ./...
	./tests/serve/run.sh $(FFI_LIB_DIR)

# URLBuilder.Build against a pure-Go implementation of the same recipe, release libfaceauth.
bench-go:
	CARGO=$(CARGO) ./scripts/native-static-libs.sh release >/dev/null
	PREFIX=$(CURDIR)/target/go/release PROFILE=release INSTALL_BIN=no CARGO=$(CARGO) ./scripts/install.sh >/dev/null
	$(call GO_RUN,go,release) test -run '^$$' -bench . -benchmem -count 3 .

bench-criterion:
	$(CARGO) bench -p faceauth --bench core

lint:
	$(CARGO) fmt --all --check
	$(CARGO) clippy --workspace --all-targets -- -D warnings

fmt:
	$(CARGO) fmt --all

clean:
	$(CARGO) clean
	rm -rf $(VENV) bench/data

# Licenses (scripts/licenses.py, offline over Cargo's metadata; after test-rust, which fetched the
# crates): what the CLI, the C library and the wheel link, checked against licenses.toml
# (licenses, sources, duplicate versions as warnings), with the script's own tests.
# `make notices NOTICES_OUT=DIR [NOTICES_CRATES="faceauth-ffi"]` writes DIR/THIRD_PARTY_NOTICES.txt
# (license texts of everything those crates' builds link) for a release artifact to carry.
.PHONY: test-licenses notices
NOTICES_OUT ?= target/notices
NOTICES_CRATES ?= faceauth-cli faceauth-ffi faceauth-python

test-licenses: fetch python-env
	$(PY) -m mypy --strict scripts/licenses.py tests/licenses
	$(PY) -m pytest tests/licenses -q
	CARGO=$(CARGO) $(PY) scripts/licenses.py check

notices:
	CARGO=$(CARGO) python3 scripts/licenses.py notices --out $(NOTICES_OUT) $(addprefix --crate ,$(NOTICES_CRATES))

# Release artifacts (make dist → dist/), each usable with no Rust toolchain:
#   dist/c/faceauth-<version>-x86_64-linux-gnu.tar.gz (scripts/dist-c.sh: what scripts/install.sh
#   installs, with a relocatable .pc, LICENSE and a README giving the oldest glibc), and
#   dist/python/: the abi3 manylinux2014 wheel (maturin --zig, in target/zig) and the sdist
#   (scripts/dist-python.sh). DIST_PROFILE=debug packs the dev build instead.
DIST_DIR ?= dist
DIST_PROFILE ?= release

.PHONY: dist dist-c dist-python test-dist check-dist

dist: dist-c dist-python dist-go

dist-c: c-env
	CARGO=$(CARGO) ./scripts/native-static-libs.sh $(DIST_PROFILE) >/dev/null
	$(CARGO) build $(if $(filter release,$(DIST_PROFILE)),--release) -p faceauth-cli -p faceauth-ffi
	PROFILE=$(DIST_PROFILE) CARGO=$(CARGO) ./scripts/dist-c.sh $(DIST_DIR)/c

dist-python: python-env
	PROFILE=$(DIST_PROFILE) ./scripts/dist-python.sh $(DIST_DIR)/python

# The dist suite of `make test`: the same artifacts from the dev build (the tarball packs
# target/debug as the other suites left it; the wheel is a dev-profile zig build), into
# target/dist-debug, then tests/dist: the wheel installed with no Rust toolchain and examples/python
# run, and a wheel built from the sdist (target/sdist-wheel) checked for the license notices; the tarball unpacked with the repository hidden, examples/c and examples/cpp built and
# run from it; the README's Install recipes run as printed. `make check-dist` runs the same
# tests on dist/ (after make dist).
DIST_TEST_DIR := target/dist-debug

test-dist: c-env python-env ffi-debug
	PROFILE=debug CARGO=$(CARGO) ./scripts/dist-c.sh $(DIST_TEST_DIR)/c
	PROFILE=debug ./scripts/dist-python.sh $(DIST_TEST_DIR)/python
	CARGO=$(CARGO) ./tests/dist/c.sh $(DIST_TEST_DIR)/c
	CARGO=$(CARGO) ./tests/dist/python.sh $(DIST_TEST_DIR)/python
	@echo "dist: the tarball (repository hidden: examples/c, examples/cpp, README recipes) and the wheel (no Rust: examples/python) + sdist pass"

check-dist: c-env python-env
	CARGO=$(CARGO) ./tests/dist/c.sh $(DIST_DIR)/c
	CARGO=$(CARGO) ./tests/dist/python.sh $(DIST_DIR)/python

# ---- Release: the Go module (go/build/, scripts/go-lib.sh, scripts/dist-go.sh, tests/go/) ----
# go-lib: the debug libfaceauth.a placed inside go/ (gitignored), for a plain `go build` there.
# dist-go: dist/goproxy, the module at the workspace's version in a Go module proxy's layout,
# with the release libfaceauth.a inside. test-dist-go: a module outside the repository gets it
# from the proxy directory alone, with no Rust toolchain or pkg-config (tests/go/dist.sh): the
# release one in dist/ by default; within `make test` a debug one in target/go/dist-debug
# (GO_DIST_PROFILE=debug in the environment of its suite), so that make test needs no release
# build. Its faceauthtest test starts the simulator from the module's libfaceauth (no
# FACEAUTH_BIN); target/debug/faceauth only inspects the example's URL.
GO_DIST_PROFILE ?= release
GO_DIST_DIR = $(if $(filter release,$(GO_DIST_PROFILE)),dist,target/go/dist-$(GO_DIST_PROFILE))

.PHONY: go-lib dist-go test-dist-go test-go-link test-versions

go-lib: ffi-debug
	./scripts/go-lib.sh go target/debug/libfaceauth.a

dist-go:
	CARGO=$(CARGO) ./scripts/native-static-libs.sh release >/dev/null
	./scripts/dist-go.sh release dist/goproxy

test-dist-go: ffi-debug
	@case "$(GO_DIST_PROFILE)" in \
	    release) $(MAKE) --no-print-directory dist-go ;; \
	    debug) ./scripts/dist-go.sh debug $(GO_DIST_DIR)/goproxy ;; \
	    *) echo "GO_DIST_PROFILE must be release or debug" >&2; exit 2 ;; \
	esac
	./tests/go/dist.sh $(GO_DIST_DIR) target/debug/faceauth

# One program, one GOCACHE, two libraries, both ways of linking: the second carries the second.
test-go-link: ffi-debug
	./tests/go/relink.sh

# One name per concept (docs/names.md): every name of the table exists in its language, and a
# misspelled one is refused (tests/names/check.py).
.PHONY: test-names
test-names: python-wheel
	$(CARGO) build -p faceauth-cli
	$(PY) tests/names/check.py

# One version everywhere (Cargo, wheel, Go, CLI, C, header, dist file names, CHANGELOG.md).
test-versions: python-wheel go-sdk
	./tests/versions.sh

# ---- The ABI gate (issue 15): libfaceauth.so only grows within a soname ----
# test-abi: scripts/abi.sh check compares the debug libfaceauth.so with ffi/abi: its exports
# with symbols.txt (any difference fails, saying whether a name was added or removed), and its
# exports' DWARF types with the abidw baseline libfaceauth.so.0.abi through abidiff (a removed
# or changed export fails unless the soname changed; an added one passes); then
# tests/abi/run.sh shows each verdict on doctored copies of ffi/abi.
# abi-baseline: rewrites symbols.txt and the baseline from the debug library; run it after
# adding exports (or, at a new soname, after any change) and commit ffi/abi with the change.
.PHONY: test-abi abi-baseline
ABI_DIR := ffi/abi

test-abi: c-env ffi-debug
	./tests/abi/run.sh $(FFI_LIB_DIR)

abi-baseline: c-env ffi-debug
	./scripts/abi.sh baseline $(FFI_LIB_DIR)/libfaceauth.so $(ABI_DIR)
