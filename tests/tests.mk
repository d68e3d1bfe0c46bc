# tests/tests.mk: unit tests (cmocka), one binary per tests/unit/test_*.c,
# linked with the agent's and lib/'s archives (so only with the objects
# the module under test needs); and the small tools tests use.
UNIT_SRCS := $(wildcard tests/unit/test_*.c)
UNIT_BINS := $(UNIT_SRCS:tests/unit/%.c=$(O)/tests/unit/%)
CMOCKA_LIBS := $(shell $(PKG_CONFIG) --libs cmocka)

# Tests name what they test by path: #include "agent/fan.h".
$(UNIT_SRCS:%.c=$(O)/%.o): EXTRA_CFLAGS += -I. $(AGENT_CFLAGS)
$(O)/tests/unit/%: $(O)/tests/unit/%.o $(AGENT_ARCHIVES)
	$(CC) $(ALL_LDFLAGS) -o $@ $^ $(AGENT_LIBS) $(CMOCKA_LIBS)

$(O)/tests/tools/%: $(O)/tests/tools/%.o
	$(CC) $(ALL_LDFLAGS) -o $@ $^

# Every unit test links the temp-tree helpers (tests/unit/fixture.c), also
# those linked by another fragment's rule ($^ carries it there too).
UNIT_FIXTURE := $(O)/tests/unit/fixture.o
$(UNIT_BINS): $(UNIT_FIXTURE)

TEST_BINS += $(UNIT_BINS) $(O)/tests/tools/freeport $(O)/tests/tools/ctl \
	     $(O)/tests/tools/sdnotify $(O)/tests/tools/udpsink \
	     $(O)/tests/tools/hold
