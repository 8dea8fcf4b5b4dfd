"""``python -m ndr_workflows.simulate``: a launcher for :mod:`ndr_workflows.cli.simulate`.

Launchers sit outside the layers: ``python -m`` needs a ``__main__`` in this
package, and the program it starts belongs to the top layer (the programs).
"""

import sys

from ..cli.simulate import main

if __name__ == "__main__":
    sys.exit(main())
