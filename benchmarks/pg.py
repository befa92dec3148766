"""A throwaway PostgreSQL + PostGIS cluster for the benchmarks.

The cluster lives in a fresh temporary directory, listens on a free port of
127.0.0.1 only (its unix socket also goes into the temporary directory), and is
stopped and deleted when the ``with`` block ends, on error, on Ctrl-C and, as a
last resort, at interpreter exit. Nothing is installed: when the server
binaries or the PostGIS extension are missing, :class:`PostgisMissing` says
which Debian package provides them.

As root, ``initdb`` and ``pg_ctl`` refuse to run; they are then run as the
unprivileged ``postgres`` user (``runuser -u postgres --``), and the temporary
directory is handed to that user.
"""

from __future__ import annotations

import atexit
import contextlib
import os
import shutil
import signal
import socket
import subprocess
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

DEBIAN_PACKAGE = "postgresql-15-postgis-3"
#: Where Debian puts the server binaries, newest first.
BIN_DIRS = [f"/usr/lib/postgresql/{v}/bin" for v in (17, 16, 15)]
#: Server settings: the defaults, except what only matters for bulk loading a
#: throwaway cluster (fsync) and JIT, which a tuning analyst switches off for
#: these few-but-expensive GEOS calls (it only adds compile time).
SERVER_SETTINGS = {
    "listen_addresses": "127.0.0.1",
    "fsync": "off",
    "synchronous_commit": "off",
    "full_page_writes": "off",
    "jit": "off",
    "shared_buffers": "256MB",
    "work_mem": "64MB",
    "maintenance_work_mem": "256MB",
}


class PostgisMissing(RuntimeError):
    """PostgreSQL server binaries or the PostGIS extension are not installed."""


def find_bin_dir() -> Path:
    """The directory holding ``initdb`` and ``pg_ctl``, or :class:`PostgisMissing`."""
    env = os.environ.get("GEOCOVER_PG_BIN")
    candidates = ([env] if env else []) + BIN_DIRS
    for d in candidates:
        p = Path(d)
        if (p / "initdb").is_file() and (p / "pg_ctl").is_file():
            return p
    raise PostgisMissing(
        "PostgreSQL server binaries (initdb, pg_ctl) not found under "
        + ", ".join(candidates)
        + f". Install Debian's `{DEBIAN_PACKAGE}` (apt-get install {DEBIAN_PACKAGE}),"
        " or point GEOCOVER_PG_BIN at a directory holding initdb and pg_ctl."
    )


def _share_dir(bin_dir: Path) -> Path:
    out = subprocess.run(
        [str(bin_dir / "pg_config"), "--sharedir"], capture_output=True, text=True
    )
    if out.returncode == 0 and out.stdout.strip():
        return Path(out.stdout.strip())
    return Path("/usr/share/postgresql") / bin_dir.parent.name


def check_postgis(bin_dir: Path) -> None:
    """Raise :class:`PostgisMissing` unless the PostGIS extension files are installed."""
    control = _share_dir(bin_dir) / "extension" / "postgis.control"
    if not control.is_file():
        raise PostgisMissing(
            f"The PostGIS extension is not installed ({control} missing). "
            f"Install Debian's `{DEBIAN_PACKAGE}`."
        )


def free_port() -> int:
    """A TCP port that is free on 127.0.0.1 right now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Cluster:
    """A running throwaway cluster; use :func:`throwaway_cluster` to get one.

    Attributes
    ----------
    port : int
        The TCP port on 127.0.0.1.
    root : pathlib.Path
        The temporary directory (data directory, socket, log).
    """

    def __init__(self, bin_dir: Path, root: Path, port: int, user: str | None) -> None:
        self.bin_dir = bin_dir
        self.root = root
        self.port = port
        self.data = root / "data"
        self.log = root / "server.log"
        self._runas = ["runuser", "-u", user, "--"] if user else []
        self.superuser = user or _current_user()
        self._started = False

    def _run(self, *args: str, check: bool = True) -> subprocess.CompletedProcess:
        cmd = [*self._runas, *args]
        if check:
            return _checked(cmd)
        return subprocess.run(cmd, capture_output=True, text=True)

    def start(self) -> None:
        """initdb, then start the server and wait until it accepts connections."""
        self._run(
            str(self.bin_dir / "initdb"),
            "-D", str(self.data),
            "-U", self.superuser,
            "-A", "trust",
            "-E", "UTF8",
            "--no-sync",
        )
        opts = [f"-p {self.port}", f"-k {self.root}"] + [
            f"-c {k}={v}" for k, v in SERVER_SETTINGS.items()
        ]
        self._started = True
        self._run(
            str(self.bin_dir / "pg_ctl"),
            "-D", str(self.data),
            "-l", str(self.log),
            "-o", " ".join(opts),
            "-w", "-t", "60",
            "start",
        )

    def stop(self) -> None:
        """Stop the server (fast, then immediate) and delete the temporary directory."""
        try:
            if self._started and (self.data / "postmaster.pid").exists():
                r = self._run(
                    str(self.bin_dir / "pg_ctl"), "-D", str(self.data), "-m", "fast",
                    "-w", "-t", "30", "stop", check=False,
                )
                if r.returncode != 0 and (self.data / "postmaster.pid").exists():
                    self._run(
                        str(self.bin_dir / "pg_ctl"), "-D", str(self.data), "-m",
                        "immediate", "-w", "stop", check=False,
                    )
        finally:
            self._started = False
            shutil.rmtree(self.root, ignore_errors=True)

    def conninfo(self, dbname: str = "postgres") -> str:
        """A libpq connection string for this cluster."""
        return f"host=127.0.0.1 port={self.port} user={self.superuser} dbname={dbname}"

    def connect(self, dbname: str = "postgres"):
        """A psycopg (v3) connection in autocommit mode."""
        import psycopg

        return psycopg.connect(self.conninfo(dbname), autocommit=True)

    def log_tail(self, n: int = 30) -> str:
        """The last lines of the server log (for error messages)."""
        try:
            return "\n".join(self.log.read_text(errors="replace").splitlines()[-n:])
        except OSError:
            return ""


def _current_user() -> str:
    import getpass

    return getpass.getuser()


def _checked(cmd: list[str]) -> subprocess.CompletedProcess:
    r = subprocess.run(cmd, capture_output=True, text=True)
    if r.returncode != 0:
        raise RuntimeError(
            f"command failed ({r.returncode}): {' '.join(cmd)}\n{r.stdout}\n{r.stderr}"
        )
    return r


@contextlib.contextmanager
def throwaway_cluster() -> Iterator[Cluster]:
    """Start a PostgreSQL cluster with PostGIS in a temp dir; always stop and delete it.

    Yields
    ------
    Cluster
        Connected clients use ``cluster.connect()``; ``postgis`` is already created
        in the ``postgres`` database.

    Raises
    ------
    PostgisMissing
        When the server or PostGIS is not installed (names the Debian package).
    """
    bin_dir = find_bin_dir()
    check_postgis(bin_dir)
    user = None
    if os.geteuid() == 0:
        user = os.environ.get("GEOCOVER_PG_USER", "postgres")
        if shutil.which("runuser") is None:
            raise PostgisMissing("running as root needs `runuser` (util-linux) to drop privileges")
    root = Path(tempfile.mkdtemp(prefix="geocover-pg-"))
    if user:
        import pwd

        pw = pwd.getpwnam(user)
        os.chown(root, pw.pw_uid, pw.pw_gid)
    os.chmod(root, 0o700)
    cluster = Cluster(bin_dir, root, free_port(), user)
    atexit.register(cluster.stop)
    # SIGTERM (e.g. `timeout`) must also unwind through the finally below.
    previous = signal.getsignal(signal.SIGTERM)

    def _term(signum, frame):  # pragma: no cover - signal path
        raise KeyboardInterrupt(f"signal {signum}")

    with contextlib.suppress(ValueError):  # not in the main thread
        signal.signal(signal.SIGTERM, _term)
    try:
        try:
            cluster.start()
        except RuntimeError as exc:
            raise RuntimeError(f"{exc}\n--- server log ---\n{cluster.log_tail()}") from None
        deadline = time.monotonic() + 30
        while True:
            try:
                with cluster.connect() as conn:
                    conn.execute("CREATE EXTENSION IF NOT EXISTS postgis")
                break
            except Exception:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.2)
        yield cluster
    finally:
        cluster.stop()
        atexit.unregister(cluster.stop)
        with contextlib.suppress(ValueError):
            signal.signal(signal.SIGTERM, previous)


if __name__ == "__main__":  # smoke test: python -m benchmarks.pg
    with throwaway_cluster() as c:
        with c.connect() as conn:
            print(conn.execute("SELECT version(), postgis_full_version()").fetchone())
        print("cluster at", c.root, "port", c.port)
    print("stopped; removed:", not c.root.exists())
