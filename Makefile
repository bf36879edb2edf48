# dbbench — see README.md. Every target that needs servers starts throwaway ones on loopback.

SWIFT     ?= swift
PACKAGES  := libpq-dev libhiredis-dev pkg-config postgresql redis-server redis-tools time
RELEASE   := .build/release/dbbench
SERVICES  := scripts/services.sh
WITH_SERVICES := scripts/with-services.sh

.PHONY: all build debug test demo compare bench-redis bench-timescale services-up services-down deps clean

all: build

## deps: install the Debian packages dbbench needs when any is missing
deps:
	@missing=""; for p in $(PACKAGES); do dpkg -s $$p >/dev/null 2>&1 || missing="$$missing $$p"; done; \
	if [ -n "$$missing" ]; then \
	  echo "installing:$$missing"; \
	  if [ "$$(id -u)" = 0 ]; then sudo=""; else sudo="sudo"; fi; \
	  $$sudo apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$sudo apt-get install -y -qq $$missing >/dev/null; \
	fi

## build: the release binary (.build/release/dbbench); the Swift runtime is linked statically, which
## makes start-up faster and resident memory smaller (only the parts used are paged in)
build: deps
	$(SWIFT) build -c release --static-swift-stdlib

debug: deps
	$(SWIFT) build

## test: unit and integration tests against throwaway local PostgreSQL and Redis
test: deps
	$(SWIFT) build --build-tests
	$(WITH_SERVICES) $(SWIFT) test --skip-build --no-parallel

## demo: build, start throwaway servers, run every benchmark with modest settings, stop the servers
demo: build
	$(WITH_SERVICES) scripts/demo.sh $(RELEASE)

## compare: dbbench against redis-benchmark, pgbench and psql \copy, alternating rounds (Docs/performance.md)
compare: build
	$(WITH_SERVICES) Benchmarks/compare.sh

## bench-redis: dbbench redis against REDIS_HOST/REDIS_PORT (default 127.0.0.1:6379); ARGS adds flags
bench-redis: build
	$(RELEASE) redis $(ARGS)

## bench-timescale: dbbench timescale against DB_HOST/DB_PORT/DB_NAME/DB_USER/DB_PASSWORD (default 127.0.0.1:5432/analytics)
bench-timescale: build
	$(RELEASE) timescale $(ARGS)

services-up: deps
	$(SERVICES) up

services-down:
	$(SERVICES) down

clean:
	-$(SERVICES) down
	rm -rf .build
