"""The lock table of tests/flow_harness.py is strict: its condition evaluator
understands exactly the grammar the 15m flow uses and refuses the rest, so
a changed condition fails the behaviour tests loudly instead of passing.
"""

from __future__ import annotations

import pytest
from behaviour_support import (
    Failure,
    LOCK_KEY,
    LockTable,
    OTHER_EXECUTION,
    PUT_CONDITION,
    PUT_NAMES,
    START_EPOCH,
    THIS_EXECUTION,
    UnsupportedExpression,
    lock_item,
)


class TestLockTableEvaluator:
    PUT = PUT_CONDITION

    def put(self, table, owner, expression=None, names=None, values=None, now=START_EPOCH):
        return table.put_item(
            {
                "TableName": "${LockTableName}",
                "Item": lock_item(owner),
                "ConditionExpression": expression or self.PUT,
                "ExpressionAttributeNames": PUT_NAMES if names is None else names,
                "ExpressionAttributeValues": {":owner": {"S": owner}, ":now": {"N": str(now)}} if values is None else values,
            }
        )

    def test_put_condition_semantics(self):
        table = LockTable()
        self.put(table, THIS_EXECUTION)  # absent -> ok
        self.put(table, THIS_EXECUTION)  # own lock -> ok
        with pytest.raises(Failure) as failed:
            self.put(table, OTHER_EXECUTION)
        assert failed.value.error == "DynamoDb.ConditionalCheckFailedException"
        assert table.items[LOCK_KEY]["owner"] == {"S": THIS_EXECUTION}
        # once its ttl_epoch has passed, another owner may take it over
        self.put(table, OTHER_EXECUTION, now=START_EPOCH + 86400 + 1)
        assert table.items[LOCK_KEY]["owner"] == {"S": OTHER_EXECUTION}

    @pytest.mark.parametrize(
        "expression",
        [
            "attribute_exists(pk)",
            "#owner <> :owner",
            "NOT attribute_not_exists(pk)",
            "begins_with(pk, :owner) OR #owner = :owner",
            "attribute_not_exists(pk) OR owner = :owner",  # reserved word
            "attribute_not_exists(pk) OR #owner = :missing",
        ],
    )
    def test_rejects_expressions_outside_the_grammar(self, expression):
        with pytest.raises(UnsupportedExpression):
            self.put(LockTable(), THIS_EXECUTION, expression)

    def test_rejects_unused_placeholders(self):
        with pytest.raises(UnsupportedExpression):
            self.put(LockTable(), THIS_EXECUTION, "attribute_not_exists(pk)", names={"#owner": "owner"}, values={})
