# shmtrace: `make` builds everything into build/, `make test` runs the bats
# suites against the built artifacts, `make install` installs.  Quiet unless V=1.

SHELL := /bin/bash

VERSION   := $(shell sed -n 's/.*SHMTRACE_VERSION "\(.*\)"/\1/p' common/version.h)
PREFIX    ?= /usr/local
BINDIR    ?= $(PREFIX)/bin
LIBDIR    ?= $(PREFIX)/lib
PKGLIBDIR ?= $(LIBDIR)/shmtrace
MANDIR    ?= $(PREFIX)/share/man
DOCDIR    ?= $(PREFIX)/share/doc/shmtrace

CC      ?= cc
CFLAGS  ?= -O2 -g
WARN    := -Wall -Wextra -Wshadow -Wstrict-prototypes -Wformat=2 -Wno-missing-field-initializers
ALL_CFLAGS = -std=gnu11 $(WARN) $(CPPFLAGS) $(CFLAGS) -D_GNU_SOURCE
B := build

# make test SANITIZE=1: everything rebuilt in build-san/ with ASan and UBSan
# (the shim with UBSan only: ASan's runtime must come first in a process's
# library list, and a preloaded library cannot promise that), then the same
# suites.  Undefined behaviour aborts instead of going on.
ifeq ($(SANITIZE),1)
B := build-san
SAN := -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=undefined
SHIM_SAN := -fsanitize=undefined -fno-sanitize-recover=undefined
# handle_segv=0: a program that crashes dies of its signal, as it would
# without ASan (sweep and the crash tests look at that signal);
# abort_on_error=1: what ASan catches first is a crash too, by SIGABRT.
export ASAN_OPTIONS := verify_asan_link_order=0:detect_leaks=1:handle_segv=0:abort_on_error=1
export UBSAN_OPTIONS := print_stacktrace=1:halt_on_error=1
endif

ifeq ($(V),1)
Q :=
say :=
else
Q := @
say = @printf '  %-6s %s\n' $(1) $(2);
endif

COMMON_SRC := common/xlat.c common/calls.c common/inject.c common/bytestext.c common/secure_exec.c common/loader.c
SHIM_SRC   := $(wildcard shim/*.c) $(COMMON_SRC)
CLI_SRC    := $(wildcard cli/*.c analyzer/*.c) $(COMMON_SRC) common/sysvipc.c
# The HTML report's page, style and script, built in as C strings.
PAGE_PARTS := page_html:analyzer/html/page.html page_css:analyzer/html/page.css page_js:analyzer/html/page.js
SAMPLES    := $(patsubst samples/%.c,$(B)/samples/%,$(wildcard samples/*.c))
TEST_LIBS  := tests/bin/premark.c tests/bin/deepshm.c tests/bin/deepouter.c tests/bin/swaplib.c # built as .so, below
TEST_BINS  := $(patsubst tests/bin/%.c,$(B)/tests/%,$(filter-out $(TEST_LIBS),$(wildcard tests/bin/*.c)))
HEADERS    := $(wildcard common/*.h shim/*.h cli/*.h analyzer/*.h)

all: $(B)/libshmtrace.so $(B)/shmtrace $(SAMPLES)

# -fvisibility=hidden plus the version script: only the wrappers are exported.
$(B)/libshmtrace.so: $(SHIM_SRC) $(HEADERS) shim/libshmtrace.map | $(B)
	$(call say,CCLD,$@)
	$(Q)$(CC) $(ALL_CFLAGS) $(SHIM_SAN) -fPIC -shared -fvisibility=hidden \
		-Wl,--version-script=shim/libshmtrace.map -Wl,-z,defs -Wl,-z,now -Wl,-z,relro $(LDFLAGS) \
		$(shell pkg-config --cflags libunwind) -o $@ $(SHIM_SRC) -ldl -lpthread

$(B)/shmtrace: $(CLI_SRC) $(B)/page_assets.c $(HEADERS) | $(B)
	$(call say,CCLD,$@)
	$(Q)$(CC) $(ALL_CFLAGS) $(SAN) -DPKGLIBDIR='"$(PKGLIBDIR)"' $(LDFLAGS) -o $@ $(CLI_SRC) $(B)/page_assets.c \
		$(shell pkg-config --libs jansson libdw)

$(B)/page_assets.c: scripts/embed $(foreach p,$(PAGE_PARTS),$(lastword $(subst :, ,$(p)))) | $(B)
	$(call say,EMBED,$@)
	$(Q)for p in $(PAGE_PARTS); do scripts/embed "$${p%%:*}" "$${p#*:}"; done > $@.tmp && mv $@.tmp $@

# Samples are built with debug info so that reports can point at their lines.
$(B)/samples/%: samples/%.c | $(B)/samples
	$(call say,CC,$@)
	$(Q)$(CC) $(ALL_CFLAGS) $(SAN) -O0 -g -o $@ $< -lpthread

$(B)/tests/%: tests/bin/%.c | $(B)/tests
	$(call say,CC,$@)
	$(Q)$(CC) $(ALL_CFLAGS) $(SAN) -O0 -g -o $@ $< -lpthread -ldl

# What the reader reads from call records, for tests/readback.bats.
$(B)/tests/readback: tests/bin/readback.c analyzer/scan.c analyzer/scan_values.c common/bytestext.c common/xlat.c $(HEADERS) | $(B)/tests
	$(call say,CC,$@)
	$(Q)$(CC) $(ALL_CFLAGS) $(SAN) -O0 -g -o $@ $< analyzer/scan.c analyzer/scan_values.c common/bytestext.c common/xlat.c $(shell pkg-config --libs jansson)

# The property test: the shim's writer and the report's reader, linked
# together (tests/readback.bats).
ROUNDTRIP_SRC := shim/record.c shim/jsonw.c analyzer/scan.c analyzer/scan_values.c common/calls.c common/xlat.c common/bytestext.c
$(B)/tests/roundtrip: tests/bin/roundtrip.c $(ROUNDTRIP_SRC) $(HEADERS) | $(B)/tests
	$(call say,CC,$@)
	$(Q)$(CC) $(ALL_CFLAGS) $(SAN) -O1 -g -o $@ $< $(ROUNDTRIP_SRC) $(shell pkg-config --libs jansson)

# What common/call_table.h says, for the tests (calls, the docs' field table).
$(B)/tests/calltable: tests/bin/calltable.c common/calls.c common/xlat.c $(HEADERS) | $(B)/tests
	$(call say,CC,$@)
	$(Q)$(CC) $(ALL_CFLAGS) $(SAN) -O0 -g -o $@ $< common/calls.c common/xlat.c

$(B)/tests/static_%: tests/bin/static_%.c | $(B)/tests
	$(call say,CC,$@)
	$(Q)$(CC) $(ALL_CFLAGS) -static -o $@ $<

# tests/inject.bats: one library built twice under two function names.
SWAP_LIBS := $(B)/tests/libswapa.so $(B)/tests/libswapb.so
$(B)/tests/libswapa.so: tests/bin/swaplib.c | $(B)/tests
	$(call say,CCLD,$@)
	$(Q)$(CC) $(ALL_CFLAGS) -fPIC -shared -DMAKER=alpha_make -o $@ $<
$(B)/tests/libswapb.so: tests/bin/swaplib.c | $(B)/tests
	$(call say,CCLD,$@)
	$(Q)$(CC) $(ALL_CFLAGS) -fPIC -shared -DMAKER=beta_make -o $@ $<

$(B)/tests/libpremark.so: tests/bin/premark.c | $(B)/tests
	$(call say,CCLD,$@)
	$(Q)$(CC) $(ALL_CFLAGS) -fPIC -shared -o $@ $< -ldl

# tests/deepbind.bats: the program that opens libraries with RTLD_DEEPBIND,
# without ASan, which refuses such a dlopen outright (google/sanitizers#611);
# a library it opens, bound lazily, at load, and called through the GOT
# (-fno-plt: GLOB_DAT, no PLT); one that reaches it as a dependency.
$(B)/tests/deepbind: tests/bin/deepbind.c | $(B)/tests
	$(call say,CC,$@)
	$(Q)$(CC) $(ALL_CFLAGS) -O0 -g -o $@ $< -lpthread -ldl

$(B)/tests/libdeepshm.so: tests/bin/deepshm.c | $(B)/tests
	$(call say,CCLD,$@)
	$(Q)$(CC) $(ALL_CFLAGS) -fPIC -shared -Wl,-z,lazy -o $@ $<

$(B)/tests/libdeepshm-now.so: tests/bin/deepshm.c | $(B)/tests
	$(call say,CCLD,$@)
	$(Q)$(CC) $(ALL_CFLAGS) -fPIC -shared -Wl,-z,now,-z,relro -o $@ $<

$(B)/tests/libdeepshm-noplt.so: tests/bin/deepshm.c | $(B)/tests
	$(call say,CCLD,$@)
	$(Q)$(CC) $(ALL_CFLAGS) -fPIC -shared -fno-plt -o $@ $<

$(B)/tests/libdeepouter.so: tests/bin/deepouter.c $(B)/tests/libdeepshm.so
	$(call say,CCLD,$@)
	$(Q)$(CC) $(ALL_CFLAGS) -fPIC -shared -Wl,-z,lazy -o $@ $< -L$(B)/tests -ldeepshm -Wl,-rpath,'$$ORIGIN'

DEEPBIND_LIBS := $(B)/tests/libdeepshm.so $(B)/tests/libdeepshm-now.so $(B)/tests/libdeepshm-noplt.so \
	$(B)/tests/libdeepouter.so

$(B) $(B)/samples $(B)/tests:
	$(Q)mkdir -p $@

# The suites run in a private IPC namespace when we may make one: segments a
# failing test leaks die with it, and other programs' segments cannot
# disturb a count.
test: all $(TEST_BINS) $(B)/tests/libpremark.so $(DEEPBIND_LIBS) $(SWAP_LIBS) $(B)/bench/footprint $(B)/bench/forks
	$(Q)export SHMTRACE_BUILD="$(abspath $(B))"; \
	if [ "$$(id -u)" = 0 ] && unshare --ipc true 2>/dev/null; then \
		unshare --ipc tests/run-suites tests/; \
	else \
		tests/run-suites tests/; \
	fi

# The benchmarks behind docs/performance.md; not part of `make test`.
BENCH_BINS := $(patsubst bench/%.c,$(B)/bench/%,$(wildcard bench/*.c))
$(B)/bench/%: bench/%.c | $(B)/bench
	$(call say,CC,$@)
	$(Q)$(CC) $(ALL_CFLAGS) -O2 -o $@ $< -lpthread

$(B)/tests/ownunwind: tests/bin/ownunwind.c | $(B)/tests
	$(call say,CC,$@)
	$(Q)$(CC) $(ALL_CFLAGS) $(SAN) -O0 -g -o $@ $< $(shell pkg-config --libs libunwind)

$(B)/bench/unwinders: bench/unwinders.c | $(B)/bench
	$(call say,CC,$@)
	$(Q)$(CC) $(ALL_CFLAGS) -O2 -o $@ $< $(shell pkg-config --libs libunwind) -ldl

$(B)/bench:
	$(Q)mkdir -p $@

bench: all $(BENCH_BINS)
	$(Q)bench/run.sh
	$(Q)bench/write-doc.sh $(B)/bench/results.txt docs/performance.md > $(B)/bench/performance.md
	$(Q)mv $(B)/bench/performance.md docs/performance.md

# make fuzz: the trace reader, its call scanner against jansson
# (scan_fuzz), the report's file handling (FIFOs, symlinks, huge lines:
# fuzz/files_fuzz.c) and the rule parser under libFuzzer (clang),
# FUZZ_SECONDS each, from corpora of our traces and rules.  CI runs it short.
FUZZ_SECONDS ?= 60
# FUZZ_SEED=N repeats a run (CI's is fixed, so that what it checks was
# checked before a change lands); 0, the default, is a new seed each time.
FUZZ_SEED ?= 0
# $(call fuzz_run,TARGET,CORPUS,FLAGS): one target, its status kept.
define fuzz_run
$(Q)ASAN_OPTIONS=detect_leaks=1 build-fuzz/$(1) -max_total_time=$(FUZZ_SECONDS) -seed=$(FUZZ_SEED) -timeout=10 \
	$(3) -print_final_stats=1 build-fuzz/corpus-$(2) 2>&1 | grep -E '^stat::number_of_executed_units|^#[0-9]+ *DONE|ERROR|SUMMARY' ; \
	test $${PIPESTATUS[0]} -eq 0
endef
FUZZ_CFLAGS := -std=gnu11 -D_GNU_SOURCE -g -O1 -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=undefined
FUZZ_ANALYZER := $(filter-out analyzer/sweep_plan.c,$(wildcard analyzer/*.c)) $(COMMON_SRC) common/sysvipc.c
build-fuzz/page_assets.c: scripts/embed $(foreach p,$(PAGE_PARTS),$(lastword $(subst :, ,$(p))))
	$(Q)mkdir -p build-fuzz
	$(Q)for p in $(PAGE_PARTS); do scripts/embed "$${p%%:*}" "$${p#*:}"; done > $@.tmp && mv $@.tmp $@

build-fuzz/trace_fuzz: fuzz/trace_fuzz.c $(FUZZ_ANALYZER) build-fuzz/page_assets.c $(HEADERS)
	$(Q)mkdir -p build-fuzz
	$(call say,CLANG,$@)
	$(Q)clang $(FUZZ_CFLAGS) -o $@ fuzz/trace_fuzz.c $(FUZZ_ANALYZER) build-fuzz/page_assets.c $(shell pkg-config --libs jansson libdw)

build-fuzz/scan_fuzz: fuzz/scan_fuzz.c analyzer/scan.c analyzer/scan_values.c common/bytestext.c common/xlat.c $(HEADERS)
	$(Q)mkdir -p build-fuzz
	$(call say,CLANG,$@)
	$(Q)clang $(FUZZ_CFLAGS) -o $@ fuzz/scan_fuzz.c analyzer/scan.c analyzer/scan_values.c common/bytestext.c common/xlat.c $(shell pkg-config --libs jansson)

build-fuzz/files_fuzz: fuzz/files_fuzz.c $(FUZZ_ANALYZER) build-fuzz/page_assets.c $(HEADERS)
	$(Q)mkdir -p build-fuzz
	$(call say,CLANG,$@)
	$(Q)clang $(FUZZ_CFLAGS) -o $@ fuzz/files_fuzz.c $(FUZZ_ANALYZER) build-fuzz/page_assets.c $(shell pkg-config --libs jansson libdw)

build-fuzz/rules_fuzz: fuzz/rules_fuzz.c $(COMMON_SRC) $(HEADERS)
	$(Q)mkdir -p build-fuzz
	$(call say,CLANG,$@)
	$(Q)clang $(FUZZ_CFLAGS) -o $@ fuzz/rules_fuzz.c $(COMMON_SRC)

fuzz: build-fuzz/trace_fuzz build-fuzz/files_fuzz build-fuzz/rules_fuzz build-fuzz/scan_fuzz
	$(Q)mkdir -p build-fuzz/corpus-trace build-fuzz/corpus-files build-fuzz/corpus-rules build-fuzz/corpus-scan
	$(Q)for f in tests/fixtures/*/*.jsonl.in; do cp "$$f" "build-fuzz/corpus-trace/$$(echo $$f | tr / _)"; done
	$(Q)cat tests/fixtures/*/*.jsonl.in | grep '"event":"call"' | split -l 1 - build-fuzz/corpus-scan/line-
	$(Q)cp fuzz/corpus/rules/* build-fuzz/corpus-rules/
	$(Q)cp fuzz/corpus/files/* build-fuzz/corpus-files/
	$(Q)cp fuzz/corpus/scan/* build-fuzz/corpus-scan/
	$(call fuzz_run,trace_fuzz,trace,-close_fd_mask=2)
	$(call fuzz_run,scan_fuzz,scan,)
	$(call fuzz_run,files_fuzz,files,-close_fd_mask=2)
	$(call fuzz_run,rules_fuzz,rules,)

# make ltp LTP_SRC=/path/to/ltp: the Linux Test Project's shared-memory
# tests, built from a checkout of LTP's source (we carry none of it) in
# $(B)/ltp/, each run bare and under `shmtrace run` (and strace) in private
# IPC and mount namespaces; a table of verdicts, calls and findings, status 1
# when a verdict differs or a call is missing (docs/reliability.md, "LTP").
# Not part of `make test`: CI cannot fetch LTP.  LTP_TESTS="shmat03 ..." runs
# only those.
LTP_BUILD ?= $(B)/ltp
ltp: all
	$(Q)if [ -z "$(LTP_SRC)" ]; then echo "make ltp: LTP_SRC not set: give the path of an LTP source checkout, e.g. make ltp LTP_SRC=/tmp/ltp" >&2; exit 2; fi
	$(Q)scripts/ltp-build "$(LTP_SRC)" "$(LTP_BUILD)"
	$(Q)scripts/ltp-run "$(abspath $(B))" "$(LTP_BUILD)" $(LTP_TESTS)

# What building LTP needs beyond `make deps` (kept apart: the tests do not).
ltp-deps:
	$(Q)missing=""; for p in autoconf automake m4 make gcc pkg-config strace jq; do \
		dpkg-query -W -f='$${Status}' $$p 2>/dev/null | grep -q 'install ok installed' || missing="$$missing $$p"; done; \
	if [ -n "$$missing" ]; then apt-get update -qq && \
		DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $$missing; fi

# Installs missing build and test dependencies from Debian's archive.
deps:
	$(Q)scripts/install-deps

# Only what building and installing needs (for users' CI: docs/ci.md).
build-deps:
	$(Q)scripts/install-deps --build

# The main job on a sample: trace a producer that forgets IPC_RMID and a
# producer/consumer pair across fork, audit the run, write its page, then
# remove the leak.
demo: all
	$(Q)rm -rf $(B)/demo-trace
	$(Q)$(B)/shmtrace run -o $(B)/demo-trace -- sh -c '$(B)/samples/prodcons && $(B)/samples/leaky_producer 0x5eed0001'
	$(Q)$(B)/shmtrace report --live --fail-on none $(B)/demo-trace
	$(Q)$(B)/shmtrace report --format html --live --fail-on none $(B)/demo-trace > $(B)/demo-report.html
	$(Q)echo "(demo: the run on a timeline, with its findings: open $(abspath $(B))/demo-report.html in a browser)"
	$(Q)ipcrm -M 0x5eed0001 && echo "(demo: removed the leaked segment with ipcrm -M 0x5eed0001)"

install: all
	install -d $(DESTDIR)$(BINDIR) $(DESTDIR)$(PKGLIBDIR) $(DESTDIR)$(DOCDIR) $(DESTDIR)$(MANDIR)/man1
	install -m 755 $(B)/shmtrace $(DESTDIR)$(BINDIR)/shmtrace
	install -m 644 $(B)/libshmtrace.so $(DESTDIR)$(PKGLIBDIR)/libshmtrace.so
	install -m 644 docs/shmtrace.1 $(DESTDIR)$(MANDIR)/man1/shmtrace.1
	install -m 644 README.md LICENSE docs/*.md $(DESTDIR)$(DOCDIR)/

uninstall:
	rm -f $(DESTDIR)$(BINDIR)/shmtrace $(DESTDIR)$(PKGLIBDIR)/libshmtrace.so $(DESTDIR)$(MANDIR)/man1/shmtrace.1
	rm -rf $(DESTDIR)$(DOCDIR)
	-rmdir $(DESTDIR)$(PKGLIBDIR) 2>/dev/null

clean:
	rm -rf build build-san build-fuzz

.PHONY: all test deps build-deps demo bench fuzz install uninstall clean ltp ltp-deps
