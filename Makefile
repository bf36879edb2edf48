# dbbench — see README.md. Every target that needs servers starts throwaway ones on loopback.

SWIFT     ?= swift
## SWIFTFLAGS: extra flags for every build; CI passes -Xswiftc -warnings-as-errors
SWIFTFLAGS ?=
PACKAGES  := libpq-dev libhiredis-dev libssl-dev openssl pkg-config postgresql redis-server redis-tools time chromium
RELEASE   := .build/release/dbbench
SERVICES  := scripts/services.sh
WITH_SERVICES := scripts/with-services.sh

comma := ,
## default NAME,VALUE: `--NAME VALUE` unless ARGS gives --NAME itself (which would repeat it)
default = $(if $(filter --$(1) --$(1)=%,$(ARGS)),,--$(1) $(2))

.PHONY: all build debug lint test demo distributed-demo image compare bench-redis bench-timescale ci-bench-redis ci-bench-timescale services-up services-down deps clean

all: build

## deps: install the Debian packages dbbench needs when any is missing
deps:
	@missing=""; for p in $(PACKAGES); do dpkg -s $$p >/dev/null 2>&1 || missing="$$missing $$p"; done; \
	if [ -n "$$missing" ]; then \
	  echo "installing:$$missing"; \
	  if [ "$$(id -u)" = 0 ]; then sudo=""; else sudo="sudo"; fi; \
	  $$sudo apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$sudo apt-get install -y -qq $$missing >/dev/null; \
	fi
	@# The Kubernetes manifests of deploy/ are validated offline by the tests (PyPI's kubernetes-validate).
	@python3 -c 'import kubernetes_validate' 2>/dev/null || python3 -m pip install -q kubernetes-validate

## build: the release binary (.build/release/dbbench); the Swift runtime is linked statically, which
## makes start-up faster and resident memory smaller (only the parts used are paged in)
build: deps
	$(SWIFT) build -c release --static-swift-stdlib $(SWIFTFLAGS)

debug: deps
	$(SWIFT) build $(SWIFTFLAGS)

## lint: the tree as swift format leaves it (.swift-format); `swift format -i -r Sources Tests Package.swift` fixes it
lint:
	$(SWIFT) format lint --strict -r Sources Tests Package.swift

## test: unit and integration tests against throwaway local PostgreSQL and Redis
test: deps
	$(SWIFT) build --build-tests $(SWIFTFLAGS)
	$(WITH_SERVICES) $(SWIFT) test --skip-build

## demo: build, start throwaway servers, run every benchmark with modest settings, stop the servers
demo: build
	$(WITH_SERVICES) scripts/demo.sh $(RELEASE)

## distributed-demo: a distributed run on this machine: 4 shards as local processes started together
## with --start-at against throwaway servers, prepared and cleaned up once, merged (Docs/distributed.md)
distributed-demo: build
	$(WITH_SERVICES) scripts/distributed-demo.sh $(RELEASE)

## image: the container image of deploy/Containerfile, with podman, buildah or docker (IMAGE names it)
IMAGE ?= localhost/dbbench:latest
image:
	@if command -v podman >/dev/null 2>&1; then podman build -f deploy/Containerfile -t $(IMAGE) .; \
	elif command -v buildah >/dev/null 2>&1; then buildah bud -f deploy/Containerfile -t $(IMAGE) .; \
	elif command -v docker >/dev/null 2>&1 && docker info >/dev/null 2>&1; then \
	  docker build -f deploy/Containerfile -t $(IMAGE) .; \
	else \
	  echo "make image: no container builder: install podman or buildah, or docker with its engine running" \
	    "(a docker client without an engine cannot build); deploy/Containerfile is the recipe" >&2; exit 1; \
	fi

## compare: dbbench against redis-benchmark, pgbench and psql \copy, alternating rounds (Docs/performance.md)
compare: build
	$(WITH_SERVICES) Benchmarks/compare.sh

## bench-redis: dbbench redis against REDIS_HOST/REDIS_PORT (default 127.0.0.1:6379); ARGS adds flags
bench-redis: build
	$(RELEASE) redis $(ARGS)

## bench-timescale: dbbench timescale against DB_HOST/DB_PORT/DB_NAME/DB_USER/DB_PASSWORD (default 127.0.0.1:5432/analytics)
bench-timescale: build
	$(RELEASE) timescale $(ARGS)

## ci-bench-redis / ci-bench-timescale: short, bounded benchmarks with thresholds for a CI job
## (Docs/ci.md): Redis for 5 s after a 1 s warm-up; TimescaleDB a fixed 100,000 rows and 500 queries,
## so that the queries always read a table of the same size. They start throwaway servers unless REDIS_PORT / DB_PORT point at existing ones,
## write JSON to $(CI_RESULTS)/, and exit 1 when a threshold fails. CI_ASSERT_* override the thresholds.
CI_RESULTS ?= results
CI_ASSERT_REDIS ?= --assert 'errors==0' --assert 'ops>=10000' --assert 'p99<50ms'
CI_ASSERT_TIMESCALE ?= --assert 'errors==0' --assert 'insert.rows>=5000' --assert 'query.p95<500ms'

ci-bench-redis: build
	mkdir -p $(CI_RESULTS)
	$(if $(REDIS_PORT),,$(WITH_SERVICES)) $(RELEASE) redis $(call default,connections,50) \
	  $(call default,tests,set$(comma)get$(comma)mixed) $(call default,duration,5s) $(call default,warmup,1s) \
	  $(call default,progress,on) $(CI_ASSERT_REDIS) $(call default,format,json) \
	  $(call default,output,$(CI_RESULTS)/redis.json) $(ARGS)

ci-bench-timescale: build
	mkdir -p $(CI_RESULTS)
	$(if $(DB_PORT),,$(WITH_SERVICES)) $(RELEASE) timescale $(call default,connections,10) \
	  $(call default,tests,insert$(comma)query) $(call default,inserts-per-connection,10000) \
	  $(call default,batch-size,500) $(call default,num-queries,500) $(call default,progress,on) \
	  $(CI_ASSERT_TIMESCALE) $(call default,format,json) $(call default,output,$(CI_RESULTS)/timescale.json) $(ARGS)

services-up: deps
	$(SERVICES) up

services-down:
	$(SERVICES) down

clean:
	-$(SERVICES) down
	rm -rf .build
