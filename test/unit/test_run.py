# Unit tests for tools/run: status decoding, guest cmdline, KVM choice, QEMU argv,
# help, option defaults, the libvirt definition, QMP messages and the
# supervisor's stop logic.

import contextlib
import io
import importlib.machinery
import importlib.util
import json
import os
import re
import shlex
import shutil
import signal
import socket
import struct
import subprocess
import sys
import tempfile
import threading
import time
import unittest
import xml.etree.ElementTree as ET

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.join(HERE, "..", "..")
RUN_PATH = os.path.join(HERE, "..", "..", "tools", "run")


def load_run():
    """Load tools/run (no .py suffix) as a module without running main."""
    loader = importlib.machinery.SourceFileLoader("libos_run", RUN_PATH)
    spec = importlib.util.spec_from_loader("libos_run", loader)
    module = importlib.util.module_from_spec(spec)
    loader.exec_module(module)
    return module


run = load_run()


def run_main(argv):
    """Run tools/run's main with argv; (status, stdout, stderr)."""
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        status = run.main(argv)
    return status, out.getvalue(), err.getvalue()


def q_for(status):
    """Return the QEMU exit code the guest produces for a given status
    (the code mapping of include/os/exit.h)."""
    v = status - 27 if 129 <= status <= 147 else status + 1
    return ((v << 1) | 1) & 0xFF


class DecodeStatusTest(unittest.TestCase):
    """decode_status maps every QEMU return code class correctly."""

    def test_guest_reset(self):
        status, msg = run.decode_status(0)
        self.assertEqual(status, 126)
        self.assertIn("triple fault", msg)

    def test_qemu_error(self):
        self.assertEqual(run.decode_status(1)[0], 125)

    def test_service_status_zero(self):
        self.assertEqual(run.decode_status(3), (0, None))

    def test_service_statuses(self):
        for s in range(0, 101):
            with self.subTest(s=s):
                self.assertEqual(run.decode_status(q_for(s)), (s, None))

    def test_signal_statuses(self):
        for sig in range(1, 20):
            with self.subTest(sig=sig):
                status, msg = run.decode_status(q_for(128 + sig))
                self.assertEqual(status, 128 + sig)
                self.assertIn(f"signal {sig}", msg)
        self.assertEqual(run.decode_status(q_for(143))[0], 143)  # SIGTERM

    def test_status_out_of_range(self):
        status, msg = run.decode_status(q_for(120))
        self.assertEqual(status, 120)
        self.assertIn("exact value is on the console", msg)

    def test_kernel_statuses(self):
        cases = {121: "bad boot configuration", 122: "kernel panic",
                 123: "fatal CPU exception"}
        for s, text in cases.items():
            with self.subTest(s=s):
                status, msg = run.decode_status(q_for(s))
                self.assertEqual(status, s)
                self.assertIn(text, msg)
        self.assertEqual(run.decode_status(q_for(122))[1],
                         "kernel panic (status 122)")

    def test_out_of_range_odd(self):
        for q in (251, 253, 255):
            with self.subTest(q=q):
                self.assertEqual(run.decode_status(q)[0], 125)

    def test_even_values(self):
        for q in range(2, 256, 2):
            with self.subTest(q=q):
                status, msg = run.decode_status(q)
                self.assertEqual(status, 125)
                self.assertIn(str(q), msg)

    def test_signal(self):
        for rc in (-9, -15, -6):
            with self.subTest(rc=rc):
                status, msg = run.decode_status(rc)
                self.assertEqual(status, 125)
                self.assertIn(str(-rc), msg)

    def test_crash_never_looks_like_success(self):
        for q in list(range(-64, 256)):
            status, _ = run.decode_status(q)
            if status <= 100 or 129 <= status <= 147:
                self.assertTrue(q % 2 == 1 and 3 <= q <= 241, q)
            else:
                self.assertGreaterEqual(status, 120, q)


class CmdlineTest(unittest.TestCase):
    """The -append string puts kernel options, '--', then quoted args."""

    def test_always_has_separator(self):
        self.assertEqual(run.guest_cmdline([], []), "--")

    def test_kopts_then_args(self):
        self.assertEqual(run.guest_cmdline(["log=debug", "x"], ["a", "b"]),
                         "log=debug x -- a b")

    def test_quoting(self):
        self.assertEqual(run.quote_arg("plain"), "plain")
        self.assertEqual(run.quote_arg(""), '""')
        self.assertEqual(run.quote_arg("b c"), '"b c"')
        self.assertEqual(run.quote_arg("tab\there"), '"tab\there"')
        self.assertEqual(run.guest_cmdline([], ["a", "b c", ""]),
                         '-- a "b c" ""')

    def test_double_quote_rejected(self):
        with self.assertRaises(run.UsageError):
            run.quote_arg('say "hi"')

    def test_env_becomes_kernel_options(self):
        a = run.parse_args(["x.elf", "--kopt", "log=info", "--env", "A=1",
                            "--env", "MSG=two words", "--env", "E="])
        self.assertEqual(a.kopt, ["log=info", "env.A=1",
                                  '"env.MSG=two words"', "env.E="])
        self.assertEqual(run.guest_cmdline(a.kopt, ["z"]),
                         'log=info env.A=1 "env.MSG=two words" env.E= -- z')

    def test_env_bad_refused(self):
        for bad in ["A", "=x", "1A=x", "A-B=x", 'A=say "hi"']:
            with self.assertRaises(SystemExit, msg=bad):
                with contextlib.redirect_stderr(io.StringIO()):
                    run.parse_args(["x.elf", "--env", bad])


class KvmChoiceTest(unittest.TestCase):
    """KVM is chosen only when the device is usable and kvm_pvm is absent."""

    def setUp(self):
        self.tmp = tempfile.TemporaryDirectory()
        self.dev = os.path.join(self.tmp.name, "kvm")
        self.pvm = os.path.join(self.tmp.name, "kvm_pvm")
        self.missing = os.path.join(self.tmp.name, "missing")
        with open(self.dev, "w"):
            pass

    def tearDown(self):
        self.tmp.cleanup()

    def test_usable(self):
        self.assertEqual(run.choose_accel("auto", self.dev, self.missing),
                         ("kvm", None))

    def test_pvm_falls_back(self):
        os.mkdir(self.pvm)
        accel, notice = run.choose_accel("auto", self.dev, self.pvm)
        self.assertEqual(accel, "tcg")
        self.assertIn("kvm_pvm", notice)
        self.assertTrue(notice.endswith("using TCG"))

    def test_no_device_falls_back(self):
        accel, notice = run.choose_accel("auto", self.missing, self.pvm)
        self.assertEqual(accel, "tcg")
        self.assertIn("not usable", notice)

    @unittest.skipIf(os.geteuid() == 0, "root can access any file")
    def test_unreadable_device(self):
        os.chmod(self.dev, 0)
        self.assertEqual(run.choose_accel("auto", self.dev, self.pvm)[0],
                         "tcg")

    def test_explicit_kvm_unusable(self):
        os.mkdir(self.pvm)
        with self.assertRaises(run.UsageError):
            run.choose_accel("kvm", self.dev, self.pvm)

    def test_explicit_tcg(self):
        self.assertEqual(run.choose_accel("tcg", self.dev, self.missing),
                         ("tcg", None))


class QbootCase(unittest.TestCase):
    """A temporary directory with a stand-in qboot.rom, and no QEMU in the
    environment while a test runs."""

    def setUp(self):
        self.tmp = tempfile.TemporaryDirectory()
        self.qboot = os.path.join(self.tmp.name, "qboot.rom")
        with open(self.qboot, "w"):
            pass
        self.saved_qemu = os.environ.pop("QEMU", None)

    def tearDown(self):
        self.tmp.cleanup()
        if self.saved_qemu is not None:
            os.environ["QEMU"] = self.saved_qemu


class QemuCommandTest(QbootCase):
    """qemu_command emits the fixed options plus machine and net extras."""

    def command(self, argv, accel="tcg", qboot=None):
        """Parse argv as tools/run would and build the QEMU command."""
        args = run.parse_args(argv)
        args.accel = accel
        return run.qemu_command(args, qboot or self.qboot)

    @staticmethod
    def option(cmd, name):
        """Return the values following every occurrence of option name."""
        return [cmd[i + 1] for i, word in enumerate(cmd) if word == name]

    def test_fixed_options(self):
        cmd = self.command(["img", "--", "x"])
        self.assertEqual(cmd[0], "qemu-system-x86_64")
        for word in ("-nodefaults", "-no-user-config", "-no-reboot"):
            self.assertIn(word, cmd)
        self.assertEqual(self.option(cmd, "-M"), ["q35"])
        self.assertEqual(self.option(cmd, "-m"), ["128M"])
        self.assertEqual(self.option(cmd, "-kernel"), ["img"])
        self.assertEqual(self.option(cmd, "-append"), ["-- x"])
        self.assertEqual(self.option(cmd, "-serial"), ["stdio"])
        self.assertIn("isa-debug-exit,iobase=0xf4,iosize=0x04",
                      self.option(cmd, "-device"))

    def test_accel(self):
        cmd = self.command(["img"], accel="kvm")
        self.assertEqual(self.option(cmd, "-accel"), ["kvm"])
        self.assertEqual(self.option(cmd, "-cpu"), ["host"])
        cmd = self.command(["img", "--cpu", "Skylake-Server"])
        self.assertEqual(self.option(cmd, "-accel"), ["tcg"])
        self.assertEqual(self.option(cmd, "-cpu"), ["Skylake-Server"])

    def test_qemu_override(self):
        os.environ["QEMU"] = "/opt/qemu"
        self.assertEqual(self.command(["img"])[0], "/opt/qemu")

    def test_qboot_on_pc_and_q35(self):
        for machine in ("pc", "q35"):
            with self.subTest(machine=machine):
                cmd = self.command(["img", "-M", machine])
                self.assertEqual(self.option(cmd, "-bios"), [self.qboot])
                self.assertEqual(self.option(cmd, "-global"), [])

    def test_no_qboot_when_missing(self):
        missing = os.path.join(self.tmp.name, "none.rom")
        self.assertNotIn("-bios", self.command(["img"], qboot=missing))

    def test_microvm(self):
        cmd = self.command(["img", "-M", "microvm"])
        self.assertNotIn("-bios", cmd)
        self.assertEqual(self.option(cmd, "-global"),
                         ["virtio-mmio.force-legacy=false"])

    def test_net_user_with_fwd(self):
        cmd = self.command(["img", "--net", "user", "--fwd", "tcp:8080:80",
                            "--fwd", "udp:5353:53", "--mac",
                            "52:54:00:12:34:56"])
        self.assertEqual(self.option(cmd, "-netdev"),
                         ["user,id=net0,hostfwd=tcp:127.0.0.1:8080-:80,"
                          "hostfwd=udp:127.0.0.1:5353-:53"])
        self.assertIn("virtio-net-pci,netdev=net0,mac=52:54:00:12:34:56",
                      self.option(cmd, "-device"))

    def test_net_on_microvm(self):
        cmd = self.command(["img", "-M", "microvm", "--net", "user"])
        self.assertIn("virtio-net-device,netdev=net0",
                      self.option(cmd, "-device"))

    def test_net_tap(self):
        cmd = self.command(["img", "--net", "tap:tap0"])
        self.assertEqual(self.option(cmd, "-netdev"),
                         ["tap,id=net0,ifname=tap0,script=no,downscript=no"])
        self.assertIn("virtio-net-pci,netdev=net0", self.option(cmd, "-device"))

    def test_nic_opts(self):
        """--nic-opt properties follow netdev and mac on the NIC's -device,
        in their order, on each transport."""
        for machine, nic in (("q35", "virtio-net-pci"),
                             ("microvm", "virtio-net-device")):
            with self.subTest(machine=machine):
                cmd = self.command(["img", "-M", machine, "--net", "tap:tap0",
                                    "--mac", "52:54:00:12:34:56",
                                    "--nic-opt", "csum=off",
                                    "--nic-opt", "guest_tso4=off"])
                self.assertIn(f"{nic},netdev=net0,mac=52:54:00:12:34:56,"
                              "csum=off,guest_tso4=off",
                              self.option(cmd, "-device"))

    def test_bad_nic_opts(self):
        for argv in (["img", "--nic-opt", "csum=off"],
                     ["img", "--net", "user", "--nic-opt", "csum"],
                     ["img", "--net", "user", "--nic-opt", "csum=off,x=1"],
                     ["img", "--net", "user", "--nic-opt", "=off"],
                     ["img", "--net", "user", "--nic-opt", "netdev=net1"]):
            with self.subTest(argv=argv):
                with self.assertRaises(run.UsageError):
                    self.command(argv)

    def test_bad_net_options(self):
        for argv in (["img", "--net", "bridge"],
                     ["img", "--fwd", "tcp:1:2"],
                     ["img", "--net", "user", "--fwd", "tcp:0:80"],
                     ["img", "--net", "user", "--fwd", "sctp:1:2"],
                     ["img", "--net", "tap:tap0", "--fwd", "tcp:1:2"],
                     ["img", "--net", "user", "--mac", "nope"]):
            with self.subTest(argv=argv):
                with self.assertRaises(run.UsageError):
                    self.command(argv)

    def test_gdb(self):
        cmd = self.command(["img", "--gdb", "--gdb-port", "4321"])
        self.assertEqual(self.option(cmd, "-gdb"), ["tcp:127.0.0.1:4321"])
        self.assertIn("-S", cmd)

    def test_kopts_and_qemu_args(self):
        cmd = self.command(["img", "--kopt", "a=1", "--kopt", "b",
                            "--qemu-arg=-s", "--", "x y", ""])
        self.assertEqual(self.option(cmd, "-append"), ['a=1 b -- "x y" ""'])
        self.assertEqual(cmd[-1], "-s")


def newc_entries(data):
    """(name, mode, mtime, size) of each entry of a cpio newc archive."""
    out, off = [], 0
    while True:
        head = data[off:off + 110]
        assert head[:6] == b"070701", head[:6]
        field = [int(head[6 + 8 * i:14 + 8 * i], 16) for i in range(13)]
        mode, mtime, size, namesize = field[1], field[5], field[6], field[11]
        name = data[off + 110:off + 110 + namesize - 1].decode()
        off = (off + 110 + namesize + 3) & ~3
        off = (off + size + 3) & ~3
        if name == "TRAILER!!!":
            return out
        out.append((name, mode, mtime, size))


def elf_image(path, loads):
    """Write a minimal ELF64 header with PT_LOAD entries (paddr, memsz)."""
    ph = b"".join(struct.pack("<IIQQQQQQ", 1, 5, 0, p, p, 0, m, 4096)
                  for p, m in loads)
    head = (b"\x7fELF\x02\x01\x01" + bytes(9)
            + struct.pack("<HHIQQQIHHHHHH", 2, 62, 1, 0, 64, 0, 0, 64, 56,
                          len(loads), 0, 0, 0))
    with open(path, "wb") as f:
        f.write(head + ph)


class InitrdTest(unittest.TestCase):
    """--initrd: a file passed as -initrd, a directory packed with cpio
    into an archive removed at exit, bad paths refused with 125."""

    def setUp(self):
        self.tmp = tempfile.TemporaryDirectory()
        self.dir = os.path.join(self.tmp.name, "tree")
        os.makedirs(os.path.join(self.dir, "sub"))
        for name, mode, text in (("b.txt", 0o640, "bee\n"),
                                 ("sub/z", 0o755, "zed"), ("a", 0o600, "")):
            path = os.path.join(self.dir, name)
            with open(path, "w") as f:
                f.write(text)
            os.chmod(path, mode)
            os.utime(path, (1700000000, 1700000000 + len(name)))
        os.symlink("b.txt", os.path.join(self.dir, "link"))
        self.image = os.path.join(self.tmp.name, "img.elf")
        elf_image(self.image, [(0x100000, 0x66000)])
        self.file = os.path.join(self.tmp.name, "in.cpio")
        with open(self.file, "wb") as f:
            f.write(b"070701")

    def tearDown(self):
        self.tmp.cleanup()

    def test_file_passed_as_is(self):
        status, out, _ = run_main([self.image, "-q", "--dry-run",
                                    "--initrd", self.file])
        self.assertEqual(status, 0)
        cmd = shlex.split(out)
        self.assertEqual(cmd[cmd.index("-initrd") + 1], self.file)

    def test_no_initrd(self):
        status, out, _ = run_main([self.image, "-q", "--dry-run"])
        self.assertEqual(status, 0)
        self.assertNotIn("-initrd", shlex.split(out))

    @unittest.skipUnless(shutil.which("cpio"), "cpio not installed")
    def test_directory_packed_sorted_with_modes(self):
        args = run.parse_args([self.image, "--initrd", self.dir])
        run.prepare_initrd(args, self.tmp.name)
        with open(args.initrd_file, "rb") as f:
            entries = newc_entries(f.read())
        self.assertEqual([e[0] for e in entries],
                         ["a", "b.txt", "link", "sub", "sub/z"])
        got = {e[0]: e for e in entries}
        self.assertEqual(got["b.txt"][1:], (0o100640, 1700000005, 4))
        self.assertEqual(got["sub/z"][1:], (0o100755, 1700000005, 3))
        self.assertEqual(got["a"][1:], (0o100600, 1700000001, 0))
        self.assertEqual(got["link"][1] & 0o170000, 0o120000)
        self.assertEqual(got["sub"][1] & 0o170000, 0o040000)

    @unittest.skipUnless(shutil.which("cpio"), "cpio not installed")
    def test_packed_archive_removed_at_exit(self):
        status, out, _ = run_main([self.image, "-q", "--dry-run",
                                    "--initrd", self.dir])
        self.assertEqual(status, 0)
        cmd = shlex.split(out)
        packed = cmd[cmd.index("-initrd") + 1]
        self.assertTrue(packed.endswith(".cpio"))
        self.assertFalse(os.path.exists(packed))
        self.assertFalse(os.path.exists(os.path.dirname(packed)))

    def test_missing_path_refused(self):
        missing = os.path.join(self.tmp.name, "nothing")
        status, out, err = run_main([self.image, "--dry-run",
                                      "--initrd", missing])
        self.assertEqual(status, 125)
        self.assertEqual(out, "")
        self.assertIn(f"--initrd: no such file or directory: {missing}",
                      err)

    def test_cpio_missing_named(self):
        saved = os.environ["PATH"]
        os.environ["PATH"] = self.tmp.name  # no cpio there
        try:
            status, _, err = run_main([self.image, "--dry-run",
                                        "--initrd", self.dir])
        finally:
            os.environ["PATH"] = saved
        self.assertEqual(status, 125)
        self.assertIn("install Debian's cpio package", err)

    def test_too_big_for_memory_refused(self):
        big = os.path.join(self.tmp.name, "big")
        with open(big, "wb") as f:
            f.truncate(7 << 20)
        status, _, err = run_main([self.image, "-m", "8", "--dry-run",
                                    "--initrd", big])
        self.assertEqual(status, 125)
        self.assertIn("QEMU would load it over the image", err)
        status, _, _ = run_main([self.image, "-m", "16", "-q", "--dry-run",
                                  "--initrd", big])
        self.assertEqual(status, 0)

    def test_room_and_image_end(self):
        self.assertEqual(run.image_end(self.image), 0x166000)
        self.assertEqual(run.image_end(self.file), 0)
        self.assertEqual(run.mem_bytes("512"), 512 << 20)
        self.assertEqual(run.mem_bytes("1.5G"), 3 << 29)
        room = run.initrd_room("8M", 0x166000)
        # QEMU's top reserve, the image, and 2 bits per frame at least.
        self.assertLess(room, (8 << 20) - 0x28000 - 0x166000 - 4096)
        self.assertGreater(room, 6 << 20)
        self.assertLess(run.initrd_room("64G", 0x166000), 2 << 30)


class RunnerStatusTest(unittest.TestCase):
    """tools/run's own statuses (124-127) are none of the guest's."""

    def test_values(self):
        self.assertEqual((run.TIMEOUT_STATUS, run.USAGE_STATUS,
                          run.NO_STATUS, run.STOP_STATUS),
                         (124, 125, 126, 127))

    def test_never_decoded_from_a_guest(self):
        own = {124, 127}
        for q in range(-64, 256):
            with self.subTest(q=q):
                self.assertNotIn(run.decode_status(q)[0], own)

    def test_outside_service_ranges(self):
        for s in (124, 125, 126, 127):
            self.assertFalse(0 <= s <= 100 or 120 <= s <= 123
                             or 129 <= s <= 147)


def kernel_option_names():
    """Every kernel option name the sources take (kern_cmdline_take, and
    net/config.c's take_once), found by reading them."""
    names = set()
    pattern = re.compile(r'(?:kern_cmdline_take|take_once)\(\s*[^,]+,\s*'
                         r'"([^"]+)"')
    for top in ("kernel", "drivers", "net", "lib", "arch"):
        for d, _, files in os.walk(os.path.join(ROOT, top)):
            for name in files:
                if name.endswith(".c"):
                    with open(os.path.join(d, name), errors="replace") as f:
                        names.update(pattern.findall(f.read()))
    return names


class HelpTest(unittest.TestCase):
    """--help: defaults of every option, kernel options, all statuses."""

    @classmethod
    def setUpClass(cls):
        cls.text = run.build_parser().format_help()

    def test_every_kernel_option_listed(self):
        names = kernel_option_names()
        self.assertIn("log", names)
        self.assertIn("net.dns", names)
        for name in sorted(names) + ["env.NAME"]:
            with self.subTest(name=name):
                self.assertRegex(self.text, r"\n  " + re.escape(name) +
                                 r"[=\[ ]")

    def test_no_option_listed_that_does_not_exist(self):
        listed = re.findall(r"^  ([a-z][a-z0-9_.]*)(?:=|\[| )",
                            run.KERNEL_OPTIONS, re.M)
        self.assertEqual(set(listed) - {"env.NAME"}, kernel_option_names())

    def test_every_status_listed(self):
        for line in ("0-100", "129-147", "120", "121", "122", "123", "124",
                     "125", "126", "127"):
            with self.subTest(line=line):
                self.assertRegex(self.text, r"\n  " + line + r"  ")

    def test_defaults_listed(self):
        for action in run.build_parser()._actions:
            if not action.option_strings or action.nargs == 0:
                continue  # IMAGE, flags and -h
            with self.subTest(option=action.option_strings[-1]):
                self.assertIn("default", action.help)
                if action.default not in (None, [], 0.0, "auto"):
                    value = action.default
                    if isinstance(value, float):
                        value = f"{value:g}"
                    self.assertIn(f"default {value}", action.help)

    def test_layout_kept(self):
        self.assertIn("\n  129-147  the service ended by signal 1-19",
                      self.text)
        self.assertIn("\n  net.raw  ", self.text)


class DefaultsTest(unittest.TestCase):
    """Option defaults and when the boot timeout applies."""

    def test_defaults(self):
        a = run.parse_args(["img"])
        self.assertEqual((a.mem, a.machine, a.accel, a.timeout,
                          a.boot_timeout, a.stop_timeout, a.gdb_port),
                         ("128M", "q35", "auto", 0.0, 30.0, 10.0, 1234))
        self.assertEqual(run.boot_timeout(a), 30.0)

    def test_negative_refused(self):
        for opt in ("--timeout", "--boot-timeout", "--stop-timeout"):
            with self.subTest(opt=opt), \
                    contextlib.redirect_stderr(io.StringIO()) as err, \
                    self.assertRaises(SystemExit) as cm:
                run.parse_args(["img", opt, "-1"])
            self.assertEqual(cm.exception.code, 125)
            self.assertIn(f"{opt} must not be negative", err.getvalue())

    def test_boot_timeout_off(self):
        cases = {("--gdb",): 0.0, ("--kopt", "log=quiet"): 0.0,
                 ("--kopt", "log=quiet", "--kopt", "log=info"): 30.0,
                 ("--kopt", "log=debug"): 30.0, ("--boot-timeout", "5"): 5.0}
        for argv, want in cases.items():
            with self.subTest(argv=argv):
                self.assertEqual(run.boot_timeout(run.parse_args(
                    ["img"] + list(argv))), want)


class ControlOptionsTest(unittest.TestCase):
    """The runner's own QMP socket and serial log in QEMU's argv."""

    def command(self, argv, control):
        """The QEMU argv for argv with control (qmp, log) or None."""
        args = run.parse_args(argv)
        args.accel = "tcg"
        return run.qemu_command(args, "/nonexistent", control)

    def test_with_control(self):
        cmd = self.command(["img", "--qemu-arg=-qmp",
                            "--qemu-arg=unix:/u.sock,server=on,wait=off"],
                           ("/t/qmp.sock", "/t/serial.log"))
        self.assertEqual(QemuCommandTest.option(cmd, "-qmp"),
                         ["unix:/t/qmp.sock,server=on,wait=off",
                          "unix:/u.sock,server=on,wait=off"])
        self.assertEqual(QemuCommandTest.option(cmd, "-chardev"),
                         ["stdio,id=con0,logfile=/t/serial.log,"
                          "logappend=on"])
        self.assertEqual(QemuCommandTest.option(cmd, "-serial"),
                         ["chardev:con0"])

    def test_without_control(self):
        cmd = self.command(["img"], None)
        self.assertNotIn("-qmp", cmd)
        self.assertNotIn("-chardev", cmd)
        self.assertEqual(QemuCommandTest.option(cmd, "-serial"), ["stdio"])


class MemoryCheckTest(unittest.TestCase):
    """-m below the image's end is refused, naming the least -m."""

    def setUp(self):
        self.tmp = tempfile.TemporaryDirectory()
        self.image = os.path.join(self.tmp.name, "img.elf")
        elf_image(self.image, [(0x100000, 0x66000)])

    def tearDown(self):
        self.tmp.cleanup()

    def test_refused(self):
        with self.assertRaises(run.UsageError) as cm:
            run.check_memory("1", self.image)
        self.assertIn("too little memory", str(cm.exception))
        self.assertIn("give at least -m 2M", str(cm.exception))
        self.assertIn("0x166000", str(cm.exception))

    def test_enough_to_load(self):
        run.check_memory("2", self.image)
        run.check_memory("1432K", self.image)  # 0x166000 exactly
        run.check_memory("1", os.path.join(self.tmp.name, "not-elf"))

    def test_main_status(self):
        with contextlib.redirect_stderr(io.StringIO()) as err:
            status = run.main([self.image, "-m", "1M", "--dry-run"])
        self.assertEqual(status, 125)
        self.assertIn("give at least -m 2M", err.getvalue())


class LibvirtTest(QbootCase):
    """--print-libvirt describes the guest qemu_command boots: the same
    image, command line, machine, memory, CPU and NIC."""

    NS = "{http://libvirt.org/schemas/domain/qemu/1.0}"

    def setUp(self):
        super().setUp()
        self.image = os.path.join(self.tmp.name, "svc.elf")
        elf_image(self.image, [(0x100000, 0x66000)])

    def domain(self, argv, accel="tcg"):
        """The definition for argv, parsed back into an Element."""
        args = run.parse_args([self.image, "--print-libvirt"] + argv)
        args.accel, args.initrd_file = accel, args.initrd
        return ET.fromstring(run.libvirt_xml(args, self.qboot))

    def qemu_args(self, dom):
        """The <qemu:arg> values in order."""
        return [a.get("value") for a in dom.iter(self.NS + "arg")]

    def test_same_guest_as_qemu_command(self):
        argv = ["-m", "64M", "--kopt", "log=debug", "--env", "A=b c",
                "--", "x y", "z"]
        dom = self.domain(argv)
        args = run.parse_args([self.image] + argv)
        self.assertEqual(dom.get("type"), "qemu")
        self.assertEqual(dom.findtext("name"), "libos-svc")
        self.assertEqual(dom.findtext("memory"), str(64 * 1024))
        self.assertEqual(dom.find("memory").get("unit"), "KiB")
        self.assertEqual(dom.findtext("vcpu"), "1")
        self.assertEqual(dom.find("os/type").get("machine"), "q35")
        self.assertEqual(dom.findtext("os/kernel"), self.image)
        self.assertTrue(os.path.isabs(dom.findtext("os/kernel")))
        self.assertEqual(dom.findtext("os/cmdline"),
                         run.guest_cmdline(args.kopt, args.service_args))
        self.assertEqual(dom.findtext("os/loader"), self.qboot)
        self.assertIsNotNone(dom.find("features/acpi"))
        self.assertEqual(dom.find("cpu").get("mode"), "maximum")
        for event in ("on_poweroff", "on_reboot", "on_crash"):
            self.assertEqual(dom.findtext(event), "destroy")
        self.assertEqual(dom.find("devices/serial").get("type"), "pty")
        self.assertIsNone(dom.find("devices/interface"))
        self.assertEqual(self.qemu_args(dom), [])

    def test_cpu(self):
        self.assertEqual(self.domain([], "kvm").get("type"), "kvm")
        self.assertEqual(self.domain([], "kvm").find("cpu").get("mode"),
                         "host-passthrough")
        cpu = self.domain(["--cpu", "Skylake-Server"]).find("cpu")
        self.assertEqual(cpu.get("mode"), "custom")
        self.assertEqual(cpu.findtext("model"), "Skylake-Server")
        self.assertEqual(cpu.find("model").get("fallback"), "forbid")

    def test_net_user_verbatim(self):
        argv = ["--net", "user", "--fwd", "tcp:8080:80", "--nic-opt",
                "csum=off"]
        args = run.parse_args([self.image] + argv)
        args.accel = "tcg"
        self.assertEqual(self.qemu_args(self.domain(argv)),
                         run.net_options(args))

    def test_tap_on_bus_0_with_overrides(self):
        opts = ["csum=off", "mrg_rxbuf=on", "rx_queue_size=512", "tx=timer",
                "disable-legacy=on", "speed=-1", "host_mtu=0x5dc"]
        dom = self.domain(["--net", "tap:tap3", "--mac", "52:54:00:00:00:01"]
                          + [w for o in opts for w in ("--nic-opt", o)])
        nic = dom.find("devices/interface")
        self.assertEqual(nic.get("type"), "ethernet")
        self.assertEqual(nic.find("target").get("dev"), "tap3")
        self.assertEqual(nic.find("target").get("managed"), "no")
        self.assertEqual(nic.find("model").get("type"), "virtio")
        self.assertEqual(nic.find("mac").get("address"), "52:54:00:00:00:01")
        self.assertEqual(nic.find("address").get("bus"), "0x00")
        alias = nic.find("alias").get("name")
        dev = dom.find(f"{self.NS}override/{self.NS}device")
        self.assertEqual(dev.get("alias"), alias)
        props = [(p.get("name"), p.get("type"), p.get("value"))
                 for p in dev.iter(self.NS + "property")]
        # Typed as QEMU types them (its JSON -device is strict):
        # disable-legacy is on/off/auto, speed signed, host_mtu unsigned.
        self.assertEqual(props, [("csum", "bool", "false"),
                                 ("mrg_rxbuf", "bool", "true"),
                                 ("rx_queue_size", "unsigned", "512"),
                                 ("tx", "string", "timer"),
                                 ("disable-legacy", "string", "on"),
                                 ("speed", "signed", "-1"),
                                 ("host_mtu", "unsigned", "1500")])
        self.assertEqual(self.qemu_args(dom), [])

    def test_nic_opt_checked_against_qemu(self):
        for spec, why in (("nosuch=1", "has no property nosuch"),
                          ("csum=maybe", "want on or off"),
                          ("host_mtu=big", "want a number"),
                          ("host_mtu=-1", "want a number >= 0")):
            with self.assertRaises(run.UsageError) as cm:
                self.domain(["--net", "tap:t0", "--nic-opt", spec])
            self.assertIn(why, str(cm.exception))

    def test_cpu_features(self):
        cpu = self.domain(["--cpu", "qemu64,+x2apic,-svm,pdpe1gb=on"]) \
            .find("cpu")
        self.assertEqual(cpu.findtext("model"), "qemu64")
        self.assertEqual([(f.get("policy"), f.get("name"))
                          for f in cpu.findall("feature")],
                         [("require", "x2apic"), ("disable", "svm"),
                          ("require", "pdpe1gb")])
        cpu = self.domain(["--cpu", "max,-la57"]).find("cpu")
        self.assertEqual(cpu.get("mode"), "maximum")
        self.assertEqual(cpu.find("feature").get("name"), "la57")
        with self.assertRaises(run.UsageError):
            self.domain(["--cpu", "qemu64,level=13"])

    def test_control_characters_refused(self):
        for argv in (["--", "a\x01b"], ["--", "a\rb"],
                     ["--qemu-arg=-x\x1b"]):
            with self.assertRaises(run.UsageError) as cm:
                self.domain(argv)
            self.assertIn("control character", str(cm.exception))
        self.assertEqual(self.domain(["--", "a\tb"]).findtext("os/cmdline"),
                         '-- "a\tb"')

    def test_microvm(self):
        dom = self.domain(["-M", "microvm", "--net", "tap:t0"])
        self.assertIsNone(dom.find("os/loader"))
        self.assertIsNone(dom.find("devices/interface"))
        args = self.qemu_args(dom)
        self.assertEqual(args[:2], ["-global", "virtio-mmio.force-legacy=false"])
        self.assertIn("virtio-net-device,netdev=net0", args)

    def test_extras(self):
        dom = self.domain(["--libvirt-exit-device", "--gdb", "--gdb-port",
                           "4321", "--qemu-arg=-smp", "--qemu-arg=2",
                           "--libvirt-serial", "con.log",
                           "--libvirt-name", "web.1"])
        self.assertEqual(self.qemu_args(dom),
                         ["-device", "isa-debug-exit,iobase=0xf4,iosize=0x04",
                          "-gdb", "tcp:127.0.0.1:4321", "-smp", "2"])
        self.assertEqual(dom.findtext("name"), "web.1")
        serial = dom.find("devices/serial")
        self.assertEqual(serial.get("type"), "file")
        self.assertEqual(serial.find("source").get("path"),
                         os.path.abspath("con.log"))

    def test_emulator_from_environment(self):
        for qemu, want in (("/opt/q/qemu-system-x86_64",
                            "/opt/q/qemu-system-x86_64"),
                           ("./q/qemu", os.path.abspath("q/qemu"))):
            os.environ["QEMU"] = qemu
            try:
                dom = self.domain([])
            finally:
                del os.environ["QEMU"]
            self.assertEqual(dom.findtext("devices/emulator"), want)

    def test_main_prints_and_exits_0(self):
        status, out, _ = run_main([self.image, "--print-libvirt",
                                    "--accel", "tcg", "--initrd",
                                    self.image])
        self.assertEqual(status, 0)
        dom = ET.fromstring(out)
        self.assertEqual(dom.findtext("os/initrd"), self.image)

    def test_refused(self):
        cases = [(["--print-libvirt", "--initrd", self.tmp.name],
                  "needs --initrd FILE"),
                 (["--libvirt-serial", "x"], "need --print-libvirt"),
                 (["--libvirt-exit-device"], "need --print-libvirt"),
                 (["--print-libvirt", "--dry-run"], "choose one"),
                 (["--print-libvirt", "--libvirt-name", "a b"],
                  "bad --libvirt-name"),
                 (["--print-libvirt", "--fwd", "tcp:1:2"], "need --net"),
                 (["--print-libvirt", "--net", "tap:t", "--fwd",
                   "tcp:1:2"], "only with --net user"),
                 (["--print-libvirt", "-m", "1"], "too little memory")]
        for argv, why in cases:
            status, out, err = run_main([self.image, "--accel", "tcg"]
                                         + argv)
            self.assertEqual((status, out), (125, ""), argv)
            self.assertIn(why, err, argv)

    def test_notices(self):
        status, out, err = run_main([self.image, "--accel", "tcg",
                                      "--print-libvirt", "--timeout", "5",
                                      "--gdb"])
        self.assertEqual(status, 0)
        self.assertIn("--timeout has no libvirt equivalent", err)
        self.assertIn("virsh create --paused", err)

    def test_validates(self):
        tool = shutil.which("virt-xml-validate")
        if not tool:
            self.skipTest("virt-xml-validate not installed (libvirt-clients)")
        for accel, argv in (
                ("tcg", []), ("kvm", []),
                ("tcg", ["--net", "user", "--fwd", "tcp:1:2"]),
                ("tcg", ["--net", "tap:t0", "--nic-opt", "csum=off",
                         "--nic-opt", "speed=-1", "--nic-opt",
                         "disable-legacy=on", "--libvirt-serial", "/x"]),
                ("tcg", ["-M", "microvm", "--net", "tap:t0"]),
                ("tcg", ["--cpu", "qemu64,+x2apic,-svm", "--initrd",
                         self.image, "--libvirt-exit-device", "--gdb",
                         "--qemu-arg=-smp", "--qemu-arg=1"])):
            path = os.path.join(self.tmp.name, "d.xml")
            with open(path, "w") as f:
                f.write(ET.tostring(self.domain(argv, accel),
                                    encoding="unicode"))
            r = subprocess.run([tool, path, "domain"], capture_output=True,
                               text=True)
            self.assertEqual(r.returncode, 0, r.stderr + r.stdout)


class StaleTmpdirTest(unittest.TestCase):
    """A killed run's temporary directory is removed by a later run, and
    only once its runner is gone."""

    def test_reap(self):
        with tempfile.TemporaryDirectory() as top:
            dead = self.dead_pid()
            names = {f"libos-run-{dead}-abc": False,
                     f"libos-run-{os.getpid()}-abc": True,
                     "libos-run-old": True, f"other-{dead}-abc": True}
            for name in names:
                os.makedirs(os.path.join(top, name, "sub"))
            run.reap_stale_tmpdirs(top)
            for name, kept in names.items():
                self.assertEqual(os.path.isdir(os.path.join(top, name)),
                                 kept, name)

    @staticmethod
    def dead_pid():
        """The PID of a process that has ended and been reaped."""
        p = subprocess.Popen(["true"])
        p.wait()
        return p.pid


class QmpTest(unittest.TestCase):
    """QMP messages, replies, and a power-button press against a fake
    QMP server on a unix socket."""

    def test_message(self):
        self.assertEqual(run.qmp_message("system_powerdown"),
                         b'{"execute": "system_powerdown"}\n')
        self.assertEqual(json.loads(run.qmp_message("x", {"a": 1})),
                         {"execute": "x", "arguments": {"a": 1}})

    def test_reply_skips_events(self):
        f = io.BytesIO(b'{"event": "POWERDOWN"}\n{"return": {}}\n')
        self.assertEqual(run.qmp_reply(f), {"return": {}})

    def test_reply_errors(self):
        for data in (b"", b'{"error": {"desc": "no"}}\n'):
            with self.subTest(data=data), self.assertRaises(OSError):
                run.qmp_reply(io.BytesIO(data))

    def test_press(self):
        with tempfile.TemporaryDirectory() as tmp:
            path = os.path.join(tmp, "qmp.sock")
            srv = socket.socket(socket.AF_UNIX)
            srv.bind(path)
            srv.listen(1)
            got = []

            def serve():
                conn, _ = srv.accept()
                with conn, conn.makefile("rwb") as f:
                    f.write(b'{"QMP": {"version": {}}}\n')
                    f.flush()
                    for _ in range(2):
                        got.append(json.loads(f.readline()))
                        f.write(b'{"return": {}}\n')
                        f.flush()

            t = threading.Thread(target=serve, daemon=True)
            t.start()
            run.press_power_button(path)
            t.join(timeout=10)
            srv.close()
        self.assertEqual(got, [{"execute": "qmp_capabilities"},
                               {"execute": "system_powerdown"}])

    def test_press_without_socket(self):
        with self.assertRaises(OSError):
            run.press_power_button("/nonexistent/qmp.sock", timeout=1)


class SupervisorTest(unittest.TestCase):
    """The supervisor's loop with a plain process in QEMU's place (no QMP
    server: the button cannot be pressed)."""

    def setUp(self):
        self.tmp = tempfile.TemporaryDirectory()
        self.log = os.path.join(self.tmp.name, "serial.log")
        self.procs = []
        self.wake_r, self.wake_w = os.pipe()

    def tearDown(self):
        for p in self.procs:
            if p.poll() is None:
                p.kill()
            p.wait()
        os.close(self.wake_r)
        os.close(self.wake_w)
        self.tmp.cleanup()

    def supervise(self, argv, limits, signals=()):
        """Run argv under a Supervisor with limits, the signals already
        queued; return (status, stderr text, seconds)."""
        p = subprocess.Popen(argv)
        self.procs.append(p)
        os.write(self.wake_w, bytes(signals))
        qmp = os.path.join(self.tmp.name, "none.sock")
        sup = run.Supervisor(p, limits, (qmp, run.SerialLog(self.log)))
        start = time.monotonic()
        with contextlib.redirect_stderr(io.StringIO()) as err:
            status = sup.run(self.wake_r)
        self.assertIsNotNone(p.poll())
        return status, err.getvalue(), time.monotonic() - start

    def test_exit_decoded(self):
        status, err, _ = self.supervise(["sh", "-c", "exit 3"], (0, 0, 10))
        self.assertEqual((status, err), (0, ""))

    def test_stop_timeout(self):
        status, err, took = self.supervise(["sleep", "60"], (0, 0, 0.5),
                                           [signal.SIGTERM])
        self.assertEqual(status, 127)
        self.assertIn("did not stop within 0.5s", err)
        self.assertIn("could not be pressed", err)
        self.assertGreaterEqual(took, 0.5)

    def test_second_signal_kills_at_once(self):
        status, err, _ = self.supervise(["sleep", "60"], (0, 0, 300),
                                        [signal.SIGTERM, signal.SIGINT])
        self.assertEqual(status, 127)
        self.assertIn("SIGINT again: killed QEMU", err)

    def test_boot_timeout(self):
        status, err, _ = self.supervise(["sleep", "60"], (0, 0.3, 10))
        self.assertEqual(status, 124)
        self.assertIn("printed nothing within 0.3s", err)

    def test_output_ends_boot_watch(self):
        script = f"echo up >> {shlex.quote(self.log)}; sleep 1; exit 9"
        status, err, _ = self.supervise(["sh", "-c", script], (0, 0.3, 10))
        self.assertEqual((status, err), (3, ""))  # q 9: service status 3

    def test_whole_timeout(self):
        status, err, _ = self.supervise(["sleep", "60"], (0.3, 0, 10))
        self.assertEqual(status, 124)
        self.assertIn("timeout after 0.3s", err)

    def test_qemu_process_setup(self):
        out = os.path.join(self.tmp.name, "child")
        probe = ("import ctypes, os\n"
                 "libc = ctypes.CDLL(None)\n"
                 "sig = ctypes.c_int()\n"
                 "libc.prctl(2, ctypes.byref(sig), 0, 0, 0)\n"
                 "ign = [l for l in open('/proc/self/status')"
                 " if l.startswith('SigIgn')][0].split()[1]\n"
                 f"open({out!r}, 'w').write('%d %d %d' % (os.getpgid(0) =="
                 " os.getpid(), sig.value, int(ign, 16) >> 21 & 1))\n")
        saved, run.sys.stdin = run.sys.stdin, io.StringIO()
        try:
            p = run.start_qemu([sys.executable, "-c", probe])
        finally:
            run.sys.stdin = saved
        self.procs.append(p)
        self.assertEqual(p.wait(timeout=30), 0)
        with open(out) as f:  # own group, SIGKILL at the parent's death,
            self.assertEqual(f.read(), "1 9 1")  # SIGTTOU (22) ignored

    def test_ignored_signals_stay_ignored(self):
        probe = ("import importlib.machinery as m, importlib.util as u, "
                 "signal as s\n"
                 "s.signal(s.SIGHUP, s.SIG_IGN)\n"
                 f"l = m.SourceFileLoader('r', {RUN_PATH!r})\n"
                 "r = u.module_from_spec(u.spec_from_loader('r', l))\n"
                 "l.exec_module(r)\n"
                 "r.catch_stop_signals()\n"
                 "print(s.getsignal(s.SIGHUP) == s.SIG_IGN,"
                 " callable(s.getsignal(s.SIGTERM)),"
                 " callable(s.getsignal(s.SIGINT)))\n")
        out = subprocess.run([sys.executable, "-c", probe], timeout=30,
                             capture_output=True, text=True, check=True)
        self.assertEqual(out.stdout.split(), ["True", "True", "True"])

    def test_log_trimmed(self):
        with open(self.log, "wb") as f:
            f.truncate(run.LOG_KEEP + 1)
        log = run.SerialLog(self.log)
        self.assertTrue(log.check())
        self.assertEqual(os.path.getsize(self.log), 0)
        self.assertTrue(log.check())


class UsageTest(unittest.TestCase):
    """Usage errors exit with 125, never argparse's 2."""

    def test_bad_option_exits_125(self):
        with open(os.devnull, "w") as null:
            saved = run.sys.stderr
            run.sys.stderr = null
            try:
                with self.assertRaises(SystemExit) as cm:
                    run.parse_args(["img", "-M", "virt"])
            finally:
                run.sys.stderr = saved
        self.assertEqual(cm.exception.code, 125)

    def test_service_args_after_separator(self):
        args = run.parse_args(["img", "-q", "--", "-M", "--", "z"])
        self.assertEqual(args.service_args, ["-M", "--", "z"])
        self.assertTrue(args.quiet)


if __name__ == "__main__":
    unittest.main()
