# cmake/OsParts.cmake reads which of musl's members a link pulled in from
# the link map, in both of the layouts GNU ld prints an archive member in:
# the member on a line of its own and what asked for it on the next (a
# path of 29 characters or more), or both on one line (a shorter path,
# such as -DOS_MUSL_LIBC=/opt/musl/libc.a). A missed member would leave
# its part out of the image with no error.
#
#   test_parts_map.py [CMAKE]

import os
import subprocess
import sys
import tempfile
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
SCRIPT = os.path.join(HERE, "..", "..", "cmake", "OsParts.cmake")
CMAKE = "cmake"

# What ld -Map printed for a service linked against /opt/musl/libc.a:
# socket.lo and poll.lo fit on one line with their reason, getsockopt.lo
# does not.
MAP = """\
Archive member included to satisfy reference by file (symbol)

/opt/musl/libc.a(socket.lo)   CMakeFiles/svc_objs.dir/main.c.o (socket)
/opt/musl/libc.a(syscall_ret.lo)
                              /opt/musl/libc.a(socket.lo) (__syscall_ret)
/opt/musl/libc.a(getsockopt.lo)
                              CMakeFiles/svc_objs.dir/main.c.o (getsockopt)
/opt/musl/libc.a(poll.lo)     CMakeFiles/svc_objs.dir/main.c.o (poll)

Discarded input sections

 .note.GNU-stack
                0x0000000000000000        0x0 /opt/musl/libc.a(poll.lo)
"""


class PartsMap(unittest.TestCase):
    def setUp(self):
        self.tmp = tempfile.TemporaryDirectory()
        self.map = os.path.join(self.tmp.name, "svc.map")
        with open(self.map, "w") as f:
            f.write(MAP)

    def tearDown(self):
        self.tmp.cleanup()

    def script(self, *defs):
        cmd = [CMAKE] + ["-D" + d for d in defs] + ["-P", SCRIPT]
        return subprocess.run(cmd, stdout=subprocess.PIPE,
                              stderr=subprocess.STDOUT, text=True)

    def detect(self):
        out = os.path.join(self.tmp.name, "svc.parts")
        r = self.script("MODE=detect", "MAP=" + self.map, "USES=",
                        "OUT=" + out)
        self.assertEqual(r.returncode, 0, r.stdout)
        with open(out + ".txt") as f:
            return sorted(f.read().split())

    def test_detect_reads_both_layouts(self):
        self.assertEqual(self.detect(), ["net", "poll"])

    def test_check_fails_on_a_member_on_one_line(self):
        parts = os.path.join(self.tmp.name, "parts.txt")
        with open(parts, "w") as f:
            f.write("poll\n")
        r = self.script("MODE=check", "MAP=" + self.map, "PARTS=" + parts,
                        "NAME=svc")
        self.assertNotEqual(r.returncode, 0, r.stdout)
        self.assertIn("calls socket()", r.stdout)
        self.assertIn("main.c.o (socket)", r.stdout)

    def test_detect_member_asked_for_by_a_member(self):
        """send.lo on one line with the member that asked for it: the
        line's first member is the one pulled in."""
        with open(self.map, "w") as f:
            f.write(MAP.split("\n")[0] + "\n\n" +
                    "/opt/musl/libc.a(send.lo)     "
                    "/opt/musl/libc.a(netlink.lo) (send)\n")
        self.assertEqual(self.detect(), ["net"])


if __name__ == "__main__":
    if len(sys.argv) > 1 and not sys.argv[1].startswith("-"):
        CMAKE = sys.argv.pop(1)
    unittest.main()
