"""Entry script of the frozen PhotoSort executables (see photosort.spec).

``freeze_support`` must run first: analysis uses worker processes, and a
frozen executable re-runs this script in each of them.  Then the frozen
environment (the numba cache folder, see photosort.system.frozen) is set,
before anything imports numba.
"""

import multiprocessing
import sys

if __name__ == "__main__":
    multiprocessing.freeze_support()
    from photosort.system.frozen import configure_frozen_environment

    configure_frozen_environment()
    from photosort.cli.main import main

    sys.exit(main())
