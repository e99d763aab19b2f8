# SPDX-License-Identifier: BSD-3-Clause
"""
pcap in, pcap out: tern-echo on DPDK's net_pcap port (no network touched).

A probe run learns the MAC net_pcap gives the port (from the ready line). The
input pcap, built with scapy, then holds an ARP request who-has 10.77.0.2 from
10.77.0.1 (02:00:00:00:00:01) and 3 ICMP echo requests 10.77.0.1 -> 10.77.0.2
with distinct ids, sequences and payloads. tern-echo runs with --duration 2.
The output pcap must hold:
- the gratuitous ARP (broadcast request, sender = target = 10.77.0.2, target MAC 0);
- one ARP reply to 02:00:00:00:00:01 with the right fields;
- 3 echo replies with the same id/seq/payloads, the right addresses and valid
  IPv4 and ICMP checksums;
and nothing else. The counters must match exactly.
"""
import os
import sys
import tempfile
import shutil

sys.dont_write_bytecode = True   # no __pycache__ in the source tree
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import tern_harness as h  # noqa: E402

PEER_MAC = "02:00:00:00:00:01"
BCAST = "ff:ff:ff:ff:ff:ff"
ECHOS = [(0x1001, 1, b"first payload " + bytes(range(32))),
         (0x1002, 7, b"\x00" * 3 + b"second" + bytes(range(255, 155, -1))),
         (0x2bad, 65535, bytes((i * 37) & 0xff for i in range(1400)))]


def run_pcap(binary, src, tmp, tag, frames):
    from scapy.all import wrpcap
    inp = os.path.join(tmp, tag + "-in.pcap")
    out = os.path.join(tmp, tag + "-out.pcap")
    wrpcap(inp, frames)
    conf = os.path.join(tmp, tag + ".conf")
    h.write_config(conf, "net_pcap0,rx_pcap=%s,tx_pcap=%s" % (inp, out))
    prefix = "tern-ip%d-%s" % (os.getpid(), tag)
    p = h.start_tern(binary, src, prefix, conf, extra_args=["--duration", "2"],
                     stderr_path=os.path.join(tmp, tag + ".stderr"))
    try:
        line = p.wait_line(r"ready:", 30)
        if line is None:
            h.fail("%s: no ready line\nstdout:\n%s\nstderr:\n%s"
                   % (tag, "\n".join(p.stdout_lines), p.stderr_text()))
        h.log(line)
        rc = p.wait(30)
        if rc is None:
            h.fail("%s: tern-echo still running 30 s after --duration 2" % tag)
    finally:
        p.kill()
        shutil.rmtree("/var/run/dpdk/" + prefix, ignore_errors=True)
    if rc != 0:
        p.dump("exit status %s" % rc)
    h.check(rc == 0, "%s: tern-echo exit status 0 after --duration (got %s)" % (tag, rc))
    h.check(p.wait_line(r"^tern-echo: stopping$", 1) is not None,
            "%s: tern-echo printed 'stopping'" % tag)
    return h.parse_ready(line), h.parse_stats(p.stdout_lines), out


def main(build, src):
    h.require_root()
    try:
        from scapy.all import ARP, ICMP, IP, Ether, Raw, rdpcap
        from scapy.utils import checksum
    except ImportError:
        h.skip("scapy not importable by %s" % sys.executable)
    binary = h.tern_echo_path(build)
    h.sweep_stale()
    tmp = tempfile.mkdtemp(prefix="tern-it-%d-" % os.getpid())
    h._cleanups.append(lambda: shutil.rmtree(tmp, ignore_errors=True))

    arp_req = Ether(dst=BCAST, src=PEER_MAC) / ARP(
        op=1, hwsrc=PEER_MAC, psrc=h.PEER_IP, hwdst="00:00:00:00:00:00", pdst=h.TERN_IP)

    # probe: which MAC does net_pcap give the port?
    ready, _, _ = run_pcap(binary, src, tmp, "probe", [arp_req])
    h.check(ready is not None, "probe: ready line parsed")
    tern_mac = ready["mac"]
    h.log("net_pcap port MAC: " + tern_mac)

    frames = [arp_req] + [
        Ether(dst=tern_mac, src=PEER_MAC) / IP(src=h.PEER_IP, dst=h.TERN_IP, id=100 + n)
        / ICMP(type=8, id=i, seq=s) / Raw(pl) for n, (i, s, pl) in enumerate(ECHOS)]
    ready, st, out = run_pcap(binary, src, tmp, "run", frames)
    h.check(ready["mac"] == tern_mac, "same MAC in the second run (%s)" % ready["mac"])
    h.check(os.path.exists(out), "output pcap written")
    pkts = list(rdpcap(out))
    for p in pkts:
        h.log("  out: " + p.summary())

    garp = [p for p in pkts if ARP in p and p[ARP].op == 1]
    h.check(len(garp) == 1, "one ARP request out (gratuitous), got %d" % len(garp))
    g = garp[0]
    h.check(g[Ether].dst == BCAST and g[Ether].src == tern_mac
            and g[ARP].hwsrc == tern_mac and g[ARP].psrc == h.TERN_IP
            and g[ARP].pdst == h.TERN_IP and g[ARP].hwdst == "00:00:00:00:00:00"
            and g[ARP].hwtype == 1 and g[ARP].ptype == 0x0800
            and g[ARP].hwlen == 6 and g[ARP].plen == 4,
            "gratuitous ARP: broadcast, sender = target = %s, target MAC zero"
            % h.TERN_IP)

    rep = [p for p in pkts if ARP in p and p[ARP].op == 2]
    h.check(len(rep) == 1, "one ARP reply out, got %d" % len(rep))
    a = rep[0]
    h.check(a[Ether].dst == PEER_MAC and a[Ether].src == tern_mac
            and a[ARP].hwsrc == tern_mac and a[ARP].psrc == h.TERN_IP
            and a[ARP].hwdst == PEER_MAC and a[ARP].pdst == h.PEER_IP
            and a[ARP].hwtype == 1 and a[ARP].ptype == 0x0800
            and a[ARP].hwlen == 6 and a[ARP].plen == 4,
            "ARP reply: %s is-at %s, to %s/%s" % (h.TERN_IP, tern_mac, h.PEER_IP, PEER_MAC))

    replies = [p for p in pkts if ICMP in p]
    h.check(len(replies) == len(ECHOS), "%d ICMP messages out, got %d"
            % (len(ECHOS), len(replies)))
    for (ident, seq, pl), p in zip(ECHOS, replies):
        ip = p[IP]
        ic = p[ICMP]
        raw_ip = bytes(ip)
        ihl = ip.ihl * 4
        h.check(p[Ether].dst == PEER_MAC and p[Ether].src == tern_mac,
                "echo reply id %#x: Ethernet %s -> %s" % (ident, tern_mac, PEER_MAC))
        h.check(ip.src == h.TERN_IP and ip.dst == h.PEER_IP and ip.version == 4
                and ip.proto == 1 and ip.len == len(raw_ip) and ip.frag == 0,
                "echo reply id %#x: IPv4 %s -> %s, total length %d"
                % (ident, h.TERN_IP, h.PEER_IP, ip.len))
        h.check(checksum(raw_ip[:ihl]) == 0, "echo reply id %#x: IPv4 header checksum valid"
                % ident)
        h.check(ic.type == 0 and ic.code == 0 and ic.id == ident and ic.seq == seq,
                "echo reply id %#x seq %d: type 0, same id/seq" % (ident, seq))
        h.check(bytes(ic.payload) == pl, "echo reply id %#x: same %d-byte payload"
                % (ident, len(pl)))
        h.check(checksum(raw_ip[ihl:ip.len]) == 0, "echo reply id %#x: ICMP checksum valid"
                % ident)
    h.check(len(pkts) == 2 + len(ECHOS), "nothing else out (%d frames)" % len(pkts))

    h.print_stats(st)
    h.check(st["rx_frames"] == 1 + len(ECHOS), "rx_frames %d == %d"
            % (st["rx_frames"], 1 + len(ECHOS)))
    h.check(st["icmp_echo_reply"] == len(ECHOS), "icmp_echo_reply %d == %d"
            % (st["icmp_echo_reply"], len(ECHOS)))
    h.check(st["arp_tx_reply"] == 1 and st["arp_tx_request"] == 1,
            "arp_tx_reply 1, arp_tx_request 1 (gratuitous)")
    h.check(st["tx_frames"] == len(pkts), "tx_frames %d == frames in the output pcap %d"
            % (st["tx_frames"], len(pkts)))
    probs = h.accounting_problems(st)
    h.check(not probs, "every received frame counted once" +
            ("" if not probs else ": " + "; ".join(probs)))


if __name__ == "__main__":
    h.run_test(main)
