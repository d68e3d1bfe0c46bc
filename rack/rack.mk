# rack/rack.mk: the rack tool pirack (rack issue), its unit tests, and the
# deployment files (systemd unit, install script) it installs.
RACK_PKGS := inih libcjson libmosquitto
RACK_CFLAGS := $(LIB_CFLAGS) $(shell $(PKG_CONFIG) --cflags $(RACK_PKGS))
RACK_LIBS := $(shell $(PKG_CONFIG) --libs $(RACK_PKGS)) -lm
RACK_SRCS := $(filter-out rack/pirack.c,$(wildcard rack/*.c))
RACK_OBJS := $(RACK_SRCS:%.c=$(O)/%.o)
# lib/'s config code: one writer of agent.conf, not two.
RACK_LIB_OBJS := $(RACK_OBJS) $(O)/libpirack.a

$(RACK_OBJS) $(O)/rack/pirack.o: EXTRA_CFLAGS += $(RACK_CFLAGS)

$(O)/pirack: $(O)/rack/pirack.o $(RACK_LIB_OBJS)
	$(CC) $(ALL_LDFLAGS) -o $@ $^ $(RACK_LIBS)

BINS += $(O)/pirack

# Unit tests of rack code link the rack objects, not the agent's: this
# rule's stem is shorter than tests.mk's generic one, so make prefers it.
RACK_TEST_SRCS := $(wildcard tests/unit/test_rack_*.c)
$(RACK_TEST_SRCS:%.c=$(O)/%.o): EXTRA_CFLAGS += $(RACK_CFLAGS)
$(O)/tests/unit/test_rack_%: $(O)/tests/unit/test_rack_%.o $(RACK_LIB_OBJS)
	$(CC) $(ALL_LDFLAGS) -o $@ $^ $(RACK_LIBS) $(CMOCKA_LIBS)

# The units run $(SBINDIR)/pirackd; install.sh and the sample rack file go
# to share/pirack for cluster.sh to push to the nodes.
install:: $(O)/pirack
	install -D -m 0755 $(O)/pirack $(DESTDIR)$(BINDIR)/pirack
	install -D -m 0644 rack/pirack.1 $(DESTDIR)$(MANDIR)/man1/pirack.1
	install -d $(DESTDIR)$(LIBDIR)/systemd/system
	for u in pirackd.service pirackd-failsafe.service; do \
		sed 's|/usr/local/sbin/|$(SBINDIR)/|g' deploy/$$u \
			>$(DESTDIR)$(LIBDIR)/systemd/system/$$u && \
		chmod 0644 $(DESTDIR)$(LIBDIR)/systemd/system/$$u || exit 1; \
	done
	install -D -m 0755 deploy/install.sh \
		$(DESTDIR)$(PREFIX)/share/pirack/install.sh
	install -D -m 0644 config/rack.conf \
		$(DESTDIR)$(PREFIX)/share/pirack/rack.conf.example
