"""Start a command line the way Explorer starts a verb (Wine rehearsal helper).

    VERB_CMD='"C:\\...\\PhotoSort.exe" sort "C:\\Photos\\."' python rehearsal_launch.py [--wait]

The whole string goes to CreateProcess unchanged (``subprocess.Popen`` with a
``str`` on Windows), so the program parses exactly the command line Explorer
would give it.  ``--wait`` waits and returns the program's exit code.  Used by
packaging/windows_rehearsal.sh under Wine; Windows' own Explorer does this on
a real machine.
"""

import os
import subprocess
import sys

if __name__ == "__main__":
    if sys.platform != "win32":
        sys.exit("rehearsal_launch.py runs with the Windows Python")
    process = subprocess.Popen(os.environ["VERB_CMD"])
    sys.exit(process.wait() if "--wait" in sys.argv[1:] else 0)
