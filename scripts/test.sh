#!/usr/bin/env bash
# The whole test suite: lint, formatting, migrations check, then pytest on
# PostgreSQL with a real Redis broker, Celery worker and Chromium.
set -euo pipefail
cd "$(dirname "$0")/.."
BIN=.venv/bin

if [ ! -x /usr/bin/chromium ]; then
  echo "Installing Debian's chromium for the browser tests…"
  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null
fi

export DJANGO_SETTINGS_MODULE=portal.settings.test
export DATABASE_URL="${TEST_DATABASE_URL:-postgres://postgres@127.0.0.1:5432/portal}"
export CELERY_BROKER_URL="${TEST_CELERY_BROKER_URL:-redis://127.0.0.1:6379/15}"

echo "== ruff check";          $BIN/ruff check .
echo "== ruff format --check"; $BIN/ruff format --check .
echo "== makemigrations --check"
$BIN/python manage.py makemigrations --check --dry-run
echo "== pytest"
$BIN/pytest -p no:cacheprovider "$@"
