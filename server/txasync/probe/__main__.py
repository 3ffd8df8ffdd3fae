"""`python -m txasync.probe -- <test command>`, the same as `txasync probe`."""

import sys

from .cli import main

sys.exit(main())
