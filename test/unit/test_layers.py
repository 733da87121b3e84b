# Self-test of tools/check-layers: that it reports an upward include (in a
# small source tree made here, and in a file added to the real tree with
# --extra-source) and an upward symbol reference (in made-up `nm`
# listings, --nm-output), and that it stays quiet on the same tree and
# listings without them. Builds nothing.

import os
import subprocess
import sys
import tempfile
import textwrap
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
SRC = os.path.normpath(os.path.join(HERE, "..", ".."))
TOOL = os.path.join(SRC, "tools", "check-layers")

# A tree with files in each layer, each including only downward (and
# <arch/cc.h>, net's lwIP port header, from net; musl's <net/if.h> from
# arch), and a boot sequence that includes everything.
TREE = {
    "include/os/loop.h": "",
    "arch/x86_64/include/arch/cpu.h": "#include <net/if.h>\n",  # musl's
    "arch/x86_64/cpu.c": "#include <arch/cpu.h>\n#include <stdint.h>\n",
    "kernel/include/kern/mm.h": "#include <arch/cpu.h>\n",
    "kernel/mm/pt.h": "",
    "kernel/mm/pt.c": '#include "mm/pt.h"\n#include <kern/mm.h>\n'
                      "#include <os/loop.h>\n#include <string.h>\n",
    "kernel/boot/boot.c": "#include <net/net.h>\n#include <drv/virtio.h>\n",
    "drivers/include/drv/virtio.h": "#include <kern/mm.h>\n",
    "drivers/virtio/net.c": "#include <drv/virtio.h>\n#include <arch/cpu.h>\n",
    "net/include/net/net.h": "",
    "net/include/arch/cc.h": "",
    "net/sock.h": "",
    "net/socket.c": '#include <arch/cc.h>\n#include "sock.h"\n'
                    "#include <drv/virtio.h>\n#include <net/if.h>\n",
    "net/lwip-patches/x.patch": "#include <lib/nothing.h>\n",
}
SYSTEM = {"net/if.h": "", "string.h": "", "stdint.h": ""}


def write_tree(root, files):
    """Creates files ({relative path: text}) under root."""
    for rel, text in files.items():
        path = os.path.join(root, rel)
        os.makedirs(os.path.dirname(path), exist_ok=True)
        with open(path, "w", encoding="utf-8") as f:
            f.write(text)


def run(*args):
    """(exit status, stdout) of check-layers with args."""
    res = subprocess.run([sys.executable, TOOL, *args], capture_output=True,
                         text=True)
    return res.returncode, res.stdout + res.stderr


class Includes(unittest.TestCase):
    def setUp(self):
        self.tmp = tempfile.TemporaryDirectory()
        self.src = os.path.join(self.tmp.name, "src")
        self.sys = os.path.join(self.tmp.name, "sys")
        write_tree(self.src, TREE)
        write_tree(self.sys, SYSTEM)

    def tearDown(self):
        self.tmp.cleanup()

    def check(self, extra=()):
        return run("--source-dir", self.src, "--system-include", self.sys,
                   "--includes-only", *extra)

    def add(self, rel, text):
        with open(os.path.join(self.src, rel), "a", encoding="utf-8") as f:
            f.write(text)

    def test_clean_tree(self):
        rc, out = self.check()
        self.assertEqual(rc, 0, out)
        self.assertIn("no upward edge (11 files)", out)

    def test_upward_includes(self):
        self.add("kernel/mm/pt.c", "#include <net/net.h>\n")
        self.add("kernel/include/kern/mm.h", "  #  include <arch/cc.h>\n")
        self.add("arch/x86_64/include/arch/cpu.h",
                 '#include "../../../../kernel/mm/pt.h"\n')
        self.add("drivers/virtio/net.c", '#include "sock.h"\n')
        self.add("net/sock.h", "#include <kern/nowhere.h>\n")
        rc, out = self.check()
        self.assertEqual(rc, 1, out)
        self.assertEqual(out.splitlines()[:-1], [
            "arch/x86_64/include/arch/cpu.h:2 includes "
            "\"../../../../kernel/mm/pt.h\" (kernel)",
            "kernel/include/kern/mm.h:2 includes <arch/cc.h> (net)",
            "kernel/mm/pt.c:5 includes <net/net.h> (net)",
            "drivers/virtio/net.c:3 includes \"sock.h\" (net)"], out)
        self.assertIn("4 upward (11 files)", out)

    def test_comments_and_boot_are_not_includes(self):
        self.add("kernel/mm/pt.c", "/* #include <net/net.h>\n"
                 "#include <drv/virtio.h> */ // #include <net/net.h>\n"
                 "static const char *s = \"/*\";\n#include <drv/virtio.h>\n")
        self.add("kernel/boot/boot.c", "#include <net/net.h>\n")
        rc, out = self.check()
        self.assertEqual(rc, 1, out)
        self.assertEqual(out.splitlines()[:-1], [
            "kernel/mm/pt.c:8 includes <drv/virtio.h> (drivers)"], out)

    def test_extra_source_in_the_real_tree(self):
        bad = os.path.join(self.tmp.name, "bad.c")
        good = os.path.join(self.tmp.name, "good.c")
        write_tree(self.tmp.name, {
            "bad.c": "#include <kern/console.h>\n#include <drv/virtio.h>\n",
            "good.c": "#include <kern/console.h>\n#include <os/net.h>\n"})
        rc, out = run("--includes-only", "--extra-source", bad + "=kernel",
                      "--extra-source", good + "=kernel")
        self.assertEqual(rc, 1, out)
        self.assertIn(f"{bad}:2 includes <drv/virtio.h> (drivers)", out)
        self.assertNotIn(good, out)
        self.assertNotIn(f"{bad}:1", out)


# nm listings, one per layer, whose references all point down (or are
# arch's boot.S -> kern_main, which is allowed, or to musl: memcpy).
NM = {
    "arch": """
        boot.S.o:
                         U kern_main
        0000000000000000 T arch_cpu_init
        """,
    "kernel": """
        kernel/mm/pt.c.o:
        0000000000000000 T kern_panic
        0000000000000010 t local_helper
                         U arch_cpu_init
                         U memcpy
        """,
    "drivers": """
        drivers/pci.c.o:
        0000000000000000 T drv_pci_init
                         U kern_panic

        drivers/virtio/net.c.o:
        0000000000000000 T drv_virtio_net_init
                         U drv_pci_init
        """,
    "net": """
        net/netif.c.o:
        0000000000000000 T net_foo
        0000000000000000 B net_stats
                         U drv_virtio_net_init
        """,
    "boot": """
        kernel/boot/boot.c.o:
        0000000000000000 T kern_main
                         U net_foo
                         U drv_pci_init
        """,
}


class Calls(unittest.TestCase):
    def setUp(self):
        self.tmp = tempfile.TemporaryDirectory()

    def tearDown(self):
        self.tmp.cleanup()

    def check(self, extra):
        args = ["--calls-only"]
        for layer, text in NM.items():
            text = textwrap.dedent(text) + extra.get(layer, "")
            path = os.path.join(self.tmp.name, layer + ".nm")
            with open(path, "w", encoding="utf-8") as f:
                f.write(text)
            args += ["--nm-output", f"{layer}={path}"]
        return run(*args)

    def test_clean_listings(self):
        rc, out = self.check({})
        self.assertEqual(rc, 0, out)
        self.assertIn("no upward edge (6 objects in 5 archives)", out)

    def test_upward_references(self):
        rc, out = self.check({
            "drivers": "                 U net_foo\n",
            "kernel": "\nkernel/core/x.c.o:\n                 U net_stats\n"
                      "                 U kern_main\n"
                      "                 w drv_pci_init\n",
            "arch": "\ntrap.c.o:\n                 U kern_panic\n"
                    "                 U kern_main\n"})
        self.assertEqual(rc, 1, out)
        self.assertEqual(out.splitlines()[:-1], [
            "trap.c.o -> kern_panic (kernel)",
            "trap.c.o -> kern_main (boot)",
            "kernel/core/x.c.o -> net_stats (net)",
            "kernel/core/x.c.o -> kern_main (boot)",
            "kernel/core/x.c.o -> drv_pci_init (drivers)",
            "drivers/virtio/net.c.o -> net_foo (net)"], out)

    def test_weak_definition_below_does_not_hide_a_strong_one_above(self):
        rc, out = self.check({
            "kernel": "0000000000000000 W kern_hook\n"
                      "                 U kern_hook\n",
            "net": "0000000000000000 T kern_hook\n"})
        self.assertEqual(rc, 1, out)
        self.assertIn("kernel/mm/pt.c.o -> kern_hook (net)", out)
        rc, out = self.check({
            "kernel": "0000000000000000 W kern_hook\n"
                      "                 U kern_hook\n"})
        self.assertEqual(rc, 0, out)


if __name__ == "__main__":
    unittest.main()
