# mpi/mpi.mk: libpirackpace, pirack-pi, pirack-temps, the scatter example.
# Everything MPI is compiled with $(MPICC); the library carries lib/'s
# sensors, throttle, pacing controller and clock objects (one
# implementation, not a copy).
# MPI=mpich (default) or MPI=openmpi picks the implementation. Each is
# called through its own wrappers (mpicc.mpich, mpiexec.openmpi...): the
# plain mpicc/mpiexec are Debian alternatives that belong to whichever MPI
# was installed last, and python3-mpi4py (make bench) pulls in Open MPI.
ifeq ($(filter mpich openmpi,$(MPI)),)
$(error mpi.mk: MPI=$(MPI): want mpich or openmpi)
endif
ifeq ($(MPICC),mpicc)
MPICC := $(if $(wildcard /usr/bin/mpicc.$(MPI)),mpicc.$(MPI),mpicc)
endif
MPIEXEC ?= $(if $(wildcard /usr/bin/mpiexec.$(MPI)),mpiexec.$(MPI),mpiexec)

# $(O)/mpi.env names the build's MPI and its launcher for the tests
# (tests/lib.sh, mpi_init). Rewritten only when the choice changes, and
# every object compiled with $(MPICC) depends on it: switching MPI in the
# same build directory rebuilds them instead of mixing two MPIs' objects.
MPI_ENV := MPI=$(MPI) MPICC=$(MPICC) MPIEXEC=$(MPIEXEC)
ifeq ($(filter clean,$(MAKECMDGOALS)),)
ifneq ($(MPI_ENV),$(strip $(shell cat $(O)/mpi.env 2>/dev/null)))
$(shell mkdir -p $(O) && printf '%s\n' $(MPI_ENV) >$(O)/mpi.env)
endif
endif
CJSON_CFLAGS := $(shell $(PKG_CONFIG) --cflags libcjson)
CJSON_LIBS   := $(shell $(PKG_CONFIG) --libs libcjson)

PACE_SRCS := mpi/pace.c mpi/pace_source.c mpi/pace_nodes.c mpi/pace_share.c \
	     mpi/pace_nap.c
PACE_OBJS := $(PACE_SRCS:%.c=$(O)/%.o) $(addprefix $(O)/lib/, \
	     sensors.o throttle.o pacectl.o clock.o pace_agent.o pace_post.o)
PI_SRCS   := mpi/pi.c mpi/cli.c mpi/pi_args.c mpi/pi_kernel.c mpi/pi_work.c \
	     mpi/pi_report.c mpi/stall.c mpi/abort.c
# The finalize fix (MPICH 3.4-4.1 ch4:ucx hang in MPI_Finalize, see
# libpirack-finalize.7) goes into every program as objects, not an archive
# member: it works by defining MPI_Finalize and ucp_disconnect_nb, which
# nothing in the program references for the linker to pull it in.
FF_OBJS   := $(O)/mpi/finalize_fix.o $(O)/mpi/finalize_shim.o
PI_OBJS   := $(PI_SRCS:%.c=$(O)/%.o) $(FF_OBJS)
TEMPS_OBJS := $(O)/mpi/temps.o $(O)/mpi/cli.o $(FF_OBJS)
SCATTER_OBJS := $(O)/mpi/examples/scatter.o $(O)/mpi/cli.o $(O)/mpi/abort.o \
		$(FF_OBJS)
MPI_OBJS  := $(sort $(PACE_SRCS:%.c=$(O)/%.o) $(PI_OBJS) $(TEMPS_OBJS) \
	     $(SCATTER_OBJS))
MPI_LIBS  := $(CJSON_LIBS) -lm

$(MPI_OBJS): CC = $(MPICC)
$(MPI_OBJS): $(O)/mpi.env
$(MPI_OBJS): EXTRA_CFLAGS += $(CJSON_CFLAGS) -Impi -Ilib
# The kernel's bits must not depend on the ISA: no a*b+c fused unless the
# source says fma (mpi/pi_kernel.c).
$(O)/mpi/pi_kernel.o: EXTRA_CFLAGS += -ffp-contract=off

$(O)/libpirackpace.a: $(PACE_OBJS)
	@rm -f $@
	$(AR) rcs $@ $^

$(O)/pirack-pi: $(PI_OBJS) $(O)/libpirackpace.a
	$(MPICC) $(ALL_LDFLAGS) -o $@ $^ $(MPI_LIBS)

$(O)/pirack-temps: $(TEMPS_OBJS) $(O)/libpirackpace.a
	$(MPICC) $(ALL_LDFLAGS) -o $@ $^ $(MPI_LIBS)

$(O)/examples/scatter: $(SCATTER_OBJS) $(O)/lib/clock.o
	@mkdir -p $(@D)
	$(MPICC) $(ALL_LDFLAGS) -o $@ $^ -lgmp

# The same fix as a preload for any MPI program. It links no MPI (it finds
# MPI's functions with dlsym) and no sanitizer runtime, so it loads into any
# process; only the MPI header is MPICC's.
FF_PIC_OBJS := $(FF_OBJS:$(O)/%.o=$(O)/pic/%.o)
$(FF_PIC_OBJS): $(O)/pic/%.o: %.c
	@mkdir -p $(@D)
	$(MPICC) $(WFLAGS) $(CFLAGS) -fPIC -fvisibility=hidden -MMD -MP -Impi -c -o $@ $<
$(FF_PIC_OBJS): $(O)/mpi.env
$(O)/libpirack-finalize.so: $(FF_PIC_OBJS)
	$(CC) $(CFLAGS) $(LDFLAGS) -shared -fPIC -Wl,-soname,$(@F) -o $@ $^ -ldl

# Sends right up to MPI_Finalize and checks every byte (mpi_finalize.sh).
$(O)/tests/mpi/finalize_burst: $(O)/tests/mpi/finalize_burst.o
	$(MPICC) $(ALL_LDFLAGS) -o $@ $^
$(O)/tests/mpi/finalize_burst.o: CC = $(MPICC)
$(O)/tests/mpi/finalize_burst.o: $(O)/mpi.env

# The classic scalar cpi, the benchmarks' baseline (-O2, like the seed's).
$(O)/tests/bench/cpi: tests/bench/cpi.c $(O)/mpi.env
	@mkdir -p $(@D)
	$(MPICC) -std=c11 -D_GNU_SOURCE -O2 -Wall -Wextra -Werror -o $@ $< -lm

# The pacing-overhead benchmark: libpirackpace around 10 ms of work.
$(O)/tests/bench/pace_overhead: $(O)/tests/bench/pace_overhead.o \
				$(O)/libpirackpace.a
	$(MPICC) $(ALL_LDFLAGS) -o $@ $^ $(MPI_LIBS)
$(O)/tests/bench/pace_overhead.o: CC = $(MPICC)
$(O)/tests/bench/pace_overhead.o: EXTRA_CFLAGS += -I. -Impi -Ilib
$(O)/tests/bench/pace_overhead.o: $(O)/mpi.env

LIBS += $(O)/libpirackpace.a $(O)/libpirack-finalize.so
BINS += $(O)/pirack-pi $(O)/pirack-temps $(O)/examples/scatter
TEST_BINS += $(O)/tests/bench/cpi $(O)/tests/bench/pace_overhead \
	     $(O)/tests/mpi/finalize_burst
MANS += mpi/pirack-pi.1 mpi/pirack-temps.1 mpi/libpirackpace.3 \
	mpi/libpirack-finalize.7

install:: $(O)/pirack-pi $(O)/pirack-temps $(O)/examples/scatter \
	   $(O)/libpirackpace.a $(O)/libpirack-finalize.so
	install -d $(DESTDIR)$(BINDIR) $(DESTDIR)$(LIBDIR) \
		$(DESTDIR)$(INCLUDEDIR)/pirack $(DESTDIR)$(MANDIR)/man1 \
		$(DESTDIR)$(MANDIR)/man3 $(DESTDIR)$(MANDIR)/man7
	install -m 755 $(O)/pirack-pi $(O)/pirack-temps $(DESTDIR)$(BINDIR)
	install -m 755 $(O)/examples/scatter \
		$(DESTDIR)$(BINDIR)/pirack-scatter
	install -m 644 $(O)/libpirackpace.a $(DESTDIR)$(LIBDIR)
	install -m 644 mpi/pace.h $(DESTDIR)$(INCLUDEDIR)/pirack/pace.h
	install -m 644 mpi/pirack-pi.1 mpi/pirack-temps.1 \
		$(DESTDIR)$(MANDIR)/man1
	install -m 644 mpi/libpirackpace.3 $(DESTDIR)$(MANDIR)/man3
	install -m 755 $(O)/libpirack-finalize.so $(DESTDIR)$(LIBDIR)
	install -m 644 mpi/libpirack-finalize.7 $(DESTDIR)$(MANDIR)/man7

# tests/unit/test_pace_share.c tests mpi/pace_share.c's pure plan (rounds,
# the split by weight); the object needs the rest of libpirackpace.
$(O)/tests/unit/test_pace_share.o: CC = $(MPICC)
$(O)/tests/unit/test_pace_share.o: EXTRA_CFLAGS += -Impi -Ilib
$(O)/tests/unit/test_pace_share.o: $(O)/mpi.env
$(O)/tests/unit/test_pace_share: private CC = $(MPICC)
$(O)/tests/unit/test_pace_share: $(O)/libpirackpace.a
$(O)/tests/unit/test_pace_share: AGENT_LIBS += $(CJSON_LIBS) -lm

# tests/unit/test_pi_args.c, test_pi_kernel.c and test_stall.c test
# mpi/pi_args.c, mpi/pi_kernel.c and stall_limits() in mpi/stall.c (no MPI
# calls; their headers include mpi.h).
PI_UNIT_BINS := $(O)/tests/unit/test_pi_args $(O)/tests/unit/test_pi_kernel \
		$(O)/tests/unit/test_stall
$(PI_UNIT_BINS:%=%.o): CC = $(MPICC)
$(PI_UNIT_BINS:%=%.o): EXTRA_CFLAGS += -Impi -Ilib
$(PI_UNIT_BINS:%=%.o): $(O)/mpi.env
$(PI_UNIT_BINS): private CC = $(MPICC)
$(O)/tests/unit/test_pi_args: $(O)/mpi/pi_args.o $(O)/mpi/cli.o \
			      $(O)/mpi/pi_kernel.o $(O)/libpirackpace.a
$(O)/tests/unit/test_pi_kernel: $(O)/mpi/pi_kernel.o
$(O)/tests/unit/test_stall: $(O)/mpi/stall.o $(O)/mpi/abort.o \
		$(O)/libpirackpace.a

# tests/unit/test_finalize_fix.c tests the pure decision in mpi/finalize_fix.c.
$(O)/tests/unit/test_finalize_fix: $(O)/mpi/finalize_fix.o

# tests/tools/pi_bits: the kernels' sums as bits, natively and, in
# tests/integration/mpi_arm64_bits.sh, cross-compiled for arm64.
$(O)/tests/tools/pi_bits.o: EXTRA_CFLAGS += -I.
$(O)/tests/tools/pi_bits: $(O)/tests/tools/pi_bits.o $(O)/mpi/pi_kernel.o
	$(CC) $(ALL_LDFLAGS) -o $@ $^ -lm
TEST_BINS += $(O)/tests/tools/pi_bits

# 'make mpi': the MPI programs and what their tests need, no more (the
# Open MPI variant of make check builds only these).
.PHONY: mpi
mpi: $(O)/pirack-pi $(O)/pirack-temps $(O)/examples/scatter \
     $(O)/libpirackpace.a $(O)/tests/bench/pace_overhead $(PI_UNIT_BINS)

# make check also builds the MPI programs against Open MPI in
# $(O)/openmpi and runs the mpi_* tests there (tests/run.sh); deploy/deps.sh
# installs it. Only from an MPICH build: MPI=openmpi is the variant itself.
ifeq ($(MPI),mpich)
CHECK_EXTRA_DIRS += $(O)/openmpi
check-extra-builds::
	$(MAKE) O=$(O)/openmpi MPI=openmpi mpi
endif
