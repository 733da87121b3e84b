#!/usr/bin/python3
"""Check what os_add_executable(... FILES ...) baked into a linked image,
with binutils (readelf, nm, objcopy) and the host's cpio:

- the section .kern_baked starts on a page (address and file offset),
  is allocated, not writable and not executable, and lies in a read-only
  PT_LOAD segment;
- kern_baked_files is its start and holds the mkcpio archive byte for
  byte; kern_baked_files_size holds the archive's length;
- the data of every regular file of a page or more starts on a page of
  memory, and every file's bytes are the host file's;
- `cpio -it` lists the tree, once under / and once under /srv, with the
  directories on the way;
- kern_baked_cmdline holds the ENV entry "env.FROM=image";
- an image built without FILES has no .kern_baked section and does not
  define the symbols.

    check_baked.py IMAGE ARCHIVE TREE --without IMAGE2
"""
import argparse
import os
import re
import subprocess
import sys
import tempfile

PAGE = 4096


def run(*cmd, data=None):
    return subprocess.run(cmd, input=data, capture_output=True,
                          check=True).stdout


def sections(image):
    """{name: (type, addr, offset, size, flags)} from readelf -SW."""
    out = run("readelf", "-SW", image).decode()
    secs = {}
    for m in re.finditer(r"\]\s+(\S+)\s+(\S+)\s+([0-9a-f]+)\s+([0-9a-f]+)\s+"
                         r"([0-9a-f]+)\s+[0-9a-f]+\s+([A-Z]*)\s", out):
        secs[m.group(1)] = (m.group(2), int(m.group(3), 16),
                            int(m.group(4), 16), int(m.group(5), 16),
                            m.group(6))
    return secs


def loads(image):
    """[(vaddr, memsz, flags)] of the PT_LOAD segments, from readelf -lW."""
    out = run("readelf", "-lW", image).decode()
    return [(int(m.group(1), 16), int(m.group(2), 16), m.group(3).replace(" ", ""))
            for m in re.finditer(r"LOAD\s+0x[0-9a-f]+\s+(0x[0-9a-f]+)\s+"
                                 r"0x[0-9a-f]+\s+0x[0-9a-f]+\s+(0x[0-9a-f]+)\s+"
                                 r"([RWE ]+?)\s+0x", out)]


def symbols(image):
    """{name: (type letter, value)} from nm."""
    syms = {}
    for line in run("nm", image).decode().splitlines():
        f = line.split()
        if len(f) == 3:
            syms[f[2]] = (f[1], int(f[0], 16))
        elif len(f) == 2:
            syms[f[1]] = (f[0], None)
    return syms


def newc_entries(a):
    """(name, mode, data offset, data) of each entry before the trailer."""
    off, out = 0, []
    while True:
        h = a[off:off + 110]
        assert h[:6] == b"070701", f"bad magic at {off}"
        mode = int(h[14:22], 16)
        size = int(h[54:62], 16)
        namesize = int(h[94:102], 16)
        name = a[off + 110:off + 110 + namesize].split(b"\0")[0].decode()
        data = off + 110 + namesize
        data += -data % 4
        if name == "TRAILER!!!":
            return out
        out.append((name, mode, data, a[data:data + size]))
        off = data + size
        off += -off % 4


def tree_names(tree, prefix):
    names = []
    for root, dirs, files in os.walk(tree):
        rel = os.path.relpath(root, tree)
        for n in dirs + files:
            p = n if rel == "." else os.path.join(rel, n)
            names.append(os.path.join(prefix, p) if prefix else p)
    return names


def check(a):
    errors = []
    secs = sections(a.image)
    archive = open(a.archive, "rb").read()
    if ".kern_baked" not in secs:
        return ["no .kern_baked section"]
    typ, addr, offset, size, flags = secs[".kern_baked"]
    if typ != "PROGBITS" or "A" not in flags or "W" in flags or "X" in flags:
        errors.append(f".kern_baked is {typ} {flags}, want PROGBITS A only")
    if addr % PAGE or offset % PAGE:
        errors.append(f".kern_baked at {addr:#x}, offset {offset:#x}: "
                      "not on a page")
    seg = [s for s in loads(a.image) if s[0] <= addr < s[0] + s[1]]
    if len(seg) != 1 or seg[0][2] != "R":
        errors.append(f".kern_baked in segment {seg}, want one read-only")
    syms = symbols(a.image)
    if syms.get("kern_baked_files", (None, None))[1] != addr:
        errors.append(f"kern_baked_files is {syms.get('kern_baked_files')}, "
                      f"want {addr:#x}")
    with tempfile.TemporaryDirectory() as tmp:
        out = os.path.join(tmp, "sec")
        run("objcopy", "-O", "binary", "--only-section=.kern_baked",
            a.image, out)
        sec = open(out, "rb").read()
        out = os.path.join(tmp, "cmd")
        run("objcopy", "-O", "binary",
            "--only-section=.rodata.kern_baked_cmdline", a.image, out)
    if sec[:len(archive)] != archive:
        errors.append("the section does not start with the archive's bytes")
    t, v = syms.get("kern_baked_files_size", (None, None))
    if v is None or not addr <= v < addr + size:
        errors.append(f"kern_baked_files_size {t} {v} not in the section")
    elif int.from_bytes(sec[v - addr:v - addr + 8], "little") != len(archive):
        errors.append("kern_baked_files_size is not the archive's length")
    # The cmdline's section is gone once linked (merged into .rodata):
    # read the bytes at kern_baked_cmdline from the image instead.
    t, v = syms.get("kern_baked_cmdline", (None, None))
    ro = secs[".rodata"]
    want = b"env.FROM=image\0"
    if v is None or not ro[1] <= v < ro[1] + ro[3]:
        errors.append(f"kern_baked_cmdline {t} {v} not in .rodata")
    else:
        with open(a.image, "rb") as f:
            f.seek(ro[2] + v - ro[1])
            if f.read(len(want)) != want:
                errors.append("kern_baked_cmdline is not env.FROM=image")
    for name, mode, data, body in newc_entries(archive):
        host = None
        if name.startswith("srv/"):
            host = os.path.join(a.tree, name[4:])
        elif name != "srv":
            host = os.path.join(a.tree, name)
        if (mode & 0o170000) == 0o100000 and body:
            if len(body) >= PAGE and (addr + data) % PAGE:
                errors.append(f"{name}: data at {addr + data:#x}, not on a "
                              "page")
            if open(host, "rb").read() != body:
                errors.append(f"{name}: not the host file's bytes")
    listed = run("cpio", "-it", "--quiet", data=archive).decode().split("\n")
    want = sorted(tree_names(a.tree, "") + tree_names(a.tree, "srv") + ["srv"])
    if [n for n in listed if n] != want:
        errors.append(f"cpio -it lists {listed}, want {want}")
    return errors


def check_without(image):
    errors = []
    if ".kern_baked" in sections(image):
        errors.append(f"{image} has a .kern_baked section")
    for s in ("kern_baked_files", "kern_baked_files_size",
              "kern_baked_cmdline"):
        t, _ = symbols(image).get(s, ("absent", None))
        if t not in ("absent", "w", "v"):
            errors.append(f"{image} defines {s} ({t})")
    return errors


def main():
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("image")
    ap.add_argument("archive")
    ap.add_argument("tree")
    ap.add_argument("--without")
    a = ap.parse_args()
    errors = check(a) + (check_without(a.without) if a.without else [])
    for e in errors:
        print("check_baked: FAIL:", e)
    print("check_baked:", "FAIL" if errors else "ok")
    return 1 if errors else 0


if __name__ == "__main__":
    sys.exit(main())
