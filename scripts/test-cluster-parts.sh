#!/usr/bin/env bash
# Builds what the cluster tests' Kubernetes node needs and this machine lacks, into a cache outside the
# repository, and reuses it afterwards (a rebuild only when its sources change):
#   $MPE_CACHE_DIR/cluster/bin/   etcd, kube-apiserver, kube-controller-manager, kube-scheduler,
#                                 kube-proxy, kubelet (test/cluster/kube, one binary, Go module proxy),
#                                 containerd, containerd-shim-runc-v2, ctr, runc (Go module proxy),
#                                 pause (test/cluster/pause),
#                                 prometheus and promtool 3 (Go module proxy: Debian's 2.42 has no
#                                 Kubernetes service discovery),
#                                 alertmanager and amtool (Go module proxy: Debian's is 0.25)
# and installs from Debian: the CNI plugins, iptables, conntrack, buildah, debootstrap, and libseccomp's
# headers for runc. Debian's runc (1.1.5) cannot start a container on this kernel ("can't get final
# child's PID from pipe: EOF"), so runc is built too.
# MPE_CACHE_DIR defaults to ~/.cache/meridio-path-exporter.
#
#   bash scripts/test-cluster-parts.sh           build what is missing, print what it built and how long
#   bash scripts/test-cluster-parts.sh --check   exit 1 (naming what) if anything is missing or stale
set -euo pipefail
cd "$(dirname "$0")/.."

CONTAINERD_VERSION=v2.2.9
RUNC_VERSION=v1.4.4
# Prometheus 3.x is published as module version v0.3xx.y.
PROMETHEUS_VERSION=v0.316.0
ALERTMANAGER_VERSION=v0.35.0
# A build option of runc or containerd changes its key, so the cache rebuilds it.
RUNC_KEY="$RUNC_VERSION seccomp"
CONTAINERD_TAGS="no_btrfs no_devmapper no_zfs"
CONTAINERD_KEY="$CONTAINERD_VERSION $CONTAINERD_TAGS"
cache="${MPE_CACHE_DIR:-$HOME/.cache/meridio-path-exporter}/cluster"
bin="$cache/bin"
apt_tools=(/usr/include/seccomp.h:libseccomp-dev pkg-config:pkg-config /usr/lib/cni/bridge:containernetworking-plugins iptables:iptables conntrack:conntrack
  buildah:buildah debootstrap:debootstrap)

# A build's key: the hash of the files it is built from, so an edit rebuilds it.
key() { cat "$@" | sha256sum | cut -c1-16; }
kube_key=$(key test/cluster/kube/go.mod test/cluster/kube/go.sum test/cluster/kube/main.go)
pause_key=$(key test/cluster/pause/go.mod test/cluster/pause/main.go)
stamp() { cat "$cache/$1.key" 2>/dev/null || true; }

missing=()
for entry in "${apt_tools[@]}"; do
  tool=${entry%%:*}
  if [[ $tool == /* ]]; then [ -e "$tool" ] || missing+=("${entry#*:}"); else
    command -v "$tool" >/dev/null 2>&1 || missing+=("${entry#*:}"); fi
done
stale=()
[ "$(stamp kube)" = "$kube_key" ] || stale+=(kube)
[ "$(stamp containerd)" = "$CONTAINERD_KEY" ] || stale+=(containerd)
[ "$(stamp runc)" = "$RUNC_KEY" ] || stale+=(runc)
[ "$(stamp pause)" = "$pause_key" ] || stale+=(pause)
[ "$(stamp prometheus)" = "$PROMETHEUS_VERSION" ] || stale+=(prometheus)
[ "$(stamp alertmanager)" = "$ALERTMANAGER_VERSION" ] || stale+=(alertmanager)

if [ "${1:-}" = "--check" ]; then
  [ ${#missing[@]} -eq 0 ] && [ ${#stale[@]} -eq 0 ] && exit 0
  echo "cluster parts missing or stale: ${missing[*]} ${stale[*]} (run: bash scripts/test-cluster-parts.sh)" >&2
  exit 1
fi

command -v go >/dev/null 2>&1 || { echo "go is required to build the cluster parts" >&2; exit 1; }
if [ ${#missing[@]} -gt 0 ]; then
  echo "installing: ${missing[*]}"
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi
mkdir -p "$bin"
export CGO_ENABLED=0 GOFLAGS=-trimpath

timed() {
  local what=$1 start=$SECONDS
  shift
  "$@"
  echo "built $what in $((SECONDS - start)) s"
}

build_kube() {
  # The version the components report (kubelet's node status, the API server's /version), as a
  # release build stamps it.
  local version major minor flags=-s
  version=$(cd test/cluster/kube && go list -m -f '{{.Version}}' k8s.io/kubernetes)
  major=${version#v} && minor=${major#*.} && major=${major%%.*} && minor=${minor%%.*}
  for pkg in k8s.io/component-base/version k8s.io/client-go/pkg/version; do
    flags+=" -X $pkg.gitVersion=$version -X $pkg.gitMajor=$major -X $pkg.gitMinor=$minor -X $pkg.gitTreeState=clean"
  done
  (cd test/cluster/kube && go build -ldflags="$flags" -o "$bin/kube-node.new" .)
  mv "$bin/kube-node.new" "$bin/kube-node"
  for name in etcd kube-apiserver kube-controller-manager kube-scheduler kube-proxy kubelet; do
    ln -sfn kube-node "$bin/$name"
  done
}

build_containerd() {
  GOBIN="$bin" go install -ldflags=-s -tags "$CONTAINERD_TAGS" \
    "github.com/containerd/containerd/v2/cmd/containerd@$CONTAINERD_VERSION" \
    "github.com/containerd/containerd/v2/cmd/containerd-shim-runc-v2@$CONTAINERD_VERSION" \
    "github.com/containerd/containerd/v2/cmd/ctr@$CONTAINERD_VERSION"
}

# runc needs cgo for libseccomp (the seccomp profiles of RuntimeDefault).
build_runc() { GOBIN="$bin" CGO_ENABLED=1 go install -ldflags=-s -tags seccomp "github.com/opencontainers/runc@$RUNC_VERSION"; }

build_prometheus() {
  GOBIN="$bin" go install -ldflags=-s "github.com/prometheus/prometheus/cmd/prometheus@$PROMETHEUS_VERSION" \
    "github.com/prometheus/prometheus/cmd/promtool@$PROMETHEUS_VERSION"
}

# The module as published lacks the web UI's built assets (ui/app/dist, made by npm in Alertmanager's
# release build), which its ui package embeds, so `go install` fails. The tests use the API only: the
# module is built from a copy whose ui/app/dist holds an empty page.
build_alertmanager() {
  local src work
  src=$(cd /tmp && go mod download -json "github.com/prometheus/alertmanager@$ALERTMANAGER_VERSION" |
    sed -n 's/^\t"Dir": "\(.*\)",$/\1/p')
  work=$(mktemp -d)
  cp -r "$src/." "$work" && chmod -R u+w "$work"
  for ui in elm mantine; do
    mkdir -p "$work/ui/app/dist/$ui"
    echo '<!doctype html><title>Alertmanager (no UI in this build)</title>' >"$work/ui/app/dist/$ui/index.html"
  done
  (cd "$work" && go build -ldflags=-s -o "$bin/alertmanager" ./cmd/alertmanager &&
    go build -ldflags=-s -o "$bin/amtool" ./cmd/amtool)
  rm -rf "$work"
}

build_pause() { (cd test/cluster/pause && go build -ldflags=-s -o "$bin/pause" .); }

for part in "${stale[@]}"; do
  timed "$part" "build_$part"
  case $part in
    kube) echo "$kube_key" >"$cache/kube.key" ;;
    containerd) echo "$CONTAINERD_KEY" >"$cache/containerd.key" ;;
    runc) echo "$RUNC_KEY" >"$cache/runc.key" ;;
    pause) echo "$pause_key" >"$cache/pause.key" ;;
    prometheus) echo "$PROMETHEUS_VERSION" >"$cache/prometheus.key" ;;
    alertmanager) echo "$ALERTMANAGER_VERSION" >"$cache/alertmanager.key" ;;
  esac
done
echo "cluster parts ready in $bin"
