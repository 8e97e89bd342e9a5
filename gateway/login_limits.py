"""How many sign-in attempts one client address and one name may make, counted before any password
is hashed (docs/architecture.md, "The municipality's statistics page").

Sliding windows kept in this process: `PER_ADDRESS` attempts from one address (an IPv6 address
counts with its whole /64, which one client usually holds) and `PER_NAME` attempts for one name, in
`WINDOW_S`. An attempt over either limit is refused with the seconds until the oldest attempt
leaves the window, and is not counted. With several workers each keeps its own windows, so a
client may get up to workers × the limit; the accounts' own lockout (five wrong passwords) is in
the database and shared. The windows are capped in number (`MAX_KEYS`, the least recently used go
first), so many addresses or names cannot make them grow without bound.
"""

from __future__ import annotations

import ipaddress
import math
import threading
import time
from collections import OrderedDict, deque
from collections.abc import Callable

PER_ADDRESS = 20
PER_NAME = 10
WINDOW_S = 600.0
MAX_KEYS = 10_000


def address_key(host: str | None) -> str:
    """The key an address is counted under: itself, or its /64 for IPv6."""
    try:
        ip = ipaddress.ip_address(host or "")
    except ValueError:
        return f"?{(host or '')[:64]}"
    if isinstance(ip, ipaddress.IPv6Address):
        if ip.ipv4_mapped is not None:
            return str(ip.ipv4_mapped)
        return str(ipaddress.IPv6Network((ip, 64), strict=False))
    return str(ip)


def name_key(name: str) -> str:
    return " ".join(name.split()).casefold()[:120]


class _Windows:
    def __init__(self, limit: int, window_s: float, max_keys: int) -> None:
        self.limit, self.window_s, self.max_keys = limit, window_s, max_keys
        self.hits: OrderedDict[str, deque[float]] = OrderedDict()

    def wait(self, key: str, now: float) -> float:
        """Seconds until `key` may try again; 0 when it may now."""
        hits = self.hits.get(key)
        if hits is None:
            return 0.0
        while hits and hits[0] <= now - self.window_s:
            hits.popleft()
        return 0.0 if len(hits) < self.limit else hits[0] + self.window_s - now

    def count(self, key: str, now: float) -> None:
        hits = self.hits.setdefault(key, deque(maxlen=self.limit))
        hits.append(now)
        self.hits.move_to_end(key)
        while len(self.hits) > self.max_keys:
            self.hits.popitem(last=False)


class LoginLimits:
    """Thread-safe: sign-in routes run in the server's thread pool."""

    def __init__(self, per_address: int = PER_ADDRESS, per_name: int = PER_NAME, window_s: float = WINDOW_S,
                 max_keys: int = MAX_KEYS, clock: Callable[[], float] = time.monotonic) -> None:
        self._addresses = _Windows(per_address, window_s, max_keys)
        self._names = _Windows(per_name, window_s, max_keys)
        self._clock = clock
        self._lock = threading.Lock()

    def attempt(self, host: str | None, name: str) -> int:
        """Count an attempt and return 0, or refuse it: the whole seconds to wait (Retry-After)."""
        address, who = address_key(host), name_key(name)
        with self._lock:
            now = self._clock()
            wait = max(self._addresses.wait(address, now), self._names.wait(who, now))
            if wait > 0:
                return max(1, math.ceil(wait))
            self._addresses.count(address, now)
            self._names.count(who, now)
            return 0
