#!/usr/bin/python3
"""vm.readme: the README's two commands, followed literally on a fresh
clone, so the README cannot drift from the truth.

    readmetest.py --source SRC [--list]

Reads the commands from the README's "The two commands" section (the
indented lines; a '#' starts a comment), clones SRC's committed HEAD into a
temporary directory, and runs each command there with bash, in order: the
first (tools/demo) must exit 0 and show every example answering; the
second (tools/check) must exit 0 and print ctest's summary with no test
failed. Between them, the README's plain qemu-system-x86_64 command must
print hello's greeting and exit 3 (hello's status 0). The second gets `-E ^vm\\.readme$` appended, so the suite it runs
excludes this test. --list prints the commands and exits.
"""
import argparse
import os
import re
import subprocess
import sys
import tempfile

SELF = r"^vm\.readme$"
# What tools/demo prints when the services answer (tools/demo's own lines).
DEMO_ANSWERS = ["hello exited with status 0", "TCP echo answered:",
                "UDP echo answered:", "status: NOERROR", "HTTP/1.1 200",
                "/nothere answered 404", "SSL connection using TLSv1.3",
                "SSL connection using TLSv1.2"]


def readme_commands(readme):
    """The commands of the README's "The two commands" section, in order."""
    text = open(readme).read()
    m = re.search(r"^## The two commands\n(.*?)^## ", text, re.M | re.S)
    if not m:
        sys.exit("FAIL: no '## The two commands' section in README.md")
    cmds = []
    for line in m.group(1).splitlines():
        if line.startswith("    ") and line.strip():
            cmd = line.split("#", 1)[0].strip()
            if cmd:
                cmds.append(cmd)
    if len(cmds) != 2:
        sys.exit(f"FAIL: want 2 commands in the section, found {cmds}")
    return cmds


def readme_qemu(readme):
    """The README's plain-QEMU command (its first indented block that
    starts with qemu-system-x86_64), continuation lines joined."""
    m = re.search(r"^    (qemu-system-x86_64 .*?)\n\n", open(readme).read(),
                  re.M | re.S)
    if not m:
        sys.exit("FAIL: no plain qemu-system-x86_64 command in README.md")
    return re.sub(r"\\\n\s*", "", m.group(1))


def run(cmd, cwd, log):
    """Run cmd with bash in cwd, its output to log and to our stdout;
    return (status, output)."""
    print(f"readme: running {cmd!r} in {cwd}", flush=True)
    with open(log, "w") as out:
        r = subprocess.run(["bash", "-c", cmd], cwd=cwd, stdout=out,
                           stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)
    text = open(log, errors="replace").read()
    print(text[-6000:], flush=True)
    return r.returncode, text


def main():
    """Clone, run both commands, check what they print."""
    p = argparse.ArgumentParser()
    p.add_argument("--source", required=True)
    p.add_argument("--list", action="store_true")
    a = p.parse_args()
    demo, check = readme_commands(os.path.join(a.source, "README.md"))
    if a.list:
        print(demo)
        print(check)
        return
    with tempfile.TemporaryDirectory(prefix="libos-readme-") as tmp:
        clone = os.path.join(tmp, "libos")
        subprocess.run(["git", "clone", "--quiet", a.source, clone],
                       check=True)
        status, out = run(demo, clone, os.path.join(tmp, "demo.log"))
        missing = [s for s in DEMO_ANSWERS if s not in out]
        if status != 0 or missing:
            sys.exit(f"FAIL: {demo!r} exited {status}; missing {missing}")
        qemu = readme_qemu(os.path.join(clone, "README.md"))
        status, out = run(f"timeout 120 {qemu}", clone,
                          os.path.join(tmp, "qemu.log"))
        if status != 3 or "Hello from libos!" not in out:
            sys.exit(f"FAIL: the README's QEMU command exited {status} "
                     "(want 3, the service's 0) or printed no greeting")
        status, out = run(f"{check} -E '{SELF}'", clone,
                          os.path.join(tmp, "check.log"))
        summary = re.search(r"(\d+)% tests passed, (\d+) tests failed out "
                            r"of (\d+)", out)
        if status != 0 or not summary or summary.group(2) != "0":
            sys.exit(f"FAIL: {check!r} exited {status}; summary "
                     f"{summary.group(0) if summary else 'missing'}")
        print(f"ok: {demo!r} and {check!r} on a fresh clone: "
              f"{summary.group(0)}")


if __name__ == "__main__":
    main()
