#!/usr/bin/env bash
# One entry point for newcomers and CI: brings Node 24 and pnpm when the machine lacks them,
# installs the workspace, then runs the requested task.
#   bash scripts/run.sh start   build and run the product on its embedded default
#   bash scripts/run.sh test    lint, typecheck, build and run every test
#   bash scripts/run.sh bench   run the benchmarks
#   bash scripts/run.sh env     print the PATH to use this toolchain in your shell
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
tools="${W7S_TOOLS_DIR:-$root/.tools}"
node_version="$(tr -d ' \nv' < "$root/.nvmrc")"
pnpm_version="$(node -e 'console.log(require(process.argv[1]).packageManager.split("@")[1])' "$root/package.json" 2>/dev/null || echo 10.34.8)"

log() { printf '\033[1m[w7s]\033[0m %s\n' "$*" >&2; }

node_major() { "${1:-node}" -p 'process.versions.node.split(".")[0]' 2>/dev/null || echo 0; }

ensure_node() {
  local wanted_major="${node_version%%.*}"
  if command -v node >/dev/null && [ "$(node_major)" -ge "$wanted_major" ]; then return; fi
  local os arch pkg
  case "$(uname -s)" in Linux) os=linux ;; Darwin) os=darwin ;; *) log "unsupported OS $(uname -s)"; exit 1 ;; esac
  case "$(uname -m)" in x86_64|amd64) arch=x64 ;; aarch64|arm64) arch=arm64 ;; *) log "unsupported CPU $(uname -m)"; exit 1 ;; esac
  pkg="node-$os-$arch"
  local bin="$tools/node-$node_version/node_modules/$pkg/bin"
  if [ ! -x "$bin/node" ]; then
    log "Node $(node -v 2>/dev/null || echo none) is older than $wanted_major; fetching $pkg@$node_version from the npm registry"
    mkdir -p "$tools/node-$node_version"
    npm install --prefix "$tools/node-$node_version" --no-save --no-package-lock --no-audit --no-fund \
      --ignore-scripts "$pkg@$node_version" >&2
  fi
  export PATH="$bin:$PATH"
  log "using node $(node -v) from $bin"
}

ensure_pnpm() {
  if command -v pnpm >/dev/null && [ "$(pnpm -v 2>/dev/null)" = "$pnpm_version" ]; then return; fi
  local dir="$tools/pnpm-$pnpm_version"
  if [ ! -x "$dir/node_modules/.bin/pnpm" ]; then
    log "installing pnpm@$pnpm_version into $dir"
    mkdir -p "$dir"
    npm install --prefix "$dir" --no-save --no-package-lock --no-audit --no-fund "pnpm@$pnpm_version" >&2
  fi
  export PATH="$dir/node_modules/.bin:$PATH"
}

ensure_deps() {
  cd "$root"
  if [ -n "${CI:-}" ]; then
    pnpm install --frozen-lockfile
  else
    pnpm install --prefer-offline
  fi
}

ensure_node
ensure_pnpm
export TURBO_TELEMETRY_DISABLED=1 DO_NOT_TRACK=1

task="${1:-help}"
shift || true
case "$task" in
  env)   echo "export PATH=\"$PATH\"" ;;
  install) ensure_deps ;;
  start) ensure_deps; pnpm run build >&2; exec pnpm --silent run start "$@" ;;
  test)  ensure_deps; pnpm run ci "$@" ;;
  bench) ensure_deps; pnpm run build; pnpm run bench "$@" ;;
  *) sed -n '2,8p' "$0"; exit 2 ;;
esac
