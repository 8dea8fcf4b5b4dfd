"""``python -m ndr_workflows.contracts``: a launcher for :mod:`ndr_workflows.cli.contracts`.

Launchers sit outside the layers: ``python -m`` needs a ``__main__`` in this
package, and the program it starts belongs to the top layer (the programs).
"""

import sys

from ..cli.contracts import main

sys.exit(main())
