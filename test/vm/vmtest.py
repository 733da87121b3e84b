#!/usr/bin/python3
"""VM tests: boot one test case's image under QEMU through tools/run on a
given machine type, then check its exit status and, in order, the
patterns its serial output must contain (and those it must not).

    vmtest.py --list --machine M
    vmtest.py --build BUILD_DIR --machine pc|q35|microvm CASE
"""
import argparse
import hashlib
import json
import os
import random
import re
import socket
import subprocess
import sys
import tempfile
import threading
import time

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
RUN = os.path.join(ROOT, "tools", "run")

# The backtrace of a fault in b(), called by a(), called by main().
CHAIN = [r"#0 0x[0-9a-f]+ b\+0x", r"#1 0x[0-9a-f]+ a\+0x", r"#2 0x[0-9a-f]+ main\+0x"]
REGS = [r"rax 0x[0-9a-f]{16}", r"r15 0x[0-9a-f]{16}", r"rflags 0x"]
NO_NESTED = [r"inside the fault handler", r"fatal CPU exception \d+(.|\n)*fatal CPU exception \d+"]


def near_host_time(out, window):
    """An error unless the guest's CLOCK_REALTIME (whole seconds, set from
    an RTC read in whole seconds) lies within window, our clock before the
    boot and after it, give or take 2 s. The run may take any time: how
    long the host kept us or QEMU waiting does not matter."""
    m = re.search(r"timers: realtime (\d+)", out)
    if not m:
        return "no realtime line"
    guest, (start, end) = int(m.group(1)), window
    if start - 2 <= guest <= end + 2:
        return None
    return (f"guest realtime is {guest - start:+.0f} s from the boot's start, "
            f"which took {end - start:.0f} s")


def case(image, args=(), status=0, expect=(), reject=(), kopts=(), timeout=30,
         qemu_args=(), cpu=None, mem=None, net=None, after=None, powerdown=False,
         send=None, verify=None, setup=None, boots=1, host_time=False,
         run_args=None):
    """One test case: image (relative to the build dir), service args,
    expected exit status, regexes expected in order, regexes rejected.
    setup(tmpdir, machine), if given, creates the files the case needs in
    a temporary directory removed afterwards and returns extra QEMU
    arguments; boots > 1 boots that many times (each boot is checked,
    verify sees all outputs joined); host_time checks the guest's
    "timers: realtime" line against our clock over the run;
    run_args(tmpdir, machine, image path), if given, makes files in the
    temporary directory and returns extra tools/run arguments."""
    return dict(image=image, args=list(args), status=status, expect=list(expect),
                reject=list(reject) + NO_NESTED, kopts=list(kopts),
                timeout=timeout, qemu_args=list(qemu_args), cpu=cpu, mem=mem,
                net=net, after=after, powerdown=powerdown, send=send,
                verify=verify, setup=setup, boots=boots, host_time=host_time,
                run_args=run_args)


HELLO = "examples/hello/hello.elf"
CRASH = "test/vm/crash.elf"
TIMERS = "test/vm/timers.elf"

CASES = {
    "hello_args": case(HELLO, ["one", "two words", ""], 0,
                       [r"Hello from libos!", r'argv\[0\] = "hello"',
                        r'argv\[1\] = "one"', r'argv\[2\] = "two words"',
                        r'argv\[3\] = ""']),
    "hello_exit0": case(HELLO, ["exit=0"], 0, [r"Hello from libos!"]),
    "hello_exit1": case(HELLO, ["exit=1"], 1, [r"Hello from libos!"]),
    "hello_exit42": case(HELLO, ["exit=42"], 42, [r"Hello from libos!"]),
    "hello_exit_range": case(HELLO, ["exit=200"], 120,
                             [r"exit status 200 cannot be reported exactly"]),
    "hello_bad_option": case(HELLO, [], 121,
                             [r"unknown kernel option 'bogus=1'"],
                             [r"Hello from libos"], kopts=["bogus=1"]),
    "hello_bad_log": case(HELLO, [], 121, [r"log=loud: expected quiet"],
                          [r"Hello from libos"], kopts=["log=loud"]),
    # A driver's option is taken with or without its device (no NIC here).
    "no_event_idx_without_nic": case(HELLO, [], 0, [r"Hello from libos!"],
                                     [r"unknown kernel option"],
                                     kopts=["virtio.no_event_idx"]),
    "trap_div0": case(CRASH, ["div0"], 123,
                      [r"fatal CPU exception 0 #DE \(divide error\)",
                       r"at rip 0x[0-9a-f]+ <b\+0x"] + REGS + CHAIN),
    "trap_ud": case(CRASH, ["ud"], 123,
                    [r"fatal CPU exception 6 #UD \(invalid opcode\)",
                     r"at rip 0x[0-9a-f]+ <b\+0x"] + REGS + CHAIN),
    "trap_pf": case(CRASH, ["pf"], 123,
                    [r"fatal CPU exception 14 #PF \(page fault\), error code 0x0",
                     r"read of address 0x80000000000: address not mapped"]
                    + REGS + CHAIN),
    "trap_gp": case(CRASH, ["gp"], 123,
                    [r"fatal CPU exception 13 #GP \(general protection fault\)",
                     r"non-canonical"] + REGS + CHAIN),
    "trap_in_libc": case(CRASH, ["libc"], 123,
                         [r"fatal CPU exception 14 #PF",
                          r"at rip 0x[0-9a-f]+ <strlen\+0x",
                          r"#0 0x[0-9a-f]+ strlen\+0x", r"main\+0x"]),
    "stack_smash": case(CRASH, ["smash"], 122,
                        [r"panic: stack smashing detected", r"backtrace:",
                         r"__wrap___stack_chk_fail"]),
    "double_fault": case(CRASH, ["df"], 123,
                         [r"fatal CPU exception 8 #DF \(double fault\), error code 0x0",
                          r"at rip 0x"] + REGS + [r"backtrace:", r"#0 0x"]),
    "triple_fault": case(CRASH, ["triple"], 126, [r"crash: triple"]),
    "null_deref": case(CRASH, ["null"], 123,
                       [r"#PF", r"read of address 0x0: null pointer"] + CHAIN),
    "write_text": case(CRASH, ["write_text"], 123,
                       [r"#PF", r"write of address 0x[0-9a-f]+: write to read-only memory"]
                       + CHAIN),
    "exec_heap": case(CRASH, ["exec_heap"], 123,
                      [r"#PF", r"instruction fetch of address 0x[0-9a-f]+: "
                       r"execute of no-execute memory", r"backtrace:",
                       r"#1 0x[0-9a-f]+ a\+0x", r"main\+0x"]),
    "exec_stack": case(CRASH, ["exec_stack"], 123,
                       [r"#PF", r"instruction fetch of address 0x[0-9a-f]+: "
                        r"execute of no-execute memory", r"backtrace:", r"main\+0x"]),
    "stack_overflow": case(CRASH, ["overflow"], 123,
                           [r"#PF", r"write of address 0x[0-9a-f]+: stack guard page "
                            r"of service stack \(stack overflow\)", r"backtrace:",
                            r"#0 0x[0-9a-f]+ recurse\+0x", r"#1 0x[0-9a-f]+ recurse\+0x",
                            r"the same \d+ more times"]),
    "mprotect_ro": case(CRASH, ["mprotect"], 123,
                        [r"read back 1 after mprotect", r"#PF",
                         r"write of address 0x[0-9a-f]+: write to read-only memory"]
                        + CHAIN),
    "past_ram": case(CRASH, ["past_ram"], 123,
                     [r"#PF", r"read of address 0x[0-9a-f]+: address not mapped"]
                     + CHAIN),
    "memory_32m": case("test/vm/memtest.elf", [], 0,
                       [r"1 MiB blocks: [1-9]\d* blocks until NULL, \d+ after",
                        r"1000-byte blocks: [1-9]\d* blocks until NULL",
                        r"reused pages read zero", r"MADV_DONTNEED re-zeroes",
                        r"mremap moves contents", r"memtest: ok"], mem="32M"),
    "memory_32m_qemu64": case("test/vm/memtest.elf", [], 0, [r"memtest: ok"],
                              mem="32M", cpu="qemu64"),
    # Wrapping, huge, misaligned and non-canonical ranges fail as on Linux
    # (no panic); munmap of 1 and 16 TiB over a few pages completes.
    "memory_ranges": case("test/vm/memtest.elf", ["ranges"], 0,
                          [rf"ranges: {g} done" for g in
                           ("mprotect", "munmap", "mmap", "madvise", "mremap", "brk")]
                          + [r"munmap of 1 TiB over 64 KiB mapped took \d+ us",
                             r"munmap of 16 TiB over 16 KiB mapped took \d+ us",
                             r"ranges: huge done", r"memtest: ranges ok"],
                          [r"expected", r"changed", r"panic"]),
    # W^X: memory writable and executable at once only with mm.allow_wx.
    "memory_wx_refused": case("test/vm/memtest.elf", ["wx"], 0,
                              [r"W\+X refused with EACCES", r"memtest: wx ok"],
                              [r"expected", r"mm\.allow_wx", r"no NX bit"]),
    "memory_wx_allowed": case("test/vm/memtest.elf", ["wx_allowed"], 0,
                              [r"mm\.allow_wx: .*writable and executable",
                               r"memtest: wx ok"], [r"expected"],
                              kopts=["mm.allow_wx"]),
    "memory_wx_bad_option": case("test/vm/memtest.elf", ["wx"], 121,
                                 [r"mm\.allow_wx=yes: expected"], [r"memtest:"],
                                 kopts=["mm.allow_wx=yes"]),
    # A CPU without NX: nothing can be no-execute, and the boot log says so.
    "memory_no_nx": case(HELLO, [], 0,
                         [r"warning: the CPU has no NX bit", r"Hello from libos!"],
                         cpu="qemu64,-nx"),
    "hello_2g": case(HELLO, [], 0, [r"2047 MiB RAM, mapped as 1 x 1 GiB \+ ",
                                    r"Hello from libos!"], mem="2048M"),
    "hello_2g_qemu64": case(HELLO, [], 0, [r"2047 MiB RAM, mapped as \d+ x 2 MiB \+ ",
                                           r"Hello from libos!"], [r"1 GiB"],
                            mem="2048M", cpu="qemu64"),
    "hello_4m": case(HELLO, [], 0, [r"Hello from libos!"], mem="4M"),
    # Without the network stack it carried before, hello fits in 3 MiB.
    "hello_3m": case(HELLO, [], 0, [r"Hello from libos!"], mem="3M"),
    "sleep": case(TIMERS, ["sleep"], 0, [r"sleep 10 ms took", r"sleep ok"]),
    # One-shot timers fire in the order of the deadlines they really got,
    # not of their delays (a start may be stalled by the host; some rounds
    # stall on purpose), decided for at least one pair of timers.
    "periodic_timer": case(TIMERS, ["periodic"], 0,
                           [r"periodic fired 20 times",
                            r"order: \d+ rounds .* fired in deadline order; "
                            r"[1-9]\d* pairs ordered", r"periodic ok"]),
    "monotonic": case(TIMERS, ["monotonic"], 0, [r"monotonic ok"]),
    "realtime": case(TIMERS, ["realtime"], 0, [r"timers: realtime \d+"],
                     host_time=True),
    "redzone_interrupts": case(TIMERS, ["redzone"], 0,
                               [r"redzone: \d+ interrupts during the loops, 0 words",
                                r"redzone ok"]),
    "serial_input": case(TIMERS, ["echo"], 0,
                         [r"type a line", r"echo: hello from the host", r"echo ok"],
                         after=r"type a line", send="hello from the host\n"),
    "powerdown_handler": case(TIMERS, ["sigterm"], 0,
                              [r"ready for the power button",
                               r"power button pressed: SIGTERM",
                               r"SIGTERM handler ran", r"exiting after signal 15",
                               r"sigterm ok"],
                              after=r"ready for the power button", powerdown=True),
    "powerdown_default": case(TIMERS, ["idle", "60"], 143,
                              [r"timers: idle", r"power button pressed",
                               r"service ended by signal 15"],
                              after=r"timers: idle", powerdown=True),
    "clock_log": case(HELLO, [], 0,
                      [r"irq: (x|x2)APIC id 0, \d I/O APIC", r"clock: TSC \d+\.\d+ MHz from ",
                       r"LAPIC timer \d+\.\d+ MHz", r"boot: \d+ us from kernel entry"]),
    # A reset keeps RAM: the second boot must not take it for fresh.
    "warm_reset": case("test/vm/memtest.elf", ["warm"], 0,
                       [r"first boot: dirtying RAM", r"warm boot: RAM holds",
                        r"second boot: fresh memory reads zero"],
                       qemu_args=["-action", "reboot=reset"]),
    "hang": case(CRASH, ["hang"], 124, [r"crash: hang"], timeout=3),
    "regs_syscall": case("test/vm/regs.elf", [], 0,
                         [r"regs: write from asm", r"regs: ok \((x|y)mm0-15 checked\)"]),
    "libc_features": case("test/vm/libc.elf", ["7"], 7,
                          [r"libc: constructor ok", r"libc: tls ok",
                           r"libc: printf 3\.141590 1\.235e\+04 0\.5",
                           r"libc: malloc 1 KiB ok", r"libc: malloc 16 MiB ok",
                           r"libc: calloc realloc ok",
                           r"system call fork \(57\) is not supported: ENOSYS",
                           r"syscall\(2\) needs os_add_executable\(\.\.\. USES",
                           r"libc: enosys ok", r"libc: atexit ok"],
                          [r"fork(.|\n)*fork"]),
    # env.NAME=value options are the service's environment, in order, a
    # later NAME replacing an earlier one; a malformed one stops the boot.
    "env": case("test/vm/libc.elf", [], 0,
                [r"libc: env A=3", r"libc: env MSG=two words",
                 r"libc: env EMPTY=\n", r"libc: getenv MSG=two words",
                 r"libc: atexit ok"], [r"libc: env A=1"],
                kopts=["env.A=1", '"env.MSG=two words"', "env.A=3",
                       "env.EMPTY="]),
    # Defaults baked with os_add_executable's ENV and CMDLINE (libc_baked:
    # env.A=baked, "env.MSG=baked words", log=quiet env.B=2 -- 5 "two
    # words"): alone they are the line, quoting kept from CMake...
    "baked": case("test/vm/libc_baked.elf", [], 5,
                  [r"libc: arg 1 5\n", r"libc: arg 2 two words\n",
                   r"libc: env A=baked\n", r"libc: env MSG=baked words\n",
                   r"libc: env B=2\n", r"libc: atexit ok"],
                  [r"libos: booting", r"libc: arg 3"]),
    # ...and the boot line overrides them: its options (log=info, which
    # the kernel takes once; env.A, as tools/run --env A=boot writes it)
    # replace the baked ones of their name, its arguments all the baked
    # ones.
    "baked_override": case("test/vm/libc_baked.elf", ["7"], 7,
                           [r"libos: booting", r"libc: arg 1 7\n",
                            r"libc: env MSG=baked words\n",
                            r"libc: env B=2\n", r"libc: env A=boot\n",
                            r"libc: env C=new\n"],
                           [r"libc: env A=baked", r"libc: arg 2",
                            r"unknown kernel option"],
                           kopts=["log=info", "env.A=boot", "env.C=new"]),
    "baked_bad": case("test/vm/libc_baked_bad.elf", [], 121,
                      [r"boot configuration: baked command line: "
                       r"unterminated quote in 'env\.X=open -- 1'"],
                      [r"libc: constructor ok"]),
    "bootconf_msg": case("test/vm/bootconf.elf", ["msg"], 121,
                         [r"os: .*boot configuration: zone database: "
                          r"truncated at byte 12",
                          r"stopping \(exit status 121\)"]),
    "bootconf_long": case("test/vm/bootconf.elf", ["long"], 121,
                          [r"boot configuration: z{200,255}\r?\n"],
                          [r"z{256}"]),
    "bootconf_null": case("test/vm/bootconf.elf", ["null"], 121,
                          [r"boot configuration: \(the service's message "
                           r"at (0|\(nil\)|0x0) is not readable\)"]),
    "bootconf_wild": case("test/vm/bootconf.elf", ["wild"], 121,
                          [r"boot configuration: \(the service's message "
                           r"at 0xffff800000001000 is not readable\)"]),
    "bootconf_exit121": case("test/vm/bootconf.elf", ["exit121"], 120,
                             [r"bootconf: exit121"],
                             [r"boot configuration"]),
    "env_bad": case("test/vm/libc.elf", [], 121,
                    [r"boot configuration: env\.1A=x: not env\.NAME=value"],
                    [r"libc: constructor ok"], kopts=["env.1A=x"]),
    # -cpu qemu64: no XSAVE (the syscall path uses FXSAVE), no AVX, no RDRAND.
    "regs_qemu64": case("test/vm/regs.elf", [], 0, [r"regs: ok \(xmm0-15 checked\)"],
                        cpu="qemu64"),
    "hello_qemu64": case(HELLO, ["exit=5"], 5,
                         [r"entropy: pool seeded after \d+ us from tsc-jitter: "
                          r"jitter only", r"Hello from libos!"],
                         [r"entropy is weak"], cpu="qemu64"),
}

# The memory cases again under -cpu qemu64: no 1 GiB pages, no XSAVE.
for _name in ("null_deref", "write_text", "exec_heap", "exec_stack",
              "stack_overflow", "mprotect_ro", "past_ram", "warm_reset"):
    CASES[_name + "_qemu64"] = dict(CASES[_name], cpu="qemu64")

# On microvm with ACPI off, QEMU appends virtio_mmio.device= tokens after
# the user's text; they must not reach argv.
MMIO = case(HELLO, ["x"], 0, [r'argv\[1\] = "x"'], [r"virtio_mmio", r"argv\[2\]"],
            qemu_args=["-machine", "acpi=off", "-device", "virtio-rng-device"])


def mmio_bad(token, why):
    """A virtio_mmio.device= token (beside QEMU's own for a virtio-rng)
    that must stop the boot before anything is mapped, naming it."""
    return case(HELLO, [], 121,
                [re.escape(f"boot configuration: virtio_mmio.device={token}: ")
                 + why, r"stopping \(exit status 121\)"],
                [r"Hello from libos", r"virtio: "],
                kopts=[f"virtio_mmio.device={token}"],
                qemu_args=["-machine", "acpi=off", "-device", "virtio-rng-device"])


MMIO_CHECKS = {
    "mmio_token_ram": mmio_bad("4K@0x4000000:5", r"the window overlaps RAM"),
    "mmio_token_image": mmio_bad("0x200@0x100000:5",
                                 r"the window overlaps the kernel image"),
    "mmio_token_small": mmio_bad("0x100@0xd0000000:5",
                                 r"a window of 0x100 bytes is smaller than 0x200"),
    # A window with no device behind it is unmapped again: reading it
    # afterwards faults instead of reaching device memory.
    "mmio_token_unmapped": case(CRASH, ["mmio_hole"], 123,
                                [r"magic 0x[0-9a-f]+ version \d+: not a virtio-mmio "
                                 r"device I know; skipped", r"crash: mmio_hole",
                                 r"read of address 0xd0000000: address not mapped"],
                                kopts=["virtio_mmio.device=0x200@0xd0000000:5"],
                                qemu_args=["-machine", "acpi=off"]),
}


# PCI: the listing names a virtio-net and a virtio-rng device.
PCI_LIST = case(HELLO, [], 0,
                [r"pci \w\w:\w\w\.\d 1af4:(1000|1041) ", r"pci \w\w:\w\w\.\d 1af4:(1005|1044) ",
                 r"Hello from libos!"],
                net="user", qemu_args=["-device", "virtio-rng-pci"])
NO_PCI = case(HELLO, [], 0, [r"pci: no host bridge", r"Hello from libos!"])


# Randomness and block devices. Devices are virtio-*-pci on pc/q35 and
# virtio-*-device (virtio-mmio) on microvm; disks are temporary files.
RNGTEST = "test/vm/rngtest.elf"
BLKTEST = "test/vm/blktest.elf"
DISK_SEED, DISK_BYTES = 20240901, 4 << 20


def vdev(machine, kind):
    """QEMU's name for a virtio device of kind ("rng", "blk") on machine."""
    return f"virtio-{kind}-{'device' if machine == 'microvm' else 'pci'}"


def rng_device(legacy=False):
    """A setup hook adding a virtio-rng device."""
    return lambda tmp, machine: ["-device", vdev(machine, "rng")
                                 + (",disable-modern=on" if legacy else "")]


def disk_pattern():
    """The known pseudo-random contents of the pattern disk."""
    return random.Random(DISK_SEED).randbytes(DISK_BYTES)


def disk(size=16 << 20, pattern=False, readonly=False, legacy=False,
         read_error_at=None):
    """A setup hook: a raw image of size zero bytes (or the pattern) as
    virtio-blk drive d0, optionally read-only, legacy, or failing reads
    that cover sector read_error_at (QEMU's blkdebug)."""
    def setup(tmp, machine):
        path = os.path.join(tmp, "disk.img")
        with open(path, "wb") as f:
            if pattern:
                f.write(disk_pattern())
            else:
                f.truncate(size)
        if read_error_at is None:
            drive = ["-drive", f"file={path},if=none,id=d0,format=raw"
                     + (",readonly=on" if readonly else "")]
        else:
            cfg = os.path.join(tmp, "blkdebug.cfg")
            with open(cfg, "w") as f:
                f.write('[inject-error]\nevent = "none"\niotype = "read"\n'
                        f'errno = "5"\nsector = "{read_error_at}"\n')
            drive = ["-blockdev", f"driver=blkdebug,node-name=d0,config={cfg},"
                     f"image.driver=file,image.filename={path}"]
        return drive + ["-device", vdev(machine, "blk") + ",drive=d0"
                        + (",disable-modern=on" if legacy else "")]
    return setup


def differ_across_boots(out):
    """An error unless each boot printed other random bytes."""
    for what in ("hex", "at_random"):
        vals = re.findall(rf"rngtest: {what} ([0-9a-f]+)", out)
        if len(vals) < 2 or len(set(vals)) != len(vals):
            return f"{what} bytes repeat across boots: {vals}"
    return None


def seeded_before_main(strong, source):
    """A verify hook: an error unless, in each boot, main() found the
    pool seeded (strong or not, as given) with at least 256 bits credited
    by source, and nothing handed out before the seeding (AT_RANDOM
    included)."""
    def verify(out):
        lines = re.findall(r"rngtest: at main: (.*)", out)
        if not lines:
            return "no 'at main' counters"
        for line in lines:
            f = dict(re.findall(r"([\w-]+)[ =](\d+)", line))
            bits = int(re.search(rf"{source}=\d+/(\d+)", line).group(1))
            if (f.get("seeded") != "1" or f.get("strong") != str(int(strong))
                    or f.get("unseeded_output") != "0" or bits < 256):
                return f"at main: {line}"
        return None
    return verify


def all_of(*checks):
    """A verify hook running each of checks; the first error."""
    return lambda out: next((e for e in (c(out) for c in checks) if e), None)


def disk_sha_matches(out):
    """An error unless the guest's SHA-256 of the disk is hashlib's."""
    want = hashlib.sha256(disk_pattern()).hexdigest()
    m = re.search(r"blktest: sha256 ([0-9a-f]{64})", out)
    return None if m and m.group(1) == want else f"sha256 is not {want}"


# The pool is seeded in the boot, before lwIP starts (the banner comes
# after net_init) and before AT_RANDOM is filled: main() finds it seeded,
# with nothing handed out before (seeded_before_main).
RNG_VIRTIO = case(RNGTEST, ["hex"], 0,
                  [r"entropy: pool seeded after \d+ us from virtio-rng: strong",
                   r"libos: booting",
                   r"rngtest: at main: seeded 1 strong 1 rdseed=0/0 rdrand=0/0 "
                   r"virtio-rng=[1-9]\d*/[1-9]\d* jitter=\d+/0 ",
                   r"rngtest: hex [0-9a-f]{64}", r"rngtest: hex ok"],
                  [r"entropy is weak", r"jitter only"], cpu="qemu64",
                  setup=rng_device(),
                  verify=seeded_before_main(True, "virtio-rng"))
CASES.update({
    # -cpu qemu64 has no RDRAND: virtio-rng is the one strong source.
    "rng_virtio_qemu64": dict(RNG_VIRTIO, boots=2, verify=all_of(
        differ_across_boots, seeded_before_main(True, "virtio-rng"))),
    "rng_cpu": case(RNGTEST, ["hex"], 0,
                    [r"entropy: pool seeded after \d+ us from [^:]*rd(seed|rand)"
                     r"[^:]*: strong", r"libos: booting",
                     r"rngtest: at main: seeded 1 strong 1 ", r"rngtest: hex ok"],
                    [r"entropy is weak"]),
    # Neither RDRAND nor virtio-rng: the boot collects jitter (one credited
    # bit per timed wake-up, 256 of them) before lwIP (its ports, the DHCP
    # xid: a lease is taken) and AT_RANDOM; main() finds the pool seeded,
    # AT_RANDOM differs across boots, the canary is AT_RANDOM's and
    # getrandom does not wait.
    "rng_jitter_qemu64": case(RNGTEST, ["hex"], 0,
                              [r"entropy: pool seeded after \d+ us from "
                               r"tsc-jitter: jitter only",
                               r"IPv4 \S+, gateway \S+ \(DHCP from", r"libos: booting",
                               r"rngtest: at main: seeded 1 strong 0 rdseed=0/0 "
                               r"rdrand=0/0 virtio-rng=0/0 jitter=",
                               r"rngtest: at_random [0-9a-f]{32}",
                               r"rngtest: hex ok"],
                              [r"entropy is weak"], cpu="qemu64", net="user", boots=2,
                              verify=all_of(differ_across_boots,
                                            seeded_before_main(False, "jitter"))),
    "blk_rw": case(BLKTEST, ["rw"], 0,
                   [r"virtio-blk: disk 0: 32768 sectors \(16 MiB\)",
                    r"blktest: rw ok"], setup=disk()),
    "blk_sha256": case(BLKTEST, ["sha"], 0,
                       [r"blktest: sha256 [0-9a-f]{64} of 8192 sectors",
                        r"blktest: sha ok"],
                       setup=disk(pattern=True), verify=disk_sha_matches),
    "blk_readonly": case(BLKTEST, ["ro"], 0,
                         [r"virtio-blk: disk 0: 8192 sectors \(4 MiB\), "
                          r"512-byte blocks, read-only", r"blktest: ro ok"],
                         setup=disk(pattern=True, readonly=True)),
    "blk_io_error": case(BLKTEST, ["ioerr"], 0, [r"blktest: ioerr ok"],
                         setup=disk(read_error_at=64)),
    "devstats_at_exit": case(TIMERS, ["monotonic"], 0,
                             [r"monotonic ok",
                              r"devstats rng0 \(virtio-rng\): .*interrupts \d+"],
                             kopts=["devstats"], setup=rng_device()),
})
# The legacy virtio-pci interface (INTx, fixed queue sizes).
PCI_LEGACY = {
    "rng_virtio_legacy_qemu64": dict(RNG_VIRTIO, setup=rng_device(legacy=True)),
    "blk_rw_legacy": case(BLKTEST, ["rw"], 0,
                          [r"virtio-blk at pci \S+ \(pci-legacy, INTx\): up",
                           r"blktest: rw ok"], setup=disk(legacy=True)),
}

# The file-descriptor layer: fd table, poll/select, epoll, eventfd,
# timerfd and the synthetic files.
FDTEST = "test/vm/fdtest.elf"
CASES.update({
    "fd_table": case(FDTEST, ["table"], 0, [r"fdtest: table ok"],
                     [r"fdtest: line"]),
    "fd_epoll": case(FDTEST, ["epoll"], 0,
                     [r"epoll LT/ET/ONESHOT on an eventfd as expected",
                      r"fdtest: epoll ok"], [r"fdtest: line"]),
    "fd_poll": case(FDTEST, ["poll"], 0,
                    [r"poll with a 50 ms timeout took \d+ us",
                     r"select on a 40 ms timerfd woke after \d+ us",
                     r"fdtest: poll ok"], [r"fdtest: line"]),
    "fd_timerfd": case(FDTEST, ["timerfd"], 0,
                       [r"periodic 20 ms timerfd: \d+ expirations in \d+ ms",
                        r"fdtest: timerfd ok"], [r"fdtest: line"]),
    "fd_files": case(FDTEST, ["files"], 0,
                     [r"/etc/hosts: 127\.0\.0\.1 localhost",
                      r"getaddrinfo\(localhost\) = 127\.0\.0\.1",
                      r"fdtest: files ok"], [r"fdtest: line"]),
    "fd_epoll_eintr": case(FDTEST, ["intr"], 0,
                           [r"waiting in epoll_wait for the power button",
                            r"epoll_wait returned -1 \(Interrupted system call\)",
                            r"fdtest: intr ok"], [r"fdtest: line"],
                           after=r"waiting in epoll_wait", powerdown=True),
})

# Bad pointers to system calls: EFAULT, and the service goes on.
CASES["efault"] = case("test/vm/efaulttest.elf", [], 0,
                       [r"efaulttest: image ends at", r"efaulttest: \d+ checks ok"],
                       [r"efaulttest: line", r"fatal CPU exception"])


# The initrd (QEMU's -initrd, a PVH module): the boot log names it with
# its address and size, for an archive given as a file and for a
# directory tools/run packs; one QEMU loads over the frame maps that
# follow the image stops the boot, naming the addresses, instead of
# corrupting both.
def initrd_tree(tmp):
    """A small directory for an initrd: a file, a subdirectory."""
    tree = os.path.join(tmp, "tree")
    os.makedirs(os.path.join(tree, "etc"))
    with open(os.path.join(tree, "etc", "motd"), "w") as f:
        f.write("from the initrd\n")
    return tree


def initrd_file(tmp, machine, image):
    """tools/run arguments: --initrd with an archive file packed here,
    its size kept in INITRD_SIZES for initrd_line_matches."""
    path = os.path.join(tmp, "initrd.cpio")
    run_module().pack_initrd(initrd_tree(tmp), path)
    INITRD_SIZES.append(os.path.getsize(path))
    return ["--initrd", path]


INITRD_SIZES = []  # the sizes of the archives initrd_file made


def initrd_line_matches(out):
    """An error unless the initrd line's range is page-aligned and as long
    as the archive initrd_file made."""
    m = re.search(r"initrd: (\d+) bytes at 0x([0-9a-f]+)-0x([0-9a-f]+)", out)
    if not m:
        return "no initrd line"
    size, lo, hi = int(m.group(1)), int(m.group(2), 16), int(m.group(3), 16)
    if [size] != INITRD_SIZES or hi - lo != size or lo % 4096:
        return f"initrd line {m.group(0)!r} does not match {INITRD_SIZES}"
    return None


def initrd_dir(tmp, machine, image):
    """tools/run arguments: --initrd with a directory to pack."""
    return ["--initrd", initrd_tree(tmp)]


# Where QEMU 7.2 ends the page-aligned initrd it loads with -m 8 (just
# below the top of RAM less its ACPI tables on pc and q35).
INITRD_TOP_8M = {"pc": 0x7d7000, "q35": 0x7d7000, "microvm": 0x7ff000}


def initrd_over_maps(tmp, machine, image):
    """tools/run arguments loading, past tools/run's own check, an initrd
    that QEMU places right at the image's end, where the frame maps go."""
    start = (run_module().image_end(image) + 4095) & ~4095
    path = os.path.join(tmp, "initrd.bin")
    with open(path, "wb") as f:
        f.truncate(INITRD_TOP_8M[machine] - start)
    return ["-m", "8M", "--qemu-arg=-initrd", "--qemu-arg=" + path]


def run_module():
    """tools/run loaded as a module (for its ELF reader)."""
    import importlib.machinery
    import importlib.util
    loader = importlib.machinery.SourceFileLoader("libos_run", RUN)
    module = importlib.util.module_from_spec(
        importlib.util.spec_from_loader("libos_run", loader))
    loader.exec_module(module)
    return module


CASES.update({
    "initrd_log": case(HELLO, [], 0,
                       [r"initrd: \d+ bytes at 0x[0-9a-f]+-0x[0-9a-f]+, "
                        r"kept in place", r"Hello from libos!"],
                       [r"boot modules", r"empty module"],
                       run_args=initrd_file, verify=initrd_line_matches),
    "initrd_dir": case(HELLO, [], 0,
                       [r"initrd: [1-9]\d* bytes at 0x[0-9a-f]+-0x[0-9a-f]+, "
                        r"kept in place", r"Hello from libos!"],
                       run_args=initrd_dir),
    "initrd_over_maps": case(HELLO, [], 121,
                             [r"boot configuration: initrd at 0x[0-9a-f]+-"
                              r"0x[0-9a-f]+ overlaps the kernel image and its "
                              r"frame maps at 0x100000-0x[0-9a-f]+",
                              r"stopping \(exit status 121\)"],
                             [r"Hello from libos"], run_args=initrd_over_maps),
})
CASES["hello_exit0"]["reject"].append(r"initrd: \d+ bytes")


# Boot stops and messages a user meets (issue 17, the kernel's side): an
# option given twice, the stop before the boot's last line, -m too small
# for the image, memory running out at run time, unsupported calls, and
# a network that is not there or gives no address.
MEM_WALKS = []  # each mem_walk's steps: (-m, status, -m named or None)


def mem_walk(net=None, args=()):
    """A run_args hook: boot the image from -m 2 up, each time with the -m
    the kernel's stop names, until it boots (and once with one MiB less
    than that, if the walk skipped it); the steps go to MEM_WALKS for
    mem_walk_ok, and the case's own boot gets the -m found. -m below the
    image's load end, which tools/run refuses (125), is skipped."""
    def hook(tmp, machine, image):
        steps, m, tried = [], 2, set()
        while m < 64 and len(steps) < 6:
            status, named = mem_probe(image, machine, m, net, args)
            tried.add(m)
            if status == 125 and not steps:
                m += 1
                continue
            steps.append((m, status, named))
            if status != 121 or not named or named <= m:
                break
            m = named
        if steps and steps[-1][1] == 0 and m - 1 not in tried:
            below = mem_probe(image, machine, m - 1, net, args)
            if below[0] != 125:
                steps.insert(-1, (m - 1,) + below)
        MEM_WALKS.append(steps)
        return ["-m", str(m)]
    return hook


def mem_probe(image, machine, m, net, args):
    """Boot image with -m m: (status, the -m its stop names or None); a
    panic or a second stop line counts as status -1."""
    cmd = [RUN, "-q", image, "-M", machine, "-m", str(m), "--timeout", "60"]
    cmd += ["--net", net] if net else []
    p = subprocess.run(cmd + ["--"] + list(args), stdout=subprocess.PIPE,
                       stderr=subprocess.STDOUT, text=True, timeout=120)
    named = re.findall(rf"boot configuration: {m} MiB of memory is too "
                       r"little for this image: boot with -m (\d+) or more",
                       p.stdout)
    if "panic" in p.stdout or len(named) > 1:
        return -1, None
    return p.returncode, int(named[0]) if named else None


def mem_walk_ok(out):
    """A verify hook: an error unless the last mem_walk stopped with 121
    and the message at every -m below the one that boots (0), and the -m
    just below it (unless tools/run refused it) named that one exactly."""
    steps = MEM_WALKS[-1] if MEM_WALKS else []
    if not steps or steps[-1][1] != 0:
        return f"the walk never booted: {steps}"
    good = steps[-1][0]
    for m, status, named in steps[:-1]:
        if status != 121 or not named or named <= m or named > good:
            return f"-m {m}: status {status}, named {named}: {steps}"
    below = [s for s in steps if s[0] == good - 1]
    if below and below[0][2] != good:
        return f"-m {good - 1} does not name -m {good}: {steps}"
    return None


def silent_nic(tmp, machine):
    """A setup hook: a NIC whose frames go to the discard port on
    loopback, where no DHCP server answers."""
    return ["-netdev", "socket,id=n9,udp=127.0.0.1:9,localaddr=127.0.0.1:0",
            "-device", vdev(machine, "net") + ",netdev=n9"]


NOT_BOOTED = [r"Hello from libos", r"boot: \d+ us from kernel entry"]
CASES.update({
    "kopt_twice": case(HELLO, [], 121,
                       [r"boot configuration: kernel option 'log' given "
                        r"twice \(log=info, then log=debug\): it takes one "
                        r"value; give it once", r"stopping \(exit status 121\)"],
                       NOT_BOOTED + [r"unknown kernel option"],
                       kopts=["log=info", "log=debug"]),
    "kopt_flag_twice": case(HELLO, [], 121,
                            [r"kernel option 'devstats' given twice: give "
                             r"it once"],
                            NOT_BOOTED + [r"unknown kernel option"],
                            kopts=["devstats", "devstats"]),
    # Repeatable options stay so: net.dns= is a list.
    "kopt_dns_repeated": case(TIMERS, ["monotonic"], 0,
                              [r"DNS servers 192\.0\.2\.1 \(static\), "
                               r"192\.0\.2\.2 \(static\)", r"monotonic ok"],
                              [r"given twice"], net="user",
                              kopts=["net.dns=192.0.2.1", "net.dns=192.0.2.2"]),
    # The stop comes before the boot's last line, which never shows.
    "kopt_unknown_before_boot_line": case(
        HELLO, [], 121,
        [r"libos: booting hello", r"unknown kernel option 'bogus=1'",
         r"stopping \(exit status 121\)"], NOT_BOOTED, kopts=["bogus=1"]),
    "kopt_net_without_stack": case(
        HELLO, [], 121,
        [r"kernel option 'net\.ip=10\.0\.0\.2/24' is for the network "
         r"stack, which this image does not have: give "
         r"os_add_executable\(\.\.\. USES net\)"],
        NOT_BOOTED, kopts=["net.ip=10.0.0.2/24"]),
    "net_options_without_nic": case(
        TIMERS, ["monotonic"], 0,
        [r"net: net\.ip=10\.0\.0\.2/24 given, but the VM has no network "
         r"device.*--net user", r"monotonic ok"],
        kopts=["net.ip=10.0.0.2/24"]),
    # Without a NIC or net.* options, the boot says the sockets reach
    # nothing (and names no option).
    "net_without_nic": case(
        TIMERS, ["monotonic"], 0,
        [r"net: no network device, so the service's sockets reach "
         r"nothing \(tools/run --net user", r"monotonic ok"],
        [r"given, but"]),
    "net_dns_off_link": case(
        TIMERS, ["monotonic"], 121,
        [r"boot configuration: net\.dns=192\.0\.2\.1: outside net\.ip's "
         r"subnet, with no net\.gw to reach it: give net\.gw=ADDR"],
        [r"monotonic ok"], net="user",
        kopts=["net.ip=10.0.2.15/24", "net.dns=192.0.2.1"]),
    "net_no_dhcp_answer": case(
        TIMERS, ["monotonic"], 0,
        [r"net0: no DHCP answer in 4 s, still asking: .*tools/run --net "
         r"user.*net\.ip=ADDR/PREFIX", r"monotonic ok"],
        timeout=60, setup=silent_nic),
    # -m too small: 121 and one line naming the -m to use, never a panic;
    # booting with it works. With a NIC, whose buffers need more.
    "mem_walk": case(HELLO, [], 0, [r"Hello from libos!"],
                     [r"too little", r"panic"], run_args=mem_walk(),
                     verify=mem_walk_ok),
    "mem_walk_nic": case(TIMERS, ["monotonic"], 0, [r"monotonic ok"],
                         [r"too little", r"panic"], net="user",
                         run_args=mem_walk("user", ["monotonic"]),
                         verify=mem_walk_ok),
    "mem_out_at_run_time": case(
        "test/vm/memtest.elf", [], 0,
        [r"out of memory: the service asked for \d+ KiB more, \d+ KiB of "
         r"the VM's 32 MiB is left: the call fails with ENOMEM; boot with "
         r"-m \d+ or more", r"1 MiB blocks: [1-9]\d* blocks until NULL",
         r"memtest: ok"],
        [r"out of memory(.|\n)*out of memory", r"panic"], mem="32M"),
    "enosys_says_where": case(
        "test/vm/libc.elf", ["7"], 7,
        [r"system call fork \(57\) is not supported: ENOSYS; "
         r"docs/porting\.md says what libos has and what to use instead"
         r" \(a call libos has but made by number through syscall\(2\) "
         r"needs os_add_executable\(\.\.\. USES <part>\)\)",
         r"libc: enosys ok"]),
})

def cases_for(machine):
    """The case table for one machine type."""
    if machine == "microvm":
        extra = {"hello_mmio_tokens": MMIO, "pci_none": NO_PCI, **MMIO_CHECKS}
    else:
        extra = {"pci_listing": PCI_LIST, **PCI_LEGACY}
    return {**CASES, **extra}


def qmp(path, command):
    """Send one QMP command to the QEMU listening on unix socket path."""
    with socket.socket(socket.AF_UNIX) as s:
        s.settimeout(10)
        s.connect(path)
        f = s.makefile("rw")
        f.readline()  # greeting
        for cmd in ("qmp_capabilities", command):
            f.write(json.dumps({"execute": cmd}) + "\n")
            f.flush()
            f.readline()


def interact(proc, c, sock):
    """Read the guest's output; once c["after"] shows, press the power
    button and/or type c["send"]. Returns the whole output."""
    out, acted = [], False
    for raw in proc.stdout:
        line = raw.decode(errors="replace").replace("\r", "")
        out.append(line)
        if not acted and c["after"] and re.search(c["after"], line):
            acted = True
            if c["powerdown"]:
                qmp(sock, "system_powerdown")
            if c["send"] is not None:
                proc.stdin.write(c["send"].encode())
                proc.stdin.flush()
    return "".join(out)


def run_case(build, machine, c):
    """Boot the case; return (status, output)."""
    cmd = [RUN, "-q", os.path.join(build, c["image"]), "-M", machine,
           "--timeout", str(c["timeout"])]
    if c["cpu"]:
        cmd += ["--cpu", c["cpu"]]
    if c["mem"]:
        cmd += ["-m", c["mem"]]
    if c["net"]:
        cmd += ["--net", c["net"]]
    for k in c["kopts"]:
        cmd += ["--kopt", k]
    for q in c["qemu_args"]:
        cmd.append("--qemu-arg=" + q)
    with tempfile.TemporaryDirectory() as tmp:
        for q in c["setup"](tmp, machine) if c["setup"] else ():
            cmd.append("--qemu-arg=" + q)
        if c["run_args"]:
            cmd += c["run_args"](tmp, machine, os.path.join(build, c["image"]))
        sock = os.path.join(tmp, "qmp.sock")
        if c["powerdown"]:
            cmd += ["--qemu-arg=-qmp", f"--qemu-arg=unix:{sock},server=on,wait=off"]
        cmd += ["--"] + c["args"]
        proc = subprocess.Popen(cmd, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                stderr=subprocess.STDOUT)
        out = interact(proc, c, sock)
        status = proc.wait(timeout=c["timeout"] + 30)
    return status, out


def check(c, status, out):
    """The list of failures of one run (empty when it passed)."""
    errors = []
    if status != c["status"]:
        errors.append(f"exit status {status}, expected {c['status']}")
    pos = 0
    for pat in c["expect"]:
        m = re.compile(pat).search(out, pos)
        if not m:
            errors.append(f"missing (in order): {pat}")
            continue
        pos = m.end()
    for pat in c["reject"]:
        if re.search(pat, out):
            errors.append(f"unexpected: {pat}")
    return errors


def verify(c, out, window):
    """The case's own checks of the (joined) output, as a failure list;
    window is our clock before the first boot and after the last."""
    errs = [c["verify"](out) if c["verify"] else None]
    if c["host_time"]:
        errs.append(near_host_time(out, window))
    return [e for e in errs if e]


def main():
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--list", action="store_true")
    ap.add_argument("--build")
    ap.add_argument("--machine", default="q35")
    ap.add_argument("case", nargs="?")
    a = ap.parse_args()
    table = cases_for(a.machine)
    if a.list:
        print("\n".join(table))
        return 0
    if a.case not in table:
        ap.error(f"no case {a.case} on {a.machine}")
    c = table[a.case]
    outs, errors, start = [], [], time.time()
    for _ in range(c["boots"]):
        status, out = run_case(a.build, a.machine, c)
        errors += check(c, status, out)
        outs.append(out)
    out = "\n".join(outs)
    errors += verify(c, out, (start, time.time()))
    print(out)
    for e in errors:
        print("vmtest: FAIL:", e)
    print(f"vmtest: {a.case} on {a.machine}: {'FAIL' if errors else 'ok'}")
    return 1 if errors else 0


if __name__ == "__main__":
    sys.exit(main())
