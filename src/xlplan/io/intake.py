"""Reading many unit files at once, safely: any file ends in a read or a named refusal.

Unit files arrive by e-mail, USB and chat; some are not forms at all, some are
damaged, a few could be hostile (a zip bomb, a sheet claiming a million rows).
:func:`read_many` gives one :class:`~xlplan.core.submission.Submission` per
path, in order, and never raises for a bad file:

1. the sniff (:func:`~xlplan.io.readers.sniff`), once per file, with the
   caller's limits: size, the first bytes, the zip directory (member count,
   declared sizes, compression ratio) before anything is inflated, then the
   head of each XML part (no DTD) — a refusal here costs microseconds. It runs
   in the worker, just before the parse, so that files are checked in parallel;
2. the parsing itself (:func:`~xlplan.io.form_reader.read_form`) in worker
   processes whose address space is capped (``RLIMIT_AS``) and whose every file
   has a deadline. A worker that dies (out of memory, a crash in a native
   parser) or overruns the deadline is replaced; the file it was reading gets
   ``file-too-large`` / ``file-too-slow`` / ``file-unreadable`` and the rest of
   its chunk goes to another worker. A worker dies with its parent (killed by
   SIGKILL or SIGTERM, crashed): ``PR_SET_PDEATHSIG`` on Linux, a thread that
   watches the parent everywhere; a forked worker lets go of the files and
   sockets it inherited (the audit store, log files, other workers' pipes).

Workers receive chunks of Submissions that say what is known of each input
(shown name, source, archived copy, hash) and send back, for each, only what
was read (:class:`_Encoder`): the parent adds it to the record it sent, so the
per-file overhead is one small message and everything about an input stays on
one record: the same machinery reads three files or fifty thousand.
"""

from __future__ import annotations

import collections
import copy
import gc
import multiprocessing
import os
import signal
import stat
import sys
import threading
import time
from dataclasses import dataclass, field, fields, replace
from multiprocessing.connection import Connection, wait
from multiprocessing.reduction import ForkingPickler
from pathlib import Path
from typing import Any, Callable, Sequence

from ..core.findings import make
from ..core.plan import Plan
from ..core.registry import Registry
from ..core.submission import CellValue, Submission, same_raw, shared
from .form_reader import read_form
from .gc_pause import paused_gc
from .plans import load_plan
from .readers import DEFAULT_ENGINE, ENGINES, Limits, ReaderError, reading, require_defused_xml, sniff

try:  # POSIX only; Windows has no resource module and no RLIMIT_AS
    import resource
except ImportError:  # pragma: no cover - exercised on Windows only
    resource = None  # type: ignore[assignment]

Progress = Callable[[int, int], None]

# Outcomes that mean "this file was not read as a form" (the named refusals).
REFUSAL_CODES: tuple[str, ...] = (
    "file-unreadable", "format-unsupported", "file-encrypted", "file-too-large", "file-too-slow",
    "not-a-form", "form-unknown",
)
READ = "read"  # the outcome of a file read as a form (its values may still have findings)
FEW_FILES = 8  # below this, one worker process: starting more costs more than it saves
MAX_CHUNK = 32


def read_many(inputs: Sequence[str | Path | Submission], plan: Plan | str | Path | None = None,
              registry: Registry | None = None, engine: str | None = None, workers: int | None = None,
              progress: Progress | None = None, limits: Limits = Limits(),
              start_method: str | None = None) -> list[Submission]:
    """One Submission per input, in order, as :func:`read_form` would give it; never raises for a file.

    An input is a path, or a Submission that already says what is known of the
    file (:class:`~xlplan.core.submission.Submission`: its ``source`` and shown
    name, the ``archived`` copy to parse, its ``sha256``, ``size``, ``received``);
    what a worker reads is added to it, so everything about one input arrives
    on one record. Each file is sniffed once, in the worker, with ``limits``.
    Raises :class:`~xlplan.core.errors.XlplanError` when XML cannot be parsed
    safely (openpyxl without defusedxml), and ValueError for an unknown engine
    name (a programming mistake). ``start_method`` overrides the platform's
    choice (``fork`` on Linux, ``spawn`` elsewhere): tests run Windows' way with it.
    """
    require_defused_xml()
    name = engine or DEFAULT_ENGINE
    if name not in ENGINES:
        raise ValueError(f"unknown engine {name!r}; known: {', '.join(ENGINES)}")
    plan = plan if isinstance(plan, Plan) else load_plan(plan)
    stubs = [item if isinstance(item, Submission) else Submission(file=str(item), source=str(item))
             for item in inputs]
    results: list[Submission | None] = [None] * len(stubs)
    if stubs:
        count = 1 if len(stubs) < FEW_FILES else max(1, workers or os.cpu_count() or 1)
        pool = _Pool(stubs, plan, registry, name, limits, min(count, len(stubs)), _context(start_method))
        with paused_gc():  # tens of thousands of small acyclic records kept: nothing for the collector
            _collect(pool, results, progress)
    return [sub for sub in results if sub is not None]


def _collect(pool: "_Pool", results: list[Submission | None], progress: Progress | None) -> None:
    """Every file through ``pool``: its Submission in place, progress as they come."""
    total = len(results)
    for done, (i, sub) in enumerate(pool.run(list(range(total))), 1):
        results[i] = sub  # compact (see _Decoder): every file's is held until the caller is done with them all
        if progress:
            progress(done, total)


def refusal(stub: Submission, engine: str, code: str, **params: Any) -> Submission:
    """``stub`` refused with ``code``: its only finding (as :func:`read_form` would give it)."""
    return replace(stub, engine=engine, findings=[make(code, file=stub.file, **params)])


def outcome(sub: Submission) -> str:
    """The refusal code of ``sub`` (the first, in finding order), or :data:`READ`."""
    for item in sub.findings:
        if item.code in REFUSAL_CODES:
            return item.code
    return READ


def corpus_outcomes(folder: str | Path, plan: Plan | str | Path | None = None, engine: str | None = None,
                    workers: int | None = None) -> dict[str, int]:
    """Outcome code → number of files, for every file under ``folder`` (the reliability summary)."""
    paths = sorted((p for p in Path(folder).rglob("*") if p.is_file()), key=lambda p: str(p))
    counts: collections.Counter[str] = collections.Counter(
        outcome(sub) for sub in read_many(paths, plan, engine=engine, workers=workers))
    return dict(sorted(counts.items(), key=lambda item: (-item[1], item[0])))


# -- the worker pool -----------------------------------------------------------------------

def _context(start_method: str | None = None) -> Any:
    """``fork`` on Linux (instant, nothing to pickle); ``spawn`` elsewhere (macOS, Windows)."""
    return multiprocessing.get_context(start_method or ("fork" if sys.platform.startswith("linux") else "spawn"))


def _limit_memory(extra: int) -> None:
    """Cap this process's address space at its current size plus ``extra`` bytes, where possible."""
    if resource is None or not hasattr(resource, "RLIMIT_AS"):
        return
    try:
        with open("/proc/self/statm", encoding="ascii") as handle:
            current = int(handle.read().split()[0]) * os.sysconf("SC_PAGE_SIZE")
    except (OSError, ValueError, IndexError):
        return  # no /proc (macOS): RLIMIT_AS is not enforced there anyway
    _, hard = resource.getrlimit(resource.RLIMIT_AS)
    wanted = current + extra
    if hard != resource.RLIM_INFINITY:
        wanted = min(wanted, hard)
    try:
        resource.setrlimit(resource.RLIMIT_AS, (wanted, hard))
    except (ValueError, OSError):
        return


def _tie_to_parent(parent_pid: int, conn: Connection) -> None:
    """Make this worker die with the process that started it, and let go of what it inherited.

    Linux: ``prctl(PR_SET_PDEATHSIG, SIGKILL)`` — the kernel kills the worker
    the moment its parent dies, however (SIGKILL, SIGTERM, a crash). Every
    platform: a watcher thread that ends the worker when the parent's sentinel
    closes (spawn: Windows, macOS) or the parent pid changes (POSIX). A forked
    worker also lets go of the descriptors it inherited and does not use —
    the audit store, log files, other workers' connections — by pointing them
    at the null device (closing them could let a new file reuse a number some
    object still writes to).
    """
    if sys.platform.startswith("linux"):
        try:
            import ctypes

            libc = ctypes.CDLL(None, use_errno=True)
            libc.prctl(1, int(signal.SIGKILL), 0, 0, 0)  # PR_SET_PDEATHSIG
        except (OSError, AttributeError):
            pass
    if os.name == "posix" and os.getppid() != parent_pid:
        os._exit(0)  # the parent died before the signal was armed
    if os.path.isdir("/proc/self/fd") and multiprocessing.get_start_method(allow_none=True) != "spawn":
        _release_inherited(conn)
    threading.Thread(target=_watch_parent, args=(parent_pid,), name="xlplan-parent-watch", daemon=True).start()


def _release_inherited(conn: Connection) -> None:
    """Point the inherited files and sockets this worker does not use at the null device (Linux, fork)."""
    parent = multiprocessing.parent_process()
    keep = {0, 1, 2, conn.fileno(), getattr(parent, "_sentinel", -1)}
    try:
        numbers = [int(name) for name in os.listdir("/proc/self/fd")]
        null = os.open(os.devnull, os.O_RDWR)
    except (OSError, ValueError):
        return
    try:
        for fd in numbers:
            if fd in keep or fd == null:
                continue
            try:
                mode = os.fstat(fd).st_mode
            except OSError:
                continue  # the listing's own descriptor, already closed
            if stat.S_ISREG(mode) or stat.S_ISSOCK(mode) or stat.S_ISDIR(mode):
                os.dup2(null, fd, inheritable=False)  # pipes stay: one is this worker's own exit sentinel
    finally:
        os.close(null)


def _watch_parent(parent_pid: int) -> None:
    """End this worker when its parent is gone (the thread of :func:`_tie_to_parent`)."""
    parent = multiprocessing.parent_process()
    while True:
        if parent is not None:
            parent.join(timeout=1.0)
            if not parent.is_alive():
                os._exit(0)
        else:
            time.sleep(1.0)
        if os.name == "posix" and os.getppid() != parent_pid:
            os._exit(0)


def _work(conn: Connection, plan: Plan, registry: Registry | None, limits: Limits, parent_pid: int = 0) -> None:
    """Worker loop: receive a chunk of (index, stub Submission, engine), send back (index, Submission)
    for each, as :func:`read_one` reads it. The worker dies with its parent (:func:`_tie_to_parent`)."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl+C is the parent's to handle
    if parent_pid:
        _tie_to_parent(parent_pid, conn)
    gc.enable()  # forked while the parent had paused it: the engines' parsers make cycles
    _limit_memory(limits.memory_bytes)
    encoder = _Encoder()
    while True:
        try:
            chunk = conn.recv()
        except (EOFError, OSError):
            return
        if chunk is None:
            return
        for index, stub, engine in chunk:
            try:
                sub = read_one(stub, plan, registry, engine, limits)
            except MemoryError:  # past the cap outside the readers' own guard: the file's refusal, no traceback
                sub = refusal(stub, engine, "file-too-large", reason="tệp quá lớn")
            try:
                conn.send((index, encoder.encode(stub, sub)))
            except MemoryError:
                conn.send((index, refusal(stub, engine, "file-too-large", reason="tệp quá lớn")))
            else:
                encoder.sent()


def read_one(stub: Submission | str | Path, plan: Plan, registry: Registry | None, engine: str,
             limits: Limits = Limits()) -> Submission:
    """What a worker does with one file: sniff it once with ``limits`` (a refusal is the answer),
    else read it as a form. The file is opened and read once for both (:func:`~.readers.reading`)."""
    if not isinstance(stub, Submission):
        stub = Submission(file=str(stub), source=str(stub))
    with reading(stub.read_path) as package:
        try:
            kind = sniff(package, limits)
        except ReaderError as exc:
            return refusal(stub, engine, exc.code, **exc.params())
        except (OSError, ValueError):
            kind = None  # a missing file, a folder: read_form names it
        sub = read_form(stub.read_path, plan, engine, registry, into=stub, kind=kind)
    sub.format = kind
    return sub


# calamine builds a sheet's whole rectangle in memory; openpyxl streams rows. A file that
# exhausts a calamine worker (a stray value in XFD1048576) is tried once more with openpyxl.
FALLBACK = {"calamine": "openpyxl"}
# Chunks are sent ahead (see _Pool._feed) where a pipe is a socket pair whose buffer holds a chunk
# many times over (Linux: ~200 kB); elsewhere (macOS: 8 kB) a worker gets its next chunk when it has none.
_AHEAD = sys.platform.startswith("linux")
_AHEAD_BYTES = 32 * 1024
_KILLED = (-getattr(signal, "SIGKILL", 9), -getattr(signal, "SIGABRT", 6), 1)  # out of memory, by whom


# -- what travels back from a worker ---------------------------------------------------------
#
# The parent holds every file's Submission and reads the workers' messages on the same two
# cores the workers read files on, so a message must be cheap to rebuild. A worker sends back
# only what reading added to the stub the parent already holds (never the paths and times it
# sent), and a form's cells as plain values: where each cell sits (field, sheet, address) is
# the same for every file of a template, so it travels once per worker as a numbered layout
# and the parent builds each file's cells on the shared strings of that layout.

_KEPT = ("file", "received", "first_seen", "first_run", "source", "archived", "size")  # the stub's; a read keeps them
_READ = tuple(item.name for item in fields(Submission) if item.name not in _KEPT + ("values", "findings"))
_SHARED_READ = frozenset(("form", "version", "plan_id", "period", "engine", "generator", "format"))
_LAYOUTS = 256  # numbered layouts per worker; a file whose cells sit elsewhere carries its own
_SHARED_COUNTS = 200_000  # count cells shared per worker (see _Decoder): a bound, never reached by forms


class _Encoder:
    """A worker's side: each Submission read as the smallest message the parent can rebuild it from.

    The message is ``(layout number, layout or None, read fields, values, raw-is-value mask,
    other raw values, findings)``, or the Submission itself when it is not what a read gives
    (a changed stub field, cells keyed oddly). A layout is defined by the first message that
    uses it and numbered for the rest; :meth:`sent` confirms that message left (a message that
    could not be sent defines nothing).
    """

    def __init__(self) -> None:
        self.layouts: dict[tuple[tuple[str, str | None, str | None], ...], int] = {}
        self.pending: tuple[tuple[tuple[str, str | None, str | None], ...], int] | None = None

    def encode(self, stub: Submission, sub: Submission) -> Any:
        self.pending = None
        if type(sub) is not Submission or any(getattr(sub, name) != getattr(stub, name) for name in _KEPT):
            return sub
        layout, values, others = [], [], []
        mask = 0
        for position, (key, cell) in enumerate(sub.values.items()):
            if type(cell) is not CellValue or key != cell.field:
                return sub
            layout.append((cell.field, cell.sheet, cell.cell))
            values.append(cell.value)
            if same_raw(cell.value, cell.raw):
                mask |= 1 << position
            else:
                others.append(cell.raw)
        where = tuple(layout)
        number = self.layouts.get(where)
        define: Any = None
        if number is None:
            define = where
            number = len(self.layouts) if len(self.layouts) < _LAYOUTS else -1  # -1: this message only
            if number >= 0:
                self.pending = (where, number)
        read = tuple(getattr(sub, name) for name in _READ)
        return number, define, read, tuple(values), mask, tuple(others), sub.findings

    def sent(self) -> None:
        """The last encoded message left: the layout it defined is known to the parent now."""
        if self.pending is not None:
            self.layouts[self.pending[0]] = self.pending[1]
            self.pending = None


_Layout = tuple[tuple[str, str, "str | None", "str | None"], ...]  # (dict key, field, sheet, cell), shared


class _Decoder:
    """The parent's side for one worker: its layouts, and each message back into a compact Submission
    (the stub it was sent, with what was read added; strings shared as :meth:`Submission.compact` shares them)."""

    def __init__(self) -> None:
        self.layouts: dict[int, _Layout] = {}
        # A count cell (an int that is its own raw value) is one immutable CellValue shared by every
        # file holding that count at that place: most counts are small, so most files share them.
        self.counts: dict[tuple[tuple[str, str, str | None, str | None], int], CellValue] = {}

    def decode(self, stub: Submission, message: Any) -> Submission:
        if isinstance(message, Submission):
            message.compact()
            return message
        number, define, read, values, mask, others, findings = message
        if define is not None:
            layout: _Layout = tuple((sys.intern(key), shared(key), shared(sheet), shared(cell))
                                    for key, sheet, cell in define)
            if number >= 0:
                self.layouts[number] = layout
        else:
            layout = self.layouts[number]
        cells: dict[str, CellValue] = {}
        rest = iter(others)
        intern = sys.intern
        counts = self.counts
        for position, (where, value) in enumerate(zip(layout, values)):
            key, name, sheet, cell = where
            if mask >> position & 1:
                if type(value) is int:
                    found_cell = counts.get((where, value))
                    if found_cell is None:
                        found_cell = CellValue(name, value, sheet, cell, value)
                        if len(counts) < _SHARED_COUNTS:
                            counts[(where, value)] = found_cell
                    cells[key] = found_cell
                    continue
                if type(value) is str and len(value) <= 64:  # shared(), inlined: ~25 cells a file, 50,000 files
                    value = intern(value)
                raw = value
            else:
                if type(value) is str and len(value) <= 64:
                    value = intern(value)
                raw = next(rest)
                if type(raw) is str and len(raw) <= 64:
                    raw = intern(raw)
            cells[key] = CellValue(name, value, sheet, cell, raw)
        sub = copy.copy(stub)  # the stub as sent (not the caller's object), with what was read
        sub.values, sub.findings = cells, findings
        for name, found in zip(_READ, read):
            setattr(sub, name, shared(found) if name in _SHARED_READ else found)
        return sub


@dataclass
class _Worker:
    process: Any
    conn: Connection
    chunk: collections.deque = field(default_factory=collections.deque)  # (index, engine) sent, unanswered
    since: float = 0.0  # when the file now being read started
    decoder: _Decoder = field(default_factory=_Decoder)  # its layouts: a replacement starts afresh
    unread: int | None = None  # first index of the last chunk sent, until the worker answers it


class _Pool:
    """Worker processes with per-file deadlines; a dead or stuck worker is replaced."""

    def __init__(self, stubs: list[Submission], plan: Plan, registry: Registry | None, engine: str,
                 limits: Limits, count: int, context: Any):
        self.stubs, self.plan, self.registry, self.engine, self.limits = stubs, plan, registry, engine, limits
        self.count = count
        self.context = context

    def _start(self) -> _Worker:
        parent, child = self.context.Pipe(duplex=True)
        process = self.context.Process(target=_work, daemon=True,
                                       args=(child, self.plan, self.registry, self.limits, os.getpid()))
        process.start()
        child.close()
        return _Worker(process, parent)

    def _stop(self, worker: _Worker, kill: bool) -> None:
        if kill:
            worker.process.kill()
        else:
            try:
                worker.conn.send(None)
            except OSError:
                worker.process.kill()
        worker.process.join(timeout=None if kill else 5)
        if worker.process.is_alive():
            worker.process.kill()
            worker.process.join()
        worker.conn.close()

    def run(self, todo: list[int]) -> Any:
        """Yield (index, Submission) for every index of ``todo``, in completion order."""
        size = max(1, min(MAX_CHUNK, len(todo) // (self.count * 8)))
        items = [(i, self.engine) for i in todo]
        queue = collections.deque(items[i:i + size] for i in range(0, len(items), size))
        workers = [self._start() for _ in range(self.count)]
        try:
            for worker in workers:
                self._feed(worker, queue)
            while any(w.chunk for w in workers):
                busy = [w for w in workers if w.chunk]
                now = time.monotonic()
                timeout = max(0.0, min(w.since for w in busy) + self.limits.seconds - now)
                ready = wait([w.conn for w in busy], timeout=timeout)
                for worker in busy:
                    if worker.conn in ready:
                        yield from self._receive(worker, workers, queue)
                now = time.monotonic()
                for worker in [w for w in workers if w.chunk and now - w.since > self.limits.seconds]:
                    index, engine = worker.chunk.popleft()
                    yield index, _compact(refusal(self.stubs[index], engine, "file-too-slow",
                                                  seconds=_seconds(self.limits.seconds)))
                    self._replace(worker, workers, queue, kill=True)
        finally:
            for worker in workers:
                self._stop(worker, kill=bool(worker.chunk))

    def _receive(self, worker: _Worker, workers: list[_Worker], queue: collections.deque) -> Any:
        try:
            index, message = worker.conn.recv()
        except (EOFError, OSError):
            worker.process.join()
            index, engine = worker.chunk.popleft()
            exitcode = worker.process.exitcode
            self._replace(worker, workers, queue, kill=False)
            if exitcode in _KILLED and engine in FALLBACK:
                queue.append([(index, FALLBACK[engine])])
                for idle in workers:
                    if not idle.chunk:
                        self._feed(idle, queue)
            else:
                yield index, _compact(self._death(index, engine, exitcode))
            return
        worker.chunk.popleft()
        worker.since = time.monotonic()
        if worker.unread == index:
            worker.unread = None  # it has the last chunk sent: nothing of ours waits in its pipe
        yield index, worker.decoder.decode(self.stubs[index], message)
        if not worker.chunk:
            self._feed(worker, queue)
        elif len(worker.chunk) == 1 and worker.unread is None and _AHEAD:
            self._feed(worker, queue, ahead=True)

    def _death(self, index: int, engine: str, exitcode: int | None) -> Submission:
        """The refusal for the file a worker died on: memory exhaustion, or a crash of its parser."""
        stub = self.stubs[index]
        if exitcode in _KILLED:
            return refusal(stub, engine, "file-too-large",
                           reason=f"đọc tệp cần quá {self.limits.memory_bytes // (1024 * 1024)} MB bộ nhớ")
        return refusal(stub, engine, "file-unreadable", reason="chương trình đọc tệp dừng bất thường")

    def _replace(self, worker: _Worker, workers: list[_Worker], queue: collections.deque, kill: bool) -> None:
        """Swap a dead or stuck worker for a fresh one; the rest of its chunk is read first."""
        rest = list(worker.chunk)
        worker.chunk.clear()
        if kill:
            self._stop(worker, kill=True)
        else:
            worker.conn.close()
        if rest:
            queue.appendleft(rest)
        fresh = self._start()
        workers[workers.index(worker)] = fresh
        self._feed(fresh, queue)

    def _feed(self, worker: _Worker, queue: collections.deque, ahead: bool = False) -> None:
        """Send ``worker`` the next chunk: when it has none left, or ``ahead`` of time, while it reads
        the last file of its chunk, so that it never waits a round trip for its next chunk.

        A chunk is sent ahead only into an empty pipe (the worker has begun the chunk before it,
        :attr:`_Worker.unread`) and only when it is small (:data:`_AHEAD_BYTES`), so the send
        never waits for the worker, which may itself be sending a result back. The deadline of
        the file being read is left as it is.
        """
        if not queue:
            return
        chunk = queue.popleft()
        payload = ForkingPickler.dumps([(i, self.stubs[i], engine) for i, engine in chunk])
        if ahead and len(payload) > _AHEAD_BYTES:
            queue.appendleft(chunk)  # sent when the worker has none left, as any chunk
            return
        if not worker.chunk:
            worker.since = time.monotonic()
        worker.chunk.extend(chunk)
        worker.unread = chunk[0][0]
        worker.conn.send_bytes(payload)


def _compact(sub: Submission) -> Submission:
    sub.compact()
    return sub


def _seconds(value: float) -> str:
    return f"{value:g}"
