# pirack: top-level build (plain GNU make). See README.md.
#
#   make            build everything into $(O) (default build/)
#   make MPI=openmpi  the MPI programs against Open MPI (default mpich)
#   make check      install missing deps, build, run every test (also ASan+UBSan)
#   make demo       run the simulated cluster end to end
#   make bench      run the benchmarks
#   make install    install (honours DESTDIR, PREFIX)
#
# Each part of the tree adds its targets in its own fragment (lib/lib.mk,
# agent/agent.mk, mpi/mpi.mk, rack/rack.mk, tests/tests.mk, sim/sim.mk) to
# BINS, LIBS, TEST_BINS; each adds its own -I flags (no global include path).

O          ?= build
PREFIX     ?= /usr/local
DESTDIR    ?=
BINDIR     ?= $(PREFIX)/bin
SBINDIR    ?= $(PREFIX)/sbin
LIBDIR     ?= $(PREFIX)/lib
INCLUDEDIR ?= $(PREFIX)/include
MANDIR     ?= $(PREFIX)/share/man
SYSCONFDIR ?= /etc
SAN        ?= 0
PKG_CONFIG ?= pkg-config
MPI        ?= mpich
MPICC      ?= mpicc
VERSION    := 0.1.0

CFLAGS     ?= -O2 -g
WFLAGS     := -std=c11 -Wall -Wextra -Werror -D_GNU_SOURCE \
              -DPIRACK_VERSION='"$(VERSION)"'
ifeq ($(SAN),1)
SANFLAGS   := -fsanitize=address,undefined -fno-omit-frame-pointer \
              -fno-sanitize-recover=all
endif
ALL_CFLAGS  = $(WFLAGS) $(CFLAGS) $(SANFLAGS) -MMD -MP
ALL_LDFLAGS = $(LDFLAGS) $(SANFLAGS)

# make, make check, demo, bench, tests and fuzz first install the Debian
# packages they need (deploy/deps.sh; make and make tests only the build
# ones) and then run again in a sub-make with PIRACK_DEPS_DONE=1: the
# fragments ask pkg-config (and make check fetches libgpiod v2) while make
# reads them, which must come after the packages are there. Other goals
# (install, clean, a single file) and make -q read the fragments at once.
DEPS_GOALS := all tests check demo bench fuzz fuzz-build
GOALS := $(or $(MAKECMDGOALS),all)
ifeq ($(PIRACK_DEPS_DONE)$(filter $(DEPS_GOALS),$(GOALS)),)
PIRACK_DEPS_DONE := 1
endif
ifneq ($(findstring q,$(firstword -$(MAKEFLAGS))),)
PIRACK_DEPS_DONE := 1
endif
ifndef PIRACK_DEPS_DONE
DEPS_ARGS := --quiet $(if $(filter bench,$(GOALS)),--bench, \
	$(if $(filter check demo fuzz fuzz-build,$(GOALS)),,--build))
.DEFAULT_GOAL := all
.PHONY: $(GOALS) deps-then-make
$(GOALS): deps-then-make
	@:
deps-then-make:
	@bash deploy/deps.sh $(DEPS_ARGS)
	@$(MAKE) --no-print-directory PIRACK_DEPS_DONE=1 $(MAKECMDGOALS)
else
ifeq ($(shell command -v $(PKG_CONFIG)),)
ifneq ($(filter-out clean deps format format-check,$(GOALS)),)
$(error $(PKG_CONFIG) not found: run 'bash deploy/deps.sh --build' (or \
	'make', which does) to install the build packages)
endif
endif

BINS      :=
LIBS      :=
TEST_BINS :=
MANS      :=
CHECK_EXTRA_DIRS :=

.PHONY: all check demo bench install clean deps tests format format-check
all:
install::

include lib/lib.mk
include agent/agent.mk
include mpi/mpi.mk
include rack/rack.mk
include tests/tests.mk
include sim/sim.mk
include tests/vm/vm.mk
include tests/fuzz/fuzz.mk

all: $(BINS) $(LIBS)
tests: $(TEST_BINS)

$(O)/%.o: %.c
	@mkdir -p $(@D)
	$(CC) $(ALL_CFLAGS) $(EXTRA_CFLAGS) -c -o $@ $<

deps:
	@bash deploy/deps.sh --quiet

# The plain build, then the same tree under ASan+UBSan in $(O)/asan; each
# fragment's check-* targets hang off check-extra.
check: deps
	$(MAKE) all tests
	$(MAKE) O=$(O)/asan SAN=1 all tests
	$(MAKE) check-extra-builds
	bash tests/run.sh $(O) $(O)/asan $(CHECK_EXTRA_DIRS)

# Fragments add variant builds (e.g. libgpiod v2) here and their build
# directories to CHECK_EXTRA_DIRS (set empty before the fragments).
.PHONY: check-extra-builds
check-extra-builds::

# The whole tree also builds with clang (-Werror, its own warnings), and
# its unit tests run there: CC=clang MPICH_CC=clang, as a user would.
ifneq ($(filter check,$(MAKECMDGOALS)),)
ifneq ($(shell command -v clang 2>/dev/null),)
CHECK_EXTRA_DIRS += $(O)/clang
endif
endif
check-extra-builds::
	@if command -v clang >/dev/null; then \
		CC=clang MPICH_CC=clang $(MAKE) O=$(O)/clang all tests; \
	else echo "Makefile: no clang: the clang build is skipped"; fi

demo: deps all
	bash deploy/simcluster.sh

bench: deps all
	bash tests/bench/run.sh $(O)

# Kernel style, as .clang-format says: format-check (CI) fails on any
# deviation and names the file and line; format rewrites in place.
CLANG_FORMAT ?= clang-format
FORMAT_FILES = $(shell git ls-files '*.c' '*.h' 2>/dev/null || \
		 find agent lib mpi rack sim tests -name '*.[ch]')
format-check:
	@$(CLANG_FORMAT) --dry-run --Werror $(FORMAT_FILES)
format:
	$(CLANG_FORMAT) -i $(FORMAT_FILES)

clean:
	rm -rf $(O)

-include $(shell find $(O) -name '*.d' 2>/dev/null)

endif # PIRACK_DEPS_DONE
