# SPDX-License-Identifier: BSD-3-Clause
"""
ARP: the kernel in a test namespace resolves tern's address.

- tcpdump -i any runs in the namespace before tern starts (an unbound packet
  socket also sees interfaces created later), so tern's gratuitous ARP at start
  (RFC 5227 announcement: sender = target = 10.77.0.2, target MAC zero,
  broadcast) is captured and checked;
- arping -c 3 gets 3 replies, all from the MAC tern's ready line printed;
- after one kernel ping (kernel ARP), 'ip neigh show 10.77.0.2' holds that MAC;
- after SIGTERM: exit 0, arp_tx_request >= 1, arp_tx_reply >= 3, counters add up.
"""
import os
import re
import sys
import time

sys.dont_write_bytecode = True   # no __pycache__ in the source tree
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import tern_harness as h  # noqa: E402


def start_capture(t):
    """pre_start hook: tcpdump on 'any' in the namespace, ARP only. -Z root: a uid
    change would clear the parent-death signal that kills it with the test."""
    t.cap_path = os.path.join(t.tmp, "arp.pcap")
    err = os.path.join(t.tmp, "tcpdump.err")
    t.cap = t.background(["tcpdump", "-i", "any", "-Z", "root", "-n", "-U", "-y", "LINUX_SLL",
                          "-w", t.cap_path, "arp"], os.path.join(t.tmp, "tcpdump.out"), err)
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        with open(err) as f:
            if "listening on" in f.read():
                return
        if t.cap.poll() is not None:
            break
        time.sleep(0.05)
    with open(err) as f:
        h.fail("tcpdump did not start: " + f.read())


def gratuitous_seen(path, mac):
    """Scan a LINUX_SLL pcap (no scapy needed) for tern's announcement."""
    import struct
    with open(path, "rb") as f:
        data = f.read()
    if len(data) < 24:
        return False, "empty capture"
    magic = struct.unpack("<I", data[:4])[0]
    end = "<" if magic == 0xa1b2c3d4 else ">"
    linktype = struct.unpack(end + "I", data[20:24])[0]
    if linktype != 113:
        return False, "unexpected link type %d" % linktype
    off, seen = 24, []
    want_mac = bytes.fromhex(mac.replace(":", ""))
    tern_ip = bytes(map(int, h.TERN_IP.split(".")))
    while off + 16 <= len(data):
        incl = struct.unpack(end + "I", data[off + 8:off + 12])[0]
        pkt = data[off + 16:off + 16 + incl]
        off += 16 + incl
        # SLL: type(2) arphrd(2) addrlen(2) addr(8) proto(2); then the ARP packet
        if len(pkt) < 16 + 28:
            continue
        ptype = struct.unpack("!H", pkt[0:2])[0]
        arp = pkt[16:16 + 28]
        htype, ptyp, hlen, plen, op = struct.unpack("!HHBBH", arp[:8])
        sha, spa, tha, tpa = arp[8:14], arp[14:18], arp[18:24], arp[24:28]
        seen.append("op %d sha %s spa %s tpa %s pkttype %d"
                    % (op, sha.hex(":"), ".".join(map(str, spa)),
                       ".".join(map(str, tpa)), ptype))
        if (op == 1 and htype == 1 and ptyp == 0x0800 and hlen == 6 and plen == 4
                and sha == want_mac and spa == tern_ip and tpa == tern_ip
                and tha == bytes(6) and ptype == 1):   # 1: PACKET_BROADCAST
            return True, seen
    return False, seen


def main(build, src):
    h.require_netns()
    h.require_tools("arping", "tcpdump", "ping")
    with h.TernNetns(build, src, pre_start=start_capture) as t:
        mac = t.ready["mac"]
        h.log("tern mac (ready line): " + mac)
        r = t.run(["arping", "-c", "3", "-w", "10", "-I", t.iface, h.TERN_IP], timeout=30,
                  check=False)
        h.log(r.stdout.strip())
        h.check(r.returncode == 0, "arping exit status 0 (got %d)" % r.returncode)
        replies = re.findall(r"from %s \[([0-9A-Fa-f:]{17})\]" % re.escape(h.TERN_IP),
                             r.stdout)
        h.check(len(replies) == 3, "arping: 3 replies (got %d)" % len(replies))
        h.check(all(m.lower() == mac for m in replies),
                "arping replies all from %s (%s)" % (mac, ", ".join(replies)))

        # arping uses its own packet socket; make the kernel itself resolve
        # (one ping: kernel ARP request, tern's reply fills the neighbour table)
        r = t.run(["ping", "-n", "-c", "1", "-W", "2", h.TERN_IP], timeout=15, check=False)
        h.check(r.returncode == 0, "kernel ping (ARP resolution by the kernel) answered")
        out = t.ip("neigh", "show", h.TERN_IP, "dev", t.iface).strip()
        h.log("neigh: " + out)
        m = re.search(r"lladdr ([0-9a-f:]{17})", out)
        h.check(m is not None and m.group(1) == mac,
                "kernel neighbour entry for %s has MAC %s" % (h.TERN_IP, mac))

        time.sleep(0.3)
        t.stop_background(t.cap)
        ok, seen = gratuitous_seen(t.cap_path, mac)
        if isinstance(seen, list):
            for s in seen:
                h.log("  captured ARP: " + s)
        h.check(ok, "gratuitous ARP (announcement of %s from %s, broadcast) captured"
                % (h.TERN_IP, mac))

        rc, st = t.stop()
        h.check(rc == 0, "tern-echo exit status 0 after SIGTERM (got %s)" % rc)
        h.print_stats(st)
        h.check(st["arp_tx_request"] >= 1,
                "arp_tx_request %d >= 1 (gratuitous ARP)" % st["arp_tx_request"])
        h.check(st["arp_tx_reply"] >= 3, "arp_tx_reply %d >= 3" % st["arp_tx_reply"])
        h.check(st["arp_drop_malformed"] == 0, "no malformed ARP from the kernel")
        probs = h.accounting_problems(st)
        h.check(not probs, "every received frame counted once" +
                ("" if not probs else ": " + "; ".join(probs)))


if __name__ == "__main__":
    h.run_test(main)
