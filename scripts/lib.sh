# Shared by the scripts: where builds go, how to run as the PostgreSQL user.
# shellcheck shell=bash

# Build cache outside the clone, so a fresh clone (CI) reuses earlier compiles.
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$HOME/.cache/credit-meter/target}"
# npm's binaryen (wasm-opt, used by release builds); Debian's wasm-opt 108 breaks the wasm.
TOOLS_DIR="$HOME/.cache/credit-meter/tools"
export PATH="$TOOLS_DIR/node_modules/.bin:$HOME/.cargo/bin:$PATH"
# Test tools kept beside the build cache (scripts/setup --test puts them there).
export PROMTOOL="${PROMTOOL:-$TOOLS_DIR/promtool}"
SCHEMATHESIS_VERSION=4.32.5

log() { printf '\033[1m==> %s\033[0m\n' "$*" >&2; }

as_root() { if [ "$(id -u)" = 0 ]; then "$@"; else sudo "$@"; fi; }

APT_UPDATED=""
apt_install() {
  if [ -z "$APT_UPDATED" ]; then as_root apt-get update -qq; APT_UPDATED=1; fi
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$@" >/dev/null
}

# Starts a throwaway PostgreSQL cluster (temp dir, free port) and exports TEST_POSTGRES_URL.
# initdb refuses to run as root, so as root the cluster belongs to the `postgres` user.
pg_start() {
  local bin; bin="$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -1)"
  PG_DIR="$(mktemp -d /tmp/credit-meter-pg.XXXXXX)"
  local port; port="$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')"
  local run=()
  if [ "$(id -u)" = 0 ]; then chown postgres:postgres "$PG_DIR"; run=(runuser -u postgres --); fi
  PG_CTL=("${run[@]}" "$bin/pg_ctl" -D "$PG_DIR/data")
  "${run[@]}" "$bin/initdb" -D "$PG_DIR/data" -A trust -U postgres >/dev/null
  "${PG_CTL[@]}" -l "$PG_DIR/log" -w -o "-p $port -k $PG_DIR -c listen_addresses=127.0.0.1 -c fsync=off -c max_connections=300" start >/dev/null
  export TEST_POSTGRES_URL="postgres://postgres@127.0.0.1:$port/postgres"
  log "PostgreSQL $("$bin/postgres" --version | awk '{print $3}') on 127.0.0.1:$port"
}

pg_stop() {
  if [ -n "${PG_DIR:-}" ]; then
    "${PG_CTL[@]}" -m fast stop >/dev/null 2>&1 || true
    rm -rf "$PG_DIR"
    PG_DIR=""
  fi
}
