"""`python -m recognizer` runs the same CLI as the `recognizer` command."""

import sys

from recognizer.cli import main

sys.exit(main())
