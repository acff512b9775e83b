"""Baseline for bench/evtx-parse: python-evtx (Debian python3-evtx) rendering every record as XML.

Prints one JSON line: {"records": N, "seconds": S, "errors": E, "files": [...]}, counting only the
files it read to the end, so that Vigil can be timed on exactly those. Stops starting new files after
the time budget, so a slow baseline cannot stall the benchmark.
"""
import json
import sys
import time

import Evtx.Evtx as evtx


def main(argv):
    limit = float(argv[1])
    records = errors = 0
    done = []
    spent = 0.0
    for path in argv[2:]:
        if spent > limit:
            break
        start = time.perf_counter()
        n = e = 0
        with evtx.Evtx(path) as log:
            for record in log.records():
                try:
                    record.xml()
                    n += 1
                except Exception:
                    e += 1
        spent += time.perf_counter() - start
        records += n
        errors += e
        done.append(path)
    print(json.dumps({"records": records, "seconds": spent, "errors": errors, "files": done}))


if __name__ == "__main__":
    main(sys.argv)
