#!/usr/bin/env bash
# `npm test`: the whole suite. Unit and integration tests (vitest) run against real SQLite and a
# real PostgreSQL; end-to-end tests (Playwright) drive Debian's chromium against `npm start`'s
# production server. As root on a bare machine (CI), installs chromium and PostgreSQL first.
set -uo pipefail
cd "$(dirname "$0")/.."

log() { printf '\n== %s\n' "$*"; }

need_apt=()
command -v chromium >/dev/null 2>&1 || need_apt+=(chromium)
command -v pg_ctlcluster >/dev/null 2>&1 || need_apt+=(postgresql)
if [ ${#need_apt[@]} -gt 0 ]; then
  if [ "$(id -u)" = 0 ]; then
    log "installing ${need_apt[*]} from Debian's packages"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq && apt-get install -y -qq --no-install-recommends "${need_apt[@]}" >/dev/null \
      || { echo "apt-get install ${need_apt[*]} failed"; exit 1; }
  else
    echo "npm test needs ${need_apt[*]}: install them (apt-get install ${need_apt[*]}) or run as root." >&2
    exit 1
  fi
fi

# PostgreSQL for the integration tests: use TEST_POSTGRES_URL when given, else the local cluster.
if [ -z "${TEST_POSTGRES_URL:-}" ]; then
  if [ "$(id -u)" != 0 ]; then
    echo "Set TEST_POSTGRES_URL to a PostgreSQL superuser URL, or run npm test as root to start a local cluster." >&2
    exit 1
  fi
  ver=$(ls /usr/lib/postgresql | sort -n | tail -1)
  pg_lsclusters -h 2>/dev/null | grep -q "^$ver main" || pg_createcluster "$ver" main >/dev/null
  pg_lsclusters -h | grep -q "^$ver main .* online" || pg_ctlcluster --skip-systemctl-redirect "$ver" main start
  for _ in $(seq 1 50); do su postgres -c "pg_isready -q" && break; sleep 0.2; done
  su postgres -c "psql -qtAc \"SELECT 1 FROM pg_roles WHERE rolname='arena_test'\"" | grep -q 1 \
    || su postgres -c "psql -qc \"CREATE ROLE arena_test LOGIN SUPERUSER PASSWORD 'arena_test'\""
  export TEST_POSTGRES_URL="postgres://arena_test:arena_test@127.0.0.1:5432/postgres"
fi

# Reports go to reports/, not test-results/: Playwright empties that folder when it starts.
mkdir -p reports
rm -f reports/vitest.json reports/e2e.json
status=0

log "unit and integration tests (vitest: SQLite and PostgreSQL)"
npx vitest run --reporter=default --reporter=json --outputFile.json=reports/vitest.json || status=1

log "end-to-end tests (Playwright, Debian chromium, production build)"
CI=1 npx playwright test || status=1

# One closing line over both runners.
node scripts/test-summary.mjs reports/vitest.json reports/e2e.json || status=1
exit $status
