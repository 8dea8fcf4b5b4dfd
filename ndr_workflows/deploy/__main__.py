"""``python -m ndr_workflows.deploy``: see :mod:`ndr_workflows.deploy.cli`."""

from __future__ import annotations

import sys

from .cli import main

try:
    sys.exit(main())
except BrokenPipeError:  # output piped into `head`: stop quietly
    import os

    os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
    sys.exit(1)
