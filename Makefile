# Shoplet — run `make help` for the targets.
SHELL := /bin/bash
GO    ?= go
PKGS  ?= ./...
BIN   := bin/shoplet
VERSION ?= $(shell git describe --always --dirty 2>/dev/null || echo dev)

.DEFAULT_GOAL := help

help: ## List the targets
	@grep -E '^[a-zA-Z_-]+:.*?## ' $(MAKEFILE_LIST) | awk 'BEGIN{FS=":.*?## "}{printf "  \033[36m%-16s\033[0m %s\n", $$1, $$2}'

build: ## Build bin/shoplet
	@echo "== go build $(BIN) (version $(VERSION); the first build compiles every dependency and takes a few minutes, later ones seconds)"
	$(GO) build -ldflags "-X main.version=$(VERSION)" -o $(BIN) ./cmd/shoplet

# npm ci runs only when package-lock.json changed since the last install: its
# hash is kept inside node_modules (npm ci replaces the folder, stamp included).
CONSOLE_STAMP := web-admin/node_modules/.package-lock.sha256
CONSOLE_SRC   := $(shell find web-admin/src web-admin/public/index.html -type f 2>/dev/null) \
                 web-admin/index.html web-admin/vite.config.ts web-admin/tsconfig.json web-admin/package-lock.json

console: web-admin/public/app/index.html ## Build the web console into web-admin/public/app (the Go build embeds it); skipped when nothing changed

console-deps: ## Install the console's dependencies (npm ci) unless package-lock.json is unchanged since the last install
	@lock=$$(sha256sum web-admin/package-lock.json | cut -d' ' -f1); \
	if [ "$$(cat $(CONSOLE_STAMP) 2>/dev/null)" = "$$lock" ]; then \
		echo "== console dependencies are current (package-lock.json unchanged): no npm ci"; \
	else \
		echo "== npm ci in web-admin (package-lock.json changed or never installed; about a minute)"; \
		(cd web-admin && npm ci --no-audit --no-fund --loglevel=error) && echo "$$lock" > $(CONSOLE_STAMP); \
	fi

web-admin/public/app/index.html: $(CONSOLE_SRC)
	@$(MAKE) --no-print-directory console-deps
	@echo "== building the web console (tsc + vite) into web-admin/public/app"
	cd web-admin && npm run build

run: console build ## Start Shoplet on embedded defaults (SQLite in ./data, in-process Redis, fake WeChat for the demo)
	SHOPLET_WECHAT_FAKE=$${SHOPLET_WECHAT_FAKE:-true} ./$(BIN) serve

test: test-go test-templates test-console ## Run every test: Go (PostgreSQL/Redis when SHOPLET_TEST_POSTGRES_URL/SHOPLET_TEST_REDIS_URL are set, else SQLite and in-process Redis) and the mini-program template (Node)

test-go: ## Run the Go tests
	$(GO) test -count=1 -timeout 20m $(PKGS)

# Generated brands live inside the clone: two clones never share them.
GEN := $(CURDIR)/.cache/generated

test-templates: ## Test the storefront template (miniprogram-simulate) and compile two generated brands offline (miniprogram-ci)
	cd templates && npm ci --no-audit --no-fund --loglevel=error && npx jest
	rm -rf $(GEN)
	$(GO) run ./cmd/shoplet miniapp generate --out $(GEN)/brand-a --app-id wx0123456789abcdef --name "Brand A" --store store-a \
		--api https://shop.example.com --primary "#E4002B" --tabs home,cart,user
	$(GO) run ./cmd/shoplet miniapp generate --out $(GEN)/brand-b --app-id wxfedcba9876543210 --name "Brand B" --store store-b \
		--api https://shop.example.com --primary "#1677FF" --background "#101010" --nav-bar "#000000" --nav-text white --cart=false --mode own
	cd templates && node validate.js $(GEN)/brand-a $(GEN)/brand-b
	@# The check must be able to fail: a generated package with a broken page is refused.
	cp -r $(GEN)/brand-a $(GEN)/broken && printf '</view></text>' >> $(GEN)/broken/pkg-order/detail/index.wxml
	cd templates && if node validate.js $(GEN)/broken; then echo "a broken page passed validation" >&2; exit 1; fi

test-console: ## The console: typed client checked against the OpenAPI document, the document linted (Redocly, recommended rules), Vitest, then the browser end-to-end suite (Debian chromium)
	@$(MAKE) --no-print-directory console-deps
	cd web-admin && npm run check:api && npx tsc -b && npx vitest run
	@# src/api/openapi.json is the served document (TestOpenAPIMatchesRouter keeps it so).
	cd web-admin && REDOCLY_TELEMETRY=off REDOCLY_SUPPRESS_UPDATE_NOTICE=true npm run lint:api
	$(MAKE) console build
	cd web-admin && SHOPLET_BIN=../$(BIN) npm run e2e

test-race: ## Run the tests with the race detector
	$(GO) test -race -count=1 -timeout 30m $(PKGS)

bench: ## Run the Go benchmarks (see README for the load-test commands)
	$(GO) test -run '^$$' -bench . -benchmem $(PKGS)

vet: ## go vet and gofmt check
	$(GO) vet $(PKGS)
	@test -z "$$(gofmt -l $$(git ls-files '*.go'))" || (gofmt -l $$(git ls-files '*.go'); exit 1)

migrate: build ## Apply migrations to SHOPLET_DATABASE_URL (or the embedded SQLite)
	./$(BIN) migrate up

.PHONY: help build console console-deps run test test-go test-templates test-console test-race bench vet migrate
