# An incremental build notices a library's new use of an optional part:
# a service built with os_add_executable(... LIBRARIES lib) whose library
# starts calling socket() must, on the next build, get the network stack
# (pass 0 runs again on the changed library), and lose it again when the
# call goes. A throwaway project in a temporary directory includes
# cmake/OsExecutable.cmake and links with the libos archives already built.
#
#   test_parts_rebuild.py --source-dir DIR --generator G --cc CC
#       --mksyms PATH --musl-include DIR --cc-include DIR --musl-libc PATH
#       --libgcc PATH [--make-program PATH] ARCHIVE...

import argparse
import os
import subprocess
import sys
import tempfile
import unittest

PROJECT = """\
cmake_minimum_required(VERSION 3.25)
project(parts_rebuild C ASM)
include(${LIBOS}/cmake/OsFlags.cmake)
set(OS_MKSYMS ${MKSYMS})
set(OS_LINKER_SCRIPT ${LIBOS}/arch/x86_64/linker.ld)
include(${LIBOS}/cmake/OsExecutable.cmake)
add_library(svc_lib STATIC lib.c)
target_link_libraries(svc_lib PRIVATE os_guest_flags)
os_add_executable(svc SOURCES main.c LIBRARIES svc_lib)
"""

MAIN = """\
int svc_lib_call(void);
int main(void)
{
	return svc_lib_call();
}
"""

LIB_PLAIN = """\
int svc_lib_call(void)
{
	return 0;
}
"""

LIB_SOCKET = """\
#include <sys/socket.h>
int svc_lib_call(void)
{
	return socket(AF_INET, SOCK_DGRAM, 0) < 0;
}
"""

ARGS = None


def write(path, text):
    """Write text to path (a change the next build must notice)."""
    with open(path, "w") as f:
        f.write(text)


class PartsRebuild(unittest.TestCase):
    def setUp(self):
        self.tmp = tempfile.TemporaryDirectory()
        self.src = os.path.join(self.tmp.name, "src")
        self.build = os.path.join(self.tmp.name, "build")
        os.mkdir(self.src)
        with open(os.path.join(self.src, "CMakeLists.txt"), "w") as f:
            f.write(PROJECT)
        write(os.path.join(self.src, "main.c"), MAIN)
        write(os.path.join(self.src, "lib.c"), LIB_PLAIN)
        cmd = ["cmake", "-S", self.src, "-B", self.build,
               "-G", ARGS.generator, "-DCMAKE_C_COMPILER=" + ARGS.cc,
               "-DCMAKE_ASM_COMPILER=" + ARGS.cc,
               "-DLIBOS=" + ARGS.source_dir, "-DMKSYMS=" + ARGS.mksyms,
               "-DOS_MUSL_INCLUDE_DIR=" + ARGS.musl_include,
               "-DOS_CC_INCLUDE_DIR=" + ARGS.cc_include,
               "-DOS_MUSL_LIBC=" + ARGS.musl_libc,
               "-DOS_LIBGCC=" + ARGS.libgcc,
               "-DOS_LIBRARIES=" + ";".join(ARGS.archives)]
        if ARGS.make_program:
            cmd.append("-DCMAKE_MAKE_PROGRAM=" + ARGS.make_program)
        self.run_ok(cmd)

    def tearDown(self):
        self.tmp.cleanup()

    def run_ok(self, cmd):
        r = subprocess.run(cmd, stdout=subprocess.PIPE,
                           stderr=subprocess.STDOUT, text=True)
        self.assertEqual(r.returncode, 0,
                         "%s failed:\n%s" % (" ".join(cmd), r.stdout))

    def build_parts(self):
        """Build the image; the parts it was given."""
        self.run_ok(["cmake", "--build", self.build, "--target", "svc"])
        with open(os.path.join(self.build, "svc.parts.txt")) as f:
            return f.read().split()

    def linked(self, symbol):
        """Whether the image's map shows symbol defined in it."""
        with open(os.path.join(self.build, "svc.map")) as f:
            return any(line.split()[-1:] == [symbol] for line in f)

    def test_library_change_reruns_pass_0(self):
        lib = os.path.join(self.src, "lib.c")
        self.assertEqual(self.build_parts(), [])
        self.assertFalse(self.linked("net_init"))
        write(lib, LIB_SOCKET)
        self.assertEqual(self.build_parts(), ["net"])
        self.assertTrue(self.linked("net_init"))
        write(lib, LIB_PLAIN)
        self.assertEqual(self.build_parts(), [])
        self.assertFalse(self.linked("net_init"))


def main():
    global ARGS
    p = argparse.ArgumentParser()
    for opt in ("--source-dir", "--generator", "--cc", "--mksyms",
                "--musl-include", "--cc-include", "--musl-libc", "--libgcc"):
        p.add_argument(opt, required=True)
    p.add_argument("--make-program")
    p.add_argument("archives", nargs="+")
    ARGS, rest = p.parse_known_args()
    unittest.main(argv=[sys.argv[0]] + rest)


if __name__ == "__main__":
    main()
