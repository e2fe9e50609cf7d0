"""Entry script of the frozen PhotoSort executables (see photosort.spec).

``freeze_support`` must run first: analysis uses worker processes, and a
frozen executable re-runs this script in each of them.
"""

import multiprocessing
import sys

if __name__ == "__main__":
    multiprocessing.freeze_support()
    from photosort.cli.main import main

    sys.exit(main())
