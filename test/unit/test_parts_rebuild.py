# os_add_executable(... LIBRARIES lib...) and the parts of the image,
# in a throwaway project in a temporary directory that includes
# cmake/OsExecutable.cmake and links with the libos archives already
# built:
# - an incremental build notices a library's new use of an optional
#   part: a library that starts calling socket() brings the network stack
#   on the next build (pass 0 runs again on the changed library), and it
#   goes when the call goes;
# - LIBRARIES takes any library target_link_libraries takes: an
#   INTERFACE library (usage requirements only) and an OBJECT library,
#   whose objects' calls count like the service's own.
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
get_filename_component(_tools ${MKSYMS} DIRECTORY)
set(OS_MKCPIO ${_tools}/mkcpio)
set(OS_GUEST_FLAGS os_guest_flags)
set(OS_LINKER_SCRIPT ${LIBOS}/arch/x86_64/linker.ld)
include(${LIBOS}/cmake/OsExecutable.cmake)
"""

STATIC_LIB = """\
add_library(svc_lib STATIC lib.c)
target_link_libraries(svc_lib PRIVATE os_guest_flags)
os_add_executable(svc SOURCES main.c LIBRARIES svc_lib)
"""

OTHER_LIBS = """\
add_library(svc_flags INTERFACE)
target_compile_definitions(svc_flags INTERFACE SVC_FLAGS=1)
add_library(svc_objs_lib OBJECT lib.c)
target_link_libraries(svc_objs_lib PRIVATE os_guest_flags)
os_add_executable(svc SOURCES main.c LIBRARIES svc_flags svc_objs_lib)
"""

MAIN_NEEDS_FLAGS = """\
#ifndef SVC_FLAGS
#error svc_flags's definition is missing
#endif
int svc_lib_call(void);
int main(void)
{
	return svc_lib_call();
}
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

    def configure(self, images, main, lib):
        """Write the project (PROJECT, then images) and its sources, and
        configure it."""
        with open(os.path.join(self.src, "CMakeLists.txt"), "w") as f:
            f.write(PROJECT + images)
        write(os.path.join(self.src, "main.c"), main)
        write(os.path.join(self.src, "lib.c"), lib)
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
        self.configure(STATIC_LIB, MAIN, LIB_PLAIN)
        self.assertEqual(self.build_parts(), [])
        self.assertFalse(self.linked("net_init"))
        write(lib, LIB_SOCKET)
        self.assertEqual(self.build_parts(), ["net"])
        self.assertTrue(self.linked("net_init"))
        write(lib, LIB_PLAIN)
        self.assertEqual(self.build_parts(), [])
        self.assertFalse(self.linked("net_init"))

    def test_interface_and_object_libraries(self):
        self.configure(OTHER_LIBS, MAIN_NEEDS_FLAGS, LIB_SOCKET)
        self.assertEqual(self.build_parts(), ["net"])
        self.assertTrue(self.linked("net_init"))


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
