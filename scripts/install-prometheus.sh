#!/usr/bin/env bash
# Installs Prometheus and promtool for meshgate's tests (test/support/prometheus.ts), from the
# distribution's archive: Debian 12 ships 2.42, which the tests are written against.
#
# Idempotent: when both binaries are on PATH it only prints their versions.
# Safe without systemd (containers) and with it: the package's maintainer scripts would start the
# service; a policy-rc.d that answers 101 makes invoke-rc.d / deb-systemd-invoke skip that, so no
# daemon is left holding :9090 and nothing waits on an init system. The machine's own policy-rc.d,
# if any (Docker images ship one), is put back afterwards.
set -euo pipefail

MIN_TESTED_VERSION="2.42"

have_both() { command -v prometheus >/dev/null 2>&1 && command -v promtool >/dev/null 2>&1; }

print_versions() {
  prometheus --version 2>&1 | head -n 1
  promtool --version 2>&1 | head -n 1
  local v
  v="$(prometheus --version 2>&1 | head -n 1 | sed -n 's/.*version \([0-9][0-9]*\.[0-9][0-9]*\).*/\1/p')"
  if [ -n "$v" ] && [ "$(printf '%s\n%s\n' "$MIN_TESTED_VERSION" "$v" | sort -V | head -n 1)" != "$MIN_TESTED_VERSION" ]; then
    echo "install-prometheus: warning: Prometheus $v is older than $MIN_TESTED_VERSION, the version the tests target" >&2
  fi
}

if have_both; then
  print_versions
  exit 0
fi

if [ "$(id -u)" -ne 0 ]; then
  echo "install-prometheus: prometheus/promtool are not on PATH and this is not root." >&2
  echo "  run as root: sudo bash scripts/install-prometheus.sh" >&2
  exit 1
fi
if ! command -v apt-get >/dev/null 2>&1; then
  echo "install-prometheus: apt-get not found; install Prometheus >= $MIN_TESTED_VERSION with promtool another way" >&2
  echo "  (https://prometheus.io/download/) and put both on PATH." >&2
  exit 1
fi

export DEBIAN_FRONTEND=noninteractive

policy=/usr/sbin/policy-rc.d
backup=""
if [ -e "$policy" ]; then
  backup="$(mktemp)"
  cp -p "$policy" "$backup"
fi
restore_policy() {
  if [ -n "$backup" ]; then
    mv -f "$backup" "$policy"
  else
    rm -f "$policy"
  fi
}
trap restore_policy EXIT
printf '#!/bin/sh\n# install-prometheus.sh: do not start services while installing\nexit 101\n' >"$policy"
chmod 0755 "$policy"

apt-get update
# --no-install-recommends: the tests need the server and promtool, not node-exporter and friends.
apt-get install -y --no-install-recommends \
  -o Dpkg::Options::=--force-confdef -o Dpkg::Options::=--force-confold \
  prometheus

if ! have_both; then
  echo "install-prometheus: the package is installed but prometheus/promtool are still not on PATH" >&2
  exit 1
fi
print_versions
