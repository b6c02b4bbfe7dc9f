# tests/fault/build.mk: the fault-injection build, made with the main
# Makefile's variables and without editing it:
#
#	make -f Makefile -f tests/fault/build.mk build/fault
#
# (tests/fault.sh does this when it is not given a binary.)  The whole
# responder (autoconf.c with main renamed mac_main, and the core) is
# linked with tests/fault/fault.c, which replaces malloc and friends to
# fail one chosen allocation of one request, under ASan, LSan and UBSan.
# It needs GCC: the replacements call ASan's shared-runtime
# __interceptor_* entry points.
FAULT_CC ?= gcc
FAULT_WRAP := -Wl,--wrap=FCGX_Accept_r,--wrap=FCGX_Free,--wrap=geteuid

build/fault: tests/fault/fault.c tests/fault/main.h tests/leak/fcgic.c \
    tests/leak/fcgic.h $(SRCS) $(HDRS)
	@mkdir -p build
	$(FAULT_CC) $(ALL_CFLAGS) $(SAN) -Dmain=mac_main \
	    -include tests/fault/main.h -I. -Itests/leak -o $@ \
	    tests/fault/fault.c tests/leak/fcgic.c $(SRCS) $(FAULT_WRAP) \
	    $(LDFLAGS) $(PKG_LIBS)
