#!/usr/bin/env bash
# Installs what the benchmarks compare the exporter with, from Debian: node_exporter (the anchor of
# `npm run bench -- cost`) and wrk (the C client of `npm run bench -- live`). The tests do not need them.
set -euo pipefail
need_apt=()
[ -x /usr/bin/prometheus-node-exporter ] || need_apt+=(prometheus-node-exporter)
command -v wrk >/dev/null 2>&1 || need_apt+=(wrk)
bash "$(dirname "$0")/apt-install.sh" "${need_apt[@]}"
