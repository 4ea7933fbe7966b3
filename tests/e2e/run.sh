#!/bin/sh
# Starts the real stack, runs the end-to-end tests (C, libcurl) and the
# browser tests (chromium), stops the stack, and fails if any of them or a
# sanitizer in the server failed.
set -u
top=$(pwd)
status=0

tests/e2e/stack.sh start || exit 1
set -a
. "$top/build/e2e/env"
set +a

echo "== end-to-end tests, gateway faults one at a time"
build/e2e-serial --jobs=1 || status=1
echo "== end-to-end tests (HTTPS through HAProxy, libcurl)"
build/e2e-tests --jobs=2 || status=1

echo "== browser tests (chromium, playwright-core)"
(cd tests/browser && node --test --test-concurrency=1 pay.test.js staff.test.js) || status=1

tests/e2e/stack.sh stop || status=1
exit $status
