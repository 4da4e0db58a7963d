"""`python -m streams` == `tickertone`."""

import sys

from streams.cli import main

sys.exit(main())
