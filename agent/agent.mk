# agent.mk - dotnetprof-agent: the static program that runs in the pod (included by the Makefile).
#
# Built for every architecture in AGENT_ARCHES, each with its own compiler, into
# build/agent/ARCH/dotnetprof-agent (stripped, static, no library but libc), whatever the plugin's
# CC, SANITIZE or B are. Linked against musl: Debian's musl-tools (musl-gcc) for x64, musl-dev:arm64
# and musl-dev:armhf through multiarch with the cross compilers (aarch64-linux-musl-gcc and
# arm-linux-musleabihf-gcc come with them); scripts/ensure-deps.sh build installs them. Without musl
# for x64, static glibc is the fallback (AGENT_CC_x64=gcc; bigger).
# The agents are then embedded in the plugin: scripts/embedbin.sh writes $(GEN)/agentbin_data.c
# (the bytes, size and SHA-256 of each), which src/agentbin.c serves (include/agentbin.h).
#
#   make agents             the agents alone
#   make agent-sizes        their sizes
# Knobs: AGENT_ARCHES (default: x64 arm64 arm; none on macOS), AGENT_CC_x64, AGENT_CC_arm64,
# AGENT_CC_arm, AGENT_CFLAGS.

# macOS has no Linux cross compilers to speak of: a plugin built there embeds no agent
ifeq ($(shell uname -s),Darwin)
AGENT_ARCHES ?=
else
AGENT_ARCHES ?= x64 arm64 arm
endif
AGENT_CC_x64 ?= $(if $(shell command -v musl-gcc 2>/dev/null),musl-gcc,gcc)
AGENT_CC_arm64 ?= aarch64-linux-musl-gcc
AGENT_CC_arm ?= arm-linux-musleabihf-gcc
AGENT_CFLAGS ?= -Os
AGENT_DIR := build/agent

# The agent's own sources, and the library files it shares with the plugin (libc only).
AGENT_SRCS := $(sort $(filter-out agent/fuzz_%.c,$(wildcard agent/*.c))) src/digest.c src/duration.c
AGENT_PROTO_SRCS := agent/ipc.c
AGENT_ALL_CPPFLAGS := -Iagent -Iinclude -D_DEFAULT_SOURCE -D_POSIX_C_SOURCE=200809L \
	-DAGENT_VERSION='"$(VERSION)"'
AGENT_ALL_CFLAGS := -std=c11 $(WARNINGS) $(AGENT_CFLAGS) -ffunction-sections -fdata-sections \
	-fno-asynchronous-unwind-tables -fno-unwind-tables -ffile-prefix-map=$(CURDIR)/=
AGENT_LDFLAGS := -static -Wl,--gc-sections -Wl,--build-id=none -s

AGENT_BINS := $(foreach a,$(AGENT_ARCHES),$(AGENT_DIR)/$(a)/dotnetprof-agent)
AGENT_GEN := $(GEN)/agentbin_data.c

# agent_rules ARCH: objects and the binary of one architecture, rebuilt when its compiler or flags
# change (a stamp per architecture, as the plugin's build-flags).
define agent_rules
$(AGENT_DIR)/$(1)/flags: FORCE
	@mkdir -p $$(@D)
	@echo '$$(AGENT_CC_$(1)) $$(AGENT_ALL_CPPFLAGS) $$(AGENT_ALL_CFLAGS) $$(AGENT_LDFLAGS)' | \
		cmp -s - $$@ || echo '$$(AGENT_CC_$(1)) $$(AGENT_ALL_CPPFLAGS) $$(AGENT_ALL_CFLAGS) $$(AGENT_LDFLAGS)' >$$@

$(AGENT_DIR)/$(1)/obj/%.o: %.c $(AGENT_DIR)/$(1)/flags
	@mkdir -p $$(@D)
	@command -v $$(AGENT_CC_$(1)) >/dev/null 2>&1 || { echo "agent: $$(AGENT_CC_$(1)) not found" \
		"(the $(1) agent's compiler)" >&2; echo "hint: run scripts/ensure-deps.sh build as root" \
		"(or AGENT_ARCHES=... to build fewer)" >&2; exit 1; }
	$$(AGENT_CC_$(1)) $$(AGENT_ALL_CPPFLAGS) $$(AGENT_ALL_CFLAGS) -MMD -MP -c -o $$@ $$<

$(AGENT_DIR)/$(1)/dotnetprof-agent: $(patsubst %.c,$(AGENT_DIR)/$(1)/obj/%.o,$(AGENT_SRCS))
	$$(AGENT_CC_$(1)) $$(AGENT_ALL_CFLAGS) $$(AGENT_LDFLAGS) -o $$@ $$^
endef
$(foreach a,$(AGENT_ARCHES),$(eval $(call agent_rules,$(a))))

$(AGENT_GEN): $(AGENT_BINS) scripts/embedbin.sh
	@mkdir -p $(@D)
	sh scripts/embedbin.sh $@ $(foreach a,$(AGENT_ARCHES),$(a)=$(AGENT_DIR)/$(a)/dotnetprof-agent)

# The plugin's library gains the embedded agents.
LIB_OBJS += $(B)/obj/gen/agentbin_data.o

.PHONY: agents agent-sizes
agents: $(AGENT_BINS)

agent-sizes: $(AGENT_BINS)
	@for b in $(AGENT_BINS); do printf '%-8s %7d bytes  %s\n' "$$(basename $$(dirname $$b))" \
		"$$(wc -c <$$b)" "$$b"; done

# Host builds of the agent's files for the unit tests and the fuzzer (plain CC, the plugin's flags).
AGENT_TEST_OBJS := $(patsubst %.c,$(B)/obj/%.o,$(filter-out agent/main.c src/%,$(AGENT_SRCS)))
AGENT_TESTLIB := $(B)/libdotnetprof-agent.a

$(AGENT_TESTLIB): $(AGENT_TEST_OBJS)
	rm -f $@ && $(AR) rcs $@ $^

$(B)/obj/agent/%.o: agent/%.c $(STAMP)
	@mkdir -p $(@D)
	$(CC) $(ALL_CPPFLAGS) -Iagent -D_DEFAULT_SOURCE $(ALL_CFLAGS) -MMD -MP -c -o $@ $<

-include $(shell find $(AGENT_DIR) -name '*.d' 2>/dev/null)
