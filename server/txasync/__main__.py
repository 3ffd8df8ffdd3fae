"""`python -m txasync`: the same as the `txasync` command."""

import sys

try:
    from .cli import main
except KeyboardInterrupt:  # Ctrl-C while the command's modules load: nothing has run yet
    sys.stderr.write("txasync: interrupted; files already written are complete, "
                     "others untouched\n")
    sys.exit(130)

sys.exit(main())
