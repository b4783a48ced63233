# airabench: `make run` runs the main job on the bundled mock; `make test`
# runs every test. Nothing here reaches beyond this machine except the Go
# module proxy, for the pinned modules in go.sum.

GO        ?= go
BIN       := bin/airabench
SCENARIO  ?= semaphore-batch
BENCHTIME ?= 1s
BENCHCOUNT ?= 5

FUZZTIME  ?= 3s

.PHONY: all build run test race bench fuzz clean

all: build

build:
	$(GO) build -o $(BIN) ./cmd/airabench

# The main job: the guide's semaphore pattern against the mock.
run: build
	./$(BIN) run $(SCENARIO)

# Every test, with the race detector off to stay within a few minutes on
# two cores; `make race` adds it. Packages run one at a time, because many
# tests measure real runs over loopback and should not share the CPU with
# another package's. The seed corpora of the fuzz targets run as tests;
# `fuzz` then mutates each target briefly (FuzzLoad longer: its hundreds
# of seeds take a few seconds to gather coverage first).
test:
	$(GO) vet ./...
	$(GO) test -count=1 -p 1 ./...
	$(MAKE) fuzz

fuzz:
	$(GO) test -run '^$$' -fuzz '^FuzzLoad$$' -fuzztime 10s ./scenarios
	$(GO) test -run '^$$' -fuzz '^FuzzHandlers$$' -fuzztime $(FUZZTIME) ./mockserver
	$(GO) test -run '^$$' -fuzz '^FuzzCanonical$$' -fuzztime $(FUZZTIME) ./receipt
	$(GO) test -run '^$$' -fuzz '^FuzzParseRetryAfter$$' -fuzztime $(FUZZTIME) ./loadgen
	$(GO) test -run '^$$' -fuzz '^FuzzParseRate$$' -fuzztime $(FUZZTIME) ./loadgen

race:
	$(GO) test -count=1 -race ./...

# Benchmarks of the hot paths; raw output in out/bench.txt, comparable
# with benchstat.
bench:
	mkdir -p out
	$(GO) test -run '^$$' -bench . -benchmem -benchtime $(BENCHTIME) \
		-count $(BENCHCOUNT) . ./loadgen 2>/dev/null | tee out/bench.txt
	@echo
	$(GO) run ./internal/benchtable < out/bench.txt

clean:
	rm -rf bin out

# A ten-minute run at a steady rate against the mock, in its own
# process, printing the generator's resident memory and goroutine count
# every minute; fails if either grows past its bound after the first
# minute. Not part of `make test`. Shorten it with, for example,
# SOAK_FLAGS='-duration 2m'.
.PHONY: soak
soak:
	$(GO) run ./cmd/airabench-soak $(SOAK_FLAGS)
