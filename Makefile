# airabench: `make run` runs the main job on the bundled mock; `make test`
# runs every test. Nothing here reaches beyond this machine except the Go
# module proxy, for the pinned modules in go.sum.

GO        ?= go
BIN       := bin/airabench
SCENARIO  ?= semaphore-batch
BENCHTIME ?= 1s
BENCHCOUNT ?= 5

.PHONY: all build run test test-short bench fuzz vet clean

all: build

build:
	$(GO) build -o $(BIN) ./cmd/airabench

# The main job: the guide's semaphore pattern against the mock.
run: build
	./$(BIN) run $(SCENARIO)

# Every test, with the race detector off to stay within a few minutes on
# two cores; `make race` adds it.
test:
	$(GO) vet ./...
	$(GO) test -count=1 ./...

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
