# agent/agent.mk: pirackd. Every agent/*.c is part of it, except the GPIO
# backend for the libgpiod API not built (v1 on Debian 12, v2 on 13).
#
# GPIOD2_PREFIX=DIR builds against a libgpiod v2 unpacked under DIR (see
# deploy/libgpiod2.sh) instead of the system's: its own .pc file, with the
# prefix redefined, gives -I/-L, and an rpath finds the library at run time.
ifneq ($(GPIOD2_PREFIX),)
GPIOD_PCDIR := $(patsubst %/libgpiod.pc,%,$(firstword \
	$(wildcard $(GPIOD2_PREFIX)/usr/lib/*/pkgconfig/libgpiod.pc)))
GPIOD_PC := PKG_CONFIG_LIBDIR=$(GPIOD_PCDIR) $(PKG_CONFIG) \
	--define-variable=prefix=$(GPIOD2_PREFIX)/usr
GPIOD_LIBDIR := $(shell $(GPIOD_PC) --variable=libdir libgpiod)
GPIOD_RPATH := -Wl,-rpath,$(GPIOD_LIBDIR)
else
GPIOD_PC := $(PKG_CONFIG)
endif
GPIOD_VERSION := $(shell $(GPIOD_PC) --modversion libgpiod 2>/dev/null)
GPIOD_CFLAGS := $(shell $(GPIOD_PC) --cflags libgpiod 2>/dev/null)
GPIOD_LIBS := $(shell $(GPIOD_PC) --libs libgpiod 2>/dev/null) $(GPIOD_RPATH)
ifeq ($(firstword $(subst ., ,$(GPIOD_VERSION))),1)
GPIOD_SRC := agent/gpio_gpiod1.c
else
GPIOD_SRC := agent/gpio_gpiod2.c
endif
AGENT_PKGS := inih libcjson libmosquitto
# libgpiod first: its -I must win over the system's v1 gpiod.h.
AGENT_CFLAGS := $(LIB_CFLAGS) $(GPIOD_CFLAGS) \
	$(shell $(PKG_CONFIG) --cflags $(AGENT_PKGS))
AGENT_LIBS := $(GPIOD_LIBS) $(shell $(PKG_CONFIG) --libs $(AGENT_PKGS)) -lm

AGENT_SRCS := $(filter-out agent/gpio_gpiod%.c,$(wildcard agent/*.c)) \
	      $(wildcard $(GPIOD_SRC))
AGENT_OBJS := $(AGENT_SRCS:%.c=$(O)/%.o)
# Everything but main, as an archive: a unit test links only the objects
# that what it tests needs (and libpirack.a after it).
AGENT_LIB_OBJS := $(filter-out $(O)/agent/pirackd.o,$(AGENT_OBJS))
AGENT_ARCHIVES := $(O)/agent/libagent.a $(O)/libpirack.a

$(O)/agent/libagent.a: $(AGENT_LIB_OBJS)
	@rm -f $@
	$(AR) rcs $@ $^

# round()/lround() inline (no errno, no FP traps are used), and pirackd
# links only the libraries it calls: libm alone is ~0.3 MiB of resident
# pages in a 4 MiB agent (tests/bench/footprint.bench.sh).
AGENT_MATHFLAGS := -fno-math-errno -fno-trapping-math
$(AGENT_OBJS): EXTRA_CFLAGS += $(AGENT_CFLAGS) $(AGENT_MATHFLAGS)

$(O)/pirackd: $(O)/agent/pirackd.o $(AGENT_ARCHIVES)
	$(CC) $(ALL_LDFLAGS) -Wl,--as-needed -o $@ $^ $(AGENT_LIBS)

BINS += $(O)/pirackd

# make check also builds everything against libgpiod v2 (Debian 13's,
# fetched by deploy/libgpiod2.sh) in $(O)/gpiod2 and runs the tests there.
# Fetched while make check reads its makefiles, so that the variant is
# listed only when it can be built: no archive, no variant, and a message
# (the script's reason goes to stderr). PIRACK_REQUIRE_GPIOD2=1 (CI) makes
# a failed fetch an error instead: the v2 build must not vanish silently.
ifneq ($(filter check,$(MAKECMDGOALS)),)
GPIOD2_CACHE := $(shell bash deploy/libgpiod2.sh)
ifneq ($(GPIOD2_CACHE),)
CHECK_EXTRA_DIRS += $(O)/gpiod2
else ifeq ($(PIRACK_REQUIRE_GPIOD2),1)
$(error agent.mk: libgpiod v2 could not be fetched (deploy/libgpiod2.sh, \
	reason above) and PIRACK_REQUIRE_GPIOD2=1)
else
$(info agent.mk: libgpiod v2 could not be fetched (deploy/libgpiod2.sh, \
	reason above): skipping the gpiod2 variant build and its tests)
endif
endif

check-extra-builds::
	@prefix=$$(bash deploy/libgpiod2.sh --cached) || { \
		[ "$(PIRACK_REQUIRE_GPIOD2)" != 1 ] || { \
			echo "agent.mk: PIRACK_REQUIRE_GPIOD2=1: no libgpiod v2" >&2; \
			exit 1; }; \
		echo "agent.mk: no libgpiod v2 fetched: gpiod2 build skipped"; \
		exit 0; }; \
	$(MAKE) O=$(O)/gpiod2 GPIOD2_PREFIX="$$prefix" all tests

# The agent, its manual pages and a commented sample configuration (the
# live /etc/pirack/agent.conf is the deployment's, never overwritten here).
install:: $(O)/pirackd
	install -d $(DESTDIR)$(SBINDIR) $(DESTDIR)$(MANDIR)/man8 \
		$(DESTDIR)$(MANDIR)/man5 $(DESTDIR)$(SYSCONFDIR)/pirack
	install -m 0755 $(O)/pirackd $(DESTDIR)$(SBINDIR)/pirackd
	install -m 0644 agent/pirackd.8 $(DESTDIR)$(MANDIR)/man8/pirackd.8
	install -m 0644 agent/pirackd.conf.5 \
		$(DESTDIR)$(MANDIR)/man5/pirackd.conf.5
	install -m 0644 config/agent.conf \
		$(DESTDIR)$(SYSCONFDIR)/pirack/agent.conf.example

# The MQTT interface (topics, payloads, commands) and the sample head-node
# broker setup, as examples beside the docs (deploy installs it for real).
install::
	install -d $(DESTDIR)$(MANDIR)/man7 \
		$(DESTDIR)$(PREFIX)/share/doc/pirack/mosquitto
	install -m 0644 agent/pirack-mqtt.7 $(DESTDIR)$(MANDIR)/man7/pirack-mqtt.7
	install -m 0644 config/mosquitto/pirack.conf config/mosquitto/pirack.acl \
		config/mosquitto/README.md $(DESTDIR)$(PREFIX)/share/doc/pirack/mosquitto/
