"""Writing generated files so that no reader ever sees a part of one.

Every command that writes (the export, the deploy's ``--iam-policy`` /
``--cloudformation``) goes through here. Each file is written to a
temporary file beside it and then renamed over it: the rename is atomic, so
a reader sees the old file or the new one. A *set* of files is written all
or nothing as far as the file system allows: every target is checked, then
every temporary file written, and only then are they all renamed; a failure
before the renames changes nothing.

Files are created with ``open()``, so they get the usual mode (0666 less
the umask) like any file the user writes. Only ``os`` is imported: the
export imports this module on every run.
"""

from __future__ import annotations

import os

TYPE_CHECKING = False
if TYPE_CHECKING:  # pragma: no cover
    from collections.abc import Iterable

__all__ = ["write_atomically", "write_all", "target_problem"]


def target_problem(path: str) -> OSError | None:
    """Why ``path`` cannot be (re)written as a file, checked before writing
    anything: it is a directory, or its parent exists but is not one."""
    import errno  # built in: costs nothing at start-up

    if os.path.isdir(path):
        return IsADirectoryError(errno.EISDIR, "Is a directory", path)
    parent = os.path.dirname(path) or "."
    if os.path.exists(parent) and not os.path.isdir(parent):
        return NotADirectoryError(errno.ENOTDIR, f"{parent} is not a directory", path)
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
