#!/usr/bin/python3
"""Write the seed corpus of fuzz_cpio (test/fuzz/corpus_cpio/*.cpio):
small cpio newc archives as GNU cpio writes them from `find .` ("." and
"./x" names, padding to 4 bytes, the trailer, the archive padded to 512
bytes), one with the 070702 checksum format, a hard-link pair, one
whose file data starts on a page behind a NUL-padded name (tools/mkcpio's
layout), and two malformed ones (truncated data, a ".." name) so that
both ends of the reader are reached from the start.

Usage: make_cpio_seeds.py [DIR]   (default: corpus_cpio/ next to this
script)
"""
import os
import sys

S_IFDIR, S_IFREG, S_IFLNK = 0o040000, 0o100000, 0o120000


def pad4(b):
    return b + b"\0" * (-len(b) % 4)


def entry(name, mode, data=b"", ino=1, nlink=1, magic=b"070701", out=b"",
          page=False):
    """One entry appended to out (padding relative to the archive's
    start, which out is); page: the name padded with NULs so that the
    data starts at a multiple of 4096, as tools/mkcpio writes files."""
    name = name.encode() + b"\0"
    if page:
        name += b"\0" * (-(len(out) + 110 + len(name)) % 4096)
    check = sum(data) & 0xffffffff if magic == b"070702" else 0
    fields = (ino, mode, 1000, 1000, nlink, 1700000000, len(data), 8, 1,
              0, 0, len(name), check)
    hdr = magic + b"".join(b"%08X" % f for f in fields)
    return pad4(pad4(out + hdr + name) + data)


def archive(entries, magic=b"070701", block=512):
    out = b""
    for i, (name, mode, data) in enumerate(entries):
        out = entry(name, mode, data, ino=i + 1, magic=magic, out=out)
    out = entry("TRAILER!!!", 0, ino=0, magic=magic, out=out)
    return out + b"\0" * (-len(out) % block)


def main():
    d = sys.argv[1] if len(sys.argv) > 1 else os.path.join(
        os.path.dirname(os.path.abspath(__file__)), "corpus_cpio")
    os.makedirs(d, exist_ok=True)
    tree = [(".", S_IFDIR | 0o755, b""),
            ("./etc", S_IFDIR | 0o755, b""),
            ("./etc/hosts", S_IFREG | 0o644, b"127.0.0.1 localhost\n"),
            ("./etc/link", S_IFLNK | 0o777, b"hosts"),
            ("./www/index.html", S_IFREG | 0o644, b"<p>hi</p>\n")]
    seeds = {
        "tree": archive(tree),
        "crc": archive(tree, magic=b"070702"),
        "empty": archive([]),
        "truncated": archive(tree)[:300],
        "dotdot": archive([("../x", S_IFREG | 0o644, b"x")]),
    }
    link = entry("a", S_IFREG | 0o644, ino=7, nlink=2)
    link = entry("b", S_IFREG | 0o644, b"abc", ino=7, nlink=2, out=link)
    seeds["hardlink"] = entry("TRAILER!!!", 0, ino=0, out=link)
    paged = entry("www", S_IFDIR | 0o755)
    paged = entry("www/index.html", S_IFREG | 0o644, b"<p>hi</p>\n", ino=2,
                  out=paged, page=True)
    seeds["paged"] = entry("TRAILER!!!", 0, ino=0, out=paged)
    for name, data in seeds.items():
        with open(os.path.join(d, name + ".cpio"), "wb") as f:
            f.write(data)


if __name__ == "__main__":
    main()
