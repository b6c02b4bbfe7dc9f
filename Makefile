# mailautoconf — one portable GNU Makefile.
PREFIX	?= /usr/local
SBINDIR	?= $(PREFIX)/sbin
MANDIR	?= $(PREFIX)/share/man
SYSCONFDIR ?= /etc
WERROR	?= -Werror

CC	?= cc
CFLAGS	?= -O2 -g
WARN	:= -Wall -Wextra -Wpedantic -Wshadow -Wstrict-prototypes \
	   -Wmissing-prototypes -Wwrite-strings -Wformat=2
# Signed Apple profiles need OpenSSL's libcrypto; without it (or with
# SIGNING=no) the build leaves signing out and says so at config load.
SIGNING	?= $(shell pkg-config --exists libcrypto 2>/dev/null && echo yes || echo no)
ifeq ($(SIGNING),yes)
# Headers only: sign.c opens libcrypto with dlopen(3) when a config
# asks for signing, so a plain CGI does not load it on every request.
CRYPTO_CFLAGS := $(shell pkg-config --cflags libcrypto 2>/dev/null)
SIGN_DEFS := -DHAVE_LIBCRYPTO $(CRYPTO_CFLAGS)
endif
# The seccomp filter of the FastCGI loop needs libseccomp (SECCOMP=no
# leaves it out).
SECCOMP	?= $(shell pkg-config --exists libseccomp 2>/dev/null && echo yes || echo no)
ifeq ($(SECCOMP),yes)
# Headers only: sandbox.c opens libseccomp with dlopen(3).
SIGN_DEFS += -DHAVE_SECCOMP $(shell pkg-config --cflags libseccomp 2>/dev/null)
endif
PKG_CFLAGS = $(shell pkg-config --cflags fcgi mxml 2>/dev/null)
PKG_LIBS   = $(shell pkg-config --libs fcgi mxml 2>/dev/null || echo -lfcgi -lmxml) -ldl
CMOCKA_LIBS = $(shell pkg-config --libs cmocka 2>/dev/null || echo -lcmocka)
DEFS	:= -DMAC_CONF_DEFAULT='"$(SYSCONFDIR)/mailautoconf/mailautoconf.conf"'
ALL_CFLAGS = -std=c99 -D_POSIX_C_SOURCE=200809L -D_DEFAULT_SOURCE $(DEFS) $(SIGN_DEFS) \
	     $(WARN) $(WERROR) $(PKG_CFLAGS) $(CFLAGS) $(CPPFLAGS)

# The core: pure modules that tests link directly.
CORE	:= body.c buf.c cmdline.c confbase.c config.c confread.c dnszone.c \
	   export.c \
	   fcgi.c keys.c listen.c load.c pagegen.c prepare.c request.c respond.c sandbox.c \
	   serve.c sign.c uuid.c valid.c workers.c xmlgen.c
SRCS	:= autoconf.c $(CORE)
HDRS	:= mailautoconf.h buf.h conf.h

# mailautoconf --check runs mailautoconf-check (check.h), installed
# beside mailautoconf: it links libssl, which a CGI request must not
# pay for loading.  CHECK=no leaves it out (and --check says so).
CHECK	?= $(shell pkg-config --exists libssl 2>/dev/null && echo yes || echo no)
CHECK_SRCS := check.c checkdns.c checkhttp.c checkmail.c checknet.c \
	   checkres.c
CHECK_CORE := body.c buf.c cmdline.c confbase.c config.c confread.c dnszone.c keys.c \
	   load.c pagegen.c prepare.c request.c respond.c serve.c sign.c \
	   uuid.c valid.c xmlgen.c
CHECK_LIBS = $(shell pkg-config --libs libssl libcrypto 2>/dev/null || \
	   echo -lssl -lcrypto) -lresolv -lpthread -lmxml -ldl
ifeq ($(CHECK),yes)
CHECK_BIN := mailautoconf-check
CHECK_SAN := build/mailautoconf-check
CHECK_SAN_OBJS := $(CHECK_SRCS:%.c=build/san/%.o)
endif

# Test builds use ASan and UBSan.
SAN	:= -fsanitize=address,undefined -fno-omit-frame-pointer \
	   -fno-sanitize-recover=all
UNIT_SRCS := $(wildcard tests/unit/test_*.c)
UNIT_BINS := $(UNIT_SRCS:tests/unit/%.c=build/%)
ifneq ($(CHECK),yes)
UNIT_BINS := $(filter-out build/test_check,$(UNIT_BINS))
endif
# The core built once with the sanitizers, for every test and replay
# binary: compiling it again for each was most of a test build's time.
SAN_OBJS := $(CORE:%.c=build/san/%.o)
.SECONDARY: $(SAN_OBJS)

all: mailautoconf $(CHECK_BIN)

mailautoconf: $(SRCS) $(HDRS)
	$(CC) $(ALL_CFLAGS) -o $@ $(SRCS) $(LDFLAGS) $(PKG_LIBS)

mailautoconf-check: $(CHECK_SRCS) $(CHECK_CORE) $(HDRS) check.h
	$(CC) $(ALL_CFLAGS) -pthread -o $@ $(CHECK_SRCS) $(CHECK_CORE) \
	    $(LDFLAGS) $(CHECK_LIBS)

# Beside build/mailautoconf-san, which runs it for --check: sanitizers on.
$(CHECK_SAN_OBJS): check.h
build/mailautoconf-check: $(CHECK_SAN_OBJS) $(CHECK_CORE:%.c=build/san/%.o)
	@mkdir -p build
	$(CC) $(ALL_CFLAGS) $(SAN) -pthread -o $@ $(CHECK_SAN_OBJS) \
	    $(CHECK_CORE:%.c=build/san/%.o) $(LDFLAGS) $(CHECK_LIBS)

# The binary the black-box tests run: sanitizers on.
build/mailautoconf-san: $(SRCS) $(HDRS)
	@mkdir -p build
	$(CC) $(ALL_CFLAGS) $(SAN) -o $@ $(SRCS) $(LDFLAGS) $(PKG_LIBS)

build/san/%.o: %.c $(HDRS)
	@mkdir -p build/san
	$(CC) $(ALL_CFLAGS) $(SAN) -c -o $@ $<

build/test_%: tests/unit/test_%.c tests/unit/testutil.h tests/unit/ask.h $(SAN_OBJS) $(HDRS)
	@mkdir -p build
	$(CC) $(ALL_CFLAGS) $(SAN) -I. -o $@ $< $(SAN_OBJS) $(LDFLAGS) \
	    $(PKG_LIBS) $(CMOCKA_LIBS)

# The check's tests link its files (but its main) and libssl.
build/test_check: tests/unit/test_check.c tests/unit/testutil.h \
    $(CHECK_SAN_OBJS) $(SAN_OBJS) $(HDRS) check.h
	@mkdir -p build
	$(CC) $(ALL_CFLAGS) $(SAN) -I. -o $@ $< \
	    $(filter-out build/san/check.o,$(CHECK_SAN_OBJS)) $(SAN_OBJS) \
	    $(LDFLAGS) $(PKG_LIBS) $(CHECK_LIBS) $(CMOCKA_LIBS)

# Fuzzing (libFuzzer: clang and libclang-rt-14-dev).  make fuzz runs each
# target FUZZ_SECONDS; make check replays the committed corpora with a
# plain driver under ASan and UBSan, so every past finding stays a test.
FUZZ_TARGETS := body request config fcgi $(if $(CHECK_BIN),check)
FUZZ_SECONDS ?= 60
FUZZ_CC	?= clang
FUZZ_BINS := $(FUZZ_TARGETS:%=build/fuzz_%)
REPLAY_BINS := $(FUZZ_TARGETS:%=build/replay_%)

build/fuzz_%: fuzz/fuzz_%.c fuzz/fuzzutil.h $(CORE) $(HDRS)
	@mkdir -p build
	$(FUZZ_CC) $(ALL_CFLAGS) -g -O1 -fsanitize=fuzzer,address,undefined \
	    -I. -o $@ $< $(CORE) $(LDFLAGS) $(PKG_LIBS)

build/replay_%: fuzz/fuzz_%.c fuzz/replay.c fuzz/fuzzutil.h $(SAN_OBJS) \
    $(HDRS)
	@mkdir -p build
	$(CC) $(ALL_CFLAGS) $(SAN) -I. -o $@ $< fuzz/replay.c $(SAN_OBJS) \
	    $(LDFLAGS) $(PKG_LIBS)

# The check's target links the check's files and libssl.
build/fuzz_check: fuzz/fuzz_check.c fuzz/fuzzutil.h $(CHECK_SRCS) \
    $(CHECK_CORE) $(HDRS) check.h
	@mkdir -p build
	$(FUZZ_CC) $(ALL_CFLAGS) -g -O1 -fsanitize=fuzzer,address,undefined \
	    -I. -o $@ $< $(filter-out check.c,$(CHECK_SRCS)) $(CHECK_CORE) \
	    $(LDFLAGS) $(CHECK_LIBS)

build/replay_check: fuzz/fuzz_check.c fuzz/replay.c fuzz/fuzzutil.h \
    $(CHECK_SAN_OBJS) $(CHECK_CORE:%.c=build/san/%.o) $(HDRS) check.h
	@mkdir -p build
	$(CC) $(ALL_CFLAGS) $(SAN) -I. -o $@ $< fuzz/replay.c \
	    $(filter-out build/san/check.o,$(CHECK_SAN_OBJS)) \
	    $(CHECK_CORE:%.c=build/san/%.o) $(LDFLAGS) $(CHECK_LIBS)

fuzz: $(FUZZ_BINS)
	@sh fuzz/run.sh $(FUZZ_SECONDS)

# Allocation-failure injection (tests/fault.sh) and the soak (bench/soak).
include tests/fault/build.mk
SOAK_SECONDS ?= 600
FAULT_MAX ?= 40

fault: mailautoconf build/fault
	@sh tests/fault.sh mailautoconf

soak: mailautoconf
	@bench/soak $(SOAK_SECONDS)

# Install what the build and the tests need (Debian; root only).
deps:
	@sh scripts/deps.sh test

# The quick suites: the unit tests, a replay of the fuzz corpora and
# the check that no two source files call each other (in a cycle).
QUICK_SUITES = 'unit|sh tests/run-unit.sh $(UNIT_BINS)' \
	    'replay|sh tests/replay.sh $(FUZZ_TARGETS)' \
	    'layers|sh tests/layers.sh $(SAN_OBJS) $(CHECK_SAN_OBJS)'

# make test: only the quick suites; installs nothing, needs no root and
# no network port.
test: $(UNIT_BINS) $(REPLAY_BINS) $(CHECK_SAN_OBJS)
	@sh tests/check.sh $(QUICK_SUITES)

# Unit tests, then the real binary as CGI and FastCGI.
# Every suite runs even when one fails; tests/check.sh sums them up.
check: deps mailautoconf $(CHECK_BIN) build/mailautoconf-san $(CHECK_SAN) \
    build/fault $(UNIT_BINS) $(REPLAY_BINS)
	@sh tests/check.sh $(QUICK_SUITES) \
	    'blackbox|sh tests/blackbox.sh build/mailautoconf-san' \
	    'hostile|sh tests/hostile.sh build/mailautoconf-san' \
	    'apple-dns|sh tests/apple-dns.sh build/mailautoconf-san' \
	    'sign|sh tests/sign.sh mailautoconf' \
	    'privileges|sh tests/privileges.sh mailautoconf' \
	    'serve|sh tests/serve.sh build/mailautoconf-san' \
	    'leak|sh tests/leak.sh mailautoconf' \
	    'fault|FAULT_MAX=$(FAULT_MAX) sh tests/fault.sh mailautoconf' \
	    'e2e|sh tests/e2e.sh mailautoconf' \
	    'export|sh tests/e2e-export.sh mailautoconf' \
	    'browser|sh tests/browser.sh mailautoconf' \
	    'deploy|sh tests/deploy.sh build/mailautoconf-san'

# Build, then serve etc/mailautoconf.conf through lighttpd on 127.0.0.1.
run:
	@sh scripts/deps.sh run
	@$(MAKE) --no-print-directory mailautoconf
	@sh scripts/run.sh

# Benchmark against the ceiling references (bench/README.md): prints
# figures, asserts nothing, not part of check.  BENCH_ARGS=--quick
bench: mailautoconf
	@MAC_BIN=./mailautoconf sh bench/run $(BENCH_ARGS)

lint:
	mandoc -Tlint -W warning doc/mailautoconf.8 doc/mailautoconf.conf.5

# The sample config and the web server examples go to EXAMPLESDIR; an
# admin's own config under SYSCONFDIR is never written or removed.
EXAMPLESDIR ?= $(PREFIX)/share/examples/mailautoconf

install: mailautoconf $(CHECK_BIN)
	install -d $(DESTDIR)$(SBINDIR) $(DESTDIR)$(MANDIR)/man8 \
	    $(DESTDIR)$(MANDIR)/man5 $(DESTDIR)$(EXAMPLESDIR)
	install -m 755 mailautoconf $(DESTDIR)$(SBINDIR)/mailautoconf
	$(if $(CHECK_BIN),install -m 755 mailautoconf-check \
	    $(DESTDIR)$(SBINDIR)/mailautoconf-check)
	install -m 644 doc/mailautoconf.8 $(DESTDIR)$(MANDIR)/man8/
	install -m 644 doc/mailautoconf.conf.5 $(DESTDIR)$(MANDIR)/man5/
	install -m 644 etc/mailautoconf.conf $(DESTDIR)$(EXAMPLESDIR)/
	cp -R contrib $(DESTDIR)$(EXAMPLESDIR)/

uninstall:
	rm -f $(DESTDIR)$(SBINDIR)/mailautoconf \
	    $(DESTDIR)$(SBINDIR)/mailautoconf-check \
	    $(DESTDIR)$(MANDIR)/man8/mailautoconf.8 \
	    $(DESTDIR)$(MANDIR)/man5/mailautoconf.conf.5
	rm -rf $(DESTDIR)$(EXAMPLESDIR)

clean:
	rm -f mailautoconf mailautoconf-check
	rm -rf build

.PHONY: all bench check clean deps fault fuzz install lint run soak test \
    uninstall
