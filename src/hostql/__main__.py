"""python -m hostql: the umbrella command."""

import sys

from hostql.cli import main

sys.exit(main())
