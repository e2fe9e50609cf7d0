"""``python -m photosort`` runs the command line."""

import sys

from photosort.cli.main import main

sys.exit(main())
