# Sourced by setup.sh and run.sh: start the local Redis on 127.0.0.1:6379 with
# append-only persistence, only when no Redis answers there (a CI machine's own Redis
# is left alone, but a warning says when its persistence is off). Data in
# $PRS_REDIS_DIR (default /var/lib/redis), log in /var/log/redis.
prs_start_redis() {
    if redis-cli -h 127.0.0.1 -p 6379 ping >/dev/null 2>&1; then
        prs_check_redis_persistence
        return 0
    fi
    local dir=${PRS_REDIS_DIR:-/var/lib/redis} logdir=/var/log/redis
    echo "[redis] starting Redis on 127.0.0.1:6379 (append-only file in $dir)"
    mkdir -p "$dir" "$logdir" 2>/dev/null || true
    [ -w "$logdir" ] || logdir=$dir
    # appendonly: every write is logged and replayed at start (fsync once a second);
    # save: an RDB snapshot too, for backups (copy dump.rdb / the appendonlydir away).
    redis-server --daemonize yes --bind 127.0.0.1 --port 6379 \
        --appendonly yes --appendfsync everysec --save "900 1 300 10" \
        --dir "$dir" --logfile "$logdir/prs.log"
    for _ in $(seq 1 20); do
        redis-cli -h 127.0.0.1 -p 6379 ping >/dev/null 2>&1 && return 0
        sleep 0.25
    done
    echo "[redis] ERROR: Redis does not answer on 127.0.0.1:6379 (log $logdir/prs.log)" >&2
    return 1
}

# A Redis we did not start is never reconfigured: when its append-only file is off
# (CONFIG GET appendonly = no) a restart loses every key until a resync; say so.
# Arguments: host and port (default 127.0.0.1 6379).
prs_check_redis_persistence() {
    local host=${1:-127.0.0.1} port=${2:-6379} appendonly
    appendonly=$(redis-cli -h "$host" -p "$port" --raw config get appendonly 2>/dev/null \
        | sed -n 2p | tr -d '[:space:]')
    if [ "$appendonly" = "no" ]; then
        echo "[redis] WARNING: the Redis already running on $host:$port has append-only" \
            "persistence OFF (appendonly no): a restart of it loses the published keys" \
            "until a resync. Turn it on: redis-cli config set appendonly yes, and" \
            "appendonly yes in its redis.conf (README, Operations)." >&2
    elif [ -z "$appendonly" ]; then
        echo "[redis] WARNING: could not read the persistence setting of the Redis on" \
            "$host:$port (CONFIG GET appendonly refused); check that appendonly is yes." >&2
    fi
}
