"""Runs one command and prints its wall time and peak resident memory as JSON (the benchmark's stopwatch).

Usage: python3 measure.py <command> [args...]
"""
import json
import resource
import subprocess
import sys
import time

start = time.perf_counter()
result = subprocess.run(sys.argv[1:], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
wall = time.perf_counter() - start
peak_kib = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss  # Linux: KiB, of the largest child
print(json.dumps({"code": result.returncode, "seconds": wall, "peakMiB": peak_kib / 1024, "stdout": result.stdout, "stderr": result.stderr[-2000:]}))
