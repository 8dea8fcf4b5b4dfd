"""The deploy command line (contract in docs/deploy.md).

    python -m ndr_workflows.deploy --env ENV_FILE [--flow NAME ...] [--dry-run]
        [--endpoint-url URL] [--publish [--alias NAME]] [--format text|json] [--debug]
    python -m ndr_workflows.deploy --env ENV_FILE [--flow NAME ...]
        [--iam-policy DIR] [--cloudformation FILE]

The second form writes files and talks to no AWS endpoint. This program
resolves the flow NAMEs and checks the environment file against every
flow; :mod:`ndr_workflows.deploy` does the work on their definitions.
"""

from __future__ import annotations

import argparse
import sys

from .options import EXIT_FAILED, EXIT_OK, EXIT_USAGE

TYPE_CHECKING = False
if TYPE_CHECKING:  # pragma: no cover
    from pathlib import Path
    from typing import Any

__all__ = ["main", "load_env", "deploy_flows", "flows_template", "result_row"]

PROG = "python -m ndr_workflows.deploy"

EPILOG = """\
exit codes:
  0  every flow created, updated, unchanged (or, with --dry-run, planned);
     with --iam-policy/--cloudformation: the files were written
  1  a flow failed validation (or, with --check-pipelines, a pipeline
     contract), AWS refused a call (publishing a version or moving the
     alias included: the line then says the machine was created/updated
     and that publishing failed), or AWS could not be used
     (no credentials, endpoint unreachable); a policy could not be derived;
     the run stopped early (the flows after it are "not attempted")
  2  unusable arguments or environment file: unreadable, invalid fields,
     missing or unknown substitutions, a value that does not fit what it
     names where the flows use it (a table, pipeline, function, event bus,
     S3 URI: a wildcard, a {% %} expression, another account or region,
     '"', '\\' or a control character, unless the file's "allow" opts in
     for that key) -- then nothing is deployed or written

Every flow's line says: created / updated (what changed) / unchanged, and
its ARN; or failed at OPERATION (AWS's error code and message, and what that
flow's earlier calls had already changed, e.g. a new definition whose tags
failed); or not attempted. When the run stops early (the endpoint stops
answering) the last lines, on stderr, say where it stopped, what it had
created or updated by then, and what it never reached; a re-run converges.
--format json prints one JSON list instead, an object per flow (flow,
machine, action, arn, changes, findings, error, ...), and the progress lines
go to stderr. --dry-run prints per flow "new" or a unified diff against what is
deployed and writes nothing. --iam-policy DIR writes DIR/<NAME>.policy.json
(the least-privilege role policy of each flow); --cloudformation FILE writes
a template with each state machine and its role (with --parameterised: one
template for every environment, the name prefix and each placeholder a
stack parameter with an AllowedPattern). Those options write files only:
nothing is deployed.
"""


def _parser() -> argparse.ArgumentParser:
    from .options import Parser, add_debug, add_flow, add_format

    p = Parser(
        prog=PROG,
        description="Substitute, validate and create or update the NDR Step Functions state machines of one environment.",
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument("--env", required=True, metavar="ENV_FILE", help="environment file (JSON, or YAML with PyYAML)")
    add_flow(p, "deploy only this flow, by NAME (repeatable, and --flow A B works too; default: every flow)", several_per_option=True)
    p.add_argument("--dry-run", action="store_true", help="print what would change (unified diffs) and write nothing")
    p.add_argument("--endpoint-url", metavar="URL", type=_endpoint_url, help="a local fake AWS (moto server, LocalStack) instead of AWS")
    p.add_argument("--publish", action="store_true", help="publish a version of each deployed machine")
    p.add_argument("--alias", metavar="NAME", type=_alias, help="with --publish: point this alias at the published version")
    p.add_argument("--check-pipelines", action="store_true", help="also check each pipeline start's parameters against the SageMaker pipeline's definition (describe_pipeline)")
    p.add_argument("--iam-policy", metavar="DIR", help="write each flow's least-privilege IAM policy to DIR/<NAME>.policy.json; no deploy")
    p.add_argument("--cloudformation", metavar="FILE", help="write a CloudFormation template (JSON) to FILE; no deploy")
    p.add_argument(
        "--parameterised",
        action="store_true",
        help="with --cloudformation: one template for every environment, the name prefix and each placeholder a stack Parameter with an AllowedPattern",
    )
    add_format(p, piped="text")
    add_debug(p)
    return p


def _endpoint_url(text: str) -> str:
    """argparse type: an http(s) URL with a host, else exit 2 saying why."""
    from ..deploy.aws import endpoint_problem

    problem = endpoint_problem(text)
    if problem:
        raise argparse.ArgumentTypeError(problem)
    return text


def _alias(text: str) -> str:
    """argparse type: a name Step Functions accepts for an alias (checked
    before anything is deployed, not by AWS after the update)."""
    from ..deploy.environment import check_alias

    problem = check_alias(text)
    if problem:
        raise argparse.ArgumentTypeError(problem)
    return text


def load_env(source: Any, names: Any = None) -> Any:
    """The environment file (or mapping) checked as the deploy command checks
    it: the prefix must leave room for every flow's name; when the file has
    bad fields, its substitutions are judged too (against the flows
    ``names``, default every flow), so one error lists everything."""
    from ..deploy.environment import EnvFileError, Environment, load_environment
    from ..deploy.plan import read_definitions
    from ..deploy.substitution import with_substitution_problems
    from ..flows import FLOW_NAMES
    from .definitions import flow_definitions, known_placeholders

    if isinstance(source, Environment):
        return source
    try:
        return load_environment(source, FLOW_NAMES)
    except EnvFileError as exc:
        raise with_substitution_problems(exc, read_definitions(flow_definitions(names)), known_placeholders()) from None


def deploy_flows(env: Any, names: Any = None, **options: Any) -> list[Any]:
    """Deploy the flows ``names`` (a NAME or several; default every flow) as
    ``python -m ndr_workflows.deploy`` does: the environment's substitution
    keys are checked against every flow. Options as
    :func:`ndr_workflows.deploy.deploy`."""
    from ..deploy import deploy
    from .definitions import flow_definitions, known_placeholders

    names = [names] if isinstance(names, str) else names
    env = load_env(env, names)
    return deploy(env, flow_definitions(names), known_placeholders=known_placeholders(), **options)


def flows_template(env: Any, names: Any = None) -> dict[str, Any]:
    """The CloudFormation template of the flows ``names`` (default every
    flow), substitutions checked against every flow."""
    from ..deploy import cloudformation_template
    from .definitions import flow_definitions, known_placeholders

    return cloudformation_template(load_env(env, names), flow_definitions(names), known_placeholders=known_placeholders())


def main(argv: list[str] | None = None) -> int:
    from .options import run

    return run(PROG, _main, argv)


def _main(argv: list[str]) -> int:
    from .options import output_format

    parser = _parser()
    args = parser.parse_args(argv)
    args.json = output_format(args) == "json"
    if args.alias is not None and not args.publish:
        parser.error("--alias needs --publish (an alias points at a published version)")
    if args.parameterised and args.cloudformation is None:
        parser.error("--parameterised needs --cloudformation FILE (it is a form of the template)")
    writing = args.iam_policy is not None or args.cloudformation is not None
    if writing and (args.dry_run or args.publish or args.endpoint_url is not None or args.check_pipelines):
        parser.error("--iam-policy/--cloudformation only write files; they do not combine with --dry-run, --publish, --endpoint-url or --check-pipelines")
    from ..deploy.environment import EnvFileError

    try:
        env = load_env(args.env, args.flow)
        if writing:
            return _write_files(env, args.flow, args.iam_policy, args.cloudformation, args.parameterised)
        return _deploy(env, args)
    except EnvFileError as exc:
        print(f"error: {exc}", file=sys.stderr)
        print("nothing was deployed" if not writing else "nothing was written", file=sys.stderr)
        return EXIT_USAGE


def _deploy(env: Any, args: argparse.Namespace) -> int:
    from ..deploy.aws import AwsError

    def echo(line: str) -> None:
        print(line, flush=True, file=sys.stderr if args.json else sys.stdout)

    try:
        results = deploy_flows(env, args.flow, dry_run=args.dry_run, endpoint_url=args.endpoint_url, publish=args.publish, alias=args.alias, echo=echo, check_pipelines=args.check_pipelines)
    except AwsError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return EXIT_FAILED
    if args.json:
        import json

        print(json.dumps([result_row(r) for r in results], indent=2, ensure_ascii=False))
        return EXIT_OK if all(r.ok for r in results) else EXIT_FAILED
    counts: dict[str, int] = {}
    for result in results:
        counts[result.action] = counts.get(result.action, 0) + 1
        print(result.summary())
        for finding in result.findings:  # errors, and warnings (which do not stop a deploy)
            print("  " + f"{finding.severity}: {finding}".replace("\n", "\n  "))
        if args.dry_run and result.diff:
            print("  " + result.diff.rstrip("\n").replace("\n", "\n  "))
    from ..deploy.report import ACTIONS, stop_report

    unpublished = sum(1 for r in results if r.publish_error)
    tally = [f"{counts[a]} {a}" for a in ACTIONS if a in counts] + ([f"{unpublished} not published"] if unpublished else [])
    print(", ".join(tally) + (" (dry run: nothing written)" if args.dry_run else ""))
    stopped = stop_report(results)
    if stopped:
        print(f"error: {stopped[0]}", file=sys.stderr)
        for line in stopped[1:]:
            print(f"  {line}", file=sys.stderr)
    return EXIT_OK if all(r.ok for r in results) else EXIT_FAILED


def result_row(result: Any) -> dict[str, Any]:
    """One flow's DeployResult as JSON data (``--format json``)."""
    from ..asl.problems import finding_row

    return {
        "flow": result.name,
        "machine": result.machine_name,
        "action": result.action,
        "ok": result.ok,
        "arn": result.arn,
        "changes": list(result.changes),
        "diff": result.diff,
        "findings": [finding_row(result.name, f) for f in result.findings],
        "error": result.error,
        "operation": result.operation,
        "error_code": result.error_code,
        "applied": list(result.applied),
        "uncertain": result.uncertain,
        "version_arn": result.version_arn,
        "alias_arn": result.alias_arn,
        "publish_error": result.publish_error,
        "notes": list(result.notes),
    }


def _write_files(env: Any, flows: list[str] | None, policy_dir: str | None, template_file: str | None, parameterised: bool = False) -> int:
    from pathlib import Path

    from ..asl.reader import dumps
    from ..deploy.environment import EnvFileError
    from ..deploy.iam import PolicyError, policy_for
    from ..deploy.plan import FlowError, read_definitions
    from ..deploy.substitution import substitution_problems, value_report
    from .definitions import flow_definitions, known_placeholders

    outputs: list[tuple[Path, str]] = []
    definitions = read_definitions(flow_definitions(flows))
    known = known_placeholders()
    readable = {n: d for n, d in definitions.items() if isinstance(d, dict)}
    problems = substitution_problems(env, readable, known)
    if problems:
        raise EnvFileError(env.source, problems)
    for warning in value_report(env, readable).warnings:
        print(f"warning: {warning}", file=sys.stderr)
    try:
        if policy_dir is not None:
            for name, definition in definitions.items():
                if isinstance(definition, FlowError):
                    raise definition
                outputs.append((Path(policy_dir) / f"{name}.policy.json", dumps(policy_for(definition, env))))
        if template_file is not None:
            from ..deploy.cloudformation import cloudformation_template
            from ..deploy.cloudformation_parameters import parameterised_template

            make = parameterised_template if parameterised else cloudformation_template
            outputs.append((Path(template_file), dumps(make(env, definitions, known_placeholders=known))))
            if parameterised and env.allow:
                print(f"warning: the parameterised template does not apply the opt-ins of {env.source} (allow: {', '.join(sorted(env.allow))}): its parameters take plain names only", file=sys.stderr)
    except EnvFileError:
        raise  # exit 2: the environment file
    except (PolicyError, FlowError, ValueError) as exc:  # ValueError: a placeholder used as two kinds
        print(f"error: {exc}", file=sys.stderr)
        return EXIT_FAILED
    return _write_all(outputs)


def _write_all(outputs: list[tuple[Path, str]]) -> int:
    """All the files or none: every target checked, every temporary file
    written, then all renamed (:mod:`ndr_workflows.asl.files`)."""
    import os

    from ..asl.files import target_problem, write_all

    for path, _text in outputs:
        problem = target_problem(str(path))
        if problem is not None:
            print(f"error: cannot write {path}: {problem.strerror}; nothing was written", file=sys.stderr)
            return EXIT_USAGE
    try:
        for path, _text in outputs:
            os.makedirs(path.parent, exist_ok=True)
        write_all([(str(path), text.encode("utf-8")) for path, text in outputs])
    except OSError as exc:
        print(f"error: cannot write {exc.filename or ''}: {exc.strerror or exc}; nothing was written", file=sys.stderr)
        return EXIT_USAGE
    for path, _text in outputs:
        print(f"wrote {path}")
    return EXIT_OK
