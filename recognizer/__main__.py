"""`python -m recognizer` runs the same CLI as the `recognizer` command."""

import sys

from recognizer.apps.cli import main

sys.exit(main())
