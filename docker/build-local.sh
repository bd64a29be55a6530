#!/usr/bin/env bash
# Runs docker/Dockerfile's build stages without a Docker engine (none runs in
# CI): the build context that Dockerfile.dockerignore selects is copied to a
# temporary folder (go test ./docker writes it), the console stage's and the
# build stage's commands run in it, and the binary is checked as the image
# would run it: static, with the console embedded, answering `shoplet health`.
# docker/docker_test.go checks that the Dockerfile runs these same steps.
set -euo pipefail
cd "$(dirname "$0")/.."

work=$(mktemp -d)
pid=""
cleanup() { [ -n "$pid" ] && kill "$pid" 2>/dev/null; rm -rf "$work"; }
trap cleanup EXIT
ctx=$work/src out=$work/out
mkdir -p "$ctx" "$out"

echo "== build context (docker/Dockerfile.dockerignore)"
SHOPLET_IMAGE_CONTEXT=$ctx go test ./docker -run TestBuildContext -count=1 >/dev/null
echo "$(find "$ctx" -type f | wc -l) files, $(du -sh "$ctx" | cut -f1)"
for bad in data bin .cache; do
  [ ! -e "$ctx/$bad" ] || { echo "$bad/ entered the build context" >&2; exit 1; }
done
leak=$(find "$ctx" \( -name node_modules -o -name master.key \) -print -quit)
[ -z "$leak" ] || { echo "${leak#$ctx/} entered the build context" >&2; exit 1; }

echo "== stage console: npm ci && npm run build"
(cd "$ctx/web-admin" && npm ci --no-audit --no-fund --loglevel=error && npm run build >/dev/null)
[ -f "$ctx/web-admin/public/app/index.html" ] || { echo "the console stage produced no public/app/index.html" >&2; exit 1; }

echo "== stage build: go build (static)"
(cd "$ctx" && CGO_ENABLED=0 go build -trimpath -ldflags "-s -w -X main.version=local-image" -o "$out/shoplet" ./cmd/shoplet)
mkdir -p "$out/data"
go version -m "$out/shoplet" | grep -q 'CGO_ENABLED=0' || { echo "the binary is not static" >&2; exit 1; }
ls -l "$out/shoplet"

echo "== runtime: the binary serves the console and answers its health check"
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
SHOPLET_DATA_DIR=$out/data SHOPLET_ADDR=0.0.0.0:$port "$out/shoplet" serve >"$work/serve.log" 2>&1 &
pid=$!
for _ in $(seq 1 100); do
  SHOPLET_ADDR=0.0.0.0:$port "$out/shoplet" health >/dev/null 2>&1 && break
  kill -0 "$pid" 2>/dev/null || { cat "$work/serve.log" >&2; exit 1; }
  sleep 0.2
done
SHOPLET_ADDR=0.0.0.0:$port "$out/shoplet" health
page=$(python3 -c "import urllib.request; print(urllib.request.urlopen('http://127.0.0.1:$port/').read().decode())")
if ! grep -q '<div id="root">' <<<"$page" || grep -q 'built without the web console' <<<"$page"; then
  echo "/ does not serve the console:" >&2; head -c 400 <<<"$page" >&2; exit 1
fi
"$out/shoplet" version
echo "ok: the image's stages build a static binary with the console"
