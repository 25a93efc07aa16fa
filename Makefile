# A thin wrapper for the Quick start; meson does the building.
#   make        install missing packages, build, profile the demo, write profile.png
#   make check  the same set-up, then the whole test suite
BUILD ?= build
DEPS = gcc meson ninja-build pkg-config libcairo2-dev libpng-dev libjpeg-dev zlib1g-dev check \
       python3 fonts-dejavu-core fonts-wqy-microhei fonts-symbola valgrind cppcheck chromium \
       bash-completion zsh fish

.PHONY: all deps build demo check install clean

all: demo

deps:
	@missing=$$(for p in $(DEPS); do \
		dpkg-query -W -f='$${Status}\n' $$p 2>/dev/null | grep -q '^install ok installed' || echo $$p; \
	done); \
	if [ -n "$$missing" ]; then \
		echo "installing:" $$missing; \
		apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends $$missing; \
	fi

$(BUILD)/build.ninja: | deps
	meson setup $(BUILD)

build: deps $(BUILD)/build.ninja
	meson compile -C $(BUILD)

demo: build
	$(BUILD)/src/mprof run --force -o $(BUILD)/demo.dat $(BUILD)/data/mprof-demo
	$(BUILD)/src/mprof plot -o profile.png $(BUILD)/demo.dat

# After the suites: how many checks were skipped here, and why (the SKIP lines
# of the test log), whether they passed or not.
SKIPS = /^test: /{ s = $$2 } \
	/^SKIP: /{ sub(/^SKIP: /, ""); k = s ": " $$0; if (!(k in c)) o[++m] = k; c[k]++; n++ } \
	END { printf "%d check%s skipped%s\n", n, n == 1 ? "" : "s", n ? ":" : "."; \
	      for (i = 1; i <= m; i++) printf "  %dx %s\n", c[o[i]], o[i] }

check: build
	@rc=0; echo "meson test -C $(BUILD) --print-errorlogs"; \
	meson test -C $(BUILD) --print-errorlogs || rc=$$?; \
	if [ -f $(BUILD)/meson-logs/testlog.txt ]; then \
		awk '$(SKIPS)' $(BUILD)/meson-logs/testlog.txt; \
	fi; \
	exit $$rc

install: build
	meson install -C $(BUILD)

clean:
	rm -rf $(BUILD)
