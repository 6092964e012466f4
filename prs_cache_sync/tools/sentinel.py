"""Redis Sentinel targets (pure Python; ``redis`` is imported only to build a client).

A target URL ``redis+sentinel://[[user]:password@]host:port[,host2:port2...]/service[/db]``
names the Sentinels (port 26379 when omitted) and the monitored service; the client is
``redis.sentinel.Sentinel(...).master_for(service)``, which asks the Sentinels for the
current master on every (re)connection, so a failover needs no configuration change.
The password (and user) are those of the Redis master; the Sentinels themselves are
reached without AUTH.
"""

from urllib.parse import unquote

SCHEME = "redis+sentinel"
PREFIX = SCHEME + "://"
DEFAULT_PORT = 26379


def is_sentinel_url(url):
    return isinstance(url, str) and url[: len(PREFIX)].lower() == PREFIX


def _split_host(part):
    part = part.strip()
    if part.startswith("["):  # [IPv6]:port
        host, __, rest = part[1:].partition("]")
        port = rest[1:] if rest.startswith(":") else ""
    else:
        host, __, port = part.partition(":")
    if not host:
        raise ValueError("A Sentinel address must name a host.")
    if port and not port.isdigit():
        raise ValueError("A Sentinel port must be a number.")
    return host, int(port) if port else DEFAULT_PORT


def parse_url(url):
    """``{"sentinels": [(host, port)], "service", "db", "username", "password"}`` of a
    Sentinel URL. Raises ``ValueError`` with a message safe to show (no password)."""
    if not is_sentinel_url(url):
        raise ValueError("The URL must start with redis+sentinel://.")
    rest = url[len(PREFIX) :].split("?", 1)[0].split("#", 1)[0]
    netloc, __, path = rest.partition("/")
    userinfo, at, hosts = netloc.rpartition("@")
    username = password = None
    if at:
        user, colon, secret = userinfo.partition(":")
        username = unquote(user) or None
        password = unquote(secret) if colon else None
    if not hosts:
        raise ValueError("The URL must name at least one Sentinel host:port.")
    sentinels = [_split_host(part) for part in hosts.split(",")]
    parts = [part for part in path.split("/") if part]
    if not parts:
        raise ValueError("The URL must name the Sentinel service: .../<service>[/<db>].")
    if len(parts) > 2 or (len(parts) == 2 and not parts[1].isdigit()):
        raise ValueError("The URL path must be /<service> or /<service>/<db number>.")
    return {
        "sentinels": sentinels,
        "service": unquote(parts[0]),
        "db": int(parts[1]) if len(parts) == 2 else 0,
        "username": username,
        "password": password,
    }


def check_url(url):
    """An error message for an unusable Sentinel URL, or ``None``."""
    try:
        parse_url(url)
    except ValueError as error:
        return str(error)
    return None


def client_from_url(url, **kwargs):
    """Like ``redis.Redis.from_url(url, **kwargs)``, also for ``redis+sentinel://``
    URLs: a client of the service's current master. ``password``/``username`` in
    ``kwargs`` win over those of the URL; socket timeouts apply to the Sentinels too."""
    import redis

    if not is_sentinel_url(url):
        return redis.Redis.from_url(url, **kwargs)
    from redis.sentinel import Sentinel

    config = parse_url(url)
    kwargs.setdefault("db", config["db"])
    kwargs["password"] = kwargs.get("password") or config["password"]
    kwargs["username"] = kwargs.get("username") or config["username"]
    sentinel_kwargs = {
        key: kwargs[key] for key in ("socket_timeout", "socket_connect_timeout") if key in kwargs
    }
    sentinel = Sentinel(config["sentinels"], sentinel_kwargs=sentinel_kwargs)
    return sentinel.master_for(config["service"], **kwargs)
