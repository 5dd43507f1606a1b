"""A private PostgreSQL server for the tests and the benchmark: ``initdb`` into a temporary folder, ``pg_ctl`` on a
free port of 127.0.0.1, trust authentication for its own user, stopped and removed at the end.

PostgreSQL refuses to run as root: as root the server runs as the unprivileged user ``nobody``
(``runuser``/``setpriv``), which owns the temporary folder. Where no server can be started (no
binaries, no way to drop root), :func:`server` raises :class:`Unavailable` with a message for a
learner; the tests skip with it (the benchmark reports it), or fail under ``COURSE_REQUIRE_POSTGRES=1`` (CI).
"""
from __future__ import annotations

import contextlib
import glob
import os
import pwd
import shutil
import socket
import subprocess
import tempfile
from pathlib import Path

INSTALL = ("install Debian's PostgreSQL (`sudo apt-get install -y postgresql`; `make test` does it when run "
           "as root)")


class Unavailable(RuntimeError):
    pass


def bin_dir() -> Path:
    """The folder of ``initdb`` and ``pg_ctl`` (the newest of /usr/lib/postgresql/*/bin, or PATH)."""
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"), key=lambda p: int(Path(p).parts[-3]))
    if found:
        return Path(found[-1]).parent
    initdb = shutil.which("initdb")
    if initdb:
        return Path(initdb).parent
    raise Unavailable(f"no PostgreSQL server binaries (initdb, pg_ctl) were found: {INSTALL}.")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _as_user() -> tuple[list[str], str | None]:
    """(command prefix, user) to run the server's programs without root."""
    if os.geteuid() != 0:
        return [], None
    try:
        pwd.getpwnam("nobody")
    except KeyError:
        raise Unavailable("running as root and there is no user `nobody` to run PostgreSQL as") from None
    for tool, prefix in (("runuser", ["runuser", "-u", "nobody", "--"]),
                         ("setpriv", ["setpriv", "--reuid=nobody", "--regid=nogroup", "--clear-groups"])):
        if shutil.which(tool):
            return prefix, "nobody"
    raise Unavailable("running as root without runuser or setpriv: PostgreSQL refuses to run as root")


@contextlib.contextmanager
def server():
    """Yield the URL ``postgresql://postgres@127.0.0.1:PORT/postgres`` of a fresh private server."""
    bins = bin_dir()
    prefix, user = _as_user()
    tmp = Path(tempfile.mkdtemp(prefix="course-pg-"))
    data, log = tmp / "data", tmp / "server.log"
    if user:
        info = pwd.getpwnam(user)
        os.chown(tmp, info.pw_uid, info.pw_gid)
    tmp.chmod(0o700)
    env = {**os.environ, "LC_ALL": "C", "LANG": "C"}
    port = free_port()
    started = False
    try:
        res = subprocess.run([*prefix, str(bins / "initdb"), "-D", str(data), "-U", "postgres", "--auth=trust",
                              "-E", "UTF8", "--no-sync"], capture_output=True, text=True, env=env, cwd=tmp)
        if res.returncode:
            raise Unavailable(f"initdb failed: {(res.stderr or res.stdout).strip()[-500:]}")
        opts = f"-h 127.0.0.1 -p {port} -k {tmp} -c fsync=on -c max_connections=50"
        res = subprocess.run([*prefix, str(bins / "pg_ctl"), "-D", str(data), "-l", str(log), "-o", opts, "-w",
                              "-t", "60", "start"], capture_output=True, text=True, env=env, cwd=tmp)
        if res.returncode:
            text = log.read_text(errors="replace") if log.exists() else res.stderr
            raise Unavailable(f"the PostgreSQL server did not start: {text.strip()[-500:]}")
        started = True
        yield f"postgresql://postgres@127.0.0.1:{port}/postgres"
    finally:
        if started:
            subprocess.run([*prefix, str(bins / "pg_ctl"), "-D", str(data), "-m", "immediate", "-w", "stop"],
                           capture_output=True, env=env, cwd=tmp)
        shutil.rmtree(tmp, ignore_errors=True)


def create_database(url: str, name: str) -> str:
    """A new database ``name`` on the server of ``url``; its URL."""
    import sqlalchemy

    engine = sqlalchemy.create_engine(url, isolation_level="AUTOCOMMIT")
    with engine.connect() as conn:
        conn.execute(sqlalchemy.text(f'CREATE DATABASE "{name}"'))
    engine.dispose()
    return url.rsplit("/", 1)[0] + f"/{name}"
