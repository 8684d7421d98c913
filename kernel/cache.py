"""The Redis cache, tolerant of a Redis outage.

What the cache holds here are counts: the API's throttle (per token) and the sign-in
failure counts. With Redis down, Django's RedisCache raises on every call, and every API
request and every sign-in answered 500. This backend keeps answering: a call that fails
falls back to a cache local to the process (the counts go on, per process, instead of across
processes), and for RETRY_SECONDS after a failure Redis is not even tried, so that a request
does not wait for a connection attempt each time. Once Redis answers again the shared counts
are used again (the local ones are dropped: they cover only the outage).
"""

from __future__ import annotations

import logging
import time

from django.core.cache.backends.locmem import LocMemCache
from django.core.cache.backends.redis import RedisCache
from redis.exceptions import RedisError

log = logging.getLogger("kernel.cache")

RETRY_SECONDS = 5.0
TOLERATED = (RedisError, OSError)
METHODS = (
    "add",
    "get",
    "set",
    "touch",
    "delete",
    "get_many",
    "has_key",
    "incr",
    "decr",
    "set_many",
    "delete_many",
    "clear",
    "get_or_set",
)


class TolerantRedisCache(RedisCache):
    def __init__(self, server, params):
        params = {**params}
        # An unreachable Redis costs a request at most this long before the fallback.
        params["OPTIONS"] = {
            "socket_connect_timeout": 0.5,
            "socket_timeout": 0.5,
            **params.get("OPTIONS", {}),
        }
        super().__init__(server, params)
        # Django makes a cache object per thread; the name makes their fallbacks one store.
        self._fallback = LocMemCache(f"redis-fallback-{server}", {})
        self._down_until = 0.0

    def __getattribute__(self, name):
        if name in METHODS:
            return self._tolerant(name)
        return super().__getattribute__(name)

    def _tolerant(self, name):
        shared = super().__getattribute__(name)
        local = getattr(self._fallback, name)

        def call(*args, **kwargs):
            if time.monotonic() < self._down_until:
                return local(*args, **kwargs)
            try:
                result = shared(*args, **kwargs)
            except TOLERATED as failure:
                if self._down_until == 0.0:
                    log.warning(
                        "Redis cache unreachable (%s): counting in this process until it is back",
                        failure,
                    )
                self._down_until = time.monotonic() + RETRY_SECONDS
                return local(*args, **kwargs)
            if self._down_until:
                log.warning("Redis cache reachable again")
                self._down_until = 0.0
                self._fallback.clear()
            return result

        return call

    def ping(self) -> str | None:
        """None when Redis answers, else what is wrong (for /healthz)."""
        try:
            self._cache.get_client().ping()
        except TOLERATED as failure:
            return f"unreachable ({type(failure).__name__})"
        return None
