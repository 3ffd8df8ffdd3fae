"""`python -m txasync`: the same as the `txasync` command."""

import sys

from .cli import main

sys.exit(main())
