"""Limits on guessing participant codes. A code is 6 characters from 31 (887,503,681 codes);
what keeps guessing hopeless is how few wrong codes the server checks: per browser tab (the
page keeps that count), per network address, and in total per minute. Only wrong codes are
counted, and a check adds no delay: a correct code is never slowed by anyone else's mistakes
unless the address it comes from, or the whole server, is being used to guess.
See docs/reliability.md for the arithmetic."""

from __future__ import annotations

import ipaddress
import threading
import time
from collections import OrderedDict, deque
from dataclasses import dataclass

# A tab may miss three times, then waits 5 s, doubling per further miss up to 5 minutes.
TAB_FREE_MISSES = 3
TAB_MAX_WAIT = 300.0
# One address (a clinic's network may hold many tablets) may miss this many times per window.
ADDRESS_MISSES = 10
ADDRESS_WINDOW = 600.0
# Addresses remembered at most: the map cannot grow without bound, whatever an attacker sends.
MAX_ADDRESSES = 10_000
GLOBAL_WINDOW = 60.0


def tab_wait(misses: int) -> float:
    """Seconds a tab waits after `misses` wrong codes of its own."""
    return 0.0 if misses < TAB_FREE_MISSES else min(5.0 * 2 ** (misses - TAB_FREE_MISSES), TAB_MAX_WAIT)


def address_key(address: str | None) -> str:
    """The address a limit applies to. IPv6 hosts get a whole /64 each, so the /64 is the key."""
    if not address:
        return "unknown"
    try:
        parsed = ipaddress.ip_address(address)
    except ValueError:
        return address[:64]
    if parsed.version == 6:
        if parsed.ipv4_mapped is not None:
            return str(parsed.ipv4_mapped)
        return str(ipaddress.ip_network(f"{parsed}/64", strict=False))
    return str(parsed)


@dataclass(frozen=True)
class Pause:
    """Why an attempt is not checked now, and for how many seconds more."""

    scope: str  # "address" or "server"
    seconds: float


class CodeGuard:
    """Counts wrong codes per address (bounded, least recently seen forgotten first) and for
    the whole server per minute. Thread-safe: the app serves every tablet from one process."""

    def __init__(self, *, address_misses: int = ADDRESS_MISSES, address_window: float = ADDRESS_WINDOW,
                 max_addresses: int = MAX_ADDRESSES, clock=time.monotonic):
        self.address_misses = address_misses
        self.address_window = address_window
        self.max_addresses = max_addresses
        self.clock = clock
        self._lock = threading.Lock()
        self._addresses: OrderedDict[str, deque[float]] = OrderedDict()
        self._server: deque[float] = deque()

    def pause(self, address: str | None, per_minute: int) -> Pause | None:
        """None when a code from this address may be checked now."""
        now = self.clock()
        with self._lock:
            self._forget_old(now)
            if len(self._server) >= per_minute:
                return Pause("server", self._server[-per_minute] + GLOBAL_WINDOW - now)
            misses = self._addresses.get(address_key(address))
            if misses is not None and len(misses) >= self.address_misses:
                left = misses[-self.address_misses] + self.address_window - now
                if left > 0:
                    return Pause("address", left)
        return None

    def missed(self, address: str | None, per_minute: int) -> bool:
        """Count a wrong code. True when it is the one that reaches the server's limit (so the
        caller writes the audit entry once per pause, not once per refused attempt)."""
        now = self.clock()
        key = address_key(address)
        with self._lock:
            self._forget_old(now)
            misses = self._addresses.pop(key, None) or deque(maxlen=self.address_misses)
            misses.append(now)
            self._addresses[key] = misses  # most recently seen last
            while len(self._addresses) > self.max_addresses:
                self._addresses.popitem(last=False)
            self._server.append(now)
            while len(self._server) > per_minute:  # only the newest `per_minute` matter
                self._server.popleft()
            return len(self._server) == per_minute

    def addresses(self) -> int:
        with self._lock:
            return len(self._addresses)

    def _forget_old(self, now: float) -> None:
        while self._server and self._server[0] <= now - GLOBAL_WINDOW:
            self._server.popleft()
        while self._addresses:
            key, misses = next(iter(self._addresses.items()))
            if misses and misses[-1] > now - self.address_window:
                break  # the least recently seen address is still current: so are all after it
            del self._addresses[key]


# One per app process: every tablet is served by it.
GUARD = CodeGuard()
