"""linuxvm: a Linux VM that runs one static program, to compare a libos
image against on the same QEMU (tools/bench; tools/benchsvc.py knows each
example's program and data).

Everything comes from Debian packages and is cached outside the build
tree, in ${XDG_CACHE_HOME:-~/.cache}/libos/linuxvm (or $OS_LINUXVM_CACHE):

  kernel-VERSION/vmlinux   Debian's kernel (the linux-image-* package that
                           linux-image-amd64 depends on, `apt-get
                           download`ed, never installed), its xz payload
                           unpacked into an ELF with a PVH note, so QEMU's
                           -kernel boots it like a libos image;
  kernel-VERSION/modules/  the virtio-net modules (virtio is modular in
                           Debian's kernel), decompressed;
  initramfs-VERSION-HASH.cpio
                           busybox-static, those modules, the program
                           (HASH: of the program, the init script and the
                           module list) and an init that loads the modules,
                           gives eth0 the address of linuxvm_ip=ADDR/LEN,
                           prints the virtio features eth0 negotiated
                           ("linuxvm: eth0 virtio features BITS") and execs
                           the program with the arguments after the
                           kernel command line's "--".

The VM is started by tools/run (boot()), so it gets exactly the QEMU a
libos image gets for the same -M/-m/--net: machine, firmware, NIC model
and transport, accelerator, CPU model. Safe to run twice; a partial
download or unpacking never lands in the cache under its final name.
Needs xz, cpio, dpkg-deb, apt-get and busybox-static (tools/bootstrap)."""
import functools
import glob
import hashlib
import lzma
import os
import shutil
import sys
import subprocess
import tempfile

import benchlib

CACHE = os.environ.get("OS_LINUXVM_CACHE") or os.path.join(
    os.environ.get("XDG_CACHE_HOME") or os.path.expanduser("~/.cache"),
    "libos", "linuxvm")
BUSYBOX = "/bin/busybox"
META = "linux-image-amd64"
# The virtio-net modules, in the order they must be loaded, and where
# they live under lib/modules/VERSION/kernel.
MODULES = (("drivers/virtio", "virtio_ring"), ("drivers/virtio", "virtio"),
           ("drivers/virtio", "virtio_pci_legacy_dev"),
           ("drivers/virtio", "virtio_pci_modern_dev"),
           ("drivers/virtio", "virtio_pci"), ("drivers/virtio", "virtio_mmio"),
           ("net/core", "failover"), ("drivers/net", "net_failover"),
           ("drivers/net", "virtio_net"))
# Kernel options: the console where tools/run's -serial stdio is, few
# messages (the serial port is slow under TCG), a panic (the program
# ended) powers the VM off at once (tools/run passes -no-reboot).
# tsc_early_khz (host_tsc_khz) skips the TSC's calibration against the
# PIT, which fails on microvm under a loaded TCG host (no HPET or ACPI PM
# timer to fall back on) and leaves the boot hung.
KOPTS = ("console=ttyS0", "quiet", "loglevel=3", "panic=-1")
READY = "linuxvm: eth0 virtio features"
INIT = r"""#!/bin/busybox sh
# init of a linuxvm initramfs: modules, eth0, then the program.
/bin/busybox --install -s /bin
export PATH=/bin
mount -t devtmpfs dev /dev
exec </dev/console >/dev/console 2>&1
mount -t proc proc /proc
mount -t sysfs sys /sys
for m in $(cat /modules/order); do
    insmod /modules/$m.ko || echo "linuxvm: insmod $m failed"
done
i=0
while [ ! -e /sys/class/net/eth0 ] && [ $i -lt 200 ]; do
    sleep 0.05; i=$((i + 1))
done
[ -e /sys/class/net/eth0 ] || { echo "linuxvm: no eth0"; exit 1; }
ip link set lo up
ip addr add "$linuxvm_ip" dev eth0
ip link set eth0 up
echo "linuxvm: eth0 virtio features $(cat /sys/class/net/eth0/device/features)"
exec /program "$@"
"""


def say(msg):
    """One 'linuxvm: ' line on stderr."""
    print(f"linuxvm: {msg}", flush=True, file=sys.stderr)


def sh(*cmd, **kw):
    """Run cmd; raise RuntimeError with its output if it fails."""
    p = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                       text=True, **kw)
    if p.returncode:
        raise RuntimeError(f"{' '.join(cmd)}: {p.stdout.strip()}")
    return p.stdout


@functools.lru_cache(maxsize=None)
def kernel_package():
    """The linux-image-* package linux-image-amd64 depends on (the apt
    lists' candidate), e.g. linux-image-6.1.0-57-amd64; asked of apt once
    per process (apt-cache takes seconds without a saved package cache)."""
    out = sh("apt-cache", "depends", META)
    for line in out.splitlines():
        word = line.split()[-1]
        if "Depends:" in line and word.startswith("linux-image-"):
            return word
    raise RuntimeError(f"apt-cache depends {META}: no linux-image-* "
                       "(run apt-get update?)")


def unpack_vmlinuz(vmlinuz, out):
    """Write the ELF inside bzImage vmlinuz (its xz payload) to out."""
    with open(vmlinuz, "rb") as f:
        data = f.read()
    at = data.find(b"\xfd7zXZ\0")
    if at < 0:
        raise RuntimeError(f"{vmlinuz}: no xz payload")
    elf = lzma.LZMADecompressor(format=lzma.FORMAT_XZ).decompress(data[at:])
    if elf[:4] != b"\x7fELF":
        raise RuntimeError(f"{vmlinuz}: the xz payload is not an ELF")
    with open(out, "wb") as f:
        f.write(elf)


def kernel():
    """(directory, version) of the cached kernel, downloading and unpacking
    it first if needed: DIR/vmlinux and DIR/modules/NAME.ko for each of
    MODULES that is a module (one built into the kernel is left out)."""
    pkg = kernel_package()
    version = pkg[len("linux-image-"):]
    final = os.path.join(CACHE, f"kernel-{version}")
    if os.path.isfile(os.path.join(final, "vmlinux")):
        return final, version
    os.makedirs(CACHE, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=CACHE, prefix=".kernel-") as tmp:
        say(f"apt-get download {pkg} (into {tmp}, removed after)")
        sh("apt-get", "download", "-q", "-o", "APT::Sandbox::User=root",
           pkg, cwd=tmp)
        deb = [f for f in os.listdir(tmp) if f.endswith(".deb")][0]
        root = os.path.join(tmp, "root")
        sh("dpkg-deb", "-x", os.path.join(tmp, deb), root)
        out = os.path.join(tmp, "out")
        os.makedirs(os.path.join(out, "modules"))
        boot = [f for f in os.listdir(os.path.join(root, "boot"))
                if f.startswith("vmlinuz-")][0]
        unpack_vmlinuz(os.path.join(root, "boot", boot),
                       os.path.join(out, "vmlinux"))
        kdir = os.path.join(root, "lib", "modules", boot[len("vmlinuz-"):],
                            "kernel")
        order = []
        for sub, name in MODULES:
            src = os.path.join(kdir, sub, name + ".ko")
            dst = os.path.join(out, "modules", name + ".ko")
            if os.path.isfile(src):
                shutil.copy(src, dst)
            elif os.path.isfile(src + ".xz"):
                with lzma.open(src + ".xz") as f, open(dst, "wb") as g:
                    shutil.copyfileobj(f, g)
            else:
                continue               # built in
            order.append(name)
        with open(os.path.join(out, "modules", "order"), "w") as f:
            f.write("\n".join(order) + "\n")
        os.rename(out, final)
    say(f"kernel {version} cached in {final}")
    return final, version


def tree_hash(h, path):
    """Feed the file or directory tree at path (names, modes and bytes,
    in a fixed order) into the hash h."""
    if os.path.isdir(path):
        for name in sorted(os.listdir(path)):
            h.update(b"\0" + name.encode())
            tree_hash(h, os.path.join(path, name))
        return
    h.update(b"%o\0" % (os.stat(path).st_mode & 0o777))
    with open(path, "rb") as f:
        h.update(f.read())


def initramfs(program, files=None):
    """The path of a cached initramfs (cpio newc, owner root) running the
    static program under the cached kernel; built if missing. files maps
    a path in the VM (e.g. "srv/www") to a host file or directory copied
    there, for the program's data."""
    kdir, version = kernel()
    if not os.access(BUSYBOX, os.X_OK):
        raise RuntimeError(f"{BUSYBOX} missing: install busybox-static "
                           "(tools/bootstrap)")
    files = dict(files or {})
    h = hashlib.sha256(INIT.encode())
    for path in (program, os.path.join(kdir, "modules", "order")):
        tree_hash(h, path)
    for dest in sorted(files):
        h.update(b"\0dest\0" + dest.encode())
        tree_hash(h, files[dest])
    final = os.path.join(CACHE, f"initramfs-{version}-{h.hexdigest()[:16]}"
                         ".cpio")
    if os.path.isfile(final):
        return final
    with tempfile.TemporaryDirectory(dir=CACHE, prefix=".initramfs-") as tmp:
        root = os.path.join(tmp, "root")
        for d in ("bin", "dev", "proc", "sys", "tmp"):
            os.makedirs(os.path.join(root, d))
        shutil.copy(BUSYBOX, os.path.join(root, "bin", "busybox"))
        shutil.copytree(os.path.join(kdir, "modules"),
                        os.path.join(root, "modules"))
        shutil.copy(program, os.path.join(root, "program"))
        for dest, src in files.items():
            where = os.path.join(root, dest.strip("/"))
            os.makedirs(os.path.dirname(where), exist_ok=True)
            if os.path.isdir(src):
                shutil.copytree(src, where, dirs_exist_ok=True)
            else:
                shutil.copy(src, where)
        with open(os.path.join(root, "init"), "w") as f:
            f.write(INIT)
        os.chmod(os.path.join(root, "init"), 0o755)
        os.chmod(os.path.join(root, "program"), 0o755)
        cpio = os.path.join(tmp, "initramfs.cpio")
        with open(cpio, "wb") as f:
            subprocess.run(
                ["bash", "-c", "set -o pipefail; find . -mindepth 1 "
                 "-printf '%P\\0' | LC_ALL=C sort -z | cpio -o -0 -H newc "
                 "--quiet -R 0:0"], cwd=root, stdout=f, check=True)
        os.rename(cpio, final)
    return final


def build_static(name, sources, lib_sources=(), cflags=()):
    """Compile the C files sources with musl-gcc -static -O2 and cflags
    into a program cached as CACHE/prog/NAME-HASH (HASH: of every source,
    the headers beside them, each header directory named by -I, and each
    flag), linked against an archive of
    lib_sources (so, as with the host build's libraries, only the objects
    the program needs are linked); return its path."""
    flags = ["-static", "-O2"] + list(cflags)
    h = hashlib.sha256(" ".join(flags).encode())
    dirs = {os.path.dirname(os.path.abspath(s))
            for s in list(sources) + list(lib_sources)}
    headers = sorted(h for d in dirs for h in glob.glob(os.path.join(d, "*.h")))
    for path in list(sources) + list(lib_sources) + headers + [
            f[2:] for f in flags if f.startswith("-I")]:
        h.update(b"\0" + path.encode())
        tree_hash(h, path)
    out = os.path.join(CACHE, "prog", f"{name}-{h.hexdigest()[:16]}")
    if os.path.isfile(out):
        return out
    if not shutil.which("musl-gcc"):
        raise RuntimeError("musl-gcc missing: install musl-tools "
                           "(tools/bootstrap)")
    os.makedirs(os.path.dirname(out), exist_ok=True)
    with tempfile.TemporaryDirectory(dir=os.path.dirname(out),
                                     prefix=".build-") as tmp:
        objs = []
        for i, src in enumerate(lib_sources):
            obj = os.path.join(tmp, f"{i}-{os.path.basename(src)}.o")
            sh("musl-gcc", *flags, "-c", "-o", obj, src)
            objs.append(obj)
        link = []
        if objs:
            link = [os.path.join(tmp, "lib.a")]
            sh("ar", "rcs", link[0], *objs)
        sh("musl-gcc", *flags, "-o", out + ".tmp", *sources, *link)
        os.rename(out + ".tmp", out)
    return out


def features(log):
    """The virtio feature bits eth0 negotiated, from init's line in log
    (a list of lines), as a list of bit numbers (None if not seen)."""
    for line in log:
        if READY in line:
            bits = line.split(READY, 1)[1].strip()
            return [i for i, c in enumerate(bits) if c == "1"]
    return None


NET_FEATURES = {0: "CSUM", 1: "GUEST_CSUM", 2: "CTRL_GUEST_OFFLOADS",
                5: "MAC", 7: "GUEST_TSO4", 8: "GUEST_TSO6", 9: "GUEST_ECN",
                10: "GUEST_UFO", 11: "HOST_TSO4", 12: "HOST_TSO6",
                13: "HOST_ECN", 14: "HOST_UFO", 15: "MRG_RXBUF",
                16: "STATUS", 17: "CTRL_VQ", 18: "CTRL_RX", 19: "CTRL_VLAN",
                21: "GUEST_ANNOUNCE", 22: "MQ", 23: "CTRL_MAC_ADDR",
                28: "INDIRECT_DESC", 29: "EVENT_IDX", 32: "VERSION_1",
                33: "ACCESS_PLATFORM", 34: "RING_PACKED", 35: "IN_ORDER",
                38: "NOTIFICATION_DATA", 40: "RING_RESET"}


def feature_names(bits):
    """Names of the virtio-net feature bits (NET_FEATURES; others as
    numbers)."""
    return [NET_FEATURES.get(b, str(b)) for b in bits]


def host_tsc_khz():
    """The host's TSC rate in kHz ("cpu MHz" of /proc/cpuinfo): TCG's
    guest TSC is the host's."""
    with open("/proc/cpuinfo") as f:
        for line in f:
            if line.startswith("cpu MHz"):
                return int(float(line.split(":")[1]) * 1000)
    raise RuntimeError("/proc/cpuinfo: no cpu MHz")


def kernel_options(ip):
    """The kernel command line's options (before "--") for eth0 at ip."""
    return list(KOPTS) + [f"tsc_early_khz={host_tsc_khz()}",
                          f"linuxvm_ip={ip}"]


def boot(ns, cpu, program, machine, mem, timeout, ready, limit, log,
         ip, args=(), tries=3, tap="tap0", files=None):
    """Boot the Linux VM running program (a static executable) with args
    and files in its initramfs (see initramfs()),
    eth0 at ip (ADDR/LEN) on tap of ns, under tools/run -M machine -m mem
    pinned to cpu; wait up to limit s for a line containing ready. A boot
    that does not get there is stopped and retried, tries times in all.
    Return (the tools/run process, QEMU's PID, boots that hung); raise
    RuntimeError when every try hung. timeout bounds each boot's whole
    run (tools/run --timeout)."""
    kdir, _ = kernel()
    cpio = initramfs(program, files)
    hung = 0
    for _ in range(tries):
        del log[:]
        p = ns.popen(*benchlib.pinned(cpu, [
            benchlib.RUN, os.path.join(kdir, "vmlinux"), "-q", "-M", machine,
            "-m", mem, "--net", f"tap:{tap}", "--timeout", str(timeout),
            # limit watches the boot; Linux ignores the power button, so
            # a stop signal kills QEMU at once
            "--boot-timeout", "0", "--stop-timeout", "0",
            "--initrd", cpio] + [f"--kopt={k}" for k in kernel_options(ip)]
            + ["--"] + list(args)),
            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        q = benchlib.qemu_of(p)
        if benchlib.watch(p, ready, limit, log):
            return p, q, hung
        hung += 1
        say(f"boot {hung} did not reach '{ready}' within {limit} s; "
            f"stopping QEMU (pid {q}):\n" + "".join(log[-20:]))
        benchlib.stop(p, q)
    raise RuntimeError(f"Linux VM: {tries} boots, none reached '{ready}'")
