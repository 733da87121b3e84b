#!/usr/bin/python3
"""VM tests of a service that lives outside libos's tree (issue 17).

    outoftree.py --source SRC --build BUILD install
        cmake --install BUILD into a temporary prefix, a service written
        by the installed libos-new-service outside the source tree, built
        with find_package(libos), booted with the installed libos-run and
        asked over TCP; then the prefix is moved, the service rebuilt from
        scratch against the new place and asked again.
    outoftree.py --source SRC --build BUILD subdir
        the same service written by tools/new-service --source, built with
        add_subdirectory(SRC): libos's libraries are built in the
        service's build tree, without libos's examples and tests.

Each boot: the runner with --net user forwarding a free loopback port, two
connections answered, then SIGTERM to the runner ends the service through
its handler (status 0, its last line printed).
"""
import argparse
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time

NAME = "oot_svc"


def sh(*cmd, cwd=None):
    """Run cmd; on failure print its output and raise SystemExit."""
    r = subprocess.run(cmd, cwd=cwd, stdout=subprocess.PIPE,
                       stderr=subprocess.STDOUT, text=True)
    if r.returncode != 0:
        sys.exit(f"FAIL: {' '.join(cmd)} exited {r.returncode}:\n{r.stdout}")
    return r.stdout


def free_port():
    """A TCP port on 127.0.0.1 that is free now."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def build(svc, prefix=None):
    """Configure and build the service in svc/build from scratch."""
    shutil.rmtree(os.path.join(svc, "build"), ignore_errors=True)
    cfg = ["cmake", "-S", svc, "-B", os.path.join(svc, "build"), "-G", "Ninja"]
    if prefix:
        cfg.append(f"-DCMAKE_PREFIX_PATH={prefix}")
    sh(*cfg)
    out = sh("cmake", "--build", os.path.join(svc, "build"))
    for forbidden in ("examples/", "test/vm/", "test/unit/"):
        if forbidden in out:
            sys.exit(f"FAIL: the service's build built libos's {forbidden}:"
                     f"\n{out}")
    image = os.path.join(svc, "build", NAME + ".elf")
    if not os.path.isfile(image):
        sys.exit(f"FAIL: no {image} after the build:\n{out}")
    return image


def ask(port, deadline):
    """One connection's greeting (retried while slirp is not forwarding)."""
    while True:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=20) as s:
                data = b""
                while not data.endswith(b"\n"):
                    chunk = s.recv(200)
                    if not chunk:
                        break
                    data += chunk
                return data.decode()
        except OSError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.2)


def wait_for(log, text, proc, deadline):
    """Wait until text is in the file log; fail if proc ends or time runs out."""
    while text not in open(log).read():
        if proc.poll() is not None or time.monotonic() > deadline:
            sys.exit(f"FAIL: no {text!r} (runner status {proc.poll()}):\n"
                     + open(log).read())
        time.sleep(0.1)


def boot_and_ask(run, image, tmp):
    """Boot image with the runner run, ask it twice, stop it with SIGTERM."""
    port = free_port()
    log = os.path.join(tmp, "serial.log")
    with open(log, "w") as out:
        proc = subprocess.Popen([run, image, "--net", "user", "--fwd",
                                 f"tcp:{port}:8080", "--timeout", "240"],
                                stdin=subprocess.DEVNULL, stdout=out,
                                stderr=subprocess.STDOUT)
    try:
        deadline = time.monotonic() + 120
        wait_for(log, f"{NAME}: listening on TCP port 8080", proc, deadline)
        for i in (1, 2):
            got = ask(port, deadline)
            want = f"hello from {NAME} (connection {i})\n"
            if got != want:
                sys.exit(f"FAIL: connection {i} got {got!r}, want {want!r}")
        proc.send_signal(signal.SIGTERM)
        status = proc.wait(timeout=60)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    text = open(log).read()
    if status != 0 or f"{NAME}: SIGTERM after 2 connections" not in text:
        sys.exit(f"FAIL: after SIGTERM the runner exited {status}, "
                 f"want 0 and the service's last line:\n{text}")
    print(f"ok: {image} answered twice and exited 0 on SIGTERM")


def case_install(src, bld, tmp):
    """Install, build with find_package, boot; move the prefix, again."""
    p1, p2 = os.path.join(tmp, "prefix"), os.path.join(tmp, "moved")
    sh("cmake", "--install", bld, "--prefix", p1)
    svc = os.path.join(tmp, "work", NAME)
    sh(os.path.join(p1, "bin", "libos-new-service"), NAME, svc)
    boot_and_ask(os.path.join(p1, "bin", "libos-run"), build(svc, p1), tmp)
    os.rename(p1, p2)
    for f in ("CMakeLists.txt", "main.c"):
        if src in open(os.path.join(svc, f)).read():
            sys.exit(f"FAIL: {f} names the libos source tree")
    boot_and_ask(os.path.join(p2, "bin", "libos-run"), build(svc, p2), tmp)


def case_subdir(src, tmp):
    """tools/new-service --source, build with add_subdirectory, boot."""
    svc = os.path.join(tmp, "work", NAME)
    sh(os.path.join(src, "tools", "new-service"), NAME, svc, "--source", src)
    boot_and_ask(os.path.join(src, "tools", "run"), build(svc), tmp)


def main():
    """Parse the command line and run the case in a temporary directory."""
    p = argparse.ArgumentParser()
    p.add_argument("--source", required=True)
    p.add_argument("--build", required=True)
    p.add_argument("case", choices=["install", "subdir"])
    a = p.parse_args()
    with tempfile.TemporaryDirectory(prefix="libos-oot-") as tmp:
        if a.case == "install":
            case_install(os.path.abspath(a.source), os.path.abspath(a.build),
                         tmp)
        else:
            case_subdir(os.path.abspath(a.source), tmp)


if __name__ == "__main__":
    main()
