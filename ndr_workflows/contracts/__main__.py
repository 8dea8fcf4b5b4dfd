"""``python -m ndr_workflows.contracts``: the offline pipeline-contract check."""

import sys

from . import main

sys.exit(main())
