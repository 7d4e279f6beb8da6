"""Who acts, for the audit log: a user and their address, or the system."""

from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class Actor:
    """Who did it and from where; `source` is an address or `cli`."""

    id: int | None
    email: str | None
    role: str | None
    source: str | None

    @classmethod
    def system(cls, source: str = "cli", email: str | None = None) -> "Actor":
        return cls(None, email or "system", "system", source)

    @classmethod
    def of(cls, user: Any, source: str | None) -> "Actor":
        """The logged-in `user` (anyone else is anonymous) acting from `source`."""
        if user is None or not getattr(user, "is_authenticated", False):
            return cls(None, None, None, source)
        return cls(user.id, user.email, user.role, source)
