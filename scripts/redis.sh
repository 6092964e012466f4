# Sourced by setup.sh and run.sh: start the local Redis on 127.0.0.1:6379 with
# append-only persistence, only when no Redis answers there (a CI machine's own Redis
# is left alone). Data in $PRS_REDIS_DIR (default /var/lib/redis), log in /var/log/redis.
prs_start_redis() {
    if redis-cli -h 127.0.0.1 -p 6379 ping >/dev/null 2>&1; then
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
