#!/usr/bin/env python3
"""unit.dnszonec: tools/dnszone's compiler on the master files of
test/unit/dnszone. Each invalid zone must fail with exactly one line
"file:line: reason" on stderr and leave the output file as it was; each
valid one must give a database that decodes per lib/dns/include/dns/db.h
(header, CRC, zones, names in canonical order, RRsets) and holds exactly
the records ldns-read-zone reads from the same text (or from a flattened
copy, for $INCLUDE), owners lower-cased and RDATA in the zone's case.

usage: test_dnszonec.py DNSZONEC [LDNS_READ_ZONE]"""
import os
import shutil
import struct
import subprocess
import sys
import tempfile
import zlib

HERE = os.path.join(os.path.dirname(os.path.abspath(__file__)), "dnszone")
OK = os.path.join(HERE, "ok")
BAD = os.path.join(HERE, "bad")

RRS = "Syntax error, could not parse the RR's "
# (file compiled from bad/, the one line expected on stderr)
ERRORS = [
    ("syntax.zone", "syntax.zone:5: " + RRS + "rdata"),
    ("multiline.zone", "multiline.zone:8: Syntax error, superfluous text present"),
    ("badinclude.zone",
     "badinclude.zone:3: $INCLUDE sub/missing.inc: No such file or directory"),
    ("loop.zone", "sub/loop-b.inc:2: $INCLUDE sub/loop-a.inc: include loop"),
    ("incerror.zone", "sub/broken.inc:3: " + RRS + "rdata"),
    ("incorigin.zone", "incorigin.zone:3: " + RRS + "dname(s)"),
    ("badorigin.zone", "badorigin.zone:1: " + RRS + "dname(s)"),
    ("badttl.zone", "badttl.zone:2: " + RRS + "TTL"),
    ("bigttl.zone", "bigttl.zone:4: " + RRS + "TTL"),
    # dbwrite.c's semantic checks, through the compiler.
    ("outofzone.zone", "outofzone.zone:5: www.other.test. is outside the zone"),
    # (at the name's last record read)
    ("cname.zone", "cname.zone:6: CNAME and other data at www.cname."),
    ("nosoa.zone", "nosoa.zone: no SOA at the apex"),
    ("absent.zone", "absent.zone: No such file or directory"),
]

failures = []


def check(cond, what):
    if not cond:
        failures.append(what)
        print("FAIL: " + what)


def u16(b, o):
    return struct.unpack_from("<H", b, o)[0]


def u32(b, o):
    return struct.unpack_from("<I", b, o)[0]


def wire_name(b, o):
    """The wire name at b[o:], as a list of labels, and its length."""
    labels, start = [], o
    while True:
        n = b[o]
        assert n <= 63, "label over 63 at %d" % o
        o += 1
        if n == 0:
            break
        labels.append(bytes(b[o:o + n]))
        o += n
    assert o - start <= 255, "name over 255 octets"
    return labels, o - start


def text(labels):
    return ".".join(l.decode("ascii") for l in labels) + "."


def canon_key(labels):
    """RFC 4034 s6.1 order: labels from the root, lower-cased octets."""
    return [l.lower() for l in reversed(labels)]


def decode(db):
    """{apex text: set of (owner text, type, ttl, rdata hex)} of a database,
    asserting the layout db.h promises."""
    assert db[:8] == b"LIBOSDNS", "magic"
    version, size, crc, nzones, nnames, reserved = struct.unpack_from(
        "<6I", db, 8)
    assert version == 1 and reserved == 0, "version"
    assert size == len(db), "size %d of %d" % (size, len(db))
    assert crc == zlib.crc32(db[20:size]), "crc"
    names_at = 32 + 8 * nzones
    assert names_at + 16 * nnames <= size, "tables past the end"
    zones, expect_first, prev_apex = {}, 0, None
    for z in range(nzones):
        first, count = struct.unpack_from("<2I", db, 32 + 8 * z)
        assert first == expect_first and count >= 1, "zone ranges"
        expect_first += count
        apex = None
        recs, prev = set(), None
        for i in range(first, first + count):
            e = names_at + 16 * i
            owner_at, rrsets, nrrsets, flags, cut = struct.unpack_from(
                "<IIHHI", db, e)
            owner, _ = wire_name(db, owner_at)
            assert all(l == l.lower() for l in owner), "owner not lower"
            key = canon_key(owner)
            if apex is None:
                apex = owner
                assert prev_apex is None or canon_key(prev_apex) < key
                prev_apex = owner
            assert key[:len(apex)] == canon_key(apex), "name outside apex"
            assert prev is None or prev < key, "names out of order"
            prev = key
            o, last_type = rrsets, -1
            for _ in range(nrrsets):
                rtype, n = u16(db, o), u16(db, o + 2)
                assert rtype > last_type and n >= 1, "rrsets"
                last_type, o = rtype, o + 4
                for _ in range(n):
                    ttl, rdlen = u32(db, o), u16(db, o + 4)
                    rdata = db[o + 6:o + 6 + rdlen]
                    assert len(rdata) == rdlen, "rdata past the end"
                    recs.add((text(owner), rtype, ttl, rdata.hex()))
                    o += 6 + rdlen
        zones[text(apex)] = recs
    assert expect_first == nnames, "names outside every zone"
    return zones


def ldns_records(ldns_read_zone, path, origin):
    """The records ldns-read-zone reads from path (with $ORIGIN origin
    first), every type in RFC 3597 form: the expected database content."""
    with open(path) as f:
        src = "$ORIGIN %s\n" % origin + f.read()
    out = subprocess.run([ldns_read_zone, "-U", "NULL"], input=src,
                         capture_output=True, text=True, check=True).stdout
    recs = set()
    for line in out.splitlines():
        owner, ttl, cls, rtype, generic, n, *hexdata = line.split()
        assert cls == "IN" and rtype.startswith("TYPE") and generic == "\\#"
        recs.add((owner.lower(), int(rtype[4:]), int(ttl),
                  "".join(hexdata).lower()))
    return recs


def compile_ok(zonec, args, cwd, what):
    """Run the compiler on args in cwd; the decoded database, or None."""
    with tempfile.TemporaryDirectory() as tmp:
        out = os.path.join(tmp, "zones.db")
        r = subprocess.run([zonec, "-o", out] + args, cwd=cwd,
                           capture_output=True, text=True)
        check(r.returncode == 0 and r.stderr == "",
              "%s: exit %d, stderr %r" % (what, r.returncode, r.stderr))
        check(sorted(os.listdir(tmp)) == ["zones.db"] or r.returncode,
              "%s: files left beside the output: %s" % (what,
                                                        os.listdir(tmp)))
        if r.returncode:
            return None
        with open(out, "rb") as f:
            db = f.read()
    try:
        return decode(db)
    except AssertionError as e:
        check(False, "%s: database does not decode: %s" % (what, e))
        return None


def test_valid(zonec, ldns_read_zone):
    # Every type, with the directory form of the command line.
    zones = compile_ok(zonec, ["types"], OK, "ok/types")
    if zones is not None:
        want = ldns_records(ldns_read_zone,
                            os.path.join(OK, "types", "example.com.zone"),
                            "example.com.")
        check(set(zones) == {"example.com."}, "types: zones %s" % zones.keys())
        got = zones.get("example.com.", set())
        check(got == want, "types: records differ: extra %s, missing %s" %
              (sorted(got - want), sorted(want - got)))
        types = {t for _, t, _, _ in got}
        check(types == {6, 2, 1, 28, 5, 39, 15, 16, 12, 33, 257, 65534},
              "types: types %s" % sorted(types))
        # RDATA keeps the zone's case; owners are lower-cased.
        check(("www.example.com.", 5, 60, "034e7331076578616d706c6503636f6d00")
              in got, "types: CNAME's owner or target case")
        check(("u.example.com.", 65534, 300, "abcdef") in got,
              "types: RFC 3597 record")

    # $INCLUDE: the records of the hand-flattened copy.
    zones = compile_ok(zonec, ["include/incl.test.zone"], OK, "ok/include")
    if zones is not None:
        want = ldns_records(ldns_read_zone,
                            os.path.join(OK, "include", "incl.test.flat"),
                            "incl.test.")
        got = zones.get("incl.test.", set())
        check(set(zones) == {"incl.test."} and got == want,
              "include: records differ: extra %s, missing %s" %
              (sorted(got - want), sorted(want - got)))

    # Apex from the file name and from $ORIGIN; only *.zone files count.
    zones = compile_ok(zonec, ["multi"], OK, "ok/multi")
    if zones is not None:
        check(list(zones) == ["a.test.", "b.test."],
              "multi: zones %s" % list(zones))
        check(("host.b.test.", 28, 3600, "20010db8" + "0" * 22 + "10")
              in zones.get("b.test.", set()), "multi: b.test. records")

    # Files named one by one.
    zones = compile_ok(zonec, ["multi/named-otherwise.zone",
                               "types/example.com.zone"], OK, "files")
    if zones is not None:
        check(sorted(zones) == ["b.test.", "example.com."],
              "files: zones %s" % list(zones))


def expect_error(zonec, args, cwd, line, what):
    """Run the compiler on args in cwd; it must print exactly line and
    exit non-zero, leaving its output file untouched."""
    with tempfile.TemporaryDirectory() as tmp:
        out = os.path.join(tmp, "zones.db")
        with open(out, "w") as f:
            f.write("previous")
        r = subprocess.run([zonec, "-o", out] + args, cwd=cwd,
                           capture_output=True, text=True)
        check(r.returncode != 0, "%s: exit 0" % what)
        check(r.stderr == line + "\n",
              "%s: stderr %r, want %r" % (what, r.stderr, line))
        with open(out) as f:
            check(f.read() == "previous", "%s: output changed" % what)
        check(os.listdir(tmp) == ["zones.db"],
              "%s: files left: %s" % (what, os.listdir(tmp)))


def test_invalid(zonec):
    for name, line in ERRORS:
        expect_error(zonec, [name], BAD, line, name)
    # More than 16 nested $INCLUDEs: the 17th is refused where it is.
    with tempfile.TemporaryDirectory() as tmp:
        with open(os.path.join(tmp, "deep.zone"), "w") as f:
            f.write("@ SOA ns hostmaster 1 2 3 4 5\n$INCLUDE d1.inc\n")
        for i in range(1, 18):
            with open(os.path.join(tmp, "d%d.inc" % i), "w") as f:
                f.write("n%d A 192.0.2.1\n$INCLUDE d%d.inc\n" % (i, i + 1))
        expect_error(zonec, ["deep.zone"], tmp,
                     "d16.inc:2: $INCLUDE d17.inc: more than 16 levels "
                     "of $INCLUDE", "deep includes")
        # A directory without zones is an error, not an empty database.
        os.mkdir(os.path.join(tmp, "empty"))
        expect_error(zonec, ["empty"], tmp, "empty: no *.zone file",
                     "empty directory")
        # A zone file that includes itself.
        with open(os.path.join(tmp, "self.zone"), "w") as f:
            f.write("@ SOA ns hostmaster 1 2 3 4 5\n$INCLUDE self.zone\n")
        expect_error(zonec, ["self.zone"], tmp,
                     "self.zone:2: $INCLUDE self.zone: include loop",
                     "self include")


def main():
    zonec = sys.argv[1]
    ldns_read_zone = (sys.argv[2] if len(sys.argv) > 2
                      else shutil.which("ldns-read-zone"))
    if not ldns_read_zone:
        print("ldns-read-zone not found (ldnsutils; tools/bootstrap)")
        return 1
    test_valid(zonec, ldns_read_zone)
    test_invalid(zonec)
    if failures:
        print("%d failure(s)" % len(failures))
        return 1
    print("all passed")
    return 0


if __name__ == "__main__":
    sys.exit(main())
