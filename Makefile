# agentgate: the same verbs for everyone. CMake does the building; see STYLE.md §7.
#   make demo    set up, build, ingest examples/shop, serve on http://127.0.0.1:8080
#   make check   set up, build, every test (also under ASan+UBSan), lint, format, fuzz smoke
SAN    ?=
WERROR ?= 0
CC     ?= cc
comma  := ,
B      := build/$(if $(SAN),$(subst $(comma),-,$(SAN)),default)
PKGCFG  = $$(cat build/.pkgconfig)
JOBS   ?= 2
DEMO_DATA ?= ./agentgate-data
FUZZ_SECONDS ?= 20

.PHONY: all setup test asan tsan check demo lint format format-check fuzz fuzz-smoke bench bench-llm clean

all: build/.pkgconfig
	PKG_CONFIG_PATH=$(PKGCFG) cmake -S . -B $(B) -DAG_SANITIZE=$(SAN) \
	    -DAG_WERROR=$(if $(filter 1,$(WERROR)),ON,OFF) -DCMAKE_C_COMPILER=$(CC) >/dev/null
	cmake --build $(B) -j$(JOBS) $(if $(TARGET),--target $(TARGET))

build/.pkgconfig: scripts/setup.sh scripts/packages.txt
	@mkdir -p build
	scripts/setup.sh > build/.setup.out
	tail -n1 build/.setup.out | sed 's/^PKG_CONFIG_PATH=//' > $@

setup:
	@rm -f build/.pkgconfig
	$(MAKE) build/.pkgconfig

test: all
	ctest --test-dir $(B) --output-on-failure -j$(JOBS)

asan:
	ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1 \
	    $(MAKE) SAN=address,undefined test

tsan:
	$(MAKE) CC=clang SAN=thread test

check: setup
	$(MAKE) WERROR=1 test
	$(MAKE) WERROR=1 asan
	$(MAKE) lint
	$(MAKE) format-check
	$(MAKE) fuzz-smoke

SOURCES = $(shell find src tests/unit fuzz -name '*.c' -o -name '*.h' | sort)

lint:
	$(MAKE) all TARGET=agentgate
	@! grep -nE '\b(strcpy|strcat|sprintf|vsprintf|strtok|gets|atoi|atol)\s*\(' $(SOURCES) \
	    || (echo "lint: banned call (STYLE.md §4)"; exit 1)
	cppcheck --quiet --enable=warning,performance,portability --error-exitcode=1 \
	    --inline-suppr --suppress=missingIncludeSystem -I src src
	clang-tidy -p build/default --quiet $$(find src -name '*.c' | sort)

format:
	clang-format -i $(SOURCES)

format-check:
	clang-format --dry-run --Werror $(SOURCES)

# libFuzzer + ASan/UBSan with clang; each target runs FUZZ_SECONDS from its corpus.
fuzz: build/.pkgconfig
	PKG_CONFIG_PATH=$(PKGCFG) cmake -S . -B build/fuzz -DAG_FUZZ=ON -DCMAKE_C_COMPILER=clang \
	    -DCMAKE_CXX_COMPILER=clang++ -DAG_SANITIZE=address,undefined >/dev/null
	cmake --build build/fuzz -j$(JOBS)
	@set -e; for f in fuzz/fuzz_*.c; do n=$$(basename $$f .c); c=$${n#fuzz_}; \
	    mkdir -p build/fuzz/corpus-$$c; \
	    echo "fuzz: $$n for $(FUZZ_SECONDS)s"; \
	    build/fuzz/$$n -max_total_time=$(FUZZ_SECONDS) -dict=fuzz/http.dict -artifact_prefix=build/fuzz/ \
	        build/fuzz/corpus-$$c fuzz/corpus/$$c >build/fuzz/$$n.log 2>&1 \
	        || { tail -50 build/fuzz/$$n.log; exit 1; }; done

fuzz-smoke:
	$(MAKE) fuzz FUZZ_SECONDS=15

# Retrieval quality and speed side by side with Xapian, and the input guard's detection and
# speed (docs/benchmarks.md). Pass
# BENCH_SIZES="10000 100000" for the larger corpus (a few minutes: Xapian indexes slowly).
BENCH_SIZES ?= 10000
bench:
	$(MAKE) all TARGET=agentgate
	$(MAKE) all TARGET=guard_bench
	bench/compare_xapian.sh all
	bench/retrieval.sh $(BENCH_SIZES)
	bench/guard_eval.sh
	bench/guard.sh
	bench/proxy.sh

# LLM throughput of the llama backend beside llama.cpp's llama-batched-bench on one generated
# model (docs/benchmarks.md; builds the two llama.cpp tools once, about 5 minutes a run).
bench-llm:
	$(MAKE) all TARGET=llm_bench
	bench/llm.sh

demo:
	$(MAKE) all TARGET=agentgate
	@mkdir -p $(DEMO_DATA)
	$(B)/agentgate ingest --data $(DEMO_DATA) examples/shop
	@KEY=$$($(B)/agentgate keys create --data $(DEMO_DATA) --role client); \
	echo; echo "Demo API key (shown once): $$KEY"; echo "Try:"; \
	echo "  curl -s http://127.0.0.1:8080/v1/ask -H 'Authorization: Bearer '$$KEY -H 'Content-Type: application/json' -d '{\"question\":\"Wie lange dauert der Versand nach Österreich?\"}'"; \
	echo; exec $(B)/agentgate serve --config examples/agentgate.conf --data $(DEMO_DATA) \
	    --listen 127.0.0.1:8080

clean:
	rm -rf build
