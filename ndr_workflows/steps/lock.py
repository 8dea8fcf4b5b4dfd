"""A DynamoDB lock around a fragment, released on every way out.

The release invariant lives here, not in each flow: :func:`lock` takes the
guarded fragment and

* routes every failure of it (its ``ON_FAILURE`` transitions) to the
  release-on-failure state, which then goes on to the flow's failure handler;
* gives every Task, Map and Parallel state in it that has no catch-all a
  ``Catch States.ALL`` to that release, so an error nobody anticipated
  cannot skip it;
* sends its normal exits to the release-on-success state;
* refuses (as a build problem) a Succeed or Fail state inside it, because
  those would end the execution with the lock held.

What no Catch can cover: ``StopExecution``, the execution's own timeout, and
an expression error in a Pass, Choice or Wait state (they have no Catch).
Only the lock item's TTL (``ttl_epoch``) frees the lock in those cases, and
when the release itself keeps failing after its retries.

The lock item is owned: ``owner`` holds the execution Id. Acquiring succeeds
when the item does not exist, *is already ours* (a retried put after an
ambiguous error must not report our own lock as a duplicate), or has
expired (its TTL is before this execution's start: DynamoDB deletes expired
items lazily, sometimes days late). Releasing deletes it only when it is
still ours (an expired lock retaken by another execution is never deleted)
or already gone. A failed release on the failure path keeps the original
error and adds its own to the Cause.
"""

from __future__ import annotations

from ..expressions import ERROR_OUTPUT, EXECUTION_ID, Expr, expr, string_of, var
from ..model import ON_FAILURE, Catch, Fail, Fragment, Task
from ..model.base import Action
from ..model.errors import Problem
from ..model.record import Record
from .dynamodb import CONDITION_FAILED, DELETE_ITEM_RESOURCE, PUT_ITEM_RESOURCE
from .errors import ERROR_VARIABLE, TO_FAILURE, catch_all, transient_retry
from .message_expressions import start_time_text

TYPE_CHECKING = False
if TYPE_CHECKING:  # pragma: no cover
    from ..expressions import Template
    from ..model import Retry
    from ..model.base import State, Target

__all__ = ["PUT_ITEM_RESOURCE", "DELETE_ITEM_RESOURCE", "CONDITION_FAILED", "LockTable", "LockNames", "lock"]

# The execution's start in whole epoch seconds: "now" for the TTL check.
_START_EPOCH = Expr(f"$floor($toMillis({start_time_text()}) / 1000)")


def _string_attr(value: Template) -> Template:
    return {"S": string_of(value)}


def _number_attr(value: Template) -> Template:
    return {"N": string_of(value)}


def _guard(fragment: Fragment, release: str) -> Fragment:
    """Route every way the guarded fragment can fail to ``release``."""
    states: list[State] = []
    problems = list(fragment.problems)
    inside = {s.name for s in fragment.states}
    for s in fragment.states:
        for where, target in s.targets():
            if isinstance(target, str) and target not in inside:
                problems.append(
                    Problem(
                        s.name,
                        "LOCK_BYPASSED",
                        f"{where} jumps to '{target}', outside the lock-guarded fragment, without releasing the lock",
                        "end the guarded fragment through its exit or ON_FAILURE, and continue after the lock",
                    )
                )
        if s.TYPE in ("Succeed", "Fail"):
            problems.append(
                Problem(
                    s.name,
                    "LOCK_BYPASSED",
                    f"a {s.TYPE} state inside a lock-guarded fragment ends the execution without releasing the lock",
                    "leave the fragment through its exit (success) or ON_FAILURE (failure) instead",
                )
            )
        if isinstance(s, Action):  # Task, Map, Parallel: the states that can fail
            catches = getattr(s, "catch", ()) or ()
            if not catches or "States.ALL" not in catches[-1].errors:
                s = s.replace(catch=tuple(catches) + catch_all(s.name, TO_FAILURE))
        states.append(s)
    return Fragment(states, fragment.start, problems).on_failure(release)


class LockTable(Record):
    """Where the lock item lives and what it holds: the ``table`` (usually a
    placeholder), the ``key`` (attribute name -> string value, e.g.
    ``{"pk": ..., "sk": ...}``), its ``ttl_epoch`` (N) and ``created_at``
    (S), and the ``owner`` (the execution Id), each under an attribute name
    of its own."""

    __slots__ = ("name", "key", "ttl_epoch", "created_at", "owner", "owner_attribute", "ttl_attribute", "created_attribute")
    name: str
    key: dict[str, Template]
    ttl_epoch: Template
    created_at: Template
    owner: Template
    owner_attribute: str
    ttl_attribute: str
    created_attribute: str

    def __init__(
        self,
        name: str,
        *,
        key: dict[str, Template],
        ttl_epoch: Template,
        created_at: Template,
        owner: Template = EXECUTION_ID,
        owner_attribute: str = "owner",
        ttl_attribute: str = "ttl_epoch",
        created_attribute: str = "created_at",
    ) -> None:
        self._set(name=name, key=key, ttl_epoch=ttl_epoch, created_at=created_at, owner=owner, owner_attribute=owner_attribute, ttl_attribute=ttl_attribute, created_attribute=created_attribute)


class LockNames(Record):
    """The lock's state names and the error a duplicate ends with."""

    __slots__ = ("acquire", "duplicate", "release_on_success", "release_on_failure", "duplicate_error")
    acquire: str
    duplicate: str
    release_on_success: str
    release_on_failure: str
    duplicate_error: str

    def __init__(self, acquire: str, duplicate: str, release_on_success: str, release_on_failure: str, duplicate_error: str | None = None) -> None:
        self._set(acquire=acquire, duplicate=duplicate, release_on_success=release_on_success, release_on_failure=release_on_failure, duplicate_error=duplicate_error or duplicate)

    @staticmethod
    def for_(label: str) -> LockNames:
        """``MiniBatch`` -> AcquireMiniBatchLock, DuplicateMiniBatch (also
        the error), ReleaseMiniBatchLockOnSuccess, ReleaseMiniBatchLockOnFailure."""
        return LockNames(f"Acquire{label}Lock", f"Duplicate{label}", f"Release{label}LockOnSuccess", f"Release{label}LockOnFailure")


DEFAULT_LOCK_NAMES = LockNames("AcquireLock", "DuplicateLock", "ReleaseLockOnSuccess", "ReleaseLockOnFailure")


def lock(
    guarded: object,
    *,
    table: LockTable,
    names: LockNames = DEFAULT_LOCK_NAMES,
    duplicate_cause: str | Expr = "The lock already exists: another execution holds it",
    retry: tuple[Retry, ...] | None = None,
) -> Fragment:
    """Acquire a lock item in ``table``, run ``guarded``, release the lock.

    The fragment enters at ``names.acquire``; its one open exit is
    ``names.release_on_success``. ``names.release_on_failure`` continues to
    ``ON_FAILURE`` (the flow's failure handler) keeping the original error.
    A failed acquire condition goes to the Fail state ``names.duplicate``
    (error ``names.duplicate_error``, cause ``duplicate_cause``).
    """
    key, ttl_epoch, created_at, owner = table.key, table.ttl_epoch, table.created_at, table.owner
    owner_attribute, ttl_attribute, created_attribute = table.owner_attribute, table.ttl_attribute, table.created_attribute
    acquire, duplicate, duplicate_error = names.acquire, names.duplicate, names.duplicate_error
    release_on_success, release_on_failure = names.release_on_success, names.release_on_failure
    table_name = table.name
    retry = transient_retry("dynamodb") if retry is None else retry

    def key_attrs() -> dict[str, Template]:
        # A fresh dict for each state: states never share mutable values.
        return {name: _string_attr(value) for name, value in key.items()}

    not_exists = " AND ".join(f"attribute_not_exists({name})" for name in key)
    item = key_attrs()
    item[ttl_attribute] = _number_attr(ttl_epoch)
    item[created_attribute] = _string_attr(created_at)
    item[owner_attribute] = _string_attr(owner)

    acquire_state = Task(
        acquire,
        resource=PUT_ITEM_RESOURCE,
        arguments={
            "TableName": table_name,
            "Item": item,
            # Free, ours already (a retried put), or expired: DynamoDB deletes
            # expired items up to days late, so the TTL is checked here too.
            "ConditionExpression": f"({not_exists}) OR #owner = :owner OR #ttl < :now",
            "ExpressionAttributeNames": {"#owner": owner_attribute, "#ttl": ttl_attribute},
            "ExpressionAttributeValues": {":owner": _string_attr(owner), ":now": _number_attr(_START_EPOCH)},
        },
        retry=retry,
        catch=(Catch((CONDITION_FAILED,), duplicate),) + catch_all(acquire, TO_FAILURE),
    )
    duplicate_state = Fail(duplicate, error=duplicate_error, cause=duplicate_cause)

    first_key = next(iter(key))

    def release(name: str, catch: tuple[Catch, ...], next: Target | None = None) -> Task:
        arguments: dict[str, Template] = {
            "TableName": table_name,
            "Key": key_attrs(),
            # Ours, or already gone (expired by TTL): never someone else's.
            "ConditionExpression": f"attribute_not_exists({first_key}) OR #owner = :owner",
            "ExpressionAttributeNames": {"#owner": owner_attribute},
            "ExpressionAttributeValues": {":owner": _string_attr(owner)},
        }
        return Task(name, resource=DELETE_ITEM_RESOURCE, arguments=arguments, output=Expr("$states.input"), retry=retry, catch=catch, next=next)

    release_ok = release(release_on_success, catch_all(release_on_success, TO_FAILURE))
    # On the failure path the original error is already recorded: a failed
    # release keeps it and adds its own to the Cause (the lock then stays
    # held until its TTL).
    error = var(ERROR_VARIABLE).text
    keep_and_add = expr(
        f"{{'Error': {error}.Error, 'Cause': {error}.Cause & ' (releasing the lock failed too: ' & "
        "$states.errorOutput.Error & ': ' & $states.errorOutput.Cause & ')'}"
    )
    release_failed = release(
        release_on_failure,
        (Catch(("States.ALL",), ON_FAILURE, assign={"lock_release_error": ERROR_OUTPUT, ERROR_VARIABLE: keep_and_add}),),
        next=ON_FAILURE,
    )

    guarded = Fragment.of(guarded)
    body = _guard(guarded, release_on_failure)
    # guarded's open exits lead to the release on success.
    wired = Fragment.of(acquire_state) >> body >> release_ok
    # A body made only of states that cannot be caught (Pass, Choice, Wait)
    # never fails into the release: then the release-on-failure is left out.
    fails = any(t == release_on_failure for s in body.states for _, t in s.targets())
    states = (wired.states[0], duplicate_state) + wired.states[1:] + ((release_failed,) if fails else ())
    from ..model.checks import with_written

    # The key, TTL and time written into every state of the lock: judged once, as written.
    return with_written(Fragment(states, acquire, wired.problems), key, ttl_epoch, created_at, owner)
