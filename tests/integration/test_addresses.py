# SPDX-License-Identifier: BSD-3-Clause
"""
Several addresses on one port ([ipv4] address_count = 3: 10.77.0.2-10.77.0.4),
the Linux kernel in a test namespace as the peer over net_tap.

- the kernel resolves each of them by ARP to tern's MAC; 10.77.0.5 (past the
  range) gets no answer;
- ping to each of the three is answered (from the address pinged);
- a TCP connection to tern-echo on each address echoes its bytes, and the
  kernel sees the peer address it dialled;
- counters: ARP replies for each, no frame dropped as "not ours" except the
  probe for 10.77.0.5, every received frame counted once.
"""
import json
import os
import sys
import time

sys.dont_write_bytecode = True
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import tern_harness as h  # noqa: E402

ADDRS = ["10.77.0.2", "10.77.0.3", "10.77.0.4"]
OUTSIDE = "10.77.0.5"

# Runs in the namespace: echo over TCP to each address, then report.
TCP_ECHO = r"""
import json, socket, sys
res = []
for a in sys.argv[1].split(","):
    s = socket.create_connection((a, 7), timeout=5)
    data = (a * 1000).encode()
    s.sendall(data)
    got = b""
    while len(got) < len(data):
        chunk = s.recv(65536)
        if not chunk:
            break
        got += chunk
    res.append({"addr": a, "peer": s.getpeername()[0], "ok": got == data})
    s.close()
print(json.dumps(res))
"""


def main(build, src):
    h.require_netns()
    h.require_tools("ping")
    with h.TernNetns(build, src, config_extra="address_count = 3\n") as t:
        mac = t.ready["mac"]
        for a in ADDRS:
            r = t.run(["ping", "-n", "-c", "2", "-i", "0.1", "-W", "2", a], timeout=20,
                      check=False)
            h.check(r.returncode == 0 and " 0% packet loss" in r.stdout,
                    "ping %s answered" % a)
            h.check("from %s" % a in r.stdout.lower(), "replies to %s come from %s" % (a, a))
        neigh = t.ip("neigh", "show", "dev", t.iface)
        h.log(neigh.strip())
        for a in ADDRS:
            line = [l for l in neigh.splitlines() if l.startswith(a + " ")]
            h.check(bool(line) and "lladdr" in line[0] and mac in line[0],
                    "the kernel resolved %s to tern's MAC" % a)
        r = t.run(["ping", "-n", "-c", "1", "-W", "1", OUTSIDE], timeout=10, check=False)
        h.check(r.returncode != 0, "%s (outside the range) is not answered" % OUTSIDE)
        r = t.python(TCP_ECHO, [",".join(ADDRS)], timeout=30)
        h.check(r.returncode == 0, "TCP echo helper ran (%s)" % r.stderr.strip()[-300:])
        res = json.loads(r.stdout.strip().splitlines()[-1]) if r.returncode == 0 else []
        for x in res:
            h.check(x["ok"] and x["peer"] == x["addr"],
                    "TCP echo via %s: bytes back, peer %s" % (x["addr"], x["peer"]))
        h.check(len(res) == len(ADDRS), "a connection to each address")
        # the helper's last ACKs may still be in the tap when it exits: give
        # tern the moment it needs to take its connections out of LAST_ACK
        time.sleep(0.3)
        rc, st = t.stop()
        h.check(rc == 0, "tern-echo exit status 0 after SIGTERM (got %s)" % rc)
        h.check(st["arp_tx_reply"] >= len(ADDRS), "arp_tx_reply %d >= %d"
                % (st["arp_tx_reply"], len(ADDRS)))
        h.check(st["tcp_passive_opens"] == len(ADDRS) and st["tcp_conn_closed"] == len(ADDRS),
                "%d connections accepted and closed normally" % len(ADDRS))
        h.check(st["tcp_drop_bcast"] == 0 and st["ip_drop_not_ours"] == 0,
                "nothing to our addresses dropped as not ours")
        probs = h.accounting_problems(st)
        h.check(not probs, "every received frame counted once" +
                ("" if not probs else ": " + "; ".join(probs)))


if __name__ == "__main__":
    h.run_test(main)
