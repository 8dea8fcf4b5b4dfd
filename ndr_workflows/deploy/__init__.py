"""``ndr_workflows.deploy``: put the flows into an AWS account, per environment.

    from ndr_workflows.deploy import load_environment, deploy
    env = load_environment("envs/dev.json")
    for result in deploy(env, {"sfn_ndr_15m_features_inference": definition}, dry_run=True):
        print(result.summary())

An environment file (:mod:`.environment`) says where and how; the deploy
substitutes its values for the definitions' ``${Name}`` placeholders,
validates, and creates or updates STANDARD state machines named
prefix + NAME, writing only what changed (:mod:`.deployer`). The same
environment gives each flow's least-privilege IAM policy (:mod:`.iam`) and
a CloudFormation template (:mod:`.cloudformation`; one for every
environment: :mod:`.cloudformation_parameters`). Substitution values are
checked by what they name where the flows use them (:mod:`.kinds`,
:mod:`.naming`); each flow's result says what was done (:mod:`.report`). The deploy takes
definitions (or flows) by NAME; the command line,
``python -m ndr_workflows.deploy`` (:mod:`ndr_workflows.cli.deploy`),
resolves the flow NAMEs and checks the environment against all five flows.

Importing this package does not import boto3; the AWS calls do.
"""

from __future__ import annotations

from .cloudformation import cloudformation_template
from .cloudformation_parameters import parameterised_template
from .deployer import WRITE_OPERATIONS, DeployResult, deploy
from .environment import Environment, EnvFileError, Logging, load_environment
from .iam import PolicyError, policy_for
from .aws import AwsError
from .plan import FlowError
from .substitution import substitute

__all__ = [
    "Environment",
    "EnvFileError",
    "Logging",
    "load_environment",
    "substitute",
    "deploy",
    "DeployResult",
    "WRITE_OPERATIONS",
    "AwsError",
    "policy_for",
    "PolicyError",
    "cloudformation_template",
    "parameterised_template",
    "FlowError",
]
