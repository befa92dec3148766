#!/usr/bin/env bash
# Install the Debian packages the tests drive for real, if they are missing:
# chromium (headless browser tests), postgresql-15-postgis-3 (reference computations,
# benchmarks), osmium-tool (JOSM files read back). Idempotent: does nothing when all
# are there. Needs root (or sudo) and apt-get; otherwise says what to install.
set -euo pipefail

need=()
command -v chromium >/dev/null 2>&1 || need+=(chromium)
ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 && ls /usr/share/postgresql/*/extension/postgis.control >/dev/null 2>&1 \
  || need+=(postgresql-15-postgis-3 postgresql-15)
command -v osmium >/dev/null 2>&1 || need+=(osmium-tool)

if [ ${#need[@]} -eq 0 ]; then
  exit 0
fi
echo "sysdeps: installing ${need[*]} (Debian packages)"
if [ "$(id -u)" -eq 0 ]; then sudo=""; elif command -v sudo >/dev/null; then sudo="sudo"; else
  echo "sysdeps: cannot install without root: run 'apt-get install ${need[*]}'" >&2
  exit 1
fi
export DEBIAN_FRONTEND=noninteractive
$sudo apt-get update -qq
$sudo apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
