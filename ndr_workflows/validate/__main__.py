"""``python -m ndr_workflows.validate``: a launcher for :mod:`ndr_workflows.cli.validate`.

Launchers sit outside the layers: ``python -m`` needs a ``__main__`` in this
package, and the program it starts belongs to the top layer (the programs,
which resolve flow NAMEs through the flow registry).
"""

import os
import sys

from ..cli.validate import main

try:
    code = main()
    sys.stdout.flush()
except BrokenPipeError:  # e.g. piped into `head`: not an error of ours
    os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
    code = 1
sys.exit(code)
