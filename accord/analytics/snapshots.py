"""Published snapshots of the analytics copy: where they live, how readers find them, GC.

The sync works on its own DuckDB file (``engine.duckdb_path()``) and publishes it as a
snapshot: a copy of the whole file, immutable once written, under a store that is a local
directory (the default: next to the working file), a shared filesystem path, or any
fsspec URL (``s3://bucket/prefix`` through s3fs for an S3-compatible store; ``memory://``
in tests). The store holds::

    snapshots/<id>.duckdb   the copy as of one sync (never changed after it is written)
    snapshots/<id>.json     its manifest: id, created_at, tables and row counts, sha256, bytes
    manifest.json           the latest manifest, switched last (an atomic rename or one PUT);
                            a sync that found nothing new rewrites it with ``checked_at``, so
                            reports still say how fresh the data is

A reader reads ``manifest.json`` and opens the file it names read-only — in place on a local
store, or from a local replica downloaded once per snapshot id and checked against its
sha256. Nobody ever writes a published file, so readers never wait for the writer, and a
reader sees the old snapshot or the new one, never half a sync. Old snapshots are deleted
(``snapshots_collect``) only when they are neither among the newest ``keep`` nor superseded
for less than the grace period: a reader that opened one just before it was superseded
keeps a working file (on POSIX an open file outlives its unlinking anyway).

Why a DuckDB file rather than Parquet: bench/analytics_snapshots.py (figures in
bench/README.md).
"""

from __future__ import annotations

import hashlib
import json
import os
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass, replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

MANIFEST = "manifest.json"
_CHUNK = 8 * 1024 * 1024


@dataclass(frozen=True)
class Manifest:
    snapshot_id: str
    created_at: str  # ISO 8601, UTC
    file: str  # relative to the store root
    tables: dict[str, int]  # rows per table
    sha256: str
    bytes: int
    #: The last sync that found nothing new to publish: the snapshot is current as of then.
    checked_at: str = ""

    @property
    def created(self) -> datetime:
        return datetime.fromisoformat(self.created_at)


def snapshot_id_new(now: datetime) -> str:
    """Sortable by time: ``20261206T001502123456Z-1a2b``."""
    return f"{now.strftime('%Y%m%dT%H%M%S%fZ')}-{uuid.uuid4().hex[:4]}"


def _id_time(snapshot_id: str) -> datetime:
    return datetime.strptime(snapshot_id.split("-")[0], "%Y%m%dT%H%M%S%fZ").replace(tzinfo=UTC)


class SnapshotStore:
    """A store of snapshots at ``url``: a local path, or an fsspec URL (fsspec optional).

    Files are named relative to the root. A local store writes through a temporary name and
    ``os.replace``; an object store writes each object with one PUT, which readers see
    whole or not at all, and a snapshot file is only read once a manifest names it.
    """

    def __init__(self, url: str, *, replica_dir: Path | None = None) -> None:
        self.url = url.rstrip("/")
        self.local = "://" not in url or url.startswith("file://")
        self.root = Path(url.removeprefix("file://")) if self.local else None
        self.replica_dir = replica_dir
        self._fs: Any = None
        if not self.local:
            try:
                import fsspec  # optional: only stores named by URL need it
            except ImportError as error:  # pragma: no cover - depends on the installation
                raise RuntimeError(
                    f"ANALYTICS_SNAPSHOT_URL={url} needs fsspec (and s3fs for s3://)"
                ) from error
            self._fs, self._prefix = fsspec.core.url_to_fs(self.url)

    # -- primitives ---------------------------------------------------------------------

    def _path(self, name: str) -> str:
        return str(self.root / name) if self.root else f"{self._prefix}/{name}"

    def read_bytes(self, name: str) -> bytes | None:
        try:
            if self.root:
                return (self.root / name).read_bytes()
            return bytes(self._fs.cat_file(self._path(name)))
        except FileNotFoundError:
            return None

    @contextmanager
    def _writing(self, name: str) -> Iterator[Any]:
        """A binary handle whose content appears under ``name`` whole, or not at all."""
        if not self.root:
            with self._fs.open(self._path(name), "wb") as handle:  # one object, on close
                yield handle
            return
        target = self.root / name
        target.parent.mkdir(parents=True, exist_ok=True)
        temporary = target.with_name(f".{target.name}.{uuid.uuid4().hex[:8]}.tmp")
        try:
            with open(temporary, "wb") as handle:
                yield handle
                handle.flush()
                os.fsync(handle.fileno())
            os.replace(temporary, target)
        finally:
            temporary.unlink(missing_ok=True)

    def _reading(self, name: str) -> Any:
        return open(self.root / name, "rb") if self.root else self._fs.open(self._path(name), "rb")

    def write_bytes(self, name: str, data: bytes) -> None:
        with self._writing(name) as handle:
            handle.write(data)

    def put_file(self, source: Path, name: str) -> tuple[str, int]:
        """Copy a local file in (one read, hashed on the way); return its sha256 and size."""
        with open(source, "rb") as reading, self._writing(name) as writing:
            return _copy_hashed(reading, writing)

    def get_file(self, name: str, target: Path) -> str:
        """Download to ``target`` through a temporary name; return the sha256."""
        local = SnapshotStore(str(target.parent))
        with self._reading(name) as reading, local._writing(target.name) as writing:
            return _copy_hashed(reading, writing)[0]

    def names(self, folder: str) -> list[str]:
        """File names directly in ``folder`` (relative to the root)."""
        if self.root:
            path = self.root / folder
            return sorted(p.name for p in path.iterdir()) if path.is_dir() else []
        try:
            found = self._fs.ls(self._path(folder), detail=False)
        except FileNotFoundError:
            return []
        return sorted(str(p).rstrip("/").rsplit("/", 1)[-1] for p in found)

    def remove(self, name: str) -> None:
        try:
            if self.root:
                (self.root / name).unlink()
            else:
                self._fs.rm_file(self._path(name))
        except FileNotFoundError:
            pass

    # -- manifests ----------------------------------------------------------------------

    def manifest(self, name: str = MANIFEST) -> Manifest | None:
        """The latest manifest (or a snapshot's own), None before the first publish."""
        data = self.read_bytes(name)
        return Manifest(**json.loads(data)) if data else None

    def publish(
        self,
        working: Path,
        *,
        tables: dict[str, int],
        snapshot_id: str,
        before_switch: Callable[[], None] = lambda: None,
    ) -> Manifest:
        """Copy ``working`` in as snapshot ``snapshot_id``, then switch ``manifest.json``.

        The caller makes sure nothing writes ``working`` meanwhile (it holds the writer and
        the lease, after a CHECKPOINT). ``before_switch`` runs right before the switch (the
        lease check): if it raises, the new snapshot is left unnamed and GC removes it.
        """
        file = f"snapshots/{snapshot_id}.duckdb"
        sha256, size = self.put_file(working, file)
        manifest = Manifest(
            snapshot_id=snapshot_id,
            created_at=datetime.now(UTC).isoformat(),
            file=file,
            tables=tables,
            sha256=sha256,
            bytes=size,
        )
        data = json.dumps(asdict(manifest), indent=1).encode()
        self.write_bytes(f"snapshots/{snapshot_id}.json", data)
        before_switch()
        self.write_bytes(MANIFEST, data)
        _remote_latest.pop(self.url, None)  # this process reads its own publish at once
        return manifest

    def checked(self, manifest: Manifest, at: datetime) -> Manifest:
        """Record that ``manifest``'s snapshot is still current at ``at``."""
        checked = replace(manifest, checked_at=at.isoformat())
        self.write_bytes(MANIFEST, json.dumps(asdict(checked), indent=1).encode())
        _remote_latest.pop(self.url, None)
        return checked

    def local_file(self, manifest: Manifest) -> Path:
        """A local path to open for this snapshot: in place, or a replica fetched once."""
        if self.root and self.replica_dir is None:
            return self.root / manifest.file
        assert self.replica_dir is not None, "a remote store needs a replica directory"
        target = self.replica_dir / f"{manifest.snapshot_id}.duckdb"
        if not target.exists():
            sha256 = self.get_file(manifest.file, target)
            if sha256 != manifest.sha256:
                target.unlink(missing_ok=True)
                raise OSError(f"snapshot {manifest.snapshot_id}: checksum mismatch")
            _replicas_prune(self.replica_dir, keep=target)
        return target


#: A remote store's manifest is read at most this often per process (one GET, not per report).
REMOTE_CHECK_SECONDS = 5.0
_remote_latest: dict[str, tuple[float, Manifest | None]] = {}


def latest_manifest(store: SnapshotStore, *, fresh: bool = False) -> Manifest | None:
    """The latest manifest: read each time from a local store (a small file), at most every
    ``REMOTE_CHECK_SECONDS`` from a remote one (``fresh``: now)."""
    if store.local:
        return store.manifest()
    seen = _remote_latest.get(store.url)
    if fresh or seen is None or time.monotonic() - seen[0] > REMOTE_CHECK_SECONDS:
        seen = (time.monotonic(), store.manifest())
        _remote_latest[store.url] = seen
    return seen[1]


def _copy_hashed(reading: Any, writing: Any) -> tuple[str, int]:
    digest, size = hashlib.sha256(), 0
    while chunk := reading.read(_CHUNK):
        digest.update(chunk)
        writing.write(chunk)
        size += len(chunk)
    return digest.hexdigest(), size


def _replicas_prune(folder: Path, *, keep: Path) -> None:
    """Drop local replicas but the newest two (readers that hold one open keep reading it:
    POSIX keeps an unlinked open file until it is closed)."""
    replicas = sorted(p for p in folder.glob("*.duckdb") if p != keep)
    for old in replicas[:-1]:
        old.unlink(missing_ok=True)


def snapshots_collect(
    store: SnapshotStore, *, keep: int, grace: timedelta, now: datetime | None = None
) -> list[str]:
    """Delete old snapshots safely; return the ids removed.

    Kept: the one ``manifest.json`` names, the newest ``keep``, and any superseded less than
    ``grace`` ago (a reader may have just read the manifest that named it). Files of a
    publish that never switched the manifest go once they are older than ``grace``.
    """
    now = now or datetime.now(UTC)
    latest = store.manifest()
    names = store.names("snapshots")
    ids = sorted(
        {n.split(".")[0] for n in names if n.endswith((".duckdb", ".json")) and n[0] != "."}
    )
    newest = latest.snapshot_id if latest else ""
    published = [i for i in ids if f"{i}.json" in names and f"{i}.duckdb" in names and i <= newest]
    removed: list[str] = []
    for snapshot_id in ids:
        if snapshot_id >= newest:  # the latest, or a publish still under way
            continue
        if snapshot_id in published:
            if snapshot_id in published[-keep:]:
                continue
            # Superseded when the next one was published (its manifest's created_at).
            later = published[published.index(snapshot_id) + 1 :]
            successor = store.manifest(f"snapshots/{later[0]}.json") if later else None
            superseded = successor.created if successor else now
        else:
            superseded = _id_time(snapshot_id)
        if now - superseded < grace:
            continue
        store.remove(f"snapshots/{snapshot_id}.duckdb")
        store.remove(f"snapshots/{snapshot_id}.json")
        removed.append(snapshot_id)
    return removed
