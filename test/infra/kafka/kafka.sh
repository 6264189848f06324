#!/usr/bin/env bash
# A throwaway single-node Apache Kafka (KRaft, combined broker + controller) for tests.
#
#   kafka.sh fetch    resolve the broker jars from Maven Central into the cache (once)
#   kafka.sh start    start a broker on a free 127.0.0.1 port; prints host:port on stdout
#   kafka.sh status   prints host:port and exits 0 while the broker runs, else exits 1
#   kafka.sh stop     stops the broker and deletes its data
#   kafka.sh kill     kill -9 the broker, keeping its data and ports (chaos tests)
#   kafka.sh restart  start a killed broker again on the same ports and data; prints host:port
#
# Environment:
#   DRIFTWATCH_CACHE        jar cache root (default $HOME/.cache/driftwatch)
#   DRIFTWATCH_KAFKA_STATE  state dir holding pid, brokers, config, logs
#                           (default $DRIFTWATCH_CACHE/run/kafka; the test harness uses a temp dir)
#   DRIFTWATCH_OWNER_PID    when set, a watchdog stops the broker once that process is gone
#   DRIFTWATCH_MAVEN_REPO   Maven local repository (default: Maven's own, ~/.m2/repository)
#   KAFKA_HEAP_OPTS         JVM heap (default -Xms128m -Xmx512m)
#   KAFKA_READY_TIMEOUT_MS  how long start waits for the broker (default 90000)
set -euo pipefail

# Keep in step with <kafka.version> in pom.xml. 3.9.x is the last line that serves the old
# protocol versions kafkajs 2.2.4 uses (Kafka 4.0 removed them, KIP-896).
KAFKA_VERSION=3.9.1

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
cache=${DRIFTWATCH_CACHE:-$HOME/.cache/driftwatch}
libs=$cache/kafka-$KAFKA_VERSION/libs
state=${DRIFTWATCH_KAFKA_STATE:-$cache/run/kafka}

log() { printf 'kafka.sh: %s\n' "$*" >&2; }

is_broker_pid() {
  local pid=$1
  [[ -n $pid ]] && kill -0 "$pid" 2>/dev/null && tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null | grep -q 'kafka\.Kafka'
}

running_pid() {
  local pid
  pid=$(cat "$state/pid" 2>/dev/null || true)
  if is_broker_pid "$pid"; then printf '%s' "$pid"; fi
}

fetch() {
  [[ -f $libs/.complete ]] && return 0
  command -v mvn >/dev/null || { log "mvn not found: install Maven (and Java 17+) or set KAFKA_BROKERS"; exit 1; }
  mkdir -p "$cache"
  # One download at a time, even when several test runs start together on a fresh machine.
  exec 9>"$cache/kafka-$KAFKA_VERSION.lock"
  flock 9
  if [[ ! -f $libs/.complete ]]; then
    log "fetching Kafka $KAFKA_VERSION jars from Maven Central into $libs"
    local tmp=$libs.tmp.$$ started=$SECONDS
    rm -rf "$tmp"
    local repo=()
    [[ -n ${DRIFTWATCH_MAVEN_REPO:-} ]] && repo=("-Dmaven.repo.local=$DRIFTWATCH_MAVEN_REPO")
    mvn -B -q -Dstyle.color=never "${repo[@]}" -f "$here/pom.xml" dependency:copy-dependencies \
      -DincludeScope=runtime -DoutputDirectory="$tmp" >&2
    touch "$tmp/.complete"
    rm -rf "$libs"
    mv "$tmp" "$libs"
    log "fetched $(ls "$libs" | wc -l) jars in $((SECONDS - started))s"
  fi
  flock -u 9
}

write_config() {
  local port=$1 cport=$2 data=$3
  cat >"$state/server.properties" <<PROPS
process.roles=broker,controller
node.id=1
controller.quorum.voters=1@127.0.0.1:$cport
listeners=PLAINTEXT://127.0.0.1:$port,CONTROLLER://127.0.0.1:$cport
advertised.listeners=PLAINTEXT://127.0.0.1:$port
controller.listener.names=CONTROLLER
inter.broker.listener.name=PLAINTEXT
listener.security.protocol.map=PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT
log.dirs=$data
# Tests create every topic they use, like production does (ensureTopics).
auto.create.topics.enable=false
num.partitions=1
default.replication.factor=1
min.insync.replicas=1
offsets.topic.replication.factor=1
offsets.topic.num.partitions=10
transaction.state.log.replication.factor=1
transaction.state.log.min.isr=1
transaction.state.log.num.partitions=4
# Fast groups: no initial rebalance delay, short session timeouts allowed.
group.initial.rebalance.delay.ms=0
group.min.session.timeout.ms=1000
broker.heartbeat.interval.ms=500
# Small, quick segments and little memory: the broker shares 2 cores with the tests.
log.segment.bytes=16777216
log.index.size.max.bytes=1048576
log.retention.check.interval.ms=60000
log.cleaner.dedupe.buffer.size=4194304
log.cleaner.threads=1
log.cleaner.backoff.ms=1000
num.network.threads=2
num.io.threads=2
background.threads=2
num.recovery.threads.per.data.dir=1
num.replica.fetchers=1
# Messages up to LIMITS.maxMessageBytes (10 MiB) plus batch overhead.
message.max.bytes=11534336
replica.fetch.max.bytes=11534336
PROPS
}

start() {
  local pid
  pid=$(running_pid)
  if [[ -n $pid ]]; then
    cat "$state/brokers"
    return 0
  fi
  fetch
  command -v java >/dev/null || { log "java not found: install a JRE 17+ or set KAFKA_BROKERS"; exit 1; }
  mkdir -p "$state"
  local ports port cport data cluster_id
  ports=$(node "$here/../lib/free-port.mjs" 2)
  port=$(sed -n 1p <<<"$ports")
  cport=$(sed -n 2p <<<"$ports")
  data=$(mktemp -d "${TMPDIR:-/tmp}/driftwatch-kafka.XXXXXX")
  printf '%s\n' "$data" >"$state/data-dir"
  write_config "$port" "$cport" "$data"
  # A KRaft cluster id is 16 random bytes, base64url without padding. One in 64 starts with '-',
  # which the tool's argument parser reads as an option (CI failed on one): draw again.
  cluster_id=-
  while [[ $cluster_id == -* ]]; do
    cluster_id=$(head -c 16 /dev/urandom | base64 | tr '+/' '-_' | tr -d '=')
  done

  local jvm
  jvm_args
  if ! java "${jvm[@]}" kafka.tools.StorageTool format -t "$cluster_id" -c "$state/server.properties" \
    >"$state/format.log" 2>&1; then
    log "storage format failed:"; cat "$state/format.log" >&2
    rm -rf "$data"; exit 1
  fi
  printf '127.0.0.1:%s\n' "$port" >"$state/brokers"
  launch "$port"
}

jvm_args() {
  local heap=${KAFKA_HEAP_OPTS:--Xms128m -Xmx512m}
  # shellcheck disable=SC2206
  jvm=($heap -XX:+UseSerialGC -XX:TieredStopAtLevel=1 -Xss512k -Djava.awt.headless=true
    -Dlog4j.configuration="file:$here/log4j.properties" -Dkafka.logs.dir="$state"
    -cp "$libs/*")
}

# Starts the broker on the formatted data dir and config in $state, waits until it serves.
launch() {
  local port=$1 pid data jvm
  data=$(cat "$state/data-dir")
  jvm_args
  # Detached (own session, no inherited stdio) so the caller's pipes close when this script ends.
  setsid nohup java "${jvm[@]}" kafka.Kafka "$state/server.properties" \
    >>"$state/stdout.log" 2>&1 </dev/null &
  pid=$!
  printf '%s\n' "$pid" >"$state/pid"

  if [[ -n ${DRIFTWATCH_OWNER_PID:-} ]]; then
    # A harness-made state dir (driftwatch-*) goes too; a human's chosen one is left alone.
    local leftovers=("$data")
    [[ $(basename "$state") == driftwatch-* ]] && leftovers+=("$state")
    setsid nohup "$here/../lib/watchdog.sh" "$DRIFTWATCH_OWNER_PID" "$pid" "${leftovers[@]}" \
      >/dev/null 2>&1 </dev/null &
  fi

  if ! node "$here/kafka-ready.mjs" "127.0.0.1:$port" "$pid" "${KAFKA_READY_TIMEOUT_MS:-90000}"; then
    log "broker did not become ready; last log lines:"
    tail -n 40 "$state/server.log" "$state/stdout.log" >&2 2>/dev/null || true
    stop
    exit 1
  fi
  cat "$state/brokers"
}

# kill -9, as a crash would: the data dir, config and ports stay for restart.
kill_broker() {
  local pid
  pid=$(running_pid)
  [[ -n $pid ]] || { log "no broker running"; exit 1; }
  kill -KILL "$pid"
  for _ in $(seq 1 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
  rm -f "$state/pid"
}

restart() {
  local pid port
  pid=$(running_pid)
  if [[ -n $pid ]]; then cat "$state/brokers"; return 0; fi
  [[ -f $state/data-dir && -f $state/brokers ]] || { log "no killed broker to restart in $state"; exit 1; }
  port=$(sed -E 's/.*:([0-9]+)$/\1/' "$state/brokers")
  launch "$port"
}

stop() {
  local pid data
  pid=$(running_pid)
  if [[ -n $pid ]]; then
    kill -TERM "$pid" 2>/dev/null || true
    # The data is thrown away, so a slow controlled shutdown is not worth waiting for.
    for _ in $(seq 1 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    kill -KILL "$pid" 2>/dev/null || true
  fi
  data=$(cat "$state/data-dir" 2>/dev/null || true)
  [[ -n $data && $data == */driftwatch-kafka.* ]] && rm -rf -- "$data"
  rm -f "$state/pid" "$state/brokers" "$state/data-dir"
}

status() {
  if [[ -n $(running_pid) ]]; then
    cat "$state/brokers"
  else
    echo "not running" >&2
    return 1
  fi
}

case ${1:-} in
  fetch) fetch ;;
  start) start ;;
  stop) stop ;;
  status) status ;;
  kill) kill_broker ;;
  restart) restart ;;
  *) echo "usage: $0 fetch|start|stop|status|kill|restart" >&2; exit 2 ;;
esac
