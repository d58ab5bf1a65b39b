"""``python -m viewer``: the same as the ``hip-viewer`` command."""

import sys

from viewer.serve.cli import main

sys.exit(main())
