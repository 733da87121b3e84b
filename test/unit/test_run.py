# Unit tests for tools/run: status decoding, guest cmdline, KVM choice, QEMU argv.

import contextlib
import io
import importlib.machinery
import importlib.util
import os
import tempfile
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
RUN_PATH = os.path.join(HERE, "..", "..", "tools", "run")


def load_run():
    """Load tools/run (no .py suffix) as a module without running main."""
    loader = importlib.machinery.SourceFileLoader("libos_run", RUN_PATH)
    spec = importlib.util.spec_from_loader("libos_run", loader)
    module = importlib.util.module_from_spec(spec)
    loader.exec_module(module)
    return module


run = load_run()


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


class QemuCommandTest(unittest.TestCase):
    """qemu_command emits the fixed options plus machine and net extras."""

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
