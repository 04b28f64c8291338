"""Run uvicorn under cProfile (bench/broadcast.py --profile FILE).

uvicorn re-raises SIGTERM after its graceful shutdown, which would kill `python -m
cProfile` before it writes; here the re-raised signal lands in our handler, which writes
the profile first.

    python bench/profile_server.py OUTFILE <uvicorn arguments>
"""

import cProfile
import os
import signal
import sys

from uvicorn.main import main as uvicorn_main

outfile, sys.argv = sys.argv[1], ["uvicorn", *sys.argv[2:]]
profiler = cProfile.Profile()


def dump(*_) -> None:
    profiler.disable()
    profiler.dump_stats(outfile)
    os._exit(0)


signal.signal(signal.SIGTERM, dump)
signal.signal(signal.SIGINT, dump)
profiler.enable()
try:
    uvicorn_main()
finally:
    dump()
