# sim/sim.mk: pirack-simnode, the simulated Pi as a program of its own
# (thermal plant, firmware throttling, load, the ranks' duty cycle). It
# links lib/ only; pirackd never links sim/ (it meets a simulated node
# through the sysfs tree and the GPIO files, as it meets a real Pi).
SIM_SRCS := $(wildcard sim/*.c)
SIM_OBJS := $(SIM_SRCS:%.c=$(O)/%.o)
SIM_LIB_OBJS := $(filter-out $(O)/sim/simnode.o,$(SIM_OBJS))
SIM_CFLAGS := -Isim $(LIB_CFLAGS)

$(SIM_OBJS): EXTRA_CFLAGS += $(SIM_CFLAGS)

# Everything but main, for the unit tests (tests/unit/test_sim*.c).
$(O)/sim/libsim.a: $(SIM_LIB_OBJS)
	@rm -f $@
	$(AR) rcs $@ $^

$(O)/pirack-simnode: $(O)/sim/simnode.o $(O)/sim/libsim.a $(O)/libpirack.a
	$(CC) $(ALL_LDFLAGS) -o $@ $^ $(LIB_LIBS) -lm

BINS += $(O)/pirack-simnode
MANS += sim/pirack-simnode.1

# The unit tests of sim/ link its archive before lib/'s.
SIM_UNIT_BINS := $(patsubst tests/unit/%.c,$(O)/tests/unit/%,\
	$(wildcard tests/unit/test_sim*.c))
$(SIM_UNIT_BINS): $(O)/tests/unit/%: $(O)/tests/unit/%.o $(O)/sim/libsim.a \
		  $(O)/libpirack.a $(UNIT_FIXTURE)
	$(CC) $(ALL_LDFLAGS) -o $@ $^ $(LIB_LIBS) $(CMOCKA_LIBS) -lm

install:: $(O)/pirack-simnode
	install -d $(DESTDIR)$(BINDIR) $(DESTDIR)$(MANDIR)/man1
	install -m 0755 $(O)/pirack-simnode $(DESTDIR)$(BINDIR)/pirack-simnode
	install -m 0644 sim/pirack-simnode.1 \
		$(DESTDIR)$(MANDIR)/man1/pirack-simnode.1

# The controller against this plant, offline (make bench).
$(O)/tests/bench/pace_plant: $(O)/tests/bench/pace_plant.o \
			     $(O)/agent/cpufreq.o $(O)/sim/libsim.a \
			     $(O)/libpirack.a
	$(CC) $(ALL_LDFLAGS) -o $@ $^ $(LIB_LIBS) -lm
$(O)/tests/bench/pace_plant.o: EXTRA_CFLAGS += $(SIM_CFLAGS) -I.
TEST_BINS += $(O)/tests/bench/pace_plant
