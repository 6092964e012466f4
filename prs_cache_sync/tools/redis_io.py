"""Talking to Redis: lazily built clients and the compare-and-set write script.

``redis`` is imported inside the functions (declared in external_dependencies), never at
import time; a client is built once per process per (database, target, settings).
"""

import hashlib
import threading

from . import sentinel
from .settings import TLS_KEYS, tls_options

# Compare-and-set write of one key. KEYS[1]: the data key, KEYS[2]: the versions hash.
# ARGV[1]: op (set, delete, list), ARGV[2]: version, ARGV[3]: payload.
# Returns 1 when written, 0 when Redis already holds this or a newer version. The
# whole script runs atomically, so a key is always replaced in one step.
CAS_SCRIPT = """
local current = tonumber(redis.call('HGET', KEYS[2], KEYS[1]) or '0')
local version = tonumber(ARGV[2])
if current >= version then
  return 0
end
local op = ARGV[1]
if op == 'set' then
  redis.call('SET', KEYS[1], ARGV[3])
elseif op == 'delete' then
  redis.call('DEL', KEYS[1])
elseif op == 'list' then
  redis.call('DEL', KEYS[1])
  local items = cjson.decode(ARGV[3])
  local count = #items
  local i = 1
  while i <= count do
    local last = math.min(i + 499, count)
    redis.call('RPUSH', KEYS[1], unpack(items, i, last))
    i = last + 1
  end
else
  return redis.error_reply('unknown op ' .. op)
end
redis.call('HSET', KEYS[2], KEYS[1], ARGV[2])
return 1
"""

_CLIENTS = {}
_SCRIPTS = {}
_LOCK = threading.Lock()


def _cache_key(dbname, target_id, settings):
    secret = hashlib.sha256((settings.get("password") or "").encode()).hexdigest()
    return (
        dbname,
        target_id,
        settings["url"],
        secret,
        settings["socket_timeout"],
        settings["connect_timeout"],
        *(settings.get(key) for key in TLS_KEYS),
    )


def get_client(dbname, target_id, settings):
    """The client of one target, built on first use and kept for the process."""
    key = _cache_key(dbname, target_id, settings)
    client = _CLIENTS.get(key)
    if client is not None:
        return client
    import redis
    from redis.backoff import NoBackoff
    from redis.retry import Retry

    with _LOCK:
        client = _CLIENTS.get(key)
        if client is None:
            # redis:// and rediss:// as from_url; redis+sentinel:// through Sentinel
            client = sentinel.client_from_url(
                settings["url"],
                password=settings.get("password") or None,
                socket_timeout=settings["socket_timeout"],
                socket_connect_timeout=settings["connect_timeout"],
                # one immediate retry heals a pooled connection that Redis closed
                retry=Retry(NoBackoff(), 1),
                retry_on_error=[redis.ConnectionError],
                decode_responses=True,
                # rediss://: CA file, client certificate and key of the target
                **tls_options(settings),
            )
            for old_key in [k for k in _CLIENTS if k[:2] == key[:2]]:
                _CLIENTS.pop(old_key).close()
            _CLIENTS[key] = client
            _SCRIPTS[key] = client.register_script(CAS_SCRIPT)
    return client


def get_script(dbname, target_id, settings):
    get_client(dbname, target_id, settings)
    return _SCRIPTS[_cache_key(dbname, target_id, settings)]


def drop_clients(dbname=None):
    """Close and forget cached clients (all, or those of one database)."""
    with _LOCK:
        for key in [k for k in _CLIENTS if dbname is None or k[0] == dbname]:
            _CLIENTS.pop(key).close()
            _SCRIPTS.pop(key, None)


def redis_errors():
    """The exception classes that mean "Redis unavailable or refused the write"."""
    import redis

    return (redis.RedisError, OSError)


def write_many(client, script, versions_key, writes):
    """Send ``writes`` (list of ``(key, op, version, payload)``) in one pipeline.

    Returns one result per write: 1 written, 0 skipped as older, or an exception
    instance for a write Redis refused. Raises a Redis error when the round trip fails.
    """
    pipe = client.pipeline(transaction=False)
    for key, op, version, payload in writes:
        script(keys=[key, versions_key], args=[op, version, payload or ""], client=pipe)
    return pipe.execute(raise_on_error=False)
