# lib/lib.mk: libpirack.a, what the agent, the MPI programs and the rack tool
# share: config keys, parser and writer, the INI line reader, sensors and
# throttle flags, the pacing controller, the control-socket client
# (pace_agent), log, clock and filesystem helpers.
# Dependencies point one way: agent/, mpi/, rack/ -> lib/; lib/ includes
# nothing of theirs. Each part adds -Ilib to its own objects.
LIB_SRCS := $(wildcard lib/*.c)
LIB_OBJS := $(LIB_SRCS:%.c=$(O)/%.o)
LIB_CFLAGS := -Ilib $(shell $(PKG_CONFIG) --cflags inih libcjson 2>/dev/null)
LIB_LIBS := $(shell $(PKG_CONFIG) --libs inih libcjson 2>/dev/null)

# As pirackd's own objects: round() inline, no libm (agent/agent.mk).
$(LIB_OBJS): EXTRA_CFLAGS += $(LIB_CFLAGS) -fno-math-errno -fno-trapping-math

$(O)/libpirack.a: $(LIB_OBJS)
	@rm -f $@
	$(AR) rcs $@ $^
