# SPDX-License-Identifier: BSD-3-Clause
"""
Malformed input: frames built with scapy, sent from inside the test namespace
with an AF_PACKET raw socket on the tap's kernel side, addressed to tern's MAC
(or broadcast for ARP). Five (or more) of each class:

  bad IPv4 header checksum        -> ip_drop_cksum
  IHL < 5 (0..4)                  -> ip_drop_hdrlen
  total length past the frame     -> ip_drop_totlen
  version 6 on ethertype 0x0800   -> ip_drop_version
  Ethernet frame < 14 bytes       -> eth_drop_short (only if the tap delivers it)
  IPv4 fragments (MF; offset!=0)  -> ip_drop_fragment
  ICMP echo with a bad checksum   -> icmp_drop_cksum
  ARP with hlen 5 / plen 6        -> arp_drop_malformed
and a few more (IPv4 shorter than 20 bytes, unknown ethertype, other unicast
MAC, other IPv4 destination, UDP, ICMP too short, ICMP type not answered, ARP
bad opcode, ARP for another address). With [ipv6] (tern fd00:77::2, sent
once its Duplicate Address Detection is over), IPv6's classes too:

  IPv6 shorter than 40 bytes      -> ip6_drop_short
  version 4 on ethertype 0x86dd   -> ip6_drop_version
  payload length past the frame   -> ip6_drop_len
  multicast source                -> ip6_drop_bad_src
  another IPv6 destination        -> ip6_drop_not_ours
  fragment (M set)                -> ip6_drop_fragment
  routing header, segments left   -> ip6_drop_ext
  nine extension headers          -> ip6_drop_ext
  ICMPv6 echo, bad checksum       -> icmp6_drop_cksum
  Neighbor Solicitation, hop 254  -> nd_drop_invalid
  TCP over IPv6, bad checksum     -> tcp_drop_cksum
  UDP over IPv6                   -> ip6_drop_proto (and a Parameter Problem)

Then ping -c 5 still gets 5 replies, tern exits 0 on SIGTERM, every counter is
at least the number of frames of its class that were sent, and every received
frame is counted exactly once. The counters are printed.
"""
import os
import sys
import time

sys.dont_write_bytecode = True   # no __pycache__ in the source tree
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import tern_harness as h  # noqa: E402

N = 5


def build_classes(tern_mac, src_mac):
    from scapy.all import ARP, ICMP, IP, UDP, Ether, Raw
    from scapy.utils import checksum

    eth = Ether(dst=tern_mac, src=src_mac, type=0x0800)
    ip = dict(src=h.PEER_IP, dst=h.TERN_IP, id=0x4242)

    def echo(i, size=24):
        return ICMP(type=8, id=0x7e57, seq=i) / Raw(bytes([i & 0xff]) * size)

    def bad_ip_cksum(i):
        good = IP(bytes(IP(**ip) / echo(i)))
        p = IP(bytes(good))
        p.chksum = good.chksum ^ 0x5a5a
        return eth / p

    def ihl_small(i):
        raw = bytearray(bytes(IP(**ip) / echo(i)))
        raw[0] = 0x40 | (i % 5)          # IHL 0..4
        return eth / Raw(bytes(raw))

    def totlen_big(i):
        # header checksum valid for the (lying) total length
        return eth / IP(len=200 + i * 100, **ip) / echo(i)

    def version6(i):
        raw = bytearray(bytes(IP(**ip) / echo(i)))
        raw[0] = 0x65
        raw[10:12] = b"\0\0"
        raw[10:12] = checksum(bytes(raw[:20])).to_bytes(2, "big")
        return eth / Raw(bytes(raw))

    def eth_short(i):
        return bytes(Ether(dst=tern_mac, src=src_mac, type=0x0800))[:4 + 2 * i]  # 4..12 bytes

    def fragment(i):
        if i % 2:
            return eth / IP(flags="MF", frag=0, **ip) / echo(i)
        return eth / IP(frag=1 + i, proto=1, **ip) / Raw(b"\xaa" * 16)

    def icmp_bad_cksum(i):
        icmp = ICMP(bytes(echo(i)))
        icmp.chksum ^= 0x00ff
        return eth / IP(**ip) / icmp

    def arp(i, op=1):
        return Ether(dst="ff:ff:ff:ff:ff:ff", src=src_mac) / ARP(
            op=op, hwsrc=src_mac, psrc=h.PEER_IP, pdst=h.TERN_IP)

    def arp_bad_len(i):
        raw = bytearray(bytes(arp(i)))
        if i % 2:
            raw[14 + 4] = 5                  # hlen 5
        else:
            raw[14 + 5] = 6                  # plen 6
        return raw

    def arp_bad_op(i):
        return arp(i, op=3 + i)

    def arp_not_ours(i):
        return Ether(dst="ff:ff:ff:ff:ff:ff", src="02:00:00:00:00:50") / ARP(
            op=1, hwsrc="02:00:00:00:00:50", psrc="10.77.0.50", pdst="10.77.0.%d" % (60 + i))

    def ip_short(i):
        return eth / Raw(bytes(IP(**ip))[:4 + 3 * i])     # 4..16 bytes of IPv4

    def ethertype(i):
        return Ether(dst=tern_mac, src=src_mac, type=0x88b5 + (i % 2)) / Raw(b"x" * 46)

    def other_mac(i):
        return Ether(dst="02:00:00:00:00:%02x" % (0x70 + i), src=src_mac) / IP(**ip) / echo(i)

    def other_ip(i):
        return eth / IP(src=h.PEER_IP, dst="10.77.0.%d" % (3 + i)) / echo(i)

    def udp(i):
        return eth / IP(**ip) / UDP(sport=40000 + i, dport=9) / Raw(b"u" * 8)

    def icmp_short(i):
        return eth / IP(proto=1, **ip) / Raw(b"\x08\x00\xf7"[:1 + (i % 3)])

    def icmp_type(i):
        return eth / IP(**ip) / ICMP(type=13 if i % 2 else 17, code=0) / Raw(b"\0" * 12)

    from scapy.all import (ICMPv6EchoRequest, ICMPv6ND_NS, IPv6, IPv6ExtHdrDestOpt,
                           IPv6ExtHdrFragment, IPv6ExtHdrRouting, TCP)

    eth6 = Ether(dst=tern_mac, src=src_mac, type=0x86dd)
    ip6 = dict(src=h.PEER_IP6, dst=h.TERN_IP6)

    def echo6(i):
        return ICMPv6EchoRequest(id=0x7e57, seq=i, data=bytes([i]) * 16)

    def ip6_short(i):
        return eth6 / Raw(bytes(IPv6(**ip6) / echo6(i))[:20 + 4 * i])

    def ip6_version4(i):
        raw = bytearray(bytes(IPv6(**ip6) / echo6(i)))
        raw[0] = 0x40 | (raw[0] & 0x0f)
        return eth6 / Raw(bytes(raw))

    def ip6_plen_big(i):
        return eth6 / IPv6(plen=200 + 100 * i, **ip6) / echo6(i)

    def ip6_src_multicast(i):
        return eth6 / IPv6(src="ff02::%d" % (i + 1), dst=h.TERN_IP6) / echo6(i)

    def ip6_other_dst(i):
        return eth6 / IPv6(src=h.PEER_IP6, dst="fd00:77::%d" % (10 + i)) / echo6(i)

    def ip6_fragment(i):
        return eth6 / IPv6(**ip6) / IPv6ExtHdrFragment(m=1, offset=i, id=i) / echo6(i)

    def ip6_routing(i):
        return eth6 / IPv6(**ip6) / IPv6ExtHdrRouting(segleft=1 + i % 2,
                                                     addresses=["fd00:77::9"]) / echo6(i)

    def ip6_nine_ext(i):
        p = IPv6(**ip6)
        for _ in range(9):
            p = p / IPv6ExtHdrDestOpt()
        return eth6 / p / echo6(i)

    def icmp6_bad_cksum(i):
        return eth6 / IPv6(**ip6) / ICMPv6EchoRequest(id=1, seq=i, cksum=0x1234 + i)

    def nd_hop254(i):
        return eth6 / IPv6(src=h.PEER_IP6, dst=h.TERN_IP6, hlim=254) / ICMPv6ND_NS(tgt=h.TERN_IP6)

    def tcp6_bad_cksum(i):
        return eth6 / IPv6(**ip6) / TCP(sport=41000 + i, dport=7, flags="S", chksum=0x4321 + i)

    def udp6(i):
        return eth6 / IPv6(**ip6) / UDP(sport=42000 + i, dport=9) / Raw(b"u" * 8)

    # (label, counter, builder, asked for by the brief)
    return [
        ("bad IPv4 header checksum", "ip_drop_cksum", bad_ip_cksum, True),
        ("IHL < 5", "ip_drop_hdrlen", ihl_small, True),
        ("total length past the frame", "ip_drop_totlen", totlen_big, True),
        ("version 6 on ethertype 0x0800", "ip_drop_version", version6, True),
        ("Ethernet frame < 14 bytes", "eth_drop_short", eth_short, True),
        ("IPv4 fragment (MF / offset)", "ip_drop_fragment", fragment, True),
        ("ICMP echo, bad checksum", "icmp_drop_cksum", icmp_bad_cksum, True),
        ("ARP hlen 5 / plen 6", "arp_drop_malformed", arp_bad_len, True),
        ("ARP bad opcode", "arp_drop_malformed", arp_bad_op, False),
        ("ARP for another address", "arp_drop_not_ours", arp_not_ours, False),
        ("IPv4 shorter than 20 bytes", "ip_drop_short", ip_short, False),
        ("unknown ethertype", "eth_drop_ethertype", ethertype, False),
        ("another unicast MAC", "eth_drop_not_ours", other_mac, False),
        ("another IPv4 destination", "ip_drop_not_ours", other_ip, False),
        ("UDP (no handler)", "ip_drop_proto", udp, False),
        ("ICMP shorter than its header", "icmp_drop_short", icmp_short, False),
        ("ICMP type not answered", "icmp_drop_type", icmp_type, False),
        ("IPv6 shorter than 40 bytes", "ip6_drop_short", ip6_short, True),
        ("version 4 on ethertype 0x86dd", "ip6_drop_version", ip6_version4, True),
        ("IPv6 payload length past the frame", "ip6_drop_len", ip6_plen_big, True),
        ("IPv6 multicast source", "ip6_drop_bad_src", ip6_src_multicast, True),
        ("another IPv6 destination", "ip6_drop_not_ours", ip6_other_dst, True),
        ("IPv6 fragment (M set)", "ip6_drop_fragment", ip6_fragment, True),
        ("routing header, segments left", "ip6_drop_ext", ip6_routing, True),
        ("nine extension headers", "ip6_drop_ext", ip6_nine_ext, True),
        ("ICMPv6 echo, bad checksum", "icmp6_drop_cksum", icmp6_bad_cksum, True),
        ("Neighbor Solicitation, hop limit 254", "nd_drop_invalid", nd_hop254, True),
        ("TCP over IPv6, bad checksum", "tcp_drop_cksum", tcp6_bad_cksum, True),
        ("UDP over IPv6", "ip6_drop_proto", udp6, True),
    ]


def main(build, src):
    h.require_netns()
    h.require_tools("ping")
    try:
        import scapy.all  # noqa: F401
    except ImportError:
        h.skip("scapy not importable by %s" % sys.executable)

    with h.TernNetns(build, src, config_extra=h.IPV6_CONFIG) as t:
        tern_mac = t.ready["mac"]
        time.sleep(1.2)     # tern's IPv6 addresses in use (Duplicate Address Detection)
        src_mac = t.run(["cat", "/sys/class/net/%s/address" % t.iface]).stdout.strip()
        # the kernel resolves tern first, so tern has the peer in its table
        r = t.run(["ping", "-n", "-c", "1", "-W", "2", h.TERN_IP], timeout=15, check=False)
        h.check(r.returncode == 0, "ping before the malformed frames answered")

        classes = build_classes(tern_mac, src_mac)
        sent = {}           # counter -> frames delivered to the tap
        per_class = []
        for label, counter, build_fn, _asked in classes:
            frames = [bytes(build_fn(i)) for i in range(N)]
            res = t.send_raw(frames)
            ok = sum(1 for good, _ in res if good)
            errs = sorted({e for good, e in res if not good})
            per_class.append((label, counter, ok, len(frames), errs, _asked))
            sent[counter] = sent.get(counter, 0) + ok

        r = t.run(["ping", "-n", "-c", "5", "-i", "0.2", "-W", "5", h.TERN_IP],
                  timeout=40, check=False)
        h.log(r.stdout.strip().splitlines()[-2] if r.stdout.strip() else r.stderr)
        h.check(r.returncode == 0 and "5 received" in r.stdout,
                "ping -c 5 after the malformed frames: 5 replies")

        rc, st = t.stop()
        h.check(rc == 0, "tern-echo exit status 0 after SIGTERM (got %s)" % rc)
        h.log("counters after the run (non-zero):")
        h.print_stats(st)

        h.log("frames sent per class:")
        for label, counter, ok, n, errs, asked in per_class:
            h.log("  %-32s %-20s sent %d/%d%s" % (label, counter, ok, n,
                  "" if not errs else "  (send errno %s)" % errs))
        for label, counter, ok, n, errs, asked in per_class:
            if ok == 0:
                h.log("note: %s: the kernel refused all %d frames (errno %s); "
                      "%s cannot be reached through net_tap" % (label, n, errs, counter))
                if counter != "eth_drop_short":
                    h.check(False, "%s frames could be sent" % label)
        for counter, n in sent.items():
            if n == 0:
                continue
            h.check(st[counter] >= n, "%s %d >= %d sent" % (counter, st[counter], n))
        h.check(st["icmp_echo_reply"] >= 6, "icmp_echo_reply %d >= 6" % st["icmp_echo_reply"])
        h.check(st["icmp6_tx_error"] + st["icmp6_error_limited"] >= sent.get("ip6_drop_proto", 0),
                "a Parameter Problem sent or rate-limited for each UDP over IPv6 (%d + %d)"
                % (st["icmp6_tx_error"], st["icmp6_error_limited"]))
        probs = h.accounting_problems(st)
        h.check(not probs, "every received frame counted once" +
                ("" if not probs else ": " + "; ".join(probs)))


if __name__ == "__main__":
    h.run_test(main)
