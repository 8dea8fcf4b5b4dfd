"""Fixtures for the sdk extra's tests, which run in .venv-sdk (scripts/test step 6).

Step Functions is faked in-process by moto (``mock_aws``) with fake
credentials, so nothing leaves the machine.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from typing import Any

import pytest

# stepfunctions needs sagemaker 2.x on purpose; its "v3 exists" warning is noise here.
os.environ.setdefault("SAGEMAKER_SUPPRESS_V2_WARNING", "1")

from sdk_environment import REGION  # noqa: E402


@pytest.fixture
def sfn(monkeypatch: pytest.MonkeyPatch) -> Iterator[Any]:
    """A boto3 Step Functions client talking to moto, in-process."""
    for key in ("AWS_PROFILE", "AWS_SESSION_TOKEN", "AWS_SECURITY_TOKEN"):
        monkeypatch.delenv(key, raising=False)
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    monkeypatch.setenv("AWS_DEFAULT_REGION", REGION)
    import boto3
    from moto import mock_aws

    with mock_aws():
        yield boto3.client("stepfunctions", region_name=REGION)
