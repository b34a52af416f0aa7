# Tern: build, install and uninstall (GNU make).
#
#   make                 release binaries with the Swift runtime linked in statically
#                        (in .build-static), so they run where no toolchain is installed
#   make install         binaries, units, sysusers.d, tmpfiles.d, journal catalog and a
#                        default /etc/tern/tern.conf (kept when present); on a running
#                        systemd without DESTDIR it also creates the _tern account and
#                        /var/mail, updates the catalog and reloads systemd
#   make uninstall       removes what install put there; keeps /etc/tern and the queue
#
# PREFIX (default /usr/local) and DESTDIR work as usual; BUILT names a directory of
# binaries built otherwise (the tests install `swift build`'s debug ones with it).
PREFIX ?= /usr/local
DESTDIR ?=
SYSCONFDIR ?= /etc
BINDIR ?= $(PREFIX)/bin
LIBEXECDIR ?= $(PREFIX)/libexec/tern
UNITDIR ?= $(PREFIX)/lib/systemd/system
SYSUSERSDIR ?= $(PREFIX)/lib/sysusers.d
TMPFILESDIR ?= $(PREFIX)/lib/tmpfiles.d
CATALOGDIR ?= $(PREFIX)/lib/systemd/catalog
DOCDIR ?= $(PREFIX)/share/doc/tern
SCRATCH ?= .build-static
BUILT ?= $(SCRATCH)/release

# tern-local is tern-deliverd's per-mailbox helper; it is found beside tern-deliverd.
DAEMONS := tern-submitd tern-mtad tern-deliverd tern-local
UNITS := $(notdir $(wildcard units/*.socket units/*.service units/*.timer units/*.target))
# Install steps that act on the running system, only for a real (DESTDIR-less) install.
LIVE := $(if $(DESTDIR),,$(shell test -d /run/systemd/system && echo yes))

# Linked by the toolchain's lld rather than gold, for idle RSS (issue 8): DT_RELR
# (pack-relative-relocs, glibc 2.36) shrinks the 69,000 relative relocations the loader reads
# at every start from 1.6 MB to 14 KB, and --no-export-dynamic undoes the -export-dynamic that
# -static-stdlib adds, which put 26,000 Swift symbols in the dynamic symbol table that the
# loader searches first for every symbol a shared library binds. About 3.5 MiB per daemon.
LINKFLAGS := -Xswiftc -use-ld=lld -Xlinker --no-export-dynamic -Xlinker -z -Xlinker pack-relative-relocs
# The law of exclusivity (SE-0176) is enforced at compile time in every build and also at run
# time in debug builds, which every test runs (swift test, the end-to-end, crash and fuzz
# tests). Release binaries leave out the run-time checks: they were 9-10% of each daemon's
# instructions per message (issue 8, callgrind), most of them in SwiftNIO's own accesses.
SWIFTFLAGS := -Xswiftc -enforce-exclusivity=unchecked

.PHONY: all build install uninstall

all: build

build:
	swift build -c release --static-swift-stdlib $(SWIFTFLAGS) $(LINKFLAGS) --scratch-path $(SCRATCH)

install:
	@for p in $(DAEMONS) mailctl; do \
	  test -x "$(BUILT)/$$p" || { echo "make install: $(BUILT)/$$p is missing; run make first" >&2; exit 1; }; \
	done
	install -d $(DESTDIR)$(LIBEXECDIR) $(DESTDIR)$(BINDIR) $(DESTDIR)$(UNITDIR) $(DESTDIR)$(SYSUSERSDIR) \
	  $(DESTDIR)$(TMPFILESDIR) $(DESTDIR)$(CATALOGDIR) $(DESTDIR)$(DOCDIR) $(DESTDIR)$(SYSCONFDIR)/tern
	install -m 0755 $(addprefix $(BUILT)/,$(DAEMONS)) $(DESTDIR)$(LIBEXECDIR)/
	install -m 0755 $(BUILT)/mailctl $(DESTDIR)$(BINDIR)/
	for unit in $(UNITS); do \
	  sed -e 's|/usr/local/libexec/tern|$(LIBEXECDIR)|g' -e 's|/usr/local/share/doc/tern|$(DOCDIR)|g' \
	    units/$$unit > $(DESTDIR)$(UNITDIR)/$$unit && chmod 0644 $(DESTDIR)$(UNITDIR)/$$unit || exit 1; \
	done
	install -m 0644 units/sysusers.d/tern.conf $(DESTDIR)$(SYSUSERSDIR)/tern.conf
	install -m 0644 units/tmpfiles.d/tern.conf $(DESTDIR)$(TMPFILESDIR)/tern.conf
	install -m 0644 units/tern.catalog $(DESTDIR)$(CATALOGDIR)/tern.catalog
	install -m 0644 README.md $(DESTDIR)$(DOCDIR)/README.md
	test -e $(DESTDIR)$(SYSCONFDIR)/tern/tern.conf || install -m 0644 config/tern.conf $(DESTDIR)$(SYSCONFDIR)/tern/tern.conf
ifeq ($(LIVE),yes)
	systemd-sysusers $(SYSUSERSDIR)/tern.conf
	systemd-tmpfiles --create $(TMPFILESDIR)/tern.conf
	journalctl --update-catalog
	systemctl daemon-reload
	@echo "Tern installed; start it with: systemctl enable --now tern.target"
endif

uninstall:
ifeq ($(LIVE),yes)
	-systemctl disable --now tern.target $(UNITS)
endif
	rm -f $(addprefix $(DESTDIR)$(LIBEXECDIR)/,$(DAEMONS)) $(DESTDIR)$(BINDIR)/mailctl
	rm -f $(addprefix $(DESTDIR)$(UNITDIR)/,$(UNITS))
	rm -f $(DESTDIR)$(SYSUSERSDIR)/tern.conf $(DESTDIR)$(TMPFILESDIR)/tern.conf $(DESTDIR)$(CATALOGDIR)/tern.catalog
	rm -f $(DESTDIR)$(DOCDIR)/README.md
	-rmdir $(DESTDIR)$(LIBEXECDIR) $(DESTDIR)$(DOCDIR)
ifeq ($(LIVE),yes)
	journalctl --update-catalog
	systemctl daemon-reload
	@echo "Tern removed; /etc/tern, the queue in /var/lib/tern and the _tern account are kept"
endif
