#!/usr/bin/env python3
"""The disk's floor for a durable gateway call, without Chatter.

A gateway call at concurrency 1 commits twice to SQLite's WAL: the `in_flight` row (about 13 pages, no fsync) and,
about half a millisecond later, the finalising transaction (about 11 pages), which is fsynced before the response
ends. This script repeats that pattern on a preallocated file, as SQLite overwrites a WAL it has restarted, and
prints how long the fsync takes: the part of the gateway's added latency that no code of ours can remove.

    scripts/bench-fsync.py [--calls 1500] [--dir DIRECTORY]

Run it next to a gateway benchmark: this VM's disk varies from hour to hour, and the figure tells a slow phase of
the machine from a slower build.
"""
import argparse
import os
import statistics
import tempfile
import time

PAGE = 4096


def percentile(sorted_values, fraction):
    return sorted_values[min(len(sorted_values) - 1, int(len(sorted_values) * fraction))]


def run(directory, calls, start_pages, finish_pages, use_fdatasync):
    region = PAGE * 4096
    with tempfile.NamedTemporaryFile(dir=directory, prefix="fsync-floor-") as handle:
        fd = handle.fileno()
        os.ftruncate(fd, region + PAGE * 64)
        os.fsync(fd)
        start, finish = os.urandom(PAGE * start_pages), os.urandom(PAGE * finish_pages)
        sync = os.fdatasync if use_fdatasync else os.fsync
        offset, waits = 0, []
        for _ in range(calls):
            if start:
                os.pwrite(fd, start, offset)
                offset = (offset + len(start)) % region
            time.sleep(0.0004)  # the upstream call
            os.pwrite(fd, finish, offset)
            offset = (offset + len(finish)) % region
            began = time.perf_counter()
            sync(fd)
            waits.append(time.perf_counter() - began)
            time.sleep(0.0008)  # the response, and the client's next request
        waits.sort()
    return waits


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--calls", type=int, default=1500)
    # The disk the default database (`./data/chatter.sqlite`) is on, wherever the script is run from: a temporary
    # directory may be memory, where an fsync costs nothing.
    repository = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    parser.add_argument("--dir", default=repository, help="where the test file goes (default: the repository)")
    arguments = parser.parse_args()
    for label, start_pages, finish_pages, use_fdatasync in (
        ("gateway call, fsync", 13, 11, False),
        ("gateway call, fdatasync", 13, 11, True),
        ("one page, fsync", 0, 1, False),
    ):
        waits = run(arguments.dir, arguments.calls, start_pages, finish_pages, use_fdatasync)
        print(
            f"{label:<26} p50 {percentile(waits, 0.5) * 1e6:6.0f} us  p90 {percentile(waits, 0.9) * 1e6:6.0f} us"
            f"  mean {statistics.fmean(waits) * 1e6:6.0f} us  ({arguments.calls} calls)"
        )


if __name__ == "__main__":
    main()
