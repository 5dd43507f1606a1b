"""Hidden checks: new probes drawn from a seeded generator, judged against the reference.

Instructor side only. The instructor sources call :func:`check_hidden` inside nbgrader's
``### BEGIN HIDDEN TESTS`` markers, so it never appears in a student notebook; the
autograder builds the same cases with :func:`hidden_cases` and judges sandboxed results.

Seeds. With an instructor secret (``COURSE_GRADER_SECRET``, or the file named by
``COURSE_GRADER_SECRET_FILE``; never committed), the autograder draws each student's hidden probes
from a seed that combines the secret, the student id and the function: every student gets their
own inputs, a regrade the same ones, and nobody without the secret can recompute them. Without a
secret the seed is the function's name (self-study: the same probes for everyone) and the
autograder warns once. ``grader check`` never uses hidden probes, so it never needs the secret.
"""
from __future__ import annotations

import hashlib
import hmac
import os
from functools import lru_cache
from pathlib import Path

from .checks.evaluate import CheckFailed, ProbeCase, report, run_direct
from .checks.specs import SPECS
from .reference import reference
from .suites import all_suites, cases, hidden_rng


SECRET_ENV = "COURSE_GRADER_SECRET"
SECRET_FILE_ENV = "COURSE_GRADER_SECRET_FILE"
NO_SECRET_WARNING = (
    f"warning: no instructor secret ({SECRET_ENV} or {SECRET_FILE_ENV}): every student gets the same hidden "
    "probes, which anyone with the public repository can recompute. For a graded class, set a secret (e.g. "
    f"export {SECRET_ENV}=$(python -c 'import secrets; print(secrets.token_hex(32))')) and keep it out of git.")


class SecretError(Exception):
    """The secret is configured but unusable; the message says how to fix it."""


def secret() -> bytes | None:
    """The instructor's secret, or None (self-study)."""
    value = os.environ.get(SECRET_ENV, "")
    path = os.environ.get(SECRET_FILE_ENV, "")
    if not value and path:
        try:
            value = Path(path).read_text(encoding="utf-8").strip()
        except OSError as exc:
            raise SecretError(f"{SECRET_FILE_ENV}={path} cannot be read ({exc.strerror}); fix the path or unset it.") from None
        if not value:
            raise SecretError(f"{SECRET_FILE_ENV}={path} is empty; put the secret in it (a long random string).")
    if value and len(value) < 16:
        raise SecretError(f"{SECRET_ENV} is too short ({len(value)} characters); use at least 16 random characters, "
                          "e.g. python -c 'import secrets; print(secrets.token_hex(32))'.")
    return value.encode() if value else None


def student_key(student: str | None) -> bytes | None:
    """A keyed hash of the secret and the student id (None without a secret or a student)."""
    s = secret()
    if s is None or student is None:
        return None
    return hmac.new(s, student.encode(), hashlib.sha256).digest()


def secret_fingerprint() -> str:
    """A short public hash of the secret (for cache keys): a new secret regrades everything."""
    s = secret()
    return hashlib.sha256(b"fingerprint\0" + s).hexdigest()[:16] if s else "none"


def hidden_cases(name: str, student: str | None = None) -> tuple[ProbeCase, ...]:
    """The hidden cases of graded function ``name`` for ``student`` (see the module on seeds)."""
    return _hidden_cases(name, student_key(student))


@lru_cache(maxsize=4096)
def _hidden_cases(name: str, key: bytes | None) -> tuple[ProbeCase, ...]:
    suite = all_suites()[name]
    return tuple(cases(suite, suite.hidden(hidden_rng(name, key)), reference(name)))


def visible_cases(name: str) -> list[ProbeCase]:
    """Visible cases computed from the reference (what the fixtures store)."""
    suite = all_suites()[name]
    return cases(suite, suite.visible, reference(name))


def check_hidden(fn, name: str | None = None) -> None:
    name = name or fn.__name__
    verdict = run_direct(SPECS[name], fn, list(hidden_cases(name)))
    text = report(verdict, "hidden")
    if not verdict.passed:
        raise CheckFailed(text)
    print(text)
