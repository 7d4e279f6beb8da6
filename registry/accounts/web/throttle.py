"""Throttling of log-in attempts (passwords and two-factor codes): guessing is slow, and an
attacker cannot lock the account holder out.

Failed attempts are counted in the storage named by `RATELIMIT_STORAGE_URI`: `memory://`
counts per worker process, `redis://…` shares the counts between the workers and hosts of an
installation. Three counters, each over a moving window:

- per address (`LOGIN_LIMIT_PER_ADDRESS`): one address that fails too often waits;
- per account and address (`LOGIN_LIMIT_PER_ACCOUNT_ADDRESS`): failures for one account from
  one address make that pair wait, not the account holder at another address;
- per account from every address (`LOGIN_SLOWDOWN_AFTER`): when an account fails that often,
  it is slowed down, not locked: it accepts one attempt per `LOGIN_SLOWDOWN_PACE` from
  anywhere, the right password included, so a distributed guesser gets a handful of guesses
  an hour while the holder is asked to wait seconds, not minutes.

Accounts are counted by a digest of the bounded, normalised e-mail address (or the user id for
codes), so a key never grows with what a client posts.
"""

import hashlib
import math
import time
from dataclasses import dataclass

from flask import current_app, request
from flask_babel import gettext as _
from limits import RateLimitItem, parse
from limits.storage import storage_from_string
from limits.strategies import MovingWindowRateLimiter

EXTENSION = "kennisborg_throttle"
# A throttled attempt is audited once per key and reason within this window: the audit chain
# serialises writes, so a flood must not become a flood of audit events.
AUDIT_ONCE_PER = "1 per minute"


@dataclass(frozen=True)
class Refusal:
    """Why an attempt is not even checked, and after how many seconds it may be tried again."""

    reason: str  # "address", "account_address" or "slowdown"
    retry_after: int

    def headers(self) -> dict[str, str]:
        """The answer's headers: when the attempt may be made again."""
        return {"Retry-After": str(self.retry_after)}

    def message(self) -> str:
        """The translated message shown with the form."""
        if self.reason == "slowdown":
            return _(
                "This account has had many failed log-in attempts, so it accepts one attempt "
                "every few seconds. Try again in %(seconds)s seconds.",
                seconds=self.retry_after,
            )
        minutes = max(1, math.ceil(self.retry_after / 60))
        if self.reason == "address":
            return _(
                "Too many failed log-in attempts from your address. Try again in %(minutes)s "
                "minutes.",
                minutes=minutes,
            )
        return _(
            "Too many failed log-in attempts for this account from your address. Try again in "
            "%(minutes)s minutes.",
            minutes=minutes,
        )


def init_app(app) -> None:
    """Give this app its counters, in the configured storage (a Redis client connects on
    first use)."""
    storage = storage_from_string(app.config["RATELIMIT_STORAGE_URI"])
    app.extensions[EXTENSION] = MovingWindowRateLimiter(storage)


def _limiter() -> MovingWindowRateLimiter:
    return current_app.extensions[EXTENSION]


def storage():
    """The storage behind the counters (tests inspect it)."""
    return _limiter().storage


def account_key(name: str) -> str:
    """A fixed-size key for an account name (an e-mail address, already bounded)."""
    return hashlib.sha256(name.strip().lower().encode()).hexdigest()[:32]


def _limit(setting: str) -> RateLimitItem:
    return parse(current_app.config[setting])


def _retry_after(item: RateLimitItem, ids: tuple[str, ...]) -> int:
    reset = _limiter().get_window_stats(item, *ids).reset_time
    return max(1, math.ceil(reset - time.time()))


class Throttle:
    """The counters of one kind of attempt (`scope`: "password" or "code")."""

    def __init__(self, scope: str):
        self.scope = scope

    def _ids(self, account: str) -> dict[str, tuple[str, ...]]:
        prefix = current_app.config["LOGIN_THROTTLE_PREFIX"]
        address = (request.remote_addr or "-")[:64]
        return {
            "address": (prefix, self.scope, "address", address),
            "account_address": (prefix, self.scope, "pair", account, address),
            "account": (prefix, self.scope, "account", account),
            "pace": (prefix, self.scope, "pace", account),
        }

    @staticmethod
    def enabled() -> bool:
        return bool(current_app.config.get("RATELIMIT_ENABLED", True))

    def check(self, account: str) -> Refusal | None:
        """Before an attempt: a Refusal when it must not be tried now, else None. When the
        account is slowed down, this takes the account's one attempt of the pace."""
        if not self.enabled():
            return None
        limiter, ids = _limiter(), self._ids(account)
        for reason, setting in (
            ("address", "LOGIN_LIMIT_PER_ADDRESS"),
            ("account_address", "LOGIN_LIMIT_PER_ACCOUNT_ADDRESS"),
        ):
            item = _limit(setting)
            if not limiter.test(item, *ids[reason]):
                return Refusal(reason, _retry_after(item, ids[reason]))
        if not limiter.test(_limit("LOGIN_SLOWDOWN_AFTER"), *ids["account"]):
            pace = _limit("LOGIN_SLOWDOWN_PACE")
            if not limiter.hit(pace, *ids["pace"]):
                return Refusal("slowdown", _retry_after(pace, ids["pace"]))
        return None

    def failed(self, account: str) -> None:
        """Count a failed attempt on every counter."""
        if not self.enabled():
            return
        limiter, ids = _limiter(), self._ids(account)
        limiter.hit(_limit("LOGIN_LIMIT_PER_ADDRESS"), *ids["address"])
        limiter.hit(_limit("LOGIN_LIMIT_PER_ACCOUNT_ADDRESS"), *ids["account_address"])
        limiter.hit(_limit("LOGIN_SLOWDOWN_AFTER"), *ids["account"])

    def succeeded(self, account: str) -> None:
        """A success from this address forgets its failures for this account."""
        if not self.enabled():
            return
        ids = self._ids(account)
        _limiter().clear(_limit("LOGIN_LIMIT_PER_ACCOUNT_ADDRESS"), *ids["account_address"])

    def should_audit(self, account: str, refusal: Refusal) -> bool:
        """Whether this throttled attempt is the first of its kind within a minute."""
        key = "pace" if refusal.reason == "slowdown" else refusal.reason
        ids = self._ids(account)[key]
        return _limiter().hit(parse(AUDIT_ONCE_PER), "audited", *ids)


passwords = Throttle("password")
codes = Throttle("code")
