# Makefile for kubectl-dotnetprof.
#
#   make                    build the in-pod agents (agent/agent.mk), then ./kubectl-dotnetprof,
#                           which embeds them (CC=clang works too)
#   make agents             the agents alone (build/agent/ARCH/dotnetprof-agent); make agent-sizes
#   make demo               build, start the stand-in cluster, run the plugin against its pods
#   make check              unit tests, then the end-to-end suite (tests/e2e/run.sh); installs
#                           missing Debian packages first when run as root (make deps)
#   make unit               unit tests only (build/tests/test_*, cmocka)
#   make e2e                end-to-end suite only, against the stand-in cluster
#   make e2e-matrix         the diagnostics verbs on every pod shape with both engines (agent, tools)
#   make e2e-debug-matrix   the debug-container scenario (t_debug.sh) under kubectl 1.30 to 1.33
#   make valgrind           unit tests under valgrind
#   make fuzz               libFuzzer targets tests/fuzz/fuzz_*.c, FUZZ_SECONDS each (clang)
#   make install            $(DESTDIR)$(PREFIX)/bin/kubectl-dotnetprof and kubectl_complete-dotnetprof,
#                           the man page and the bash/zsh/fish completions; `make uninstall` removes them
#   make dist VERSION=vX.Y.Z   release archives for linux/amd64 and linux/arm64 in $(DISTDIR)
#   make krew-manifest VERSION=vX.Y.Z   krew-manifest.yaml from those archives
#   make cluster-up / cluster-down   the local stand-in cluster (tests/cluster/standin.py)
#   make clean              remove what this Makefile built (not the cluster's or tools' state)
#
# Knobs: DEVELOPER=1 (stricter warnings), WERROR=1 (warnings are errors), SANITIZE=address,undefined
# (separate build dir; `make SANITIZE=address,undefined check` tests the sanitized binary), VERSION,
# PREFIX, DESTDIR, MANDIR, FUZZ_SECONDS, CFLAGS, LDFLAGS, DISTDIR, HOMEPAGE, RELEASE_URL.
#
# Unit tests may mock functions of other object files: every `__wrap_NAME` a test defines becomes
# -Wl,--wrap=NAME for that test (GNU ld / lld), so adding a mock needs no Makefile edit.

PROG     := kubectl-dotnetprof
PREFIX   ?= /usr/local
BINDIR   ?= $(PREFIX)/bin
MANDIR   ?= $(PREFIX)/share/man
DATADIR  ?= $(PREFIX)/share
DISTDIR  ?= build/release
VERSION  ?= $(shell git describe --tags --dirty 2>/dev/null || echo 0.1.0-dev)
FUZZ_SECONDS ?= 60
PKG_CONFIG ?= pkg-config
INSTALL  ?= install
VALGRIND ?= valgrind
FUZZ_CC  ?= clang
SHELL    := /bin/sh

CFLAGS   ?= -O2 -g
LDFLAGS  ?=

# libbsd only where libc lacks strlcpy/strlcat/strtonum (glibc < 2.38; not macOS)
PKGS := libcurl libcjson $(shell $(PKG_CONFIG) --exists libbsd-overlay 2>/dev/null && echo libbsd-overlay)
PKG_CFLAGS := $(shell $(PKG_CONFIG) --cflags $(PKGS))
PKG_LIBS   := $(shell $(PKG_CONFIG) --libs $(PKGS))
CMOCKA_CFLAGS := $(shell $(PKG_CONFIG) --cflags cmocka 2>/dev/null)
CMOCKA_LIBS   := $(shell $(PKG_CONFIG) --libs cmocka 2>/dev/null || echo -lcmocka)

WARNINGS := -Wall -Wextra
ifeq ($(DEVELOPER),1)
WARNINGS += -Wshadow -Wformat=2 -Wformat-security -Wstrict-prototypes -Wmissing-prototypes \
	-Wold-style-definition -Wpointer-arith -Wwrite-strings -Wundef -Wvla -Wcast-align \
	-Wmissing-declarations -Wredundant-decls -Wnested-externs -Wswitch-enum \
	-Wimplicit-fallthrough -Wno-switch-default
endif
ifeq ($(WERROR),1)
WARNINGS += -Werror
endif

comma := ,

# Each configuration builds in its own directory, so a sanitized build never mixes with a plain one.
B := build
BIN := $(PROG)
ifneq ($(SANITIZE),)
B := build/san-$(subst $(comma),-,$(SANITIZE))
BIN := $(B)/$(PROG)
SAN_FLAGS := -fsanitize=$(SANITIZE) -fno-omit-frame-pointer -fno-sanitize-recover=all
endif
GEN := build/gen

ALL_CPPFLAGS := -Iinclude -Icmd -D_POSIX_C_SOURCE=200809L $(PKG_CFLAGS) $(CPPFLAGS)
# macOS: libc has strlcpy/strtonum (no libbsd needed), but _POSIX_C_SOURCE hides them
ifeq ($(shell uname -s),Darwin)
ALL_CPPFLAGS += -D_DARWIN_C_SOURCE
endif
ALL_CFLAGS   := -std=c11 $(WARNINGS) $(SAN_FLAGS) $(CFLAGS)
ALL_LDFLAGS  := $(SAN_FLAGS) $(LDFLAGS)

LIB_SRCS  := $(sort $(wildcard src/*.c))
# Pod scripts (src/pod/*.sh, including src/pod/lib/*.sh) and the shell completion scripts
# (cmd/completion/*) are embedded as C strings by scripts/embed.sh.
SCRIPTS   := $(sort $(wildcard src/pod/*.sh))
GEN_SRCS  := $(patsubst src/pod/%.sh,$(GEN)/%_sh.c,$(SCRIPTS))
COMPLETIONS := $(sort $(wildcard cmd/completion/*))
GEN_CMD_SRCS := $(patsubst cmd/completion/%,$(GEN)/completion_%.c,$(COMPLETIONS))
CMD_SRCS  := $(sort $(filter-out cmd/main.c,$(wildcard cmd/*.c)))
TEST_SRCS := $(sort $(wildcard tests/unit/test_*.c))
TEST_SCRIPTS := $(sort $(wildcard tests/unit/*_test.sh))
FUZZ_SRCS := $(sort $(wildcard tests/fuzz/fuzz_*.c))
# the real traces of the reader's tests, kept gzipped (tests/fixtures/make-traces.sh makes them)
NETTRACE_FIXTURES := $(patsubst tests/fixtures/nettrace/%.gz,build/fixtures/nettrace/%,\
	$(sort $(wildcard tests/fixtures/nettrace/*.nettrace.gz)))

LIB_OBJS  := $(patsubst %.c,$(B)/obj/%.o,$(LIB_SRCS)) $(patsubst $(GEN)/%.c,$(B)/obj/gen/%.o,$(GEN_SRCS))
CMD_OBJS  := $(patsubst %.c,$(B)/obj/%.o,$(CMD_SRCS)) $(B)/obj/gen/version.o \
	$(patsubst $(GEN)/%.c,$(B)/obj/gen/%.o,$(GEN_CMD_SRCS))
MAIN_OBJ  := $(B)/obj/cmd/main.o
LIB       := $(B)/libdotnetprof.a
CMDLIB    := $(B)/libdotnetprof-cmd.a
TEST_BINS := $(patsubst tests/unit/%.c,$(B)/tests/%,$(TEST_SRCS))
FUZZ_BINS := $(patsubst tests/fuzz/%.c,build/fuzz/%,$(FUZZ_SRCS))
STAMP     := $(B)/build-flags

# dotnetprof-agent: its own build; the plugin's library gains the embedded agents (LIB_OBJS).
.DEFAULT_GOAL := all
include agent/agent.mk

.PHONY: all check deps demo tools fixtures unit e2e e2e-matrix e2e-debug-matrix valgrind fuzz install uninstall clean clean-bin cluster-up cluster-down \
	dist krew-manifest FORCE
.DELETE_ON_ERROR:
# keep intermediate objects (test and fuzz objects are built through pattern chains)
.SECONDARY:

all: $(BIN)

$(BIN): $(MAIN_OBJ) $(CMDLIB) $(LIB)
	$(CC) $(ALL_CFLAGS) $(ALL_LDFLAGS) -o $@ $(MAIN_OBJ) $(CMDLIB) $(LIB) $(PKG_LIBS)

$(LIB): $(LIB_OBJS)
	rm -f $@ && $(AR) rcs $@ $^

$(CMDLIB): $(CMD_OBJS)
	rm -f $@ && $(AR) rcs $@ $^

# Rebuild everything when the compiler or its flags change (CC=clang after a gcc build, ...).
$(STAMP): FORCE
	@mkdir -p $(@D)
	@echo '$(CC) $(ALL_CPPFLAGS) $(ALL_CFLAGS) $(ALL_LDFLAGS)' | cmp -s - $@ || \
		echo '$(CC) $(ALL_CPPFLAGS) $(ALL_CFLAGS) $(ALL_LDFLAGS)' >$@

$(B)/obj/%.o: %.c $(STAMP)
	@mkdir -p $(@D)
	$(CC) $(ALL_CPPFLAGS) $(ALL_CFLAGS) -MMD -MP -c -o $@ $<

$(B)/obj/gen/%.o: $(GEN)/%.c $(STAMP)
	@mkdir -p $(@D)
	$(CC) $(ALL_CPPFLAGS) $(ALL_CFLAGS) -MMD -MP -c -o $@ $<

# src/pod/NAME.sh -> const char NAME_sh[] (include/podscripts.h); a script may include another
# (agentgo.sh includes probe.sh), so each depends on them all
$(GEN)/%_sh.c: src/pod/%.sh $(SCRIPTS) $(wildcard src/pod/lib/*.sh) scripts/embed.sh
	@mkdir -p $(@D)
	sh scripts/embed.sh $*_sh $< $@

# cmd/completion/SHELL -> const char completion_SHELL[] (cmd/completion.c)
$(GEN)/completion_%.c: cmd/completion/% scripts/embed.sh
	@mkdir -p $(@D)
	sh scripts/embed.sh completion_$* $< $@

# Rewritten only when VERSION changes, so that only version.o is rebuilt.
$(GEN)/version.c: FORCE
	@mkdir -p $(@D)
	@printf '/* generated by the Makefile: do not edit */\nextern const char dotnetprof_version[];\nconst char dotnetprof_version[] = "%s";\n' '$(VERSION)' >$@.tmp
	@if cmp -s $@.tmp $@; then rm -f $@.tmp; else mv $@.tmp $@; fi

# --- unit tests ---------------------------------------------------------------------------------

$(B)/obj/tests/unit/%.o: tests/unit/%.c $(STAMP)
	@mkdir -p $(@D)
	$(CC) $(ALL_CPPFLAGS) -Iagent $(CMOCKA_CFLAGS) $(ALL_CFLAGS) -MMD -MP -c -o $@ $<

# The test and the tests/unit/*.h mock headers it includes are scanned for __wrap_ names.
test_files = $(1) $(wildcard $(addprefix tests/unit/,$(shell sed -n 's/^\#include "\([^"/]*\.h\)".*/\1/p' $(1))))
wrap_flags = $(addprefix -Wl$(comma)--wrap=,$(shell sed -n 's/.*__wrap_\([A-Za-z0-9_]*\).*/\1/p' $(call test_files,$(1)) | sort -u))

$(B)/tests/%: $(B)/obj/tests/unit/%.o $(CMDLIB) $(AGENT_TESTLIB) $(LIB)
	@mkdir -p $(@D)
	$(CC) $(ALL_CFLAGS) $(ALL_LDFLAGS) $(call wrap_flags,tests/unit/$*.c) -o $@ $< $(CMDLIB) \
		$(AGENT_TESTLIB) $(LIB) $(PKG_LIBS) $(CMOCKA_LIBS)

# The tool cache and ELF tests read the real diagnostics tools: build them first (idempotent).
tools:
	@bash tests/cluster/build-tools.sh

build/fixtures/nettrace/%.nettrace: tests/fixtures/nettrace/%.nettrace.gz
	@mkdir -p $(@D)
	gzip -dc $< >$@.tmp && mv $@.tmp $@

fixtures: $(NETTRACE_FIXTURES)

unit: $(TEST_BINS) $(BIN) tools fixtures
	@fail=0; for t in $(TEST_BINS); do \
		echo "== $$t"; \
		if $$t; then echo "PASS $$t"; else echo "FAIL $$t (exit $$?)"; fail=1; fi; \
	done; \
	for t in $(TEST_SCRIPTS); do \
		echo "== $$t"; \
		if DOTNETPROF_BIN=$(abspath $(BIN)) sh $$t; then echo "PASS $$t"; \
		else echo "FAIL $$t (exit $$?)"; fail=1; fi; \
	done; \
	if [ $$fail = 0 ]; then echo "unit: all $(words $(TEST_BINS) $(TEST_SCRIPTS)) tests passed"; \
	else echo "unit: FAILED"; fi; exit $$fail

valgrind:
	@if [ -n "$(SANITIZE)" ]; then echo "valgrind: do not combine with SANITIZE" >&2; exit 2; fi
	@$(MAKE) --no-print-directory $(TEST_BINS) fixtures
	@fail=0; for t in $(TEST_BINS); do \
		echo "== valgrind $$t"; \
		if $(VALGRIND) -q --error-exitcode=1 --leak-check=full $$t; then echo "PASS $$t"; \
		else echo "FAIL $$t"; fail=1; fi; \
	done; exit $$fail

# E2E: the scenarios to run (names of tests/e2e/t_*.sh, e.g. E2E="t_fetch t_push"); empty: all.
E2E ?=
e2e: $(BIN) $(DRIVER_BINS)
	@test -f tests/e2e/run.sh || { echo "e2e: tests/e2e/run.sh is missing" >&2; exit 1; }
	DOTNETPROF_BIN=$(abspath $(BIN)) bash tests/e2e/run.sh $(E2E)

# t_diag.sh with every pod shape traced by both engines (the default e2e run covers every shape
# with the agent and a representative few with Microsoft's tools)
e2e-matrix: $(BIN)
	DOTNETPROF_BIN=$(abspath $(BIN)) E2E_DIAG_MATRIX=full bash tests/e2e/run.sh t_diag

# t_debug.sh under each kubectl minor (the default e2e run uses the stand-in's default, 1.33).
e2e-debug-matrix: $(BIN)
	DOTNETPROF_BIN=$(abspath $(BIN)) bash tests/e2e/debug-matrix.sh

check: deps
	@$(MAKE) --no-print-directory unit
	@$(MAKE) --no-print-directory e2e

# Installs missing Debian packages when run as root, else prints the exact apt-get line.
deps:
	@scripts/ensure-deps.sh test

demo:
	@scripts/demo.sh

# --- e2e drivers: small programs that exercise library parts no verb uses yet ---------------------
# tests/e2e/drivers/NAME.c -> $(B)/drivers/NAME, linked with the library; `make drivers`.

DRIVER_BINS := $(patsubst tests/e2e/drivers/%.c,$(B)/drivers/%,$(wildcard tests/e2e/drivers/*.c))

$(B)/drivers/%: tests/e2e/drivers/%.c $(LIB) $(STAMP)
	@mkdir -p $(@D)
	$(CC) $(ALL_CPPFLAGS) $(ALL_CFLAGS) $(ALL_LDFLAGS) -o $@ $< $(LIB) $(PKG_LIBS)

.PHONY: drivers
drivers: $(DRIVER_BINS)

# --- fuzzing (clang + libFuzzer) ------------------------------------------------------------------

FUZZ_FLAGS := -std=c11 -g -O1 -Wall -Wextra -fsanitize=fuzzer-no-link,address,undefined \
	-fno-sanitize-recover=all
FUZZ_LIB_OBJS := $(patsubst %.c,build/fuzz/obj/%.o,$(LIB_SRCS) $(AGENT_PROTO_SRCS)) \
	$(patsubst $(GEN)/%.c,build/fuzz/obj/gen/%.o,$(GEN_SRCS) $(AGENT_GEN))

build/fuzz/obj/%.o: %.c
	@mkdir -p $(@D)
	$(FUZZ_CC) $(ALL_CPPFLAGS) -Iagent $(FUZZ_FLAGS) -MMD -MP -c -o $@ $<

build/fuzz/obj/gen/%.o: $(GEN)/%.c
	@mkdir -p $(@D)
	$(FUZZ_CC) $(ALL_CPPFLAGS) $(FUZZ_FLAGS) -c -o $@ $<

build/fuzz/%: tests/fuzz/%.c $(FUZZ_LIB_OBJS)
	@mkdir -p $(@D)
	$(FUZZ_CC) $(ALL_CPPFLAGS) -Iagent $(FUZZ_FLAGS) -fsanitize=fuzzer -o $@ $< $(FUZZ_LIB_OBJS) $(PKG_LIBS)

fuzz: $(FUZZ_BINS)
	@test -n "$(FUZZ_BINS)" || { echo "fuzz: no tests/fuzz/fuzz_*.c" >&2; exit 1; }
	@for f in $(FUZZ_BINS); do \
		n=$${f##*/}; mkdir -p build/fuzz/corpus/$$n; \
		seeds=; [ -d tests/fuzz/corpus/$$n ] && seeds=tests/fuzz/corpus/$$n; \
		echo "== $$n for $(FUZZ_SECONDS)s"; \
		$$f -max_total_time=$(FUZZ_SECONDS) -artifact_prefix=build/fuzz/ \
			build/fuzz/corpus/$$n $$seeds || exit 1; \
	done

# --- install, cluster, clean -------------------------------------------------------------------

# The completion scripts come from the binary just built (`completion SHELL`), so they match it.
BASH_COMPDIR := $(DATADIR)/bash-completion/completions
ZSH_COMPDIR  := $(DATADIR)/zsh/site-functions
FISH_COMPDIR := $(DATADIR)/fish/vendor_completions.d

install: $(BIN)
	$(INSTALL) -d $(DESTDIR)$(BINDIR) $(DESTDIR)$(MANDIR)/man1 $(DESTDIR)$(BASH_COMPDIR) \
		$(DESTDIR)$(ZSH_COMPDIR) $(DESTDIR)$(FISH_COMPDIR)
	$(INSTALL) -m 0755 $(BIN) $(DESTDIR)$(BINDIR)/$(PROG)
	$(INSTALL) -m 0755 scripts/kubectl_complete-dotnetprof $(DESTDIR)$(BINDIR)/kubectl_complete-dotnetprof
	$(INSTALL) -m 0644 docs/$(PROG).1 $(DESTDIR)$(MANDIR)/man1/$(PROG).1
	$(abspath $(BIN)) completion bash >$(DESTDIR)$(BASH_COMPDIR)/$(PROG)
	$(abspath $(BIN)) completion zsh >$(DESTDIR)$(ZSH_COMPDIR)/_$(PROG)
	$(abspath $(BIN)) completion fish >$(DESTDIR)$(FISH_COMPDIR)/$(PROG).fish

uninstall:
	rm -f $(DESTDIR)$(BINDIR)/$(PROG) $(DESTDIR)$(BINDIR)/kubectl_complete-dotnetprof \
		$(DESTDIR)$(MANDIR)/man1/$(PROG).1 $(DESTDIR)$(BASH_COMPDIR)/$(PROG) \
		$(DESTDIR)$(ZSH_COMPDIR)/_$(PROG) $(DESTDIR)$(FISH_COMPDIR)/$(PROG).fish

# --- release -------------------------------------------------------------------------------------
# Archives in $(DISTDIR); builds in build/dist/ARCH (scripts/dist.sh says what it checks).

check-release-version = @case '$(VERSION)' in v[0-9]*.[0-9]*.[0-9]*) ;; *) \
	echo "$@: give the release version: make $@ VERSION=vX.Y.Z" >&2; exit 2 ;; esac

dist:
	$(check-release-version)
	sh scripts/dist.sh '$(VERSION)' '$(DISTDIR)'

krew-manifest:
	$(check-release-version)
	@set -e; for a in amd64 arm64; do \
		test -f '$(DISTDIR)/$(PROG)_$(VERSION)_linux_'$$a.tar.gz || \
			{ $(MAKE) --no-print-directory dist VERSION='$(VERSION)' DISTDIR='$(DISTDIR)'; break; }; \
	done
	HOMEPAGE='$(HOMEPAGE)' RELEASE_URL='$(RELEASE_URL)' \
		sh scripts/krew-manifest.sh '$(VERSION)' '$(DISTDIR)' krew-manifest.yaml

cluster-up: deps
	python3 tests/cluster/standin.py up

cluster-down:
	python3 tests/cluster/standin.py down

# Only what this Makefile builds: build/ also holds the stand-in cluster's and the tools' state.
clean-bin:
	rm -rf $(PROG) build/obj build/tests build/gen build/fuzz build/san-* build/dist/amd64 build/dist/arm64 \
		build/fixtures build/libdotnetprof.a build/libdotnetprof-cmd.a build/libdotnetprof-agent.a \
		build/build-flags $(AGENT_DIR)

clean: clean-bin

FORCE:

-include $(shell find $(B)/obj build/fuzz/obj -name '*.d' 2>/dev/null)
