# agent/agent.mk: pirackd. Every agent/*.c is part of it, except the GPIO
# backend for the libgpiod API not built (v1 on Debian 12, v2 on 13).
GPIOD_VERSION := $(shell $(PKG_CONFIG) --modversion libgpiod 2>/dev/null)
ifeq ($(firstword $(subst ., ,$(GPIOD_VERSION))),1)
GPIOD_SRC := agent/gpio_gpiod1.c
else
GPIOD_SRC := agent/gpio_gpiod2.c
endif
AGENT_PKGS := inih libcjson libgpiod libsystemd libmosquitto
AGENT_CFLAGS := $(shell $(PKG_CONFIG) --cflags $(AGENT_PKGS))
AGENT_LIBS := $(shell $(PKG_CONFIG) --libs $(AGENT_PKGS)) -lm

AGENT_SRCS := $(filter-out agent/gpio_gpiod%.c,$(wildcard agent/*.c)) \
	      $(wildcard $(GPIOD_SRC))
AGENT_OBJS := $(AGENT_SRCS:%.c=$(O)/%.o)
# Everything but main, for unit tests and the pirack tool.
AGENT_LIB_OBJS := $(filter-out $(O)/agent/pirackd.o,$(AGENT_OBJS))

$(AGENT_OBJS): EXTRA_CFLAGS += $(AGENT_CFLAGS)

$(O)/pirackd: $(AGENT_OBJS)
	$(CC) $(ALL_LDFLAGS) -o $@ $^ $(AGENT_LIBS)

BINS += $(O)/pirackd
