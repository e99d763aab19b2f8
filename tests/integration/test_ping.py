# SPDX-License-Identifier: BSD-3-Clause
"""
Ping: the kernel in a test namespace pings tern over net_tap.

- ping -c 20 -i 0.05 -p PATTERN: 0% loss, no "wrong data" line;
- echo requests of several sizes with random payloads, sent from a raw ICMP
  socket in the namespace: every reply carries the same id, seq and payload;
- after SIGTERM: exit 0, icmp_echo_reply >= all requests, arp_tx_reply >= 1,
  and every received frame lands in exactly one counter.
"""
import os
import sys

sys.dont_write_bytecode = True   # no __pycache__ in the source tree
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import tern_harness as h  # noqa: E402

PING_COUNT = 20
PATTERN = "a55a0ff0c33c"

# Runs inside the namespace: raw ICMP echo, payload compared byte for byte.
RAW_ECHO = r"""
import json, os, random, select, socket, struct, sys, time

def csum(b):
    if len(b) % 2:
        b += b"\0"
    s = sum(struct.unpack("!%dH" % (len(b) // 2), b))
    while s >> 16:
        s = (s & 0xffff) + (s >> 16)
    return ~s & 0xffff

dst = sys.argv[1]
sizes = [int(x) for x in sys.argv[2].split(",")]
ident = os.getpid() & 0xffff
rnd = random.Random(1234)
s = socket.socket(socket.AF_INET, socket.SOCK_RAW, socket.IPPROTO_ICMP)
res = []
for seq, n in enumerate(sizes, 1):
    payload = bytes(rnd.getrandbits(8) for _ in range(n))
    hdr = struct.pack("!BBHHH", 8, 0, 0, ident, seq)
    c = csum(hdr + payload)
    s.sendto(struct.pack("!BBHHH", 8, 0, c, ident, seq) + payload, (dst, 0))
    deadline = time.monotonic() + 2.0
    got = None
    while got is None and time.monotonic() < deadline:
        r, _, _ = select.select([s], [], [], max(0.0, deadline - time.monotonic()))
        if not r:
            break
        pkt, addr = s.recvfrom(65535)
        ihl = (pkt[0] & 0x0f) * 4
        icmp = pkt[ihl:]
        if len(icmp) < 8 or addr[0] != dst:
            continue
        t, code, ck, i, sq = struct.unpack("!BBHHH", icmp[:8])
        if t == 0 and i == ident and sq == seq:
            got = {"size": n, "ok_payload": icmp[8:] == payload,
                   "ok_cksum": csum(icmp) == 0, "code": code,
                   "ok_ipcsum": csum(pkt[:ihl]) == 0}
    res.append(got if got else {"size": n, "missing": True})
print(json.dumps(res))
"""


def main(build, src):
    h.require_netns()
    h.require_tools("ping")
    with h.TernNetns(build, src) as t:
        r = t.run(["ping", "-n", "-c", str(PING_COUNT), "-i", "0.05", "-W", "2",
                   "-p", PATTERN, h.TERN_IP], timeout=60, check=False)
        h.log(r.stdout.strip())
        h.check(r.returncode == 0, "ping exit status 0 (got %d)" % r.returncode)
        h.check(" 0% packet loss" in r.stdout, "ping: 0% packet loss")
        h.check("%d received" % PING_COUNT in r.stdout,
                "ping: %d replies received" % PING_COUNT)
        h.check("wrong data" not in r.stdout, "ping: no 'wrong data' (pattern echoed)")
        h.check("DUP!" not in r.stdout, "ping: no duplicate replies")

        sizes = [0, 1, 2, 56, 100, 1000, 1471, 1472]
        r = t.python(RAW_ECHO, [h.TERN_IP, ",".join(map(str, sizes))], timeout=60)
        h.check(r.returncode == 0, "raw ICMP helper ran (%s)" % r.stderr.strip()[-300:])
        import json
        res = json.loads(r.stdout.strip().splitlines()[-1])
        for x in res:
            if x.get("missing"):
                h.check(False, "raw echo of %d bytes: reply received" % x["size"])
            h.check(x["ok_payload"] and x["ok_cksum"] and x["ok_ipcsum"] and x["code"] == 0,
                    "raw echo of %d bytes: same id/seq/payload, valid checksums"
                    % x["size"])

        rc, st = t.stop()
        h.check(rc == 0, "tern-echo exit status 0 after SIGTERM (got %s)" % rc)
        h.check(t.tern.wait_line(r"^tern-echo: stopping$", 1) is not None,
                "tern-echo printed 'stopping'")
        h.print_stats(st)
        h.check(len(st) > 0 and "rx_frames" in st, "stat lines printed")
        want = PING_COUNT + len(sizes)
        h.check(st["icmp_echo_reply"] >= want,
                "icmp_echo_reply %d >= %d" % (st["icmp_echo_reply"], want))
        h.check(st["arp_tx_reply"] >= 1, "arp_tx_reply %d >= 1" % st["arp_tx_reply"])
        h.check(st["icmp_drop_cksum"] == 0 and st["ip_drop_cksum"] == 0,
                "no checksum drops on kernel traffic")
        probs = h.accounting_problems(st)
        h.check(not probs, "every received frame counted once" +
                ("" if not probs else ": " + "; ".join(probs)))


if __name__ == "__main__":
    h.run_test(main)
