#!/usr/bin/env bash
# CI helper: a pypiserver on 127.0.0.1:8080 (any credentials accepted) and the example
# package built into dist/, both from the hash-locked development environment.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/../.."
scripts/dev setup
bin=.venv/bin
[ -d .venv/Scripts ] && bin=.venv/Scripts
packages="${RUNNER_TEMP:-/tmp}/local-index"
mkdir -p "$packages"
"$bin/pypi-server" run -i 127.0.0.1 -p 8080 -a . -P . --disable-fallback "$packages" \
  >"$packages.log" 2>&1 &
"$bin/python" -m build --no-isolation --outdir dist examples/hello-trusted-publish
for _ in $(seq 50); do
  if "$bin/python" -c 'import urllib.request; urllib.request.urlopen("http://127.0.0.1:8080/health")' 2>/dev/null; then
    exit 0
  fi
  sleep 0.2
done
cat "$packages.log" >&2
echo "pypiserver did not start" >&2
exit 1
