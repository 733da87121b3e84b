#!/usr/bin/python3
"""vm.bench_quick_boot: tools/bench --quick --only boot runs end to end and
prints its tables, so the benchmark cannot rot (issue 16). It checks that
every table and row is there with a measured figure, and the header names
the accelerator; never a speed (tools/bench reports, it does not judge).

    benchcheck.py --build BUILD [--machines q35,microvm]"""
import argparse
import os
import re
import subprocess
import sys

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..")
BENCH = os.path.join(ROOT, "tools", "bench")
# every row the boot table must have, with a measured median
ROWS = ("floor", "libos echo", "libos dns", "libos http", "Linux VM echo",
        "native echo", "native dns", "native http")
NUMBER = re.compile(r"^-?\d+(\.\d+)?( \(.*\))?$")


def table_rows(out, title):
    """{first cell: cells} of the markdown table under '### title', or
    None when there is no such table."""
    lines = out.splitlines()
    heads = [i for i, x in enumerate(lines) if x.startswith("### " + title)]
    if not heads:
        return None
    rows = {}
    for line in lines[heads[0] + 1:]:
        if line.startswith("### "):
            break
        if line.startswith("| ") and not line.startswith("|---"):
            cells = [c.strip() for c in line.strip().strip("|").split("|")]
            rows[cells[0]] = cells
    return rows


def check(out, machines):
    """The problems found in tools/bench's output (a list of lines)."""
    bad = []
    if not re.search(r"accelerator \*\*(tcg|kvm)\*\*", out):
        bad.append("the header does not name the accelerator")
    for m in machines:
        rows = table_rows(out, f"boot to first answer, {m} ")
        if rows is None:
            bad.append(f"no boot table for {m}")
            continue
        for name in ROWS:
            cells = rows.get(name)
            if not cells or len(cells) < 3 or not NUMBER.match(cells[2]):
                bad.append(f"{m}: row '{name}' missing or without a "
                           f"median: {cells}")
    return bad


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--build", required=True)
    ap.add_argument("--machines", default="q35,microvm")
    a = ap.parse_args()
    if os.geteuid() != 0:
        print("benchcheck: needs root (network namespaces)")
        return 1
    p = subprocess.Popen([BENCH, "--quick", "--only", "boot", "--build",
                          a.build, "-M", a.machines], stdout=subprocess.PIPE,
                         stderr=subprocess.STDOUT, text=True)
    try:
        out, _ = p.communicate(timeout=270)
    except subprocess.TimeoutExpired:
        p.terminate()          # tools/bench cleans up on SIGTERM
        out, _ = p.communicate(timeout=25)
        print(out + "\nbenchcheck: tools/bench took over 270 s; stopped")
        return 1
    print(out)
    if p.returncode:
        print(f"benchcheck: tools/bench exited {p.returncode}")
        return 1
    bad = check(out, a.machines.split(","))
    for line in bad:
        print("benchcheck: " + line)
    print("benchcheck: " + ("FAIL" if bad else "ok: every table and row "
                            "came with a figure"))
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
