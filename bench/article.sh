#!/usr/bin/env bash
# The demo's article page under wrk at 64 connections, next to nginx serving the same page's HTML
# from disk, in the same run on the same machine. Prints requests/s, p99 and the ratio.
# Budget (DESIGN.md): holdspace >= 0.5x nginx, p99 < 10 ms.
set -euo pipefail
cd "$(dirname "$0")/.."

DURATION="${DURATION:-15s}"
CONNECTIONS="${CONNECTIONS:-64}"
THREADS="${THREADS:-2}"
ARTICLE="/articles/what-happens-in-the-first-session"

need() { command -v "$1" >/dev/null 2>&1; }
if ! need wrk || ! need nginx; then
  apt-get update -qq && apt-get install -y -qq --no-install-recommends wrk nginx-light >/dev/null
fi
cargo build --release -q -p holdspace

work="$(mktemp -d)"
cleanup() {
  [ -n "${hs_pid:-}" ] && kill "$hs_pid" 2>/dev/null || true
  [ -f "$work/nginx.pid" ] && kill "$(cat "$work/nginx.pid")" 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()'; }
hs_port="$(free_port)"
ng_port="$(free_port)"

RUST_LOG=warn ./target/release/holdspace serve --demo --data-dir "$work/data" --listen "127.0.0.1:$hs_port" >"$work/hs.log" 2>&1 &
hs_pid=$!
for _ in $(seq 1 100); do curl -fs "http://127.0.0.1:$hs_port/healthz" >/dev/null 2>&1 && break; sleep 0.1; done

# The same HTML, from disk, through nginx (its usual static-file configuration).
mkdir -p "$work/root/articles"
curl -fs "http://127.0.0.1:$hs_port$ARTICLE" >"$work/root$ARTICLE.html"
cat >"$work/nginx.conf" <<CONF
worker_processes auto;
pid $work/nginx.pid;
error_log $work/nginx-error.log warn;
events { worker_connections 1024; }
http {
  access_log off;
  sendfile on;
  tcp_nopush on;
  keepalive_requests 100000;
  default_type text/html;
  server {
    listen 127.0.0.1:$ng_port;
    root $work/root;
    location / { try_files \$uri \$uri.html =404; }
  }
}
CONF
nginx -c "$work/nginx.conf" -p "$work"
for _ in $(seq 1 50); do curl -fs "http://127.0.0.1:$ng_port$ARTICLE" >/dev/null 2>&1 && break; sleep 0.1; done

run() { wrk -t"$THREADS" -c"$CONNECTIONS" -d"$DURATION" --latency "$1"; }
rps() { awk '/Requests\/sec/ {print $2}'; }
p99() { awk '$1 == "99%" {print $2}'; }
to_ms() { python3 -c 'import re,sys; n,u=re.fullmatch(r"([0-9.]+)([a-z]+)",sys.argv[1]).groups(); print(round(float(n)*{"us":0.001,"ms":1,"s":1000}[u],3))' "$1"; }

run "http://127.0.0.1:$hs_port$ARTICLE" >/dev/null   # warm-up
hs_out="$(run "http://127.0.0.1:$hs_port$ARTICLE")"
ng_out="$(run "http://127.0.0.1:$ng_port$ARTICLE")"

hs_rps="$(rps <<<"$hs_out")"; ng_rps="$(rps <<<"$ng_out")"
hs_p99="$(to_ms "$(p99 <<<"$hs_out")")"; ng_p99="$(to_ms "$(p99 <<<"$ng_out")")"
bytes="$(wc -c <"$work/root$ARTICLE.html")"
ratio="$(python3 -c "print(round($hs_rps/$ng_rps, 2))")"

echo "article page ($bytes bytes), wrk -t$THREADS -c$CONNECTIONS -d$DURATION, $(nproc) cores"
printf '  %-10s %12s req/s   p99 %8s ms\n' holdspace "$hs_rps" "$hs_p99" nginx "$ng_rps" "$ng_p99"
echo "  ratio holdspace/nginx: $ratio (budget >= 0.5); holdspace p99 ${hs_p99} ms (budget < 10 ms)"
