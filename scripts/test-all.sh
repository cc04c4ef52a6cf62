#!/usr/bin/env bash
# Installs what the whole test suite needs on a fresh Debian 12 machine, then runs it.
# System tools (apt): prometheus (prometheus + promtool), iproute2 (ip, bridge), iputils-ping and
# util-linux (nsenter, unshare) and procps (sysctl: neighbour timers, IPv6 settings of test
# interfaces) for the network-namespace, node-local and live VPP tests, openssl for the TLS
# tests' certificates, kubectl for deploy/,
# chromium for the path page test (driven by playwright-core). Node 24 comes from npm (package "node").
# Then it builds what the cluster tests run, into a cache outside the repository (Go is required):
# scripts/test-cluster-parts.sh (Kubernetes, containerd, runc from the Go module proxy; the CNI plugins,
# iptables, buildah and debootstrap from Debian) and scripts/test-cluster-images.sh (the images).
set -euo pipefail
cd "$(dirname "$0")/.."

need_apt=()
command -v promtool >/dev/null 2>&1 || need_apt+=(prometheus)
command -v prometheus >/dev/null 2>&1 || need_apt+=(prometheus)
command -v ip >/dev/null 2>&1 || need_apt+=(iproute2)
command -v bridge >/dev/null 2>&1 || need_apt+=(iproute2)
command -v ping >/dev/null 2>&1 || need_apt+=(iputils-ping)
command -v nsenter >/dev/null 2>&1 || need_apt+=(util-linux)
command -v unshare >/dev/null 2>&1 || need_apt+=(util-linux)
command -v openssl >/dev/null 2>&1 || need_apt+=(openssl)
command -v sysctl >/dev/null 2>&1 || need_apt+=(procps)
# kubectl renders deploy/ (kubectl kustomize). These machines ship it; Debian's own package is the
# fallback, and the manifest test fails clearly if its kustomize is older than v4.
command -v kubectl >/dev/null 2>&1 || need_apt+=(kubernetes-client)
[ -x /usr/bin/chromium ] || need_apt+=(chromium)
bash scripts/apt-install.sh "${need_apt[@]}"

npm ci --no-audit --no-fund
bash scripts/test-cluster-parts.sh
bash scripts/test-cluster-images.sh
npm test
# The coverage-guided fuzzers for a fixed budget: a finding is kept under test/fixtures/ and fails the run.
npm run fuzz -- 1 2000
npm run fuzz:segment -- 60 1
