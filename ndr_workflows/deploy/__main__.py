"""``python -m ndr_workflows.deploy``: a launcher for :mod:`ndr_workflows.cli.deploy`.

Launchers sit outside the layers: ``python -m`` needs a ``__main__`` in this
package, and the program it starts belongs to the top layer (the programs,
which resolve flow NAMEs through the flow registry).
"""

from __future__ import annotations

import sys

from ..cli.deploy import main

sys.exit(main())
