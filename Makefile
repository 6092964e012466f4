# Global PRS: set up, run, test, lint. See README.md.
.PHONY: setup run test lint format

setup:
	bash scripts/setup.sh

run:
	bash scripts/run.sh

test:
	bash scripts/test.sh

lint:
	bash scripts/lint.sh

format:
	bash scripts/format.sh

.PHONY: bench
bench:
	bash bench/run.sh $(BENCH_ARGS)
