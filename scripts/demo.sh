#!/usr/bin/env bash
# `make demo`: the main job, end to end, on this machine.
#   Without URL: start the project's Milvus REST emulator on a free loopback port, create two
#   import jobs, wait for them with a progress bar, then list them through the command-line
#   tool, the C example and Python. The emulator is stopped at the end.
#   With URL (and TOKEN): list the import jobs of a real server the same three ways.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
STAGE=${STAGE:-$ROOT/build/stage}
CLI=$STAGE/bin/milvus-import
DEMO=$ROOT/build/demo
export PKG_CONFIG_PATH=$STAGE/lib/pkgconfig
export MILVUS_IMPORT_LIBRARY=$STAGE/lib/libmilvus_import.so
export PYTHONPATH=$ROOT/bindings/python
mkdir -p "$DEMO"

say() { printf '\n\033[1m== %s\033[0m\n' "$*"; }

say "building the C example with pkg-config"
# shellcheck disable=SC2046
cc -std=c11 -Wall -Wextra -o "$DEMO/list_import_jobs" bindings/c/examples/list_import_jobs.c \
   $(pkg-config --cflags --libs milvus_import)

list_three_ways() {
  local url=$1 collection=$2
  say "milvus-import list (the command-line tool)"
  "$CLI" list --url "$url" ${collection:+--collection "$collection"}
  say "bindings/c/examples/list_import_jobs (C, milvus_list_import_jobs)"
  local c_url=$url
  if [ -n "${MILVUS_TOKEN:-}" ]; then
    # The stateless C call takes no token: a user:password token travels in the URL (HTTP
    # Basic); an API key needs a milvus_client (see bulk_import_and_wait.c), so C is skipped.
    case $MILVUS_TOKEN in
      *:*) c_url=$(python3 -c 'import sys, urllib.parse as u
user, _, password = sys.argv[2].partition(":"); p = u.urlsplit(sys.argv[1])
print(p._replace(netloc=u.quote(user, safe="") + ":" + u.quote(password, safe="") + "@" + p.netloc).geturl())' "$url" "$MILVUS_TOKEN") ;;
      *) c_url= ; echo "(skipped: the stateless C call cannot send an API key)" ;;
    esac
  fi
  [ -z "$c_url" ] || "$DEMO/list_import_jobs" "$c_url" "$collection"
  echo
  say "Python (milvus_import.list_import_jobs, pymilvus's signature)"
  DEMO_URL=$url DEMO_COLLECTION=$collection python3 - <<'PY'
import json, os
from milvus_import import list_import_jobs
result = list_import_jobs(os.environ["DEMO_URL"], collection_name=os.environ["DEMO_COLLECTION"],
                          api_key=os.environ.get("MILVUS_TOKEN", ""))
for record in result["data"]["records"]:
    print(f'{record["jobId"]:>20}  {record["collectionName"]:<12} {record["state"]:<10} {record.get("progress", 0):>3}%')
PY
}

if [ -n "${URL:-}" ]; then
  export MILVUS_TOKEN=${TOKEN:-}
  say "listing the import jobs of $URL"
  list_three_ways "$URL" ""
  exit 0
fi

say "starting the Milvus REST emulator (Tests/emulator/milvus_emulator.py)"
rm -f "$DEMO/url"
python3 Tests/emulator/milvus_emulator.py --host 127.0.0.1 --port 0 --port-file "$DEMO/url" \
  --job-seconds 4 >"$DEMO/emulator.log" 2>&1 &
EMULATOR=$!
trap 'kill $EMULATOR 2>/dev/null || true; wait $EMULATOR 2>/dev/null || true' EXIT
for _ in $(seq 100); do [ -s "$DEMO/url" ] && break; sleep 0.1; done
[ -s "$DEMO/url" ] || { echo "the emulator did not start; see $DEMO/emulator.log" >&2; exit 1; }
SERVER=$(cat "$DEMO/url")
echo "emulator at $SERVER"

say "writing two small data files"
mkdir -p "$DEMO/data"
python3 - "$DEMO/data" <<'PY'
import json, sys, random
random.seed(7)
for part, rows in (("part-1", 1200), ("part-2", 800)):
    with open(f"{sys.argv[1]}/{part}.json", "w") as out:
        for i in range(rows):
            out.write(json.dumps({"id": i, "vector": [round(random.random(), 4) for _ in range(4)]}) + "\n")
PY

say "creating two import jobs (milvus-import create)"
job_id() { python3 -c 'import json, sys; print(json.load(sys.stdin)["data"]["jobId"])'; }
JOB1=$("$CLI" create --url "$SERVER" --collection quick_setup --file "$DEMO/data/part-1.json" --json | job_id)
JOB2=$("$CLI" create --url "$SERVER" --collection quick_setup --file "$DEMO/data/part-2.json" --json | job_id)
echo "created $JOB1 and $JOB2"

say "waiting for them (milvus-import wait)"
"$CLI" wait --url "$SERVER" --poll-interval 0.5 "$JOB1"
"$CLI" wait --url "$SERVER" --poll-interval 0.5 "$JOB2"

list_three_ways "$SERVER" quick_setup
say "done; the emulator stops now"
