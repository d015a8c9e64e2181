"""Oracle for `rplpipe envs envlist`: PyHipp's envlist.py (spec pyhipp.md 5.1) with only its constants changed.

The list file comes from $ENVLIST_HKL instead of /data/picasso/envlist.hkl, and filelock's FileLock is used when
installed, else a no-op (the test calls it sequentially, so the lock decides nothing). Everything from
"nargs = len(sys.argv)" on is envlist.py's logic unchanged, including what it prints.
"""
import contextlib
import os
import sys

import hickle

try:
    from filelock import FileLock
except ImportError:  # not in .venv-ref; irrelevant for sequential calls
    def FileLock(path, timeout=None):
        return contextlib.nullcontext()

# set constants
file_path = os.environ["ENVLIST_HKL"]
lock_path = file_path + ".lock"
time_out_secs = 60

# program modes
READ_MODE = 0
WRITE_MODE = 1
RESET_MODE = 2

# get number of arguments
nargs = len(sys.argv)
if nargs > 3:
    print('Usage: envlist; envlist env; envlist envprefix nenvs')
    exit
elif nargs > 2:
    pmode = RESET_MODE
    envprefix = sys.argv[1]
    nenvs = sys.argv[2]
elif nargs > 1:
    pmode = WRITE_MODE
    env = sys.argv[1]
else:
    pmode = READ_MODE

lock = FileLock(lock_path, timeout=time_out_secs)

with lock:
    if pmode == RESET_MODE:
        clist1 = [*range(0, int(nenvs), 1)]
        clist = [envprefix + str(s) for s in clist1]
    else:
        # load hickle file
        clist = hickle.load(file_path)

        if pmode == WRITE_MODE:
            # append item to end of list
            clist.append(env)
        else:
            # pop first item off list
            env = clist.pop(0)
            # return env name
            print(env)

    hickle.dump(clist, file_path, mode="w")
