# tests/fuzz/fuzz.mk: libFuzzer targets, one per parser (tests/fuzz/fuzz_*.c),
# built with clang under ASan+UBSan into $(O)/fuzz/.
#
#   make fuzz-build        build every target (nothing, and a message,
#                          without clang)
#   make fuzz              build, then run each for FUZZ_SECONDS (default 60)
#                          from its seed corpus tests/fuzz/corpus/<target>/
#   make fuzz FUZZ_TARGETS=fuzz_config   only some
#
# The project's code is compiled a second time here, by clang with
# -fsanitize=fuzzer-no-link for coverage, into $(O)/fuzz/obj/. New inputs go
# to $(O)/fuzz/corpus/<target>/, crashes to $(O)/fuzz/crashes/: the seed
# corpus is source and never written by a run. See tests/fuzz/run.sh.
FUZZ_CC      ?= clang
FUZZ_SECONDS ?= 60
FUZZ_O       := $(O)/fuzz
FUZZ_SAN     := -fsanitize=address,undefined -fno-sanitize-recover=all \
		-fno-omit-frame-pointer
# Owners' code is -Werror under gcc; clang's own extra warnings do not
# break the fuzz build. The targets themselves stay -Werror.
FUZZ_CFLAGS  := $(WFLAGS) -O1 -g $(FUZZ_SAN) -fsanitize=fuzzer-no-link \
		-MMD -MP -I. $(AGENT_CFLAGS)
FUZZ_SRCS    := $(wildcard tests/fuzz/fuzz_*.c)
FUZZ_BINS    := $(FUZZ_SRCS:tests/fuzz/%.c=$(FUZZ_O)/%)
FUZZ_AGENT_OBJS := $(AGENT_LIB_OBJS:$(O)/%=$(FUZZ_O)/obj/%) \
		   $(LIB_OBJS:$(O)/%=$(FUZZ_O)/obj/%)

$(FUZZ_O)/obj/agent/%.o: EXTRA_FUZZ_CFLAGS := -Wno-error
$(FUZZ_O)/obj/lib/%.o: EXTRA_FUZZ_CFLAGS := -Wno-error
$(FUZZ_O)/obj/%.o: %.c
	@mkdir -p $(@D)
	$(FUZZ_CC) $(FUZZ_CFLAGS) $(EXTRA_FUZZ_CFLAGS) -c -o $@ $<

# Every target links the agent's objects (all but main); a target on
# another part's code adds that part's objects as prerequisites.
$(FUZZ_O)/fuzz_%: $(FUZZ_O)/obj/tests/fuzz/fuzz_%.o $(FUZZ_AGENT_OBJS)
	$(FUZZ_CC) $(FUZZ_SAN) -fsanitize=fuzzer -o $@ $^ $(AGENT_LIBS)

# rack.conf: the rack tool's objects (and, through agentconf, config.c).
FUZZ_RACK_OBJS := $(RACK_OBJS:$(O)/%=$(FUZZ_O)/obj/%)
$(FUZZ_O)/obj/rack/%.o: EXTRA_FUZZ_CFLAGS := -Wno-error $(RACK_CFLAGS)
$(FUZZ_O)/obj/tests/fuzz/fuzz_inventory.o: EXTRA_FUZZ_CFLAGS := $(RACK_CFLAGS)
$(FUZZ_O)/fuzz_inventory: $(FUZZ_RACK_OBJS)

# mpi/ objects need mpi.h.
FUZZ_MPI_CFLAGS := $(shell $(PKG_CONFIG) --cflags mpich 2>/dev/null) -Impi -Ilib \
		   $(CJSON_CFLAGS)
$(FUZZ_O)/obj/mpi/%.o: EXTRA_FUZZ_CFLAGS := -Wno-error $(FUZZ_MPI_CFLAGS)
# pirack-pi's command line: pi_args.c and what it calls (pace.c is MPI's).
FUZZ_PI_OBJS := $(addprefix $(FUZZ_O)/obj/mpi/,pi_args.o cli.o pi_kernel.o \
		pace.o pace_source.o pace_nodes.o pace_nap.o)
$(FUZZ_O)/obj/tests/fuzz/fuzz_pi_args.o: EXTRA_FUZZ_CFLAGS := \
	$(FUZZ_MPI_CFLAGS)
$(FUZZ_O)/fuzz_pi_args: $(FUZZ_PI_OBJS)
# clang 14 lacks the x86-64-v3/v4 names pi_kernel.c asks the CPU about:
# gcc builds it, uninstrumented (arithmetic, not a parser).
$(FUZZ_O)/obj/mpi/pi_kernel.o: mpi/pi_kernel.c
	@mkdir -p $(@D)
	$(CC) $(WFLAGS) -O2 -g -ffp-contract=off $(FUZZ_MPI_CFLAGS) -c -o $@ $<
$(FUZZ_O)/fuzz_pi_args: AGENT_LIBS += \
	$(shell $(PKG_CONFIG) --libs mpich 2>/dev/null)

.PHONY: fuzz fuzz-build
fuzz-build:
	@if command -v $(FUZZ_CC) >/dev/null; then \
		$(MAKE) --no-print-directory $(FUZZ_BINS); \
	else \
		echo "fuzz.mk: $(FUZZ_CC) not found: fuzz targets not built" \
		     "(deploy/deps.sh installs clang)"; \
	fi

fuzz: fuzz-build
	bash tests/fuzz/run.sh $(FUZZ_O) $(FUZZ_SECONDS) $(FUZZ_TARGETS)

# make check builds the targets; tests/integration/fuzz_smoke.sh runs them
# briefly.
check-extra-builds::
	@$(MAKE) --no-print-directory fuzz-build
.SECONDARY: $(FUZZ_AGENT_OBJS) $(FUZZ_SRCS:%.c=$(FUZZ_O)/obj/%.o) \
	$(FUZZ_RACK_OBJS) $(FUZZ_PI_OBJS)
