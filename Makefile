# boxlab — build, test and run.  `make help` lists the targets.
#
# Sources are found by wildcard and built into $(BUILD)/ with dependency
# files, so adding a module or a command needs no edit here.

SAN     ?=
# A sanitizer build is a tree of its own: objects of both never mix.
BUILD   ?= $(if $(filter 1,$(SAN)),build-san,build)
CC      ?= gcc
PREFIX  ?= /usr/local
DESTDIR ?=

PKGS    := jansson libseccomp libcap ncursesw
CFLAGS  ?= -O2 -g
CFLAGS  += -std=gnu11 -D_GNU_SOURCE -Wall -Wextra -Werror -MMD -MP -Isrc \
           -I/usr/include/iniparser $(shell pkg-config --cflags jansson 2>/dev/null) \
           -DBX_BUILTIN_IMAGES='"$(abspath $(BUILD))/images"'
LDLIBS  += -liniparser $(shell pkg-config --libs jansson 2>/dev/null || echo -ljansson)
LDLIBS  += $(shell pkg-config --libs libseccomp libcap 2>/dev/null || echo -lseccomp -lcap)
# rtnetlink for the network module: libnl-route-3, not libmnl, whose
# Debian package has no static archive (see src/modules/netlink.h).
CFLAGS  += $(shell pkg-config --cflags libnl-route-3.0 2>/dev/null || echo -I/usr/include/libnl3)
LDLIBS  += $(shell pkg-config --libs libnl-route-3.0 2>/dev/null || echo -lnl-route-3 -lnl-3)
# Image import reads archives with libarchive; --static, because the
# binary is static and libarchive's own dependencies (zstd, lzma, ...)
# must then be named too.
LDLIBS  += $(shell pkg-config --static --libs libarchive 2>/dev/null || echo -larchive -lacl -llzma -lzstd -llz4 -lbz2 -lz)
# The dashboard (src/ui/, the only curses user): ncursesw, --static for
# its tinfo; terminfo is still read at run time from /lib/terminfo etc.
LDLIBS  += $(shell pkg-config --static --libs ncursesw 2>/dev/null || echo -lncursesw -ltinfo)

# boxlab is linked statically: at every `run` the dynamic loader would
# cost more page faults than all of a container's mounts (make bench).
STATIC  ?= 1
ifeq ($(SAN),1)
CFLAGS  += -fsanitize=address,undefined -fno-omit-frame-pointer -O1
LDFLAGS += -fsanitize=address,undefined
STATIC  := 0
endif
# libFuzzer builds (make fuzz): clang, every object instrumented.
ifeq ($(SAN),fuzz)
CC      := clang
CFLAGS  += -fsanitize=fuzzer-no-link,address,undefined -fno-omit-frame-pointer -O1
LDFLAGS += -fsanitize=fuzzer,address,undefined
STATIC  := 0
endif
BIN_LDFLAGS := $(if $(filter 1,$(STATIC)),-static)

SRC      := $(wildcard src/*.c src/*/*.c)
OBJ      := $(SRC:%.c=$(BUILD)/%.o)
LIBOBJ   := $(filter-out $(BUILD)/src/main.o,$(OBJ))
UNIT_SRC := $(wildcard tests/unit/test_*.c)
UNIT_BIN := $(UNIT_SRC:tests/unit/%.c=$(BUILD)/tests/%)
IMAGE    := $(BUILD)/images/busybox/rootfs/bin/busybox
# The attack programs (attacks/, boxlab attack): static, into the image.
ATK_BIN  := $(patsubst attacks/%.c,$(BUILD)/attacks/%,$(wildcard attacks/*.c))

# Fuzz targets: tests/fuzz/fuzz_NAME.c, seeds in tests/fuzz/corpus/NAME/
FUZZ_SUPPORT := tests/fuzz/sandbox.c
FUZZ_NAMES   := $(patsubst tests/fuzz/fuzz_%.c,%,$(wildcard tests/fuzz/fuzz_*.c))
FUZZ_REGRESS := $(FUZZ_NAMES:%=$(BUILD)/tests/fuzz-%)

.PHONY: all deps criu run test unit integration bench report clean install help image demo fuzz fuzz-regress valgrind

all: $(BUILD)/boxlab $(BUILD)/boxlab-oci image $(BUILD)/bench-proto

help:
	@echo "make            build $(BUILD)/boxlab and the built-in busybox image"
	@echo "make deps       install every Debian package boxlab needs (root)"
	@echo "make criu       test (or build once) a CRIU for checkpoint/restore (root)"
	@echo "make run        deps + build, then the dashboard (boxlab dash) with a demo container"
	@echo "make test       deps + build, then unit (cmocka) and integration (bats) tests"
	@echo "make bench      every benchmark (scripts/bench*.sh): start latency and where it goes, stats, network, ..."
	@echo "make demo       every demos/NN-name.sh story, one after the other (root)"
	@echo "make report     measure, then regenerate docs/DESIGN_REPORT.md's tables and figures (QUICK=1: < 2 min)"
	@echo "make install    install binary, image, man page and bash completion into \$$DESTDIR\$$PREFIX (default /usr/local)"
	@echo "make SAN=1 ...  build with AddressSanitizer and UBSan (make test SAN=1: the whole suite)"
	@echo "make valgrind   the unit tests under valgrind"
	@echo "make fuzz       every libFuzzer target (clang) for FUZZ_TIME seconds (default 600)"
	@echo "make fuzz-regress  replay every fuzz corpus (seeds and past crashes), gcc-built"

deps:
	@bash scripts/deps.sh
	@$(MAKE) --no-print-directory criu

# A CRIU that really dumps and restores here, tested and built once into
# /var/lib/boxlab/criu (scripts/criu.sh).  Without one boxlab still works,
# only checkpoint/restore is unavailable (and its tests skip, saying why).
criu:
	@bash scripts/criu.sh || echo "criu: no working CRIU: checkpoint/restore unavailable (see above)" >&2

$(BUILD)/boxlab: $(OBJ)
	@echo "  LD  $@"
	@$(CC) $(LDFLAGS) $(BIN_LDFLAGS) -o $@ $^ $(LDLIBS)

# The same binary, always speaking OCI (src/oci/commands.c).
$(BUILD)/boxlab-oci: $(BUILD)/boxlab
	@ln -sf boxlab $@

$(BUILD)/%.o: %.c
	@mkdir -p $(dir $@)
	@echo "  CC  $<"
	@$(CC) $(CFLAGS) -c -o $@ $<

image: $(IMAGE)

$(IMAGE): scripts/build-rootfs.sh $(ATK_BIN)
	bash scripts/build-rootfs.sh $(BUILD)/images/busybox $(BUILD)/attacks

$(BUILD)/attacks/%: attacks/%.c attacks/attack.h
	@mkdir -p $(dir $@)
	@echo "  CC  $<"
	@$(CC) -O2 -std=gnu11 -D_GNU_SOURCE -Wall -Wextra -Werror -static -pthread -o $@ $<

# Issue 3's bare prototype, for make bench and make report (scripts/proto-ladder.sh):
# static, as boxlab is, so neither pays a dynamic loader.
$(BUILD)/bench-proto: scripts/bench-proto.c
	@mkdir -p $(dir $@)
	@echo "  CC  $<"
	@$(CC) -O2 -std=gnu11 -Wall -Wextra -Werror -static -o $@ $<

$(BUILD)/tests/test_%: tests/unit/test_%.c $(LIBOBJ)
	@mkdir -p $(dir $@)
	@echo "  LD  $@"
	@$(CC) $(CFLAGS) $(LDFLAGS) -o $@ $^ $(LDLIBS) -lcmocka

# The dashboard, with a demo container running (removed when it ends).
run: deps all
	@bash scripts/run-dash.sh $(BUILD)/boxlab

unit: $(UNIT_BIN) $(FUZZ_REGRESS)

# A fuzz target replayed over its corpus by a plain main (driver.c).
$(BUILD)/tests/fuzz-%: tests/fuzz/fuzz_%.c tests/fuzz/driver.c $(FUZZ_SUPPORT) $(LIBOBJ)
	@mkdir -p $(dir $@)
	@echo "  LD  $@"
	@$(CC) $(CFLAGS) $(LDFLAGS) -Itests/fuzz -o $@ $^ $(LDLIBS)

fuzz-regress: $(FUZZ_REGRESS)
	@for t in $(FUZZ_NAMES); do $(BUILD)/tests/fuzz-$$t tests/fuzz/corpus/$$t || exit 1; done

# libFuzzer: a separate, clang-built tree ($(BUILD)/fuzz); scripts/fuzz.sh
# runs the targets in parallel and sums them up.
FUZZ_TIME ?= 600
FUZZ_OUT  ?= $(BUILD)/fuzz
fuzz:
	@$(MAKE) --no-print-directory SAN=fuzz BUILD=$(BUILD)/fuzz-obj FUZZ_OUT=$(abspath $(BUILD))/fuzz fuzz-bins
	@BUILD=$(BUILD) FUZZ_TIME=$(FUZZ_TIME) bash scripts/fuzz.sh

fuzz-bins: $(FUZZ_NAMES:%=$(FUZZ_OUT)/fuzz_%)

$(FUZZ_OUT)/fuzz_%: tests/fuzz/fuzz_%.c $(FUZZ_SUPPORT) $(LIBOBJ)
	@mkdir -p $(dir $@)
	@echo "  LD  $@"
	@$(CC) $(CFLAGS) $(LDFLAGS) -Itests/fuzz -o $@ $^ $(LDLIBS)

# Unit tests under valgrind: any error or definite leak fails.
valgrind: $(UNIT_BIN)
	@for t in $(UNIT_BIN); do \
		echo "valgrind $$t"; \
		BOXLAB_TEST_NO_TIMING=1 valgrind -q --error-exitcode=99 --leak-check=full --errors-for-leak-kinds=definite \
			--trace-children=no $$t >$$t.valgrind.log 2>&1 || { cat $$t.valgrind.log; exit 1; }; \
	done; echo "valgrind: $(words $(UNIT_BIN)) unit test programs clean"

integration: all

# SAN=1: every report of every boxlab process (detached supervisors
# and all) goes to $(BUILD)/san/, and tests/run.sh fails on any.
SAN_ENV := $(if $(filter 1,$(SAN)),SAN_LOG_DIR=$(abspath $(BUILD))/san \
	ASAN_OPTIONS=halt_on_error=1:detect_leaks=1:log_path=$(abspath $(BUILD))/san/asan \
	UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1:log_path=$(abspath $(BUILD))/san/ubsan \
	LSAN_OPTIONS=suppressions=$(abspath tests/lsan.supp))

test: deps all unit
	@$(SAN_ENV) BUILD=$(BUILD) bash tests/run.sh

# Every scripts/bench*.sh (bench-profile.sh is a tool for finding what
# to speed up, not a figure); one failing stops the rest.
bench: all
	@for s in scripts/bench.sh scripts/bench-*.sh; do \
		[ "$$s" = scripts/bench-profile.sh ] && continue; \
		echo "== $$s"; BUILD=$(BUILD) bash "$$s" || exit 1; \
	done

demo: all
	@for d in demos/[0-9][0-9]-*.sh; do BOXLAB=$(abspath $(BUILD))/boxlab $$d || exit 1; done

# Measures (start latency, setup cost, memory, pause/checkpoint, dashboard,
# attacks) and rewrites docs/report/ and the tables of docs/DESIGN_REPORT.md.
report: all
	@BUILD=$(BUILD) QUICK=$(or $(QUICK),0) bash scripts/report/run.sh

install: all
	install -D -m 0755 $(BUILD)/boxlab $(DESTDIR)$(PREFIX)/bin/boxlab
	ln -sf boxlab $(DESTDIR)$(PREFIX)/bin/boxlab-oci
	mkdir -p $(DESTDIR)$(PREFIX)/share/boxlab/images
	cp -a $(BUILD)/images/busybox $(DESTDIR)$(PREFIX)/share/boxlab/images/
	install -D -m 0644 -t $(DESTDIR)$(PREFIX)/share/boxlab/demos demos/lib.sh demos/README.md
	install -m 0755 demos/[0-9][0-9]-*.sh $(DESTDIR)$(PREFIX)/share/boxlab/demos/
	install -D -m 0644 docs/boxlab.1 $(DESTDIR)$(PREFIX)/share/man/man1/boxlab.1
	install -D -m 0644 contrib/boxlab.bash-completion $(DESTDIR)$(PREFIX)/share/bash-completion/completions/boxlab
	cp -a lessons $(DESTDIR)$(PREFIX)/share/boxlab/

clean:
	rm -rf $(BUILD)

-include $(OBJ:.o=.d)
