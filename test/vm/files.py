#!/usr/bin/python3
"""The file layer's VM tests (issue 11): boot test/vm/filetest.elf, whose
baked-in tree is test/vm/files at /data and the generated
<build>/test/vm/filetest-big (mkbig.py) at /big, and compare what the
service sees with the host's trees: SHA-256 of every file (sha256sum),
listings (find), modes and mtimes (lstat); /tmp filled to ENOSPC and
refilled; /dev/urandom across two boots; the environment; EROFS, getcwd
and realpath; an initrd overlay (test/vm/initrd, packed by tools/run
--initrd) and two bad initrds made here from a good one; a 1 MiB file
sent with sendfile(2) to a client here over QEMU's user network.

    files.py --list --machine M
    files.py --build BUILD_DIR --machine pc|q35|microvm CASE
"""
import argparse
import hashlib
import os
import re
import socket
import stat
import subprocess
import sys
import threading
import time

import vmtest

HERE = os.path.dirname(os.path.abspath(__file__))
IMAGE = "test/vm/filetest.elf"
FIXTURE = os.path.join(HERE, "files")
INITRD = os.path.join(HERE, "initrd")
GUEST_PORT = 8080
OK = [r"filetest: done"]
BAD = [r"filetest: line \d+", r"filetest: failed", r"filetest: unknown"]


def trees(build):
    """(host directory, guest mount point) of the baked-in tree."""
    return [(FIXTURE, "/data"), (os.path.join(build, "test/vm/filetest-big"), "/big")]


def host_find(root, mount):
    """find's "%y %P" lines for root, with paths under mount."""
    out = subprocess.run(["find", root, "-mindepth", "1", "-printf", r"%y %P\n"],
                         check=True, capture_output=True, text=True).stdout
    return [f"{line[:2]}{mount}/{line[2:]}" for line in out.splitlines()]


def host_sha(root, mount):
    """sha256sum's "HEX  PATH" lines for every regular file under root
    (symlinks not followed), with paths under mount."""
    files = subprocess.run(["find", root, "-type", "f", "-print0"], check=True,
                           capture_output=True).stdout.split(b"\0")[:-1]
    out = subprocess.run(["sha256sum", "-z", "--"] + [f.decode() for f in files],
                         check=True, capture_output=True, text=True).stdout
    lines = []
    for entry in out.split("\0")[:-1]:
        digest, path = entry.split("  ", 1)
        lines.append(f"{digest}  {mount}/{os.path.relpath(path, root)}")
    return lines


def same_lines(what, guest, host):
    """An error naming the differences of two line sets, or None."""
    g, h = sorted(guest), sorted(host)
    if g == h:
        return None
    only_g = sorted(set(g) - set(h))
    only_h = sorted(set(h) - set(g))
    return f"{what}: guest only {only_g}, host only {only_h} ({len(g)} vs {len(h)} lines)"


def sha_matches(build):
    """A verify hook: the guest's sha lines are the host's sha256sum."""
    def verify(out):
        guest = re.findall(r"filetest: sha ([0-9a-f]{64}  .*)", out)
        host = [line for r, m in trees(build) for line in host_sha(r, m)]
        return same_lines("sha256", guest, host)
    return verify


STATS = ["/data/run.sh", "/data/hello.txt", "/data/with space.txt", "/data/link",
         "/data/nested", "/data/nested/deeper/leaf.txt", "/big/private.key",
         "/big/big.bin"]


def host_path(build, guest):
    """The host file behind a guest path of the baked-in tree."""
    for root, mount in trees(build):
        if guest.startswith(mount + "/"):
            return os.path.join(root, guest[len(mount) + 1:])
    raise ValueError(guest)


def ls_matches(build, extra=()):
    """A verify hook: the guest's ls lines are find's over the trees
    (and extra, (root, mount) pairs laid over them), and each stat line
    has the host's mode, size (but a directory's) and mtime."""
    def verify(out):
        guest = re.findall(r"filetest: ls (\S [/].*)", out)
        host = {}
        for root, mount in trees(build) + list(extra):
            for line in host_find(root, mount):
                host[line[2:]] = line
        err = same_lines("ls", guest, host.values())
        if err:
            return err
        stats = re.findall(r"filetest: stat (.*) mode ([0-7]+) size (\d+) mtime (\d+)",
                           out)
        if [s[0] for s in stats] != STATS:
            return f"stat lines for {[s[0] for s in stats]}, not {STATS}"
        for path, mode, size, mtime in stats:
            st = os.lstat(host_path(build, path))
            # A directory's size is the file system's own business.
            dir_size = int(size) if stat.S_ISDIR(st.st_mode) else st.st_size
            want = (st.st_mode, dir_size, int(st.st_mtime))
            if (int(mode, 8), int(size), int(mtime)) != want:
                return (f"stat {path}: mode {mode} size {size} mtime {mtime}, "
                        f"host has {want[0]:o} {want[1]} {want[2]}")
        return None
    return verify


def fill_amount(out):
    """An error unless /tmp (tmpfs.size=1M) took between 512 KiB and
    1 MiB before ENOSPC, and as much again after the unlinks."""
    m = re.search(r"fill wrote (\d+) bytes", out)
    n = int(m.group(1)) if m else -1
    if not (512 << 10) <= n <= (1 << 20):
        return f"/tmp of 1 MiB took {n} bytes before ENOSPC"
    return None


def random_differs(out):
    """An error unless /dev/urandom and /dev/random gave other bytes in
    each of the two boots, and each other bytes than the other."""
    u = re.findall(r"filetest: /dev/urandom ([0-9a-f]{64})", out)
    r = re.findall(r"filetest: /dev/random ([0-9a-f]{64})", out)
    if len(u) != 2 or len(r) != 2 or len(set(u + r)) != 4:
        return f"random bytes repeat or are missing: urandom {u}, random {r}"
    return None


def cpio_entries(data):
    """(offset, name, filesize offset in the header) of each newc entry."""
    entries, off = [], 0
    while off < len(data):
        if data[off:off + 6] != b"070701":
            raise ValueError(f"no newc header at {off}")
        namesize = int(data[off + 94:off + 102], 16)
        filesize = int(data[off + 54:off + 62], 16)
        name = data[off + 110:off + 110 + namesize - 1].decode()
        entries.append((off, name, filesize))
        if name == "TRAILER!!!":
            break
        data_off = (off + 110 + namesize + 3) & ~3
        off = (data_off + filesize + 3) & ~3
    return entries


def good_initrd(tmp):
    """test/vm/initrd packed as tools/run --initrd packs it; its bytes."""
    path = os.path.join(tmp, "good.cpio")
    subprocess.run(["bash", "-c", "set -o pipefail; find . -mindepth 1 -printf "
                    r"'%P\0' | LC_ALL=C sort -z | cpio -o -0 -H newc --quiet "
                    f"-R 0:0 > {path}"], cwd=INITRD, check=True)
    with open(path, "rb") as f:
        return f.read()


def last_file(data):
    """The offset and size of the archive's last regular file entry."""
    files = [(off, size) for off, name, size in cpio_entries(data)
             if name != "TRAILER!!!" and size > 0]
    return files[-1]


def bad_initrd(kind, expect):
    """A setup hook writing a bad initrd made from the good one and a
    verify hook checking the boot's message names the problem at the
    right offset. kind "truncated": cut 60 bytes into the last file's
    header; "lying": that header's file size says 16 MiB - 1."""
    state = {}

    def setup(tmp, machine):
        data = good_initrd(tmp)
        off, _ = last_file(data)
        if kind == "truncated":
            bad = data[:off + 60]
            state["message"] = (f"initrd: offset {off}: truncated header "
                                "(60 bytes left), no trailer")
        else:
            bad = data[:off + 54] + b"00FFFFFF" + data[off + 62:]
            state["message"] = (f"initrd: offset {off}: file size 16777215 "
                                "past the end of the archive")
        path = os.path.join(tmp, f"{kind}.cpio")
        with open(path, "wb") as f:
            f.write(bad)
        return ["-initrd", path]

    def verify(out):
        if state["message"] not in out:
            return f"no message {state['message']!r}"
        return None
    return vmtest.case(IMAGE, ["cat", "/data/hello.txt"], 121,
                       [r"boot configuration: initrd: offset \d+: " + expect,
                        r"stopping \(exit status 121\)"],
                       [r"filetest:"], setup=setup, verify=verify)


def sendfile_case(build):
    """files_sendfile: a client here takes /big/big.bin from the guest's
    sendfile through a QEMU user-network forward; its SHA-256 and length
    must be the host file's."""
    got = {}

    def client(port, stop):
        # Until the guest serves: a connection before it listens (or has
        # its address) ends at once with nothing read, and is tried again.
        while not stop.is_set():
            h, n = hashlib.sha256(), 0
            try:
                with socket.create_connection(("127.0.0.1", port), timeout=60) as s:
                    while chunk := s.recv(65536):
                        h.update(chunk)
                        n += len(chunk)
            except OSError:
                pass
            if n:
                got.update(sha=h.hexdigest(), bytes=n)
                return
            stop.wait(0.5)

    def setup(tmp, machine):
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            port = s.getsockname()[1]
        stop = threading.Event()
        t = threading.Thread(target=client, args=(port, stop), daemon=True)
        got.update(thread=t, stop=stop)
        t.start()
        return ["-netdev", f"user,id=net0,hostfwd=tcp:127.0.0.1:{port}-:{GUEST_PORT}",
                "-device", vmtest.vdev(machine, "net") + ",netdev=net0"]

    def verify(out):
        got["stop"].set()
        got["thread"].join(70)
        with open(host_path(build, "/big/big.bin"), "rb") as f:
            data = f.read()
        want = (hashlib.sha256(data).hexdigest(), len(data))
        have = (got.get("sha"), got.get("bytes"))
        return None if have == want else f"client got {have}, want {want}"

    return vmtest.case(IMAGE, ["sendfile", "/big/big.bin", str(GUEST_PORT)], 0,
                       [r"filetest: serving /big/big.bin \(1048576 bytes\)",
                        r"filetest: sendfile sent 1048576 bytes",
                        r"filetest: sendfile ok"] + OK, BAD,
                       setup=setup, verify=verify, timeout=60)


def cases(build):
    """The case table (build: the build directory, for the host trees)."""
    return {
        "files_sha": vmtest.case(IMAGE, ["sha", "/data", "/big"], 0,
                                 [r"filetest: sha ok"] + OK, BAD,
                                 verify=sha_matches(build)),
        "files_ls": vmtest.case(IMAGE, ["ls", "/data", "/big", ",", "stat"] + STATS,
                                0, [r"filetest: ls ok", r"filetest: stat ok"] + OK,
                                BAD, verify=ls_matches(build)),
        "files_tmp_enospc": vmtest.case(
            IMAGE, ["fill"], 0,
            [r"tmpfs up to 1 MiB at /tmp",
             r"fill wrote (\d+) bytes in \d+ files, then No space left on device",
             r"fill after unlink wrote \d+ bytes", r"/tmp/d holds: b sub",
             r"filetest: fill ok"] + OK, BAD,
            kopts=["tmpfs.size=1M"], verify=fill_amount),
        "files_urandom": vmtest.case(IMAGE, ["urandom"], 0,
                                     [r"filetest: /dev/urandom [0-9a-f]{64}",
                                      r"filetest: /dev/random [0-9a-f]{64}",
                                      r"filetest: via /dev/console",
                                      r"filetest: urandom ok"] + OK, BAD,
                                     boots=2, verify=random_differs),
        # The image bakes FROM_IMAGE=baked and OVERRIDDEN=baked (ENV);
        # the boot line's options and tools/run --env add and override.
        "files_env": vmtest.case(
            IMAGE, ["env", "GREETING", "EMPTY", "UNSET", "FROM_IMAGE", "OVERRIDDEN",
                    "BY_RUN"], 0,
            [r"filetest: env GREETING=hello there\n", r"filetest: env EMPTY=\n",
             r"filetest: env UNSET unset", r"filetest: env FROM_IMAGE=baked\n",
             r"filetest: env OVERRIDDEN=boot\n",
             r"filetest: env BY_RUN=two words\n"] + OK,
            BAD + [r"OVERRIDDEN=baked"],
            kopts=['"env.GREETING=hello there"', "env.EMPTY=", "env.OVERRIDDEN=boot"],
            run_args=lambda *_: ["--env", "BY_RUN=two words"]),
        "files_erofs": vmtest.case(IMAGE, ["erofs"], 0,
                                   [r"filetest: cwd /\n", r"filetest: cwd /data/nested\n",
                                    r"filetest: cwd /data\n",
                                    r"filetest: cwd /data/nested/deeper\n",
                                    r"filetest: realpath /data/nested/deeper/leaf\.txt",
                                    r"filetest: erofs ok"] + OK, BAD),
        # test/vm/initrd replaces /data/replace.txt and adds /data/added.
        "files_initrd": vmtest.case(
            IMAGE, ["cat", "/data/replace.txt", "/data/added/new.txt",
                    "/data/hello.txt", ",", "ls", "/data", "/big", ",", "stat"]
            + STATS, 0,
            [r"filetest: cat /data/replace.txt: initrd: this line replaced the "
             r"baked one",
             r"filetest: cat /data/added/new.txt: initrd: a file the baked tree "
             r"lacks",
             r"filetest: cat /data/hello.txt: hello from the baked",
             r"filetest: ls ok"] + OK, BAD + [r"baked: the initrd"],
            verify=ls_matches(build, [(os.path.join(INITRD, "data"), "/data")]),
            run_args=lambda *_: ["--initrd", INITRD]),
        "files_initrd_truncated": bad_initrd("truncated", r"truncated header"),
        "files_initrd_lying": bad_initrd("lying", r"file size \d+ past the end"),
        "files_sendfile": sendfile_case(build),
        "files_mmap": vmtest.case(IMAGE, ["mmap", "/big/big.bin", "/data/hello.txt"],
                                  0, [r"filetest: mmap /big/big.bin: 1048576 bytes",
                                      r"filetest: mmap ok"] + OK, BAD),
        "files_mmap_direct": vmtest.case(
            IMAGE, ["mmapdirect", "/big/big.bin"], 0,
            [r"filetest: mmap direct /big/big.bin: service memory grew by 0 "
             r"bytes"] + OK, BAD),
        "files_mmap_write": vmtest.case(
            IMAGE, ["mmapwrite", "/big/big.bin"], 123,
            [r"filetest: writing to the mapping", r"#PF",
             r"write of address 0x[0-9a-f]+: write to read-only memory"],
            [r"the write did not fault"]),
    }


def main():
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--list", action="store_true")
    ap.add_argument("--build", default="")
    ap.add_argument("--machine", default="q35")
    ap.add_argument("case", nargs="?")
    a = ap.parse_args()
    table = cases(a.build)
    if a.list:
        print("\n".join(table))
        return 0
    if a.case not in table:
        ap.error(f"no case {a.case}")
    c = table[a.case]
    outs, errors, start = [], [], time.time()
    for _ in range(c["boots"]):
        status, out = vmtest.run_case(a.build, a.machine, c)
        errors += vmtest.check(c, status, out)
        outs.append(out)
    out = "\n".join(outs)
    errors += vmtest.verify(c, out, (start, time.time()))
    print(out)
    for e in errors:
        print("files: FAIL:", e)
    print(f"files: {a.case} on {a.machine}: {'FAIL' if errors else 'ok'}")
    return 1 if errors else 0


if __name__ == "__main__":
    sys.exit(main())
