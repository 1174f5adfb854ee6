"""The knowledge every request answers with, kept current while the process runs.

`LiveKnowledge` holds the knowledge file (`base`) and, for each workspace whose editors
approved terms, the base with those terms layered over it (`knowledge.overlay.with_overlay`).
A workspace's knowledge is built on its first request in the process; a poll thread then
checks, every KNOWLEDGE_POLL_SECONDS:

- the workspaces' overlay versions (`Store.knowledge_versions`, one small query): a workspace
  held here whose version moved is rebuilt, so an approval or an undo in any process is live
  in every process within a poll and a rebuild;
- the knowledge file: its mtime, size and inode, and when those changed, its SHA-256 (a copy of
  the same file is no reload). A new file is loaded and every held workspace rebuilt on it
  before anything is swapped; a file that does not load is logged once and the old knowledge
  keeps serving. SIGHUP asks for the check at once (`install_reload_signal`).

Swaps are atomic: one immutable snapshot (the base and the workspaces' knowledge) replaced
whole. A request keeps the Knowledge object it got for its whole life, so nothing in flight
fails or mixes two versions; the old object goes when the last request holding it ends.

The poll thread starts on first use in each process, after gunicorn forks its workers (a thread
started in the master would not exist in them), like the query log's writer.
"""

from __future__ import annotations

import hashlib
import logging
import os
import signal
import threading
import weakref
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from knowledge import Knowledge, KnowledgeFileError
from knowledge.overlay import with_overlay
from knowledge.paths import default_paths

if TYPE_CHECKING:
    from bot.store import Store

log = logging.getLogger(__name__)

DEFAULT_POLL_SECONDS = 1.0
# A view whose build failed: a version no workspace has, so the next poll tries again.
_FAILED = -1


@dataclass(frozen=True)
class _TeamView:
    version: int  # the workspace's overlay version the view was built from
    knowledge: Knowledge


@dataclass(frozen=True)
class _Snapshot:
    base: Knowledge
    teams: Mapping[str, _TeamView] = field(default_factory=dict)


@dataclass(frozen=True)
class _FileState:
    signature: tuple[int, int, int] | None  # mtime_ns, size, inode when last looked at
    digest: str | None  # SHA-256 of the content `base` was loaded from


class LiveKnowledge:
    """The knowledge file plus each workspace's approved terms, reloaded while running.

    `path`: the knowledge file to watch (None: `base`'s own file, or without a `base` the
    default knowledge/aigc.json). `store`: where approved terms and their versions are; None
    serves the file alone. `base`: the file already loaded (else it is loaded here)."""

    def __init__(
        self,
        path: Path | None,
        store: Store | None,
        *,
        base: Knowledge | None = None,
        poll_seconds: float = DEFAULT_POLL_SECONDS,
    ) -> None:
        if path is None:
            path = base.path if base is not None else default_paths().knowledge_file
        self.path = path
        self.store = store
        self.poll_seconds = poll_seconds
        signature = _signature(path) if path is not None else None
        digest = _digest(path) if path is not None else None
        if base is None:
            if path is None:
                raise ValueError("LiveKnowledge needs a knowledge file or a loaded base")
            base = Knowledge.load(path)
        self._snapshot = _Snapshot(base)
        self._file = _FileState(signature, digest)
        self._refused: tuple[int, int, int] | None = None  # the broken file already logged
        self._versions: dict[str, int] | None = None  # None: not read yet in this process
        self._failing: set[str] = set()  # what is failing now, logged once per streak
        self._failing_lock = threading.Lock()
        self._start_fresh()
        _LIVE.add(self)

    def _start_fresh(self) -> None:
        """New locks and no thread: at construction, and in a forked child (a lock the
        parent's thread held at the fork would never be released there)."""
        self._build_lock = threading.RLock()
        self._thread_lock = threading.Lock()
        self._wake = threading.Event()
        self._stop = threading.Event()
        self._reload_asked = False
        self._thread: threading.Thread | None = None
        self._pid = os.getpid()
        self._versions = None  # the parent's may be stale by the time this process asks

    # -- what requests ask ----------------------------------------------------------------------

    @property
    def base(self) -> Knowledge:
        """The knowledge file as last (re)loaded."""
        return self._snapshot.base

    def for_team(self, team_id: str | None) -> Knowledge:
        """The workspace's knowledge: the file plus its approved terms. The first request of a
        workspace with approved terms builds it (once per process); later ones get it as the
        poll thread last rebuilt it. If the store cannot be read, the file alone answers."""
        self._ensure_started()
        snapshot = self._snapshot
        if not team_id or self.store is None:
            return snapshot.base
        view = snapshot.teams.get(team_id)
        if view is not None:
            return view.knowledge
        versions = self._versions
        if versions is None:
            versions = self._read_versions()
            if versions is None:
                return snapshot.base
        if team_id not in versions:  # no term was ever approved there
            return snapshot.base
        with self._build_lock:
            snapshot = self._snapshot
            view = snapshot.teams.get(team_id)
            if view is None:
                view = self._build(snapshot.base, team_id, versions[team_id])
                self._snapshot = _Snapshot(snapshot.base, {**snapshot.teams, team_id: view})
        return view.knowledge

    # -- keeping it current -------------------------------------------------------------------

    def refresh(self) -> bool:
        """Check the knowledge file and the workspaces' versions now; True if anything was
        swapped."""
        reloaded = self._check_file(force=False)
        return self._check_versions() or reloaded

    def reload_file(self) -> bool:
        """Load the knowledge file again whatever its mtime says (SIGHUP); True if its content
        changed and was swapped in. A file that does not load is logged and refused: the
        knowledge loaded before keeps serving."""
        return self._check_file(force=True)

    def request_reload(self) -> None:
        """Ask the poll thread to reload the file now (from a signal handler: no work here)."""
        self._reload_asked = True
        self._ensure_started()
        self._wake.set()

    def start(self) -> LiveKnowledge:
        """Start this process's poll thread (once; again in a forked child)."""
        self._ensure_started()
        return self

    def stop(self, timeout: float = 10.0) -> None:
        self._stop.set()
        self._wake.set()
        thread = self._thread
        if thread is not None and thread is not threading.current_thread():
            thread.join(timeout)

    @property
    def polling(self) -> bool:
        thread = self._thread
        return thread is not None and thread.is_alive() and self._pid == os.getpid()

    def _ensure_started(self) -> None:
        if self._thread is not None and self._pid == os.getpid():
            return
        if self._pid != os.getpid():  # forked without the at-fork hook (not expected)
            self._start_fresh()
        with self._thread_lock:
            if self._thread is None and not self._stop.is_set():
                thread = threading.Thread(
                    target=_poll, args=(weakref.ref(self),), name="live-knowledge", daemon=True
                )
                self._thread = thread
                thread.start()

    def _poll_once(self) -> None:
        if self._reload_asked:
            self._reload_asked = False
            self.reload_file()
        self.refresh()

    # -- the knowledge file ---------------------------------------------------------------------

    def _check_file(self, *, force: bool) -> bool:
        path = self.path
        if path is None:
            return False
        try:
            signature = _signature(path)
        except OSError as error:
            self._refuse((0, 0, 0), f"cannot be read ({error.strerror or error})", force)
            return False
        if signature == self._file.signature and not force:
            return False
        try:
            digest = _digest(path)
        except OSError as error:
            self._refuse(signature, f"cannot be read ({error.strerror or error})", force)
            return False
        if digest == self._file.digest:  # touched or copied again: the same knowledge
            self._file = _FileState(signature, digest)
            return False
        try:
            base = Knowledge.load(path)
        except KnowledgeFileError as error:
            self._refuse(signature, str(error), force)
            self._file = _FileState(signature, self._file.digest)  # looked at: not every poll
            return False
        with self._build_lock:
            # Every workspace held here is rebuilt on the new file before the one swap, so no
            # request sees the new file without its workspace's terms.
            teams = {
                team: self._build(base, team, view.version)
                for team, view in self._snapshot.teams.items()
            }
            self._snapshot = _Snapshot(base, teams)
            self._file = _FileState(signature, digest)
        self._refused = None
        log.info(
            "knowledge file %s reloaded: %d entries (%d workspace(s) with team terms rebuilt)",
            path,
            len(base.entries),
            len(teams),
        )
        return True

    def _refuse(self, signature: tuple[int, int, int], problem: str, force: bool) -> None:
        if signature == self._refused and not force:
            return  # said once for this file already
        self._refused = signature
        log.error("knowledge file refused: %s; still answering with the one loaded before", problem)

    # -- the workspaces' approved terms ----------------------------------------------------------

    def _read_versions(self) -> dict[str, int] | None:
        if self.store is None:
            return None
        try:
            versions = self.store.knowledge_versions()
        except Exception as error:  # the database is down: the file alone answers meanwhile
            self._failed("versions", "could not read the team terms' versions", error)
            return None
        self._recovered("versions", "the team terms' versions are readable again")
        self._versions = versions
        return versions

    def _check_versions(self) -> bool:
        versions = self._read_versions()
        if versions is None:
            return False
        stale = [
            team
            for team, view in self._snapshot.teams.items()
            if view.version != versions.get(team, 0)
        ]
        if not stale:
            return False
        changed = False
        with self._build_lock:
            snapshot = self._snapshot
            teams = dict(snapshot.teams)
            for team in stale:
                if team in teams:
                    view = self._build(snapshot.base, team, versions.get(team, 0))
                    changed |= view.knowledge is not teams[team].knowledge
                    teams[team] = view
            self._snapshot = _Snapshot(snapshot.base, teams)
        return changed

    def _build(self, base: Knowledge, team_id: str, version: int) -> _TeamView:
        """The workspace's knowledge on `base` at `version` (read before its terms: a change
        after the read is seen by the next poll). Terms the file holds itself now are retired
        in the store. A failure leaves the file alone answering there until the next poll."""
        assert self.store is not None
        what = f"team:{team_id}"
        try:
            approved = self.store.approved_terms(team_id)
            result = with_overlay(base, approved)
            if result.retired:
                self.store.retire_team_terms(team_id, result.retired)
                log.info(
                    "workspace %s: %d team term(s) now in the knowledge file retired",
                    team_id,
                    len(result.retired),
                )
        except Exception as error:
            self._failed(what, f"could not build workspace {team_id}'s team terms", error)
            return _TeamView(_FAILED, base)
        self._recovered(what, f"workspace {team_id}'s team terms are built again")
        return _TeamView(version, result.knowledge)

    def _failed(self, what: str, message: str, error: Exception) -> None:
        with self._failing_lock:
            first = what not in self._failing
            self._failing.add(what)
        if first:
            log.error(
                "%s (%s); trying again every %g s", message, _describe(error), self.poll_seconds
            )

    def _recovered(self, what: str, message: str) -> None:
        with self._failing_lock:
            failing = what in self._failing
            self._failing.discard(what)
        if failing:
            log.info(message)


def _poll(ref: weakref.ref[LiveKnowledge]) -> None:
    """The poll loop. Holds the LiveKnowledge only while polling, so a holder nobody uses any
    more (a test's app) is collected and its thread ends."""
    while True:
        live = ref()
        if live is None or live._stop.is_set():
            return
        try:
            live._poll_once()
        except Exception:  # nothing may end the loop: the old knowledge keeps serving
            log.exception("checking the knowledge failed; trying again")
        wake, seconds = live._wake, live.poll_seconds
        del live
        wake.wait(seconds)
        wake.clear()


def _signature(path: Path) -> tuple[int, int, int]:
    stat = path.stat()
    return (stat.st_mtime_ns, stat.st_size, stat.st_ino)


def _digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _describe(error: Exception) -> str:
    # Database errors carry statement parameters; the first line of a StoreError never does.
    from bot.store import StoreError

    if isinstance(error, StoreError):
        return str(error).splitlines()[0]
    return type(error).__name__


# -- SIGHUP ---------------------------------------------------------------------------------------

# Every LiveKnowledge of this process: SIGHUP reloads them, a fork restarts them. Weak, so
# registering keeps none alive.
_LIVE: weakref.WeakSet[LiveKnowledge] = weakref.WeakSet()


def _start_fresh_after_fork() -> None:
    for live in list(_LIVE):
        live._start_fresh()


os.register_at_fork(after_in_child=_start_fresh_after_fork)


def _on_sighup(signum: int, frame: object) -> None:
    for live in list(_LIVE):
        live.request_reload()


def start_all() -> None:
    """Start the poll thread of every LiveKnowledge of this process (a gunicorn worker, just
    forked: the first poll picks up a file that changed since the master loaded it)."""
    for live in list(_LIVE):
        live.start()


def install_reload_signal() -> bool:
    """SIGHUP reloads the knowledge file in this process (the poll thread does the work).
    Python lets only the main thread set signal handlers: False (nothing installed) elsewhere,
    and where there is no SIGHUP."""
    if not hasattr(signal, "SIGHUP") or threading.current_thread() is not threading.main_thread():
        return False
    signal.signal(signal.SIGHUP, _on_sighup)
    return True
