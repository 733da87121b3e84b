#!/usr/bin/python3
"""vm.netns_reap: tools/netns.py deletes the namespaces of runs that were
killed before their clean-up (ctest's timeout kills a test outright), and
only those: libosPID and libosPIDn of a PID that no longer runs go (with
/etc/netns/NAME), the namespace of a live PID stays, and so does one in
which a process still runs. Needs root; no QEMU, no traffic."""
import os
import subprocess
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                "..", "..", "tools"))
import netns  # noqa: E402


def names():
    out = netns.sh("ip", "netns", "list").stdout.split("\n")
    return {line.split()[0] for line in out if line.strip()}


def dead_pid():
    """A PID that ran and ended (not reused within this test, in practice)."""
    p = subprocess.Popen(["true"])
    p.wait()
    return p.pid


def main():
    if os.geteuid() != 0:
        print("netns_reap: needs root")
        return 1
    dead = dead_pid()
    live = os.getpid()
    dead2 = dead_pid()
    made = [f"libos{dead}", f"libos{dead}n", f"libos{live}",
            f"libos{dead2}"]
    for n in made:
        netns.sh("ip", "netns", "add", n)
    os.makedirs(f"/etc/netns/libos{dead}", exist_ok=True)
    busy = subprocess.Popen(["ip", "netns", "exec", f"libos{dead2}",
                             "sleep", "30"])
    try:
        for _ in range(50):  # until the sleep runs inside
            if netns.sh("ip", "netns", "pids", f"libos{dead2}").stdout.strip():
                break
            time.sleep(0.1)
        netns.reap_stale()
        left = names()
        ok = True
        for n, want in ((f"libos{dead}", False), (f"libos{dead}n", False),
                        (f"libos{live}", True), (f"libos{dead2}", True)):
            good = (n in left) == want
            ok &= good
            print(f"netns_reap: {n} {'kept' if n in left else 'deleted'}"
                  f" ({'ok' if good else 'WRONG'})")
        gone = not os.path.exists(f"/etc/netns/libos{dead}")
        print(f"netns_reap: /etc/netns/libos{dead} "
              f"{'deleted' if gone else 'left'} ({'ok' if gone else 'WRONG'})")
        ok &= gone
    finally:
        busy.kill()
        busy.wait()
        for n in made:
            netns.sh("ip", "netns", "del", n, check=False)
        netns.sh("rm", "-rf", f"/etc/netns/libos{dead}", check=False)
    print(f"netns_reap: {'PASS' if ok else 'FAIL'}")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
