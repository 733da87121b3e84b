"""Network namespaces for tests and benchmarks of libos's network drivers:
a namespace with a tap device the guest's NIC plugs into, so that all
traffic stays inside it. Used by test/vm/nettest.py and tools/bench-net.
Needs root (or CAP_NET_ADMIN and CAP_SYS_ADMIN)."""
import os
import subprocess

HOST_IP = "10.0.0.1"
GUEST_IP = "10.0.0.2"
HOST_IP6 = "fd00:1::1"      # tap0's address in the SLAAC prefix
PREFIX6 = "fd00:1::"        # the /64 dnsmasq advertises


def sh(*cmd, check=True, **kw):
    """Run a command; raise with its output when it fails and check is set."""
    p = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                       text=True, **kw)
    if check and p.returncode:
        raise RuntimeError(f"{' '.join(cmd)}: {p.stdout.strip()}")
    return p


def reap_stale():
    """Delete the namespaces a run killed before its own clean-up left
    behind (ctest's timeout kills a test outright): every libosPID (and
    libosPIDn, benchlib's second) whose process PID is gone and in which
    nothing runs, with /etc/netns/NAME (guestnet.hosts's). A namespace of
    a run still alive is never touched; a PID reused since leaves its
    namespace in place, which costs nothing."""
    names = sh("ip", "netns", "list", check=False).stdout.split("\n")
    for name in (line.split()[0] for line in names if line.strip()):
        pid = name[len("libos"):].rstrip("n")
        if not name.startswith("libos") or not pid.isdigit():
            continue
        if os.path.exists(f"/proc/{pid}"):
            continue
        if sh("ip", "netns", "pids", name, check=False).stdout.strip():
            continue
        sh("ip", "netns", "del", name, check=False)
        sh("rm", "-rf", f"/etc/netns/{name}", check=False)


class Netns:
    """`with Netns() as ns:` creates namespace ns.name holding tap0 with
    HOST_IP/24, up; on exit every process started with ns.popen is stopped
    by its PID and the namespace is deleted."""

    def __init__(self):
        self.name = f"libos{os.getpid()}"
        self.procs = []

    def __enter__(self):
        if os.geteuid() != 0:
            raise PermissionError("network namespaces need root")
        reap_stale()
        sh("ip", "netns", "add", self.name)
        try:
            self.run("ip", "tuntap", "add", "dev", "tap0", "mode", "tap")
            self.run("ip", "addr", "add", f"{HOST_IP}/24", "dev", "tap0")
            self.run("ip", "link", "set", "tap0", "up")
            self.run("ip", "link", "set", "lo", "up")
        except Exception:
            self.__exit__(None, None, None)
            raise
        return self

    def cmd(self, *args):
        """args run inside the namespace."""
        return ["ip", "netns", "exec", self.name] + list(args)

    def run(self, *args, check=True, **kw):
        """Run args inside the namespace to completion."""
        return sh(*self.cmd(*args), check=check, **kw)

    def popen(self, *args, **kw):
        """Start args inside the namespace; stopped on exit."""
        p = subprocess.Popen(self.cmd(*args), **kw)
        self.procs.append(p)
        return p

    def add_ip6(self):
        """Give tap0 HOST_IP6/64 at once (no duplicate address detection,
        which would otherwise hold the address back for a second)."""
        self.run("sysctl", "-qw", "net.ipv6.conf.tap0.accept_dad=0")
        self.run("ip", "-6", "addr", "add", f"{HOST_IP6}/64", "dev", "tap0",
                 "nodad")

    def dnsmasq(self, *options):
        """Start dnsmasq in the foreground on tap0 with options (no DNS
        service, no lease file, no ping of an address before offering it,
        which would hold the first offer back for seconds; logging to its
        stdout, a pipe of the returned process); stopped by its PID on
        exit."""
        cmd = ["dnsmasq", "--no-daemon", "--conf-file=/dev/null",
               "--interface=tap0", "--bind-interfaces", "--port=0",
               "--leasefile-ro", "--pid-file=", "--log-facility=-",
               "--log-dhcp", "--no-ping", "--user=root"] + list(options)
        return self.popen(*cmd, stdout=subprocess.PIPE,
                          stderr=subprocess.STDOUT, text=True)

    def dns_server(self, *options):
        """Start dnsmasq in the foreground as a name server on tap0 (port
        53, no upstream servers, no /etc/hosts; queries logged to its
        stdout, a pipe of the returned process), with options such as
        --address=/NAME/ADDR for the names it serves; with a
        --dhcp-range it also gives leases, naming itself as the name
        server. Stopped by its PID on exit."""
        cmd = ["dnsmasq", "--no-daemon", "--conf-file=/dev/null",
               "--interface=tap0", "--bind-interfaces", "--no-resolv",
               "--no-hosts", "--log-queries", "--leasefile-ro",
               "--pid-file=", "--log-facility=-", "--log-dhcp",
               "--no-ping", "--user=root"] + list(options)
        return self.popen(*cmd, stdout=subprocess.PIPE,
                          stderr=subprocess.STDOUT, text=True)

    def counter(self, name):
        """A tap0 statistics counter (rx_packets, tx_packets ...)."""
        return int(self.run("cat", f"/sys/class/net/tap0/statistics/{name}")
                   .stdout)

    def __exit__(self, *exc):
        for p in self.procs:
            if p.poll() is None:
                p.terminate()
                try:
                    p.wait(timeout=5)
                except subprocess.TimeoutExpired:
                    p.kill()
                    p.wait()
        sh("ip", "netns", "del", self.name, check=False)
        return False
