#!/usr/bin/env bash
# Follows docs/deployment.md from start to end on this machine, as a clean-machine check:
# every ```sh block of the guide runs in order, with the guide's paths moved under a scratch
# root (/opt/stegvis -> $ROOT/opt/stegvis, ...) and port 8501 moved to a free port. What a
# scratch root cannot do for real is done by small stand-ins below: `systemctl` starts the
# unit's own ExecStart line (from the installed unit file, with its EnvironmentFile), `sudo -u
# stegvis` runs the command as the current user, `git clone` clones this checkout, `certbot`
# makes a self-signed certificate, `nginx` runs the real nginx on the installed site file with
# its ports moved. Afterwards the result is checked through nginx over TLS: /healthz, the
# security headers, the WebSocket upgrade, the upload limit, the http redirect and file modes.
#
#   deploy/check-guide.sh          # a real virtual environment and pip install (minutes)
#   FAST=1 deploy/check-guide.sh   # reuse this checkout's .venv (what tests/test_deploy.py runs)
#   KEEP=1 ...                     # keep the scratch root for a look afterwards
set -euo pipefail

REPO=$(cd "$(dirname "$0")/.." && pwd)
GUIDE="$REPO/docs/deployment.md"
ROOT=$(mktemp -d "${TMPDIR:-/tmp}/stegvis-guide.XXXXXX")
PY=python3
[ -x "$REPO/.venv/bin/python" ] && PY="$REPO/.venv/bin/python"
free_port() { "$PY" -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }
APP_PORT=$(free_port); HTTPS_PORT=$(free_port); HTTP_PORT=$(free_port)
DOMAIN=enkat.example.se
PASSWORD="ett långt lösenord för guiden"
# What Debian and its packages already have:
export REPO ROOT APP_PORT HTTPS_PORT HTTP_PORT DOMAIN FAST="${FAST:-}"
mkdir -p "$ROOT/run" "$ROOT/etc/systemd/system" "$ROOT/etc/nginx/sites-available" "$ROOT/etc/nginx/sites-enabled" "$ROOT/var/log/nginx"

cleanup() {
  local status=$?
  for pidfile in "$ROOT"/run/*.pid; do
    [ -e "$pidfile" ] || continue
    kill -- "-$(cat "$pidfile")" 2>/dev/null || kill "$(cat "$pidfile")" 2>/dev/null || true
  done
  if [ -n "${KEEP:-}" ]; then echo "scratch root kept: $ROOT"; else rm -rf "$ROOT"; fi
  exit $status
}
trap cleanup EXIT

# The guide's paths under the scratch root; the same rewrite is applied to the unit, env and nginx files.
rewrite() {
  sed -e "s#/opt/stegvis#$ROOT/opt/stegvis#g" -e "s#/var/lib/stegvis#$ROOT/var/lib/stegvis#g" \
      -e "s#/etc/stegvis#$ROOT/etc/stegvis#g" -e "s#/etc/systemd/system#$ROOT/etc/systemd/system#g" \
      -e "s#/etc/nginx#$ROOT/etc/nginx#g" -e "s#/etc/letsencrypt#$ROOT/etc/letsencrypt#g" \
      -e "s#/var/log/nginx#$ROOT/var/log/nginx#g" -e "s#8501#$APP_PORT#g"
}
export -f rewrite

# 1. The guide's sh blocks, in order, as one script.
"$PY" - "$GUIDE" > "$ROOT/run/guide-blocks.sh" <<'EOF'
import os, re, sys
text = open(sys.argv[1], encoding="utf-8").read()
for block in re.findall(r"^```sh\n(.*?)^```", text, flags=re.S | re.M):
    for line in block.splitlines():
        if os.environ.get("FAST") and re.search(r"/venv/bin/pip install", line):
            line = ": FAST: the .venv of this checkout is used, no pip install"
        print(line)
EOF
rewrite < "$ROOT/run/guide-blocks.sh" > "$ROOT/run/guide.sh"

# 2. Stand-ins for what needs a real machine.
cat > "$ROOT/run/shims.sh" <<'EOF'
say() { echo "guide> $*"; }
apt-get() {
  say "apt-get $* (checking instead of installing)"
  command -v git >/dev/null || { echo "git is missing" >&2; return 1; }
}
adduser() { local home=""; while [ $# -gt 0 ]; do [ "$1" = --home ] && home=$2; shift; done; mkdir -p "$home"; }
install() {  # without -o/-g: there is no stegvis user in a scratch root
  local args=()
  while [ $# -gt 0 ]; do case "$1" in -o|-g) shift 2 ;; *) args+=("$1"); shift ;; esac; done
  command install "${args[@]}"
}
sudo() { [ "$1" = -u ] && shift 2; "$@"; }
git() {
  if [ "$1" = clone ]; then command git clone --quiet "$REPO" "${@: -1}"; else say "git $* (no release tags here)"; fi
}
python3() {
  if [ "$1 $2" = "-m venv" ] && [ -n "$FAST" ]; then ln -s "$REPO/.venv" "$3"; else command python3 "$@"; fi
}
certbot() {
  local live="$ROOT/etc/letsencrypt/live/$DOMAIN"
  mkdir -p "$live"
  openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj "/CN=$DOMAIN" \
    -keyout "$live/privkey.pem" -out "$live/fullchain.pem" 2>/dev/null
}
unit_value() { sed -n "s/^$2=//p" "$ROOT/etc/systemd/system/$1" | rewrite; }
start_unit() {
  local unit=$1 command env_file
  command=$(unit_value "$unit" ExecStart)
  env_file=$(unit_value "$unit" EnvironmentFile)
  say "start $unit: $command"
  if [ "$(unit_value "$unit" Type)" = oneshot ]; then
    (set -a; eval "$(rewrite < "$env_file")"; set +a; umask 0077; eval "$command")
    return
  fi
  (set -a; eval "$(rewrite < "$env_file")"; set +a; umask 0077; exec setsid bash -c "exec $command" \
      > "$ROOT/run/$unit.log" 2>&1) &
  echo $! > "$ROOT/run/$unit.pid"
  for _ in $(seq 1 300); do
    curl -fsS "http://127.0.0.1:$APP_PORT/healthz" >/dev/null 2>&1 && return 0
    kill -0 "$(cat "$ROOT/run/$unit.pid")" 2>/dev/null || { cat "$ROOT/run/$unit.log" >&2; return 1; }
    sleep 0.2
  done
  echo "$unit did not come up" >&2; return 1
}
stop_unit() {
  local pidfile="$ROOT/run/$1.pid"
  [ -e "$pidfile" ] || return 0
  kill -- "-$(cat "$pidfile")" 2>/dev/null || true
  while kill -0 "$(cat "$pidfile")" 2>/dev/null; do sleep 0.1; done
  rm -f "$pidfile"
}
systemctl() {
  local verb=$1; shift
  [ "$verb" = daemon-reload ] && return 0
  [ "${1:-}" = --now ] && { verb=start; shift; }
  for unit in "$@"; do
    case "$verb:$unit" in
      reload:nginx|restart:nginx) nginx_run ;;
      start:*.timer|enable:*) say "$unit enabled" ;;
      start:*) start_unit "$unit" ;;
      stop:*) stop_unit "$unit" ;;
      *) say "systemctl $verb $unit (nothing to do here)" ;;
    esac
  done
}
nginx_conf() {  # Debian's nginx.conf, reduced to what includes the site, with the site's ports moved
  mkdir -p "$ROOT/run/nginx-sites"
  for site in "$ROOT"/etc/nginx/sites-enabled/*; do
    rewrite < "$site" | sed -e "s/listen 443 /listen $HTTPS_PORT /; s/listen \[::\]:443 .*//" \
      -e "s/listen 80;/listen $HTTP_PORT;/; s/listen \[::\]:80;//" > "$ROOT/run/nginx-sites/$(basename "$site")"
  done
  cat > "$ROOT/run/nginx.conf" <<CONF
pid $ROOT/run/nginx.pid;
error_log $ROOT/var/log/nginx/error.log;
events {}
http {
  client_body_temp_path $ROOT/run/nginx-body;
  proxy_temp_path $ROOT/run/nginx-proxy;
  access_log $ROOT/var/log/nginx/access.log;
  include $ROOT/run/nginx-sites/*;
}
CONF
}
nginx() {
  if ! command -v nginx >/dev/null; then say "nginx is not installed: skipping nginx $*"; return 0; fi
  nginx_conf
  command nginx -p "$ROOT/run" -c "$ROOT/run/nginx.conf" "$@"
}
nginx_run() {
  command -v nginx >/dev/null || { say "nginx is not installed: not started"; return 0; }
  if [ -s "$ROOT/run/nginx.pid" ]; then nginx -s reload; else nginx; fi
}
EOF

# 3. Run the guide.
echo "== following $GUIDE under $ROOT (app on $APP_PORT, https on $HTTPS_PORT)"
printf '%s\n' "$PASSWORD" > "$ROOT/run/password"
(cd "$ROOT" && bash -euo pipefail -c ". '$ROOT/run/shims.sh'; . '$ROOT/run/guide.sh'" < "$ROOT/run/password")

# 4. Check the result.
fail() { echo "FAILED: $*" >&2; exit 1; }
version=$("$ROOT/opt/stegvis/venv/bin/stegvis" --version | cut -d' ' -f2)
data="$ROOT/var/lib/stegvis"
for file in "$data/stegvis.db" "$data/stegvis.db.key" "$data"/backups/stegvis-*.db; do
  [ "$(stat -c %a "$file")" = 600 ] || fail "$file is $(stat -c %a "$file"), not 600"
done
[ "$(stat -c %a "$data/backups")" = 700 ] || fail "the backup directory is not 700"
[ "$(curl -fsS "http://127.0.0.1:$APP_PORT/healthz")" = "ok $version" ] || fail "/healthz on the app"
if command -v nginx >/dev/null; then
  https=(curl -sS -k --resolve "$DOMAIN:$HTTPS_PORT:127.0.0.1")
  base="https://$DOMAIN:$HTTPS_PORT"
  [ "$("${https[@]}" "$base/healthz")" = "ok $version" ] || fail "/healthz through nginx"
  headers=$("${https[@]}" -D - -o /dev/null "$base/")
  for header in "X-Frame-Options: DENY" "Content-Security-Policy: frame-ancestors 'none'" \
                "Strict-Transport-Security: max-age=31536000" "X-Content-Type-Options: nosniff"; do
    grep -qiF "$header" <<<"$headers" || fail "no '$header' from nginx"
  done
  grep -q "^HTTP/[0-9.]* 200" <<<"$headers" || fail "the start page did not answer 200 through nginx"
  upgrade=$("${https[@]}" --http1.1 -i --max-time 5 -H "Connection: Upgrade" -H "Upgrade: websocket" \
            -H "Sec-WebSocket-Version: 13" -H "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==" \
            "$base/_stcore/stream" 2>/dev/null || true)
  grep -q "^HTTP/1.1 101" <<<"$upgrade" || fail "the WebSocket upgrade did not pass through nginx"
  head -c 11000000 /dev/zero > "$ROOT/run/big.bin"
  status=$("${https[@]}" -o /dev/null -w '%{http_code}' -F "file=@$ROOT/run/big.bin" "$base/_stcore/upload_file/x/y")
  [ "$status" = 413 ] || fail "an 11 MB upload got $status, not 413"
  redirect=$(curl -sS -o /dev/null -w '%{http_code} %{redirect_url}' -H "Host: $DOMAIN" "http://127.0.0.1:$HTTP_PORT/x")
  [ "$redirect" = "301 https://$DOMAIN/x" ] || fail "http is not redirected to https ($redirect)"
  echo "== through nginx: /healthz, headers, WebSocket upgrade, 413 for big uploads, http -> https: ok"
else
  echo "== nginx is not installed: checked the app directly only"
fi
echo "== the guide works end to end (stegvis $version)"
