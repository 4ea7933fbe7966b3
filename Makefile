# payportal: build, run, test, fuzz and benchmark.
#
#   make          build the portal (one binary, Kore single-binary mode)
#   make run      the embedded demo: private PostgreSQL, TLS proxy, demo data
#   make test     every test: unit, Mustache spec, fuzz smoke, end to end, browser
#   make fuzz     longer fuzzing runs (FUZZ_SECONDS per harness)
#   make bench    benchmarks

SHELL :=	/bin/bash
BUILD :=	build
CC ?=		cc

# Kore's own warning set, plus -Werror.
WARN =		-Wall -Wextra -Wno-unused-parameter -Werror \
		-Wmissing-declarations -Wshadow -Wstrict-prototypes \
		-Wmissing-prototypes -Wpointer-arith -Wcast-qual -Wsign-compare
SAN =		-fsanitize=address,undefined -fno-omit-frame-pointer \
		-fno-sanitize-recover=undefined

# Parsers and domain code that do not depend on Kore: unit-tested and fuzzed.
CORE_SRC :=	$(shell grep -L -e '<kore/' -e 'embed_files' src/*.c 2>/dev/null)
UNIT_TESTS :=	$(patsubst tests/unit/%.c,$(BUILD)/unit/%,$(wildcard tests/unit/test_*.c))
FUZZERS :=	$(patsubst tests/fuzz/%.c,$(BUILD)/fuzz/%,$(wildcard tests/fuzz/fuzz_*.c))
UNIT_LIBS =	-lcriterion -ljansson -lcrypto -lpq -lcurl -largon2 -lqrencode
FUZZ_LIBS =	-ljansson -lcrypto -lpq -lcurl -largon2 -lqrencode
FUZZ_SECONDS ?=	300
SMOKE_SECONDS ?= 4

SRC_FILES :=	$(wildcard src/*.c src/*.h)
EMBED_FILES :=	$(wildcard templates/*.html assets/* sql/*.sql)
KORE_CONF :=	conf/build.conf conf/payportal.conf

.PHONY: all deps unit fuzz-smoke fuzz run standin-test smtpsink-test e2e test bench clean

all: $(BUILD)/payportal

# Debian packages the build and the tests need; installed once, as root.
DEB_PKGS =	kore haproxy postgresql-15 postgresql-contrib libpq-dev \
		libcurl4-openssl-dev libssl-dev libcriterion-dev libjansson-dev \
		libargon2-dev libqrencode-dev clang libclang-rt-14-dev wrk \
		chromium nodejs openssl curl ca-certificates procps

deps: $(BUILD)/.deps
$(BUILD)/.deps:
	@mkdir -p $(BUILD)
	@missing=$$(for p in $(DEB_PKGS); do \
	    dpkg-query -W -f='$${Status}' $$p 2>/dev/null | \
	    grep -q 'install ok installed' || echo $$p; done); \
	command -v npm >/dev/null || missing="$$missing npm"; \
	if [ -n "$$missing" ]; then \
		echo "installing Debian packages:" $$missing; \
		export DEBIAN_FRONTEND=noninteractive; \
		apt-get update -qq && apt-get install -y -qq $$missing; \
	fi
	@touch $@

$(BUILD)/embed: tools/embed.c | $(BUILD)/.deps
	$(CC) -O2 -Wall -Werror -o $@ $<

# The product, and the same code with ASan and UBSan for the tests.
$(BUILD)/payportal: $(SRC_FILES) $(EMBED_FILES) $(KORE_CONF) $(BUILD)/embed
	tools/kodev-build.sh prod $@

$(BUILD)/payportal-test: $(SRC_FILES) $(EMBED_FILES) $(KORE_CONF) $(BUILD)/embed
	tools/kodev-build.sh test $@

$(BUILD)/unit/%: tests/unit/%.c $(CORE_SRC) src/*.h | $(BUILD)/.deps
	@mkdir -p $(dir $@)
	$(CC) -std=gnu11 -g -O1 $(WARN) $(SAN) -Isrc -I/usr/include/postgresql -o $@ $< $(CORE_SRC) $(UNIT_LIBS)

# Criterion reports a test before LeakSanitizer speaks in its child, so a
# leak report anywhere in the output fails the run.
unit: $(UNIT_TESTS)
	@set -e; for t in $(UNIT_TESTS); do \
		echo "== $$t"; \
		ASAN_OPTIONS=detect_leaks=1 $$t --jobs=1 2>&1 | tee $$t.log; \
		! grep -q "ERROR: LeakSanitizer" $$t.log; \
		grep -q "Failing: 0 | Crashing: 0" $$t.log; done

E2E_SRC :=	$(wildcard tests/e2e/test_*.c) tests/e2e/e2e.c
E2E_SERIAL :=	$(wildcard tests/e2e/serial/test_*.c) tests/e2e/e2e.c

# Two programs: the scenarios that run in parallel, and those that flip the
# gateway stand-in's global switches and so run one at a time.
$(BUILD)/e2e-tests: $(E2E_SRC) tests/e2e/e2e.h $(CORE_SRC) src/*.h | $(BUILD)/.deps
	$(CC) -std=gnu11 -g -O1 $(WARN) $(SAN) -Isrc -Itests/e2e -I/usr/include/postgresql \
	    -o $@ $(E2E_SRC) $(CORE_SRC) $(UNIT_LIBS) -lpthread

$(BUILD)/e2e-serial: $(E2E_SERIAL) tests/e2e/e2e.h $(CORE_SRC) src/*.h | $(BUILD)/.deps
	$(CC) -std=gnu11 -g -O1 $(WARN) $(SAN) -Isrc -Itests/e2e -I/usr/include/postgresql \
	    -o $@ $(E2E_SERIAL) $(CORE_SRC) $(UNIT_LIBS)

# The payment gateway stand-in (tests/gateway), with its own test. Forms
# and answers go through the portal's own src/form.c and src/strbuf.c.
STANDIN_SRC :=	$(wildcard tests/gateway/*.c) src/form.c src/strbuf.c

$(BUILD)/standin: $(STANDIN_SRC) $(wildcard tests/gateway/*.h) src/form.h src/strbuf.h | $(BUILD)/.deps
	$(CC) -std=gnu11 -O1 -g $(WARN) $(SAN) -Isrc -o $@ $(STANDIN_SRC) \
	    -lcurl -lcrypto -lpthread

# The same stand-in for benchmarks: optimised, without the sanitizers,
# so that the gateway is not what a benchmark measures. Built by the
# test too, so that a warning only -O2 sees is found there.
$(BUILD)/standin-fast: $(STANDIN_SRC) $(wildcard tests/gateway/*.h) src/form.h src/strbuf.h | $(BUILD)/.deps
	$(CC) -std=gnu11 -O2 -g $(WARN) -Isrc -o $@ $(STANDIN_SRC) \
	    -lcurl -lcrypto -lpthread

standin-test: $(BUILD)/standin $(BUILD)/standin-fast
	STANDIN=$(BUILD)/standin tests/gateway/test_standin.sh

# The SMTP sink that takes the portal's mail in tests (tests/smtp).
$(BUILD)/smtpsink: tests/smtp/smtpsink.c | $(BUILD)/.deps
	$(CC) -std=gnu11 -O1 -g $(WARN) $(SAN) -o $@ $<

smtpsink-test: $(BUILD)/smtpsink
	SMTPSINK=$(BUILD)/smtpsink tests/smtp/test_smtpsink.sh

tests/browser/node_modules: tests/browser/package.json | $(BUILD)/.deps
	cd tests/browser && npm install --no-audit --no-fund --loglevel=error
	@touch $@

e2e: $(BUILD)/payportal-test $(BUILD)/e2e-tests $(BUILD)/e2e-serial $(BUILD)/standin $(BUILD)/smtpsink tests/browser/node_modules
	tests/e2e/run.sh

$(BUILD)/pgbench-script: tests/bench/pgbench_script.c src/public_sql.h
	@mkdir -p $(dir $@)
	$(CC) -O2 -Wall -Werror -Isrc -o $@ $<

$(BUILD)/payload: tests/bench/payload.c | $(BUILD)/.deps
	$(CC) -O2 $(WARN) -o $@ $< -lcurl -lpthread

bench: $(BUILD)/payportal $(BUILD)/pgbench-script $(BUILD)/payload $(BUILD)/standin-fast
	tests/bench/run.sh

# Everything, as CI runs it.
test: unit fuzz-smoke standin-test smtpsink-test e2e

$(BUILD)/fuzz/%: tests/fuzz/%.c $(CORE_SRC) src/*.h | $(BUILD)/.deps
	@mkdir -p $(dir $@)
	clang -g -O1 -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=undefined -Isrc -I/usr/include/postgresql -o $@ $< $(CORE_SRC) $(FUZZ_LIBS)

# Each harness runs briefly on a copy of its checked-in corpus so none rots.
fuzz-smoke: $(FUZZERS)
	@set -e; for f in $(FUZZERS); do \
		n=$$(basename $$f); c=$(BUILD)/fuzz/corpus-$$n; \
		rm -rf $$c; mkdir -p $$c; cp tests/fuzz/corpus/$$n/* $$c/ 2>/dev/null || true; \
		d=""; [ -f tests/fuzz/$$n.dict ] && d="-dict=tests/fuzz/$$n.dict"; \
		echo "== $$n ($(SMOKE_SECONDS)s)"; \
		$$f $$d -max_total_time=$(SMOKE_SECONDS) -print_final_stats=0 $$c >$(BUILD)/fuzz/$$n.log 2>&1 || \
			{ tail -40 $(BUILD)/fuzz/$$n.log; exit 1; }; \
	done

fuzz: $(FUZZERS)
	@set -e; for f in $(FUZZERS); do \
		n=$$(basename $$f); mkdir -p tests/fuzz/corpus/$$n; \
		d=""; [ -f tests/fuzz/$$n.dict ] && d="-dict=tests/fuzz/$$n.dict"; \
		$$f $$d -max_total_time=$(FUZZ_SECONDS) tests/fuzz/corpus/$$n; \
	done

clean:
	rm -rf $(BUILD)
run: $(BUILD)/payportal $(BUILD)/standin $(BUILD)/smtpsink
	tools/demo.sh
