# Unit tests for tools/size-report: the parts and columns it reads from a
# recorded link map (test/fixtures/size-report, figures worked out by hand
# in the comments below), and, given built images, that its rows add up to
# what `size -A` says each image's loaded sections hold.
#
#   test_size_report.py                        the recorded map only
#   test_size_report.py [--archive LIB.a] IMAGE.elf... -- CMD...
#                                              also each image's map, with
#                                              CMD (the report's command)

import json
import os
import re
import subprocess
import sys
import tempfile
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
TOOL = os.path.join(HERE, "..", "..", "tools", "size-report")
FIXTURES = os.path.join(HERE, "..", "fixtures", "size-report")
MAP = os.path.join(FIXTURES, "hello.map")
SPLIT = ["--sources", "libos_net.a=" + os.path.join(FIXTURES, "net.sources"),
         "--vendor", "lwIP=/lwip", "--vendor",
         "lwIP=/build/net/lwip-patched"]
COLS = ("text", "rodata", "data", "bss", "ksyms")

# The recorded map, by hand (hex from the map, decimal here):
#  text   .text 0x1960 = 6496: .boot.text 0x1b1 (arch), .text.startup 0x94
#         (service), printf 0xc3 + memcpy 0x32 (musl), kern_main 0x200
#         (kernel), tcp_input 0x1000 (lwIP, tcp_in.c from lwip-patched),
#         sock_send 0x300 (port), _udivdi3 0x100 (libgcc), fill f+c+b.
#  rodata .note.pvh 0x18 + .ex_table 0x30 (arch); .rodata 0x1e1: str1.1
#         0x29 (service), str1.1 of main.c.o (0x10 before merging, 4 left:
#         socket.c.o's starts 4 bytes on), str1.1 0x20 (port), 0x80
#         (lwIP), table 0x101 (musl), fill 7+c.
#  data   .data 0x52: 0x42 (arch), 8 (musl), 2 (lwIP, tcp.c from the lwIP
#         tree), fill 6.
#  bss    .bss 0x2000: 0x1240 (arch), 0x408 (musl), 0x20 (port), COMMON
#         0x10 (drivers), fill 0x988 to the page.
#  ksyms  .ksyms 0x7b22 (hello.ksyms.S.o).
# The discarded input sections (.rodata.unused 0x50 of hello.c.o,
# .text.unused_fn 0x1c0, ...) and the debug sections count nowhere.
EXPECTED = {
    "service": (148, 41, 0, 0, 0),
    "libos_kernel.a": (512, 4, 0, 0, 0),
    "libos_arch.a": (433, 72, 66, 4672, 0),
    "libos_drivers.a": (0, 0, 0, 16, 0),
    "libos_net.a": (768, 32, 0, 32, 0),
    "lwIP": (4096, 128, 2, 0, 0),
    "musl": (245, 257, 8, 1032, 0),
    "libgcc": (256, 0, 0, 0, 0),
    "symbol table": (0, 0, 0, 0, 31522),
    "padding": (38, 19, 6, 2440, 0),
}
TOTAL = (6496, 553, 82, 8192, 31522)


def run(args, check=True):
    """Runs the tool on the recorded map's directory as its build directory
    (it has no size-report/options); returns the finished process."""
    p = subprocess.run([sys.executable, TOOL, "--build-dir", FIXTURES] +
                       args, stdout=subprocess.PIPE,
                       stderr=subprocess.PIPE, text=True)
    if check and p.returncode != 0:
        raise AssertionError(f"size-report {args} exited {p.returncode}: "
                             f"{p.stderr}")
    return p


def report(args):
    """The tool's JSON report for args."""
    return json.loads(run(args + ["--json"]).stdout)


def counts(row):
    """The five columns of a report row as a tuple."""
    return tuple(row[c] for c in COLS)


class FixtureTest(unittest.TestCase):
    """The recorded map, against the figures worked out by hand."""

    def test_rows(self):
        r = report([MAP] + SPLIT)
        got = {row["part"]: counts(row) for row in r["rows"]}
        self.assertEqual(got, EXPECTED)
        self.assertEqual([row["part"] for row in r["rows"]], [
            "service", "libos_kernel.a", "libos_arch.a", "libos_drivers.a",
            "libos_net.a", "lwIP", "musl", "libgcc", "symbol table",
            "padding"])
        self.assertEqual(counts(r["total"]), TOTAL)
        self.assertEqual(r["total"]["loaded"], sum(TOTAL))
        self.assertEqual(r["total"]["stripped"], sum(TOTAL) - TOTAL[3])
        self.assertEqual(r["unaccounted"], {})
        self.assertEqual(r["warnings"], [])

    def test_text_table(self):
        out = run([MAP] + SPLIT).stdout
        self.assertRegex(out, r"\ntotal +6496 +553 +82 +8192 +31522 +46845 "
                         r"+38653\n")
        self.assertRegex(out, r"\nlwIP +4096 +128 +2 +0 +0 +4226 +4226\n")
        self.assertNotIn("other", out)

    def test_unsplit_archive_is_one_row(self):
        got = {row["part"]: counts(row) for row in report([MAP])["rows"]}
        self.assertNotIn("lwIP", got)
        self.assertEqual(got["libos_net.a"], (4864, 160, 2, 32, 0))

    def test_options_from_the_build_directory(self):
        with tempfile.TemporaryDirectory() as tmp:
            os.mkdir(os.path.join(tmp, "size-report"))
            with open(os.path.join(tmp, "size-report", "options"), "w") as f:
                f.write("\n".join(SPLIT) + "\n")
            got = report([MAP, "--build-dir", tmp])
            unsplit = report([MAP, "--build-dir", tmp, "--no-build-options"])
        self.assertEqual({row["part"]: counts(row) for row in got["rows"]},
                         EXPECTED)
        self.assertNotIn("lwIP", [row["part"] for row in unsplit["rows"]])

    def test_per_object(self):
        objs = report([MAP, "--per-object", "3"] + SPLIT)["objects"]
        self.assertEqual([(o["object"], o["part"], o["loaded"]) for o in objs],
                         [("hello.ksyms.S.o", "symbol table", 31522),
                          ("libos_arch.a(boot.S.o)", "libos_arch.a", 5195),
                          ("libos_net.a(tcp_in.c.o)", "lwIP", 4224)])

    def test_unread_entry_is_an_error(self):
        with open(MAP) as f:
            text = f.read()
        line = (" .rodata        0x0000000000102060       0x80 "
                "net/libos_net.a(tcp_in.c.o)\n")
        self.assertIn(line, text)
        with tempfile.TemporaryDirectory() as tmp:
            broken = os.path.join(tmp, "hello.map")
            with open(broken, "w") as f:
                f.write(text.replace(line, ""))
            p = run([broken, "--json"] + SPLIT, check=False)
        self.assertEqual(p.returncode, 1)
        self.assertEqual(json.loads(p.stdout)["unaccounted"],
                         {".rodata": 128})

    def test_source_outside_every_directory_warns(self):
        with tempfile.TemporaryDirectory() as tmp:
            sources = os.path.join(tmp, "net.sources")
            with open(sources, "w") as f:
                f.write("/src/libos/net\n/elsewhere/tcp_in.c\nsocket.c\n")
            r = report([MAP, "--sources", "libos_net.a=" + sources,
                        "--vendor", "lwIP=/lwip"])
        # tcp.c.o is in none of the sources: counted for the archive too.
        self.assertEqual(r["rows"][4]["part"], "libos_net.a")
        self.assertEqual(counts(r["rows"][4]), (4864, 160, 2, 32, 0))
        self.assertTrue(any("/elsewhere/tcp_in.c" in w
                            for w in r["warnings"]))
        self.assertTrue(any("tcp.c.o" in w for w in r["warnings"]))


def allocated(elf):
    """The image's allocated sections: name -> (column, size), the column
    from readelf's flags and type as the report's columns are defined
    (.ksyms; executable text; writable NOBITS bss; writable data; other
    allocated rodata), the size from size -A."""
    columns = {}
    for line in subprocess.run(["readelf", "-SW", elf], check=True,
                               stdout=subprocess.PIPE, text=True).stdout \
            .splitlines():
        m = re.match(r"\s*\[\s*\d+\]\s+(\S+)\s+(\S+)\s+\S+\s+\S+\s+\S+"
                     r"\s+\S+\s+([A-Za-z]*)\s", line)
        if not m or "A" not in m.group(3):
            continue
        name, kind, flags = m.groups()
        columns[name] = ("ksyms" if name == ".ksyms" else
                         "text" if "X" in flags else
                         ("bss" if kind == "NOBITS" else "data")
                         if "W" in flags else "rodata")
    sizes = {}
    for line in subprocess.run(["size", "-A", elf], check=True,
                               stdout=subprocess.PIPE, text=True).stdout \
            .splitlines():
        f = line.split()
        if len(f) == 3 and f[0] in columns:
            sizes[f[0]] = (columns[f[0]], int(f[1]))
    return sizes


class ImageTest(unittest.TestCase):
    """Each built image's report against its ELF."""
    images, archive, command = [], None, []

    def image_report(self, elf):
        map_path = os.path.splitext(elf)[0] + ".map"
        p = subprocess.run(self.command + [map_path, "--json",
                                           "--per-object", "100000"],
                           stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                           text=True)
        self.assertEqual(p.returncode, 0, p.stderr)
        return json.loads(p.stdout)

    def test_rows_add_up_to_size_A(self):
        self.assertTrue(self.images)
        for elf in self.images:
            with self.subTest(image=elf):
                r = self.image_report(elf)
                sizes = allocated(elf)
                self.assertIn(".text", sizes)
                grouped = {c: 0 for c in COLS}
                for col, size in sizes.values():
                    grouped[col] += size
                rows = {c: sum(row[c] for row in r["rows"]) for c in COLS}
                self.assertEqual(rows, grouped)
                self.assertEqual(counts(r["total"]),
                                 tuple(grouped[c] for c in COLS))
                self.assertEqual(r["unaccounted"], {})
                self.assertEqual(r["ambiguous"], 0)
                parts = {row["part"]: row for row in r["rows"]}
                self.assertGreater(parts["service"]["text"], 0)
                self.assertEqual(parts["symbol table"]["ksyms"],
                                 sizes[".ksyms"][1])
                self.check_same_named_members(r)

    def check_same_named_members(self, r):
        """Where the archive holds two members of one name (lwIP's netif.c
        and the port's), each is reported apart, and the one counted for
        lwIP is the one that defines lwIP's netif_add (by nm on the member
        taken out of the archive)."""
        if not self.archive:
            return
        base = os.path.basename(self.archive)
        members = subprocess.run(["ar", "t", self.archive], check=True,
                                 text=True, stdout=subprocess.PIPE).stdout
        if members.split().count("netif.c.o") < 2:
            return  # nothing to tell apart
        netif = [o for o in r["objects"]
                 if o["object"].startswith(base + "(netif.c.o")]
        for o in netif:  # none in an image without the network
            m = re.fullmatch(re.escape(base) + r"\(netif\.c\.o#(\d+)\)",
                             o["object"])
            self.assertTrue(m, o["object"])
            with tempfile.TemporaryDirectory() as tmp:
                subprocess.run(["ar", "xN", m.group(1),
                                os.path.abspath(self.archive),
                                "netif.c.o"], cwd=tmp, check=True)
                syms = subprocess.run(["nm", "--defined-only", "netif.c.o"],
                                      cwd=tmp, check=True, text=True,
                                      stdout=subprocess.PIPE).stdout
            defines = bool(re.search(r" T netif_add$", syms, re.M))
            self.assertEqual(o["part"] == "lwIP", defines, o["object"])


def main():
    argv = sys.argv[1:]
    if "--" in argv:
        i = argv.index("--")
        argv, ImageTest.command = argv[:i], argv[i + 1:]
        if argv[:1] == ["--archive"]:
            ImageTest.archive, argv = argv[1], argv[2:]
        ImageTest.images = argv
        tests = unittest.TestSuite([ImageTest("test_rows_add_up_to_size_A")])
    else:
        tests = unittest.defaultTestLoader.loadTestsFromTestCase(FixtureTest)
    result = unittest.TextTestRunner(verbosity=2).run(tests)
    sys.exit(0 if result.wasSuccessful() else 1)


if __name__ == "__main__":
    main()
