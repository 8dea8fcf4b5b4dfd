"""Writing generated files so that no reader ever sees a part of one.

Every command that writes (the export, the deploy's ``--iam-policy`` /
``--cloudformation``) goes through here. Each file is written to a
temporary file beside it and then renamed over it: the rename is atomic, so
a reader sees the old file or the new one. A *set* of files is written all
or nothing as far as the file system allows: every target is checked, then
every temporary file written, and only then are they all renamed; a failure
before the renames changes nothing.

A rename is atomic per file only: a kill between two renames would leave a
mix of old and new files. So the export, which promises "the whole set or
the old one", replaces its *directory* instead (:func:`replace_directory`):
the new set is built in a sibling directory (the files it does not write
are hard-linked in from the old one), and the two directories are swapped
in one system call -- ``renameat2(RENAME_EXCHANGE)`` on Linux,
``renamex_np(RENAME_SWAP)`` on macOS. A reader opening ``DIR/NAME`` before
the swap gets the old file, after it the new one, never a mix; a kill at
any point leaves ``DIR`` entirely old or entirely new plus a sibling
``.DIR.PID.new`` directory, which the next run removes (as it removes
``.NAME.PID.tmp`` files of earlier, killed runs). Where the file system or
the OS cannot exchange (no such call), the directory is swapped by two
renames: then, for an instant, ``DIR`` does not exist, and after a kill
in that instant the next run puts the old set back before writing.
Nothing is fsync'ed: a kill cannot lose written data, a power cut can.

Files are created with ``open()``, so they get the usual mode (0666 less
the umask) like any file the user writes. Only ``os`` is imported: the
export imports this module on every run.
"""

from __future__ import annotations

import os

TYPE_CHECKING = False
if TYPE_CHECKING:  # pragma: no cover
    from collections.abc import Iterable

__all__ = ["write_atomically", "write_all", "target_problem", "directory_problem", "replace_directory", "remove_leftovers"]

#: Called with the name of each step of :func:`replace_directory` (tests
#: kill the process there to show that every step leaves a whole set).
checkpoint = None


def target_problem(path: str) -> OSError | None:
    """Why ``path`` cannot be (re)written as a file, checked before writing
    anything: it is a directory, or the nearest of its parents that exists
    is not one."""
    import errno  # built in: costs nothing at start-up

    if os.path.isdir(path):
        return IsADirectoryError(errno.EISDIR, "Is a directory", path)
    return directory_problem(os.path.dirname(path) or ".", path)


def directory_problem(directory: str, target: str | None = None) -> OSError | None:
    """Why ``directory`` cannot be used or created as a directory: it, or
    the nearest of its parents that exists, is something else (a file).
    The error names that path, and ``target`` (default ``directory``) as
    the file concerned."""
    import errno

    existing = directory
    while not os.path.lexists(existing):
        parent = os.path.dirname(existing)
        if parent == existing or not parent:
            return None
        existing = parent
    if not os.path.isdir(existing):
        return NotADirectoryError(errno.ENOTDIR, f"{existing} is not a directory", target or directory)
    return None


def write_atomically(path: str, data: bytes) -> None:
    """Replace ``path`` with ``data`` (see the module's docstring)."""
    write_all([(path, data)])


def write_all(files: Iterable[tuple[str, bytes]]) -> None:
    """Write every ``(path, data)``: all temporary files first, then all renames.

    Raises OSError whose ``filename`` is the target concerned; when it is
    raised before the renames (unwritable directory, a target that is a
    directory, disk full) no target has changed and no temporary file is left.
    """
    pending = list(dict(files).items())  # one write per path, the last one wins
    for path, _data in pending:
        problem = target_problem(path)
        if problem is not None:
            raise problem
    temps: list[str] = []
    try:
        for path, data in pending:
            tmp = os.path.join(os.path.dirname(path) or ".", f".{os.path.basename(path)}.{os.getpid()}.tmp")
            try:
                with open(tmp, "wb") as handle:
                    temps.append(tmp)
                    handle.write(data)
            except OSError as exc:
                exc.filename = path
                raise
        for (path, _data), tmp in zip(pending, temps, strict=True):
            try:
                os.replace(tmp, path)
            except OSError as exc:
                exc.filename = path
                raise
    except BaseException:
        for tmp in temps:
            try:
                os.unlink(tmp)
            except OSError:
                pass  # already renamed into place
        raise


def _alive(pid: int) -> bool:
    if pid == os.getpid():
        return False  # ours from a killed run that had the same pid: nothing of ours exists yet
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except OSError:  # it exists, owned by someone else
        return True
    return True


def _leftover_pid(name: str, stem: str, suffixes: tuple[str, ...]) -> int | None:
    """The PID in ``.STEM.PID.SUFFIX`` (a temporary of this module), else None."""
    for suffix in suffixes:
        head, tail = f".{stem}.", f".{suffix}"
        middle = name[len(head) : -len(tail)] if name.startswith(head) and name.endswith(tail) else ""
        if middle.isdigit():
            return int(middle)
    return None


def remove_leftovers(directory: str) -> list[str]:
    """Remove what killed runs of this module left: ``.NAME.PID.tmp`` files
    in ``directory`` and ``.DIR.PID.new`` / ``.DIR.PID.old`` beside it, of
    processes that no longer run. When ``directory`` itself is missing and a
    ``.DIR.PID.old`` is there (killed between the two renames of the
    fallback swap), that old set is put back. Returns the paths removed."""
    import shutil

    removed: list[str] = []
    parent, base = os.path.split(os.path.abspath(directory))
    try:
        siblings = sorted(os.listdir(parent))
    except OSError:
        siblings = []
    for name in siblings:
        pid = _leftover_pid(name, base, ("new", "old"))
        if pid is None or _alive(pid):
            continue
        path = os.path.join(parent, name)
        if name.endswith(".old") and not os.path.exists(directory):
            os.rename(path, directory)  # the fallback swap was cut short: the old set is whole
            continue
        shutil.rmtree(path, ignore_errors=True)
        removed.append(path)
    try:
        entries = os.listdir(directory)
    except OSError:
        entries = []
    for name in entries:
        stem = name[1:].rsplit(".", 2)[0] if name.startswith(".") and name.endswith(".tmp") else ""
        pid = _leftover_pid(name, stem, ("tmp",)) if stem else None
        if pid is not None and not _alive(pid):
            path = os.path.join(directory, name)
            try:
                os.unlink(path)
                removed.append(path)
            except OSError:
                pass
    return removed


def replace_directory(directory: str, files: dict[str, bytes]) -> None:
    """Make ``directory`` hold ``files`` (NAME -> bytes) in one swap: the new
    set, with every other entry of the old directory carried over, appears
    at once or not at all (see the module's docstring). Leftovers of killed
    runs are removed first. OSError names what could not be done; then
    ``directory`` is untouched and nothing of this run is left behind."""
    import shutil

    directory = os.path.realpath(directory)
    remove_leftovers(directory)
    _step("cleaned")
    parent, base = os.path.split(directory)
    staging = os.path.join(parent, f".{base}.{os.getpid()}.new")
    try:
        _build(directory, staging, files)
        _step("built")
        if os.path.isdir(directory):
            _swap(staging, directory)  # staging now holds the old set
            _step("swapped")
            shutil.rmtree(staging, ignore_errors=True)
        else:
            os.rename(staging, directory)
        _step("done")
    except BaseException:
        if os.path.isdir(staging):
            shutil.rmtree(staging, ignore_errors=True)
        raise


def _build(directory: str, staging: str, files: dict[str, bytes]) -> None:
    """The new set in ``staging``: the old directory's other entries
    (hard links where possible), then each new file."""
    import shutil

    os.mkdir(staging)
    if os.path.isdir(directory):
        shutil.copymode(directory, staging)
        for name in sorted(os.listdir(directory)):
            if name in files or (name.startswith(".") and name.endswith(".tmp")):
                continue
            source, target = os.path.join(directory, name), os.path.join(staging, name)
            if os.path.isdir(source) and not os.path.islink(source):
                shutil.copytree(source, target, symlinks=True, copy_function=_link_or_copy)
            else:
                _link_or_copy(source, target)
            _step(f"carried {name}")
    for name, data in files.items():
        if os.sep in name or name in ("", ".", ".."):
            raise ValueError(f"{name!r} is not a file name")
        with open(os.path.join(staging, name), "wb") as handle:  # a new file: never written through a link
            handle.write(data)
        _step(f"wrote {name}")


def _link_or_copy(source: str, target: str) -> None:
    import shutil

    if os.path.islink(source):
        os.symlink(os.readlink(source), target)
        return
    try:
        os.link(source, target)
    except OSError:
        shutil.copy2(source, target)


def _swap(staging: str, directory: str) -> None:
    """Exchange the two directories in one system call, or, where there is
    none, by two renames (``directory`` is missing in between)."""
    if _exchange(staging, directory):
        return
    old = os.path.join(os.path.dirname(directory), f".{os.path.basename(directory)}.{os.getpid()}.old")
    os.rename(directory, old)
    _step("moved old aside")
    os.rename(staging, directory)
    os.rename(old, staging)


def _exchange(a: str, b: str) -> bool:
    """Atomically exchange paths ``a`` and ``b``; False where the OS or the
    file system has no such operation (the caller falls back)."""
    import ctypes
    import errno
    import sys

    try:
        libc = ctypes.CDLL(None, use_errno=True)
        if sys.platform == "darwin":
            call, args = libc.renamex_np, (a.encode(), b.encode(), 0x2)  # RENAME_SWAP
        else:
            call, args = libc.renameat2, (-100, a.encode(), -100, b.encode(), 0x2)  # AT_FDCWD, RENAME_EXCHANGE
    except (AttributeError, OSError):
        return False
    if call(*args) == 0:
        return True
    code = ctypes.get_errno()
    if code in (errno.EINVAL, errno.ENOSYS, errno.ENOTSUP, errno.EOPNOTSUPP):
        return False
    raise OSError(code, os.strerror(code), b)


def _step(name: str) -> None:
    if checkpoint is not None:
        checkpoint(name)
