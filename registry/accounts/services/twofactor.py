"""Two-factor authentication: time-based one-time codes (TOTP, RFC 6238, with pyotp) and
single-use recovery codes.

A secret is written when enrolment starts and is in force once the user confirms it with a
code (`totp_confirmed_at`). Every accepted code moves `totp_last_step` on, so a code cannot be
used twice (not even within its 30 seconds). Recovery codes are random (16 characters, about
80 bits) and stored as SHA-256 digests; each works once.
"""

import hashlib
import hmac
import secrets
import time

import pyotp
import segno
from flask_babel import lazy_gettext as _l
from sqlalchemy import delete, func, select, update

from registry.accounts.models.users import RecoveryCode, User
from registry.accounts.services.users import UserError, _touch, end_other_sessions
from registry.audit.services import audit
from registry.core.database import dml_result
from registry.core.errors import ensure_version
from registry.core.extensions import db
from registry.core.models import utcnow

RECOVERY_CODE_COUNT = 10
_ALPHABET = "abcdefghjkmnpqrstuvwxyz23456789"  # no look-alikes (l, 1, o, 0, i)
_CODE_GROUPS, _GROUP_LENGTH = 4, 4
# Codes of the step before and after now are accepted too: clocks drift.
_VALID_WINDOW = 1
CODE_MAX_LENGTH = 32  # a form field never needs more (a recovery code with spaces)


def is_required(user: User, required_roles) -> bool:
    """Whether `user` must use two-factor authentication when logging in with a password."""
    return user.role in tuple(required_roles) and user.has_password


def _totp(secret: str) -> pyotp.TOTP:
    return pyotp.TOTP(secret)


def new_secret() -> str:
    """A fresh random secret (160 bits, base32) for an enrolment."""
    return pyotp.random_base32()


def provisioning_uri(user: User, secret: str, issuer: str) -> str:
    """The otpauth:// address an authenticator app reads from the QR code."""
    return _totp(secret).provisioning_uri(name=user.email, issuer_name=issuer)


def qr_svg_data_uri(uri: str) -> str:
    """The QR code of `uri` as an SVG data URI (rendered here, no script, no outside service)."""
    return segno.make(uri, error="m").svg_data_uri(scale=5, border=2, dark="#000", light="#fff")


def grouped_secret(secret: str) -> str:
    """The secret in groups of four, for typing it into an app by hand."""
    return " ".join(secret[i : i + 4] for i in range(0, len(secret), 4))


def _normalise(code: str) -> str:
    return "".join(code.split()).replace("-", "").lower()


def _accepted_step(
    user: User, code: str, secret: str | None = None, now: float | None = None
) -> int | None:
    """The time step `code` belongs to (for `secret`, by default the user's) when it is valid
    and newer than the last one used."""
    code = _normalise(code)
    secret = secret or user.totp_secret
    if not code.isdigit() or len(code) != 6 or not secret:
        return None
    totp = _totp(secret)
    now = time.time() if now is None else now
    current = int(now // totp.interval)
    for step in range(current - _VALID_WINDOW, current + _VALID_WINDOW + 1):
        if hmac.compare_digest(totp.generate_otp(step), code):
            if user.totp_last_step is not None and step <= user.totp_last_step:
                return None  # already used: a replay
            return step
    return None


def _use_step(user: User, step: int) -> bool:
    """Record `step` as used; False when another request used it (or a later one) first."""
    result = db.session.execute(
        update(User)
        .where(
            User.id == user.id,
            (User.totp_last_step.is_(None)) | (User.totp_last_step < step),
        )
        .values(totp_last_step=step)
        .execution_options(synchronize_session=False)
    )
    db.session.refresh(user, ["totp_last_step"])
    return dml_result(result).rowcount == 1


def confirm_enrolment(actor: audit.Actor, user: User, secret: str, code: str) -> list[str]:
    """Put `secret` in force when `code` matches it; returns the new recovery codes (to be
    shown once). Raises UserError on a wrong code."""
    if user.two_factor_enabled:
        raise UserError(_l("Two-factor authentication is already on for this account."), "code")
    step = _accepted_step(user, code, secret)
    if step is None:
        raise UserError(
            _l("This code is not correct. Check the time on your phone and try again."), "code"
        )
    _touch(user, totp_secret=secret, totp_confirmed_at=utcnow(), totp_last_step=step)
    codes = _new_recovery_codes(user)
    audit.record(
        actor, "enable_2fa", "user", user.id, after={"recovery_codes": RECOVERY_CODE_COUNT}
    )
    return codes


def _digest(code: str) -> str:
    return hashlib.sha256(_normalise(code).encode()).hexdigest()


def _new_recovery_codes(user: User) -> list[str]:
    db.session.execute(delete(RecoveryCode).where(RecoveryCode.user_id == user.id))
    codes = [
        "-".join(
            "".join(secrets.choice(_ALPHABET) for _ in range(_GROUP_LENGTH))
            for _ in range(_CODE_GROUPS)
        )
        for _ in range(RECOVERY_CODE_COUNT)
    ]
    db.session.add_all(RecoveryCode(user_id=user.id, code_hash=_digest(c)) for c in codes)
    db.session.flush()
    return codes


def regenerate_recovery_codes(actor: audit.Actor, user: User) -> list[str]:
    """Replace every recovery code of `user` with ten new ones (shown once)."""
    if not user.two_factor_enabled:
        raise UserError(_l("Two-factor authentication is off for this account."))
    codes = _new_recovery_codes(user)
    audit.record(
        actor, "renew_recovery_codes", "user", user.id, after={"count": RECOVERY_CODE_COUNT}
    )
    return codes


def unused_recovery_codes(user: User) -> int:
    return db.session.execute(
        select(func.count())
        .select_from(RecoveryCode)
        .where(RecoveryCode.user_id == user.id, RecoveryCode.used_at.is_(None))
    ).scalar_one()


def verify(actor: audit.Actor, user: User, code: str) -> str | None:
    """Check a second factor: a TOTP code or a recovery code. Returns "totp" or
    "recovery_code" and uses the code up, or None when it is not valid. A failure is audited
    here; a success is part of the login event (its method) or of the change it confirms."""
    if user.two_factor_enabled:
        step = _accepted_step(user, code)
        if step is not None and _use_step(user, step):
            return "totp"
        if _use_recovery_code(user, code):
            return "recovery_code"
    audit.record(actor, "login_2fa_failed", "user", user.id, result="failure")
    return None


def _use_recovery_code(user: User, code: str) -> bool:
    normalised = _normalise(code)
    if len(normalised) != _CODE_GROUPS * _GROUP_LENGTH:
        return False
    result = db.session.execute(
        update(RecoveryCode)
        .where(
            RecoveryCode.user_id == user.id,
            RecoveryCode.code_hash == _digest(normalised),
            RecoveryCode.used_at.is_(None),
        )
        .values(used_at=utcnow())
        .execution_options(synchronize_session=False)
    )
    return dml_result(result).rowcount == 1


def disable(actor: audit.Actor, user: User, action: str = "disable_2fa") -> None:
    """Turn two-factor authentication off (own choice, or a reset by an administrator or the
    command line): the secret and recovery codes are removed and every session ends."""
    was_on = user.two_factor_enabled
    _touch(user, totp_secret=None, totp_confirmed_at=None, totp_last_step=None)
    db.session.execute(delete(RecoveryCode).where(RecoveryCode.user_id == user.id))
    end_other_sessions(user)
    db.session.flush()
    audit.record(actor, action, "user", user.id, before={"two_factor": was_on})


def reset_by_admin(actor: audit.Actor, user: User, version) -> None:
    """An administrator switches off another account's two-factor authentication."""
    ensure_version(user, version)
    if actor.id == user.id:
        raise UserError(
            _l("You cannot reset your own two-factor authentication; ask another administrator.")
        )
    if not user.two_factor_enabled and user.totp_secret is None:
        raise UserError(_l("Two-factor authentication is off for this account."))
    disable(actor, user, "reset_2fa")
