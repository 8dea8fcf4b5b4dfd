"""``python -m ndr_workflows.execution``: start, follow, stop, list and show
the history of executions of a deployed flow.

A launcher: the program is :mod:`ndr_workflows.cli.execution`, the work is
done by :mod:`ndr_workflows.deploy.executions` (which a notebook uses
directly: ``flow.start_execution``, ``attach``, ``list_executions``).
"""

if __name__ == "__main__":
    import sys

    from .cli.execution import main

    sys.exit(main())
