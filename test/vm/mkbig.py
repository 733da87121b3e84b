#!/usr/bin/python3
"""Write the generated part of filetest's baked-in tree (test/vm/files.py)
into DIR: big.bin, 1 MiB of pseudo-random bytes that are the same on
every build (too big to commit), and private.key with mode 0600 (git
keeps no such mode). Files whose contents are already right are left
alone, so their mtimes do not move.

    mkbig.py DIR
"""
import os
import random
import sys

SEED = 11
BIG = 1 << 20


def put(path, data, mode):
    """Make path hold data with mode, rewriting it only when it differs."""
    try:
        with open(path, "rb") as f:
            same = f.read() == data
    except FileNotFoundError:
        same = False
    if not same:
        with open(path, "wb") as f:
            f.write(data)
    os.chmod(path, mode)


def main(out):
    os.makedirs(out, exist_ok=True)
    put(os.path.join(out, "big.bin"), random.Random(SEED).randbytes(BIG), 0o644)
    put(os.path.join(out, "private.key"), b"not a real key: mode 0600\n", 0o600)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1]))
