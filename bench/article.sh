#!/usr/bin/env bash
# The demo's article page under wrk at 64 connections, next to nginx serving the same page from
# disk with the same compression (the very bytes holdspace sends: identity, gzip and brotli, served
# by gzip_static and brotli_static), in the same run on the same machine. Prints requests/s, p99
# and the ratio, once for a client that takes no coding and once for one that takes brotli.
# Budget (DESIGN.md): holdspace >= 0.8x nginx, p99 < 10 ms.
set -euo pipefail
cd "$(dirname "$0")/.."

DURATION="${DURATION:-15s}"
CONNECTIONS="${CONNECTIONS:-64}"
THREADS="${THREADS:-2}"
ARTICLE="/articles/what-happens-in-the-first-session"
BROTLI_MODULE=/usr/lib/nginx/modules/ngx_http_brotli_static_module.so

need() { command -v "$1" >/dev/null 2>&1; }
missing=()
need wrk || missing+=(wrk)
need nginx || missing+=(nginx-light)
[ -f "$BROTLI_MODULE" ] || missing+=(libnginx-mod-http-brotli-static)
if [ "${#missing[@]}" -gt 0 ]; then
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi
cargo build --release -q -p holdspace

work="$(mktemp -d)"
chmod 755 "$work"   # nginx's workers run as another user and read the pages from here
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

# The same page, from disk, through nginx (its usual static-file configuration, with the
# precompressed files beside the page as gzip_static and brotli_static expect them).
mkdir -p "$work/root/articles"
page="$work/root$ARTICLE.html"
curl -fs "http://127.0.0.1:$hs_port$ARTICLE" >"$page"
curl -fs -H 'Accept-Encoding: gzip' "http://127.0.0.1:$hs_port$ARTICLE" >"$page.gz"
curl -fs -H 'Accept-Encoding: br' "http://127.0.0.1:$hs_port$ARTICLE" >"$page.br"
cat >"$work/nginx.conf" <<CONF
load_module $BROTLI_MODULE;
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
  gzip_static on;
  gzip_vary on;
  brotli_static on;
  server {
    listen 127.0.0.1:$ng_port;
    root $work/root;
    location / { try_files \$uri \$uri.html =404; }
  }
}
CONF
nginx -c "$work/nginx.conf" -p "$work"
for _ in $(seq 1 50); do curl -fs "http://127.0.0.1:$ng_port$ARTICLE" >/dev/null 2>&1 && break; sleep 0.1; done

# Both must send the same bytes for each coding, or the comparison means nothing.
for coding in identity gzip br; do
  a="$(curl -s -H "Accept-Encoding: $coding" "http://127.0.0.1:$hs_port$ARTICLE" | sha256sum)"
  b="$(curl -s -H "Accept-Encoding: $coding" "http://127.0.0.1:$ng_port$ARTICLE" | sha256sum)"
  if [ "$a" != "$b" ]; then
    echo "nginx and holdspace send different bytes for $coding" >&2
    cat "$work/nginx-error.log" >&2
    exit 1
  fi
done

run() { wrk -t"$THREADS" -c"$CONNECTIONS" -d"$DURATION" --latency -H "Accept-Encoding: $2" "$1"; }
rps() { awk '/Requests\/sec/ {print $2}'; }
p99() { awk '$1 == "99%" {print $2}'; }
to_ms() { python3 -c 'import re,sys; n,u=re.fullmatch(r"([0-9.]+)([a-z]+)",sys.argv[1]).groups(); print(round(float(n)*{"us":0.001,"ms":1,"s":1000}[u],3))' "$1"; }

echo "article page, wrk -t$THREADS -c$CONNECTIONS -d$DURATION, $(nproc) cores"
run "http://127.0.0.1:$hs_port$ARTICLE" identity >/dev/null   # warm-up
for coding in identity br; do
  case "$coding" in
    identity) bytes="$(wc -c <"$page")" ;;
    br) bytes="$(wc -c <"$page.br")" ;;
  esac
  hs_out="$(run "http://127.0.0.1:$hs_port$ARTICLE" "$coding")"
  ng_out="$(run "http://127.0.0.1:$ng_port$ARTICLE" "$coding")"
  hs_rps="$(rps <<<"$hs_out")"; ng_rps="$(rps <<<"$ng_out")"
  hs_p99="$(to_ms "$(p99 <<<"$hs_out")")"; ng_p99="$(to_ms "$(p99 <<<"$ng_out")")"
  ratio="$(python3 -c "print(round($hs_rps/$ng_rps, 2))")"
  echo "Accept-Encoding: $coding ($bytes bytes)"
  printf '  %-10s %12s req/s   p99 %8s ms\n' holdspace "$hs_rps" "$hs_p99" nginx "$ng_rps" "$ng_p99"
  echo "  ratio holdspace/nginx: $ratio (budget >= 0.8); holdspace p99 ${hs_p99} ms (budget < 10 ms)"
done
