"""Test configuration shared by the suite.

In CI (``CI`` set, as ``.ci/run`` runs) hypothesis is derandomized: every
run explores the same examples, so a submission's result does not depend on
luck. Locally it explores new examples each run (and remembers failures in
.hypothesis/). ``HYPOTHESIS_PROFILE`` picks a profile explicitly.
"""

from __future__ import annotations

import os

from hypothesis import settings

settings.register_profile("ci", derandomize=True, database=None, print_blob=True)
settings.register_profile("dev", print_blob=True)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE") or ("ci" if os.environ.get("CI") else "dev"))
