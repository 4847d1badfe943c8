#!/usr/bin/env bash
# How cost grows with a practice's size: for each N in SCALES, a practice filled by
# `holdspace demo --scale N` (N therapists with ten years of records each), then
#   - the p50/p99 of each page a therapist and a patient open daily (bench/scale.js), next to
#     /healthz measured in the same run (the anchor: a request that reads nothing);
#   - the time and peak memory of the commands that read everything: `audit verify`, `export`,
#     `backup`.
# Prints a table with the growth factor from the smallest N to the largest.
# Budgets (issue 16): every page p99 < 50 ms at N = 50 on PostgreSQL; no page grows more than 2x
# from N = 1 to N = 50; `audit verify` in constant memory.
#
#   bench/scale.sh                         # PostgreSQL, N = 1 10 50
#   SCALES="1 10" BACKEND=sqlite bench/scale.sh
#   KEEP=1 bench/scale.sh                  # reuse practices filled by an earlier run (same N)
#   COMMANDS_UP_TO=10 bench/scale.sh       # export and backup only up to N = 10 (they read everything)
#
# Needs PostgreSQL at 127.0.0.1:5432 (trust auth), Chromium and the e2e packages (for signing in).
set -euo pipefail
cd "$(dirname "$0")/.."

SCALES="${SCALES:-1 10 50}"
BACKEND="${BACKEND:-postgres}"
SEED="${SEED:-1}"
WORK="${SCALE_WORK:-/var/tmp/holdspace-scale}"
BIN=target/release/holdspace

command -v chromium >/dev/null || { apt-get update -qq && apt-get install -y -qq chromium >/dev/null; }
[ -d e2e/node_modules ] || (cd e2e && npm ci --silent)
command -v /usr/bin/time >/dev/null || apt-get install -y -qq time >/dev/null
cargo build --release -q -p holdspace
mkdir -p "$WORK"
psql_admin() { psql -h 127.0.0.1 -U postgres -d test -v ON_ERROR_STOP=1 -qtA "$@"; }

for n in $SCALES; do
  dir="$WORK/$BACKEND-$n"
  db="hs_scale_${n}"
  url="postgres://postgres@127.0.0.1:5432/$db"
  args=(--data-dir "$dir/data")
  [ "$BACKEND" = postgres ] && args+=(--database-url "$url")
  if [ "${KEEP:-}" != 1 ] || [ ! -s "$dir/handles.json" ]; then
    rm -rf "$dir" && mkdir -p "$dir"
    if [ "$BACKEND" = postgres ]; then
      psql_admin -c "DROP DATABASE IF EXISTS $db WITH (FORCE)" -c "CREATE DATABASE $db"
    fi
    echo "== N=$n: filling ($BACKEND)" >&2
    RUST_LOG=warn "$BIN" demo --scale "$n" --seed "$SEED" "${args[@]}" >"$dir/demo.out"
    sed -n '1,2p' "$dir/demo.out" >&2
    tail -1 "$dir/demo.out" >"$dir/handles.json"
  fi
  echo "== N=$n: pages" >&2
  SCALE_N="$n" SCALE_HANDLES="$(cat "$dir/handles.json")" SCALE_DATA_DIR="$dir/data" \
    SCALE_DATABASE_URL="$([ "$BACKEND" = postgres ] && echo "$url")" SCALE_DATABASE_NAME="$db" \
    HOLDSPACE_BIN="$BIN" node bench/scale.js >"$dir/pages.json"
  echo "== N=$n: commands" >&2
  timed() { # label, command...: seconds and peak resident memory (MB)
    local label="$1"; shift
    /usr/bin/time -f "%e %M" -o "$dir/time.txt" "$@" >/dev/null 2>"$dir/cmd.err" || { cat "$dir/cmd.err" >&2; exit 1; }
    read -r secs kb <"$dir/time.txt"
    echo "\"$label\": {\"s\": $secs, \"mb\": $((kb / 1024))}"
  }
  rm -rf "$dir/export" "$dir/backup.age"
  {
    echo "{"
    RUST_LOG=warn timed "audit verify" "$BIN" audit verify "${args[@]}"
    if [ "$n" -le "${COMMANDS_UP_TO:-1000}" ]; then
      echo ","
      RUST_LOG=warn timed "export" "$BIN" export --to "$dir/export" "${args[@]}"; echo ","
      RUST_LOG=warn timed "backup" "$BIN" backup --to-master-key --to "$dir/backup.age" "${args[@]}"
    fi
    echo "}"
  } >"$dir/commands.json"
  rm -rf "$dir/export" "$dir/backup.age"
  # The job runner's claim (store::jobs::claim_due, one job at a time): reminders, mail and the
  # retention sweep are jobs made ahead and claimed by due time, so this is the reminder scan.
  # PostgreSQL's own execution time, median of five, after one warm-up.
  if [ "$BACKEND" = postgres ]; then
    now_ms=$(date +%s%3N)
    claim="SELECT id, kind, payload, attempts FROM jobs WHERE (state = 'pending' AND run_at <= $now_ms) OR (state = 'running' AND locked_until < $now_ms) ORDER BY run_at LIMIT 1"
    for _ in 1 2 3 4 5 6; do
      psql -h 127.0.0.1 -U postgres -d "$db" -qtA -c "EXPLAIN (ANALYZE, FORMAT JSON) $claim"
    done | python3 -c 'import json, sys, statistics
text, at, ms, d = sys.stdin.read(), 0, [], json.JSONDecoder()
while text[at:].strip():
    plan, at = d.raw_decode(text, len(text) - len(text[at:].lstrip()))
    ms.append(plan[0]["Execution Time"])
print(json.dumps({"due jobs (reminders)": round(statistics.median(ms[1:]), 3)}))' >"$dir/statements.json"
  else
    echo '{}' >"$dir/statements.json"
  fi
  sed -n '2p' "$dir/demo.out" | sed "s/^/N=$n filled: /"
done

python3 - "$WORK" "$BACKEND" $SCALES <<'PY'
import json, sys
work, backend, scales = sys.argv[1], sys.argv[2], sys.argv[3:]
pages = {n: json.load(open(f"{work}/{backend}-{n}/pages.json")) for n in scales}
cmds = {n: json.load(open(f"{work}/{backend}-{n}/commands.json")) for n in scales}
lo, hi = scales[0], scales[-1]
head = f"{'page (p50 / p99 ms)':<26}" + "".join(f"{'N=' + n:>18}" for n in scales) + f"{'p99 growth':>12}{'p99/anchor':>12}"
print(f"\n{backend}, seed-filled practices\n" + head)
for label in pages[lo]:
    row = f"{label:<26}" + "".join(f"{pages[n][label]['p50']:>9.1f} /{pages[n][label]['p99']:>6.1f}" for n in scales)
    growth = pages[hi][label]["p99"] / max(pages[lo][label]["p99"], 0.001)
    anchor = pages[hi][label]["p99"] / max(pages[hi]["anchor: /healthz"]["p99"], 0.001)
    flag = "" if label.startswith("anchor") else ("  over 50 ms" if pages[hi][label]["p99"] >= 50 else "") + ("  grows > 2x" if growth > 2 else "")
    print(row + f"{growth:>11.2f}x{anchor:>11.1f}x" + flag)
print(f"\n{'command (s / peak MB)':<26}" + "".join(f"{'N=' + n:>18}" for n in scales) + f"{'time growth':>12}{'mem growth':>12}")
for label in cmds[lo]:
    ran = [n for n in scales if label in cmds[n]]
    row = f"{label:<26}" + "".join(f"{cmds[n][label]['s']:>10.1f} /{cmds[n][label]['mb']:>5}" if label in cmds[n] else f"{'not run':>18}" for n in scales)
    top = ran[-1]
    tg = cmds[top][label]["s"] / max(cmds[lo][label]["s"], 0.01)
    mg = cmds[top][label]["mb"] / max(cmds[lo][label]["mb"], 1)
    print(row + f"{tg:>11.1f}x{mg:>11.2f}x" + ("" if top == hi else f"  (to N={top})"))
stmts = {n: json.load(open(f"{work}/{backend}-{n}/statements.json")) for n in scales}
if stmts[lo]:
    print(f"\n{'job statement (ms)':<26}" + "".join(f"{'N=' + n:>18}" for n in scales) + f"{'growth':>12}")
    for label in stmts[lo]:
        row = f"{label:<26}" + "".join(f"{stmts[n][label]:>18.3f}" for n in scales)
        print(row + f"{stmts[hi][label] / max(stmts[lo][label], 0.001):>11.2f}x")
PY
