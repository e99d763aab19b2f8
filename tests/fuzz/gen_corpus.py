#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-3-Clause
"""Seed inputs for the fuzz targets (tests/fuzz), written into OUT/<target>/.

fuzz_frame: the frames of simulator pcaps (tern-sim --pcap), addresses and
checksums left to the target's fixups (first byte 0x0f), plus the kinds of
frame the unit suites build by hand: ARP requests and replies, echo
requests with and without IP options, SYNs with each option, a fragment,
short and overlong headers; IPv6 echo, Neighbor Solicitation and
Advertisement, a Router Advertisement, extension headers, TCP over IPv6.

fuzz_tcp_seq: short step programs in the target's encoding (see the
comment at the top of fuzz_tcp_seq.c): each connection of the script
acknowledged, fed data in order and out of order, closed by FIN or RST,
SYN'd again, SACKed; the clock run past each timer; the app's send,
close, shutdown, abort, connect and receive-hold.

The merged, minimised corpus is kept in tests/fuzz/corpus/<target>/;
tools/fuzz.sh --regen rebuilds it from these seeds (libFuzzer -merge=1).

usage: gen_corpus.py OUT [PCAP...]
"""
import hashlib
import os
import struct
import sys

OUR_MAC = bytes([2, 0, 0, 0, 0, 2])
PEER_MAC = bytes([2, 0, 0, 0, 0, 1])
OUR_IP = bytes([10, 77, 0, 2])
PEER_IP = bytes([10, 77, 0, 1])
OUR_IP6 = bytes([0x20, 0x01, 0x0d, 0xb8] + [0] * 11 + [2])
PEER_IP6 = bytes([0x20, 0x01, 0x0d, 0xb8] + [0] * 11 + [5])
OUR_SN6 = bytes([0xff, 0x02] + [0] * 9 + [1, 0xff, 0, 0, 2])   # solicited-node group
ALL_NODES6 = bytes([0xff, 0x02] + [0] * 13 + [1])
FIX_ALL_LEARN = 0x0f          # FZ_FIX_IP_CKSUM | FZ_FIX_L4_CKSUM | FZ_FIX_ADDRS | learn
CFG_DEFAULT = 0x00


def write(out, target, data):
    d = os.path.join(out, target)
    os.makedirs(d, exist_ok=True)
    name = hashlib.sha1(data).hexdigest()
    with open(os.path.join(d, name), "wb") as f:
        f.write(data)


def pcap_frames(path):
    with open(path, "rb") as f:
        data = f.read()
    magic = struct.unpack("<I", data[:4])[0]
    endian = "<" if magic in (0xa1b2c3d4, 0xa1b23c4d) else ">"
    off = 24
    while off + 16 <= len(data):
        _, _, incl, _ = struct.unpack(endian + "IIII", data[off:off + 16])
        off += 16
        yield data[off:off + incl]
        off += incl


def eth(dst, src, etype):
    return dst + src + struct.pack(">H", etype)


def ipv4(proto, payload, opts=b"", frag=0):
    hl = 20 + len(opts)
    return struct.pack(">BBHHHBB", 0x40 | hl // 4, 0, hl + len(payload), 1, frag, 64,
                       proto) + b"\0\0" + PEER_IP + OUR_IP + opts + payload


def tcp(sport, dport, seq, ack, flags, wnd=65535, opts=b"", payload=b""):
    hl = 20 + len(opts)
    return struct.pack(">HHIIBBHHH", sport, dport, seq, ack, (hl // 4) << 4, flags, wnd,
                       0, 0) + opts + payload


def ipv6(nh, payload, dst=OUR_IP6, hop=64, ext=b""):
    # checksums are left to the target's fixups (ICMPv6 right after the header)
    return struct.pack(">IHBB", 6 << 28, len(ext) + len(payload), nh, hop) + PEER_IP6 + dst \
        + ext + payload


def ipv6_seeds():
    echo6 = struct.pack(">BBHHH", 128, 0, 0, 7, 1) + bytes(range(32))
    ns = struct.pack(">BBHI", 135, 0, 0, 0) + OUR_IP6 + b"\x01\x01" + PEER_MAC
    na = struct.pack(">BBHI", 136, 0, 0, 0x20000000) + PEER_IP6 + b"\x02\x01" + PEER_MAC
    ra = struct.pack(">BBHBBHII", 134, 0, 0, 64, 0, 1800, 0, 0)
    hbh = bytes([58, 0, 1, 4, 0, 0, 0, 0])            # PadN
    rt0 = bytes([58, 0, 4, 0, 0, 0, 0, 0])            # routing, no segments left
    frag = bytes([58, 0, 0, 1, 0, 0, 0, 1])
    e6 = eth(OUR_MAC, PEER_MAC, 0x86dd)
    m6 = eth(bytes([0x33, 0x33, 0xff, 0, 0, 2]), PEER_MAC, 0x86dd)
    a6 = eth(bytes([0x33, 0x33, 0, 0, 0, 1]), PEER_MAC, 0x86dd)
    return [
        e6 + ipv6(58, echo6),
        m6 + ipv6(58, ns, dst=OUR_SN6, hop=255),
        a6 + ipv6(58, na, dst=ALL_NODES6, hop=255),
        a6 + ipv6(58, ra, dst=ALL_NODES6, hop=255),
        e6 + ipv6(0, echo6, ext=hbh),
        e6 + ipv6(43, echo6, ext=rt0),
        e6 + ipv6(44, echo6, ext=frag),
        e6 + ipv6(6, tcp(40000, 8080, 1000, 0, 0x02)),
    ]


def frame_seeds(out, pcaps):
    seen = set()
    for p in pcaps:
        for fr in pcap_frames(p):
            # one seed per kind of frame: TCP flags and option layout, or the ethertype
            key = fr[12:14]
            if fr[12:14] == b"\x08\x00" and len(fr) >= 34 and fr[23] == 6:
                ihl = (fr[14] & 15) * 4
                t = fr[14 + ihl:]
                if len(t) >= 20:
                    key += bytes([t[13], t[12]]) + t[20:20 + ((t[12] >> 4) * 4 - 20)][:1]
                    key += bytes([min(len(t) - (t[12] >> 4) * 4, 1)])
            if key in seen:
                continue
            seen.add(key)
            write(out, "fuzz_frame", bytes([FIX_ALL_LEARN, CFG_DEFAULT]) + fr)
    e = eth(OUR_MAC, PEER_MAC, 0x0800)
    arp = struct.pack(">HHBBH", 1, 0x0800, 6, 4, 1) + PEER_MAC + PEER_IP + bytes(6) + OUR_IP
    arp_reply = struct.pack(">HHBBH", 1, 0x0800, 6, 4, 2) + PEER_MAC + PEER_IP + OUR_MAC + OUR_IP
    echo = struct.pack(">BBHHH", 8, 0, 0, 7, 1) + bytes(range(32))
    mss, sack_ok = b"\x02\x04\x05\xb4", b"\x01\x01\x04\x02"
    ts, ws = b"\x01\x01\x08\x0a\x00\x00\x00\x01\x00\x00\x00\x00", b"\x01\x03\x03\x07"
    hand = [
        eth(b"\xff" * 6, PEER_MAC, 0x0806) + arp,
        eth(OUR_MAC, PEER_MAC, 0x0806) + arp_reply,
        e + ipv4(1, echo),
        e + ipv4(1, echo, opts=b"\x01\x01\x01\x00"),
        e + ipv4(1, echo, frag=0x2000),
        e + ipv4(6, tcp(40000, 8080, 1000, 0, 0x02)),
        e + ipv4(6, tcp(40000, 8080, 1000, 0, 0x02, opts=mss + sack_ok + ts + ws)),
        e + ipv4(6, tcp(40000, 8080, 1000, 0, 0x02, opts=b"\x02\x00\x00\x00")),
        e + ipv4(6, tcp(40000, 8080, 1000, 0, 0x02, opts=b"\x08\x01" + bytes(2))),
        e + ipv4(6, tcp(40000, 8080, 1000, 5, 0x10, payload=b"data")),
        e + ipv4(6, tcp(40000, 8080, 1000, 5, 0x14)),
        e + ipv4(6, tcp(40000, 9, 1000, 0, 0x02)),
        e + ipv4(17, b"\0" * 8),
        e + ipv4(6, tcp(40000, 8080, 1000, 0, 0x02))[:40],
    ] + ipv6_seeds()
    for fr in hand:
        for fix in (FIX_ALL_LEARN, 0x0b):
            write(out, "fuzz_frame", bytes([fix, CFG_DEFAULT]) + fr)
    write(out, "fuzz_frame", bytes([FIX_ALL_LEARN, 0x31]) + hand[6])   # cookies on


# fuzz_tcp_seq opcodes
SEG, RAW, CLOCK, SEND, CLOSE, CONNECT, HOLD, POLL = range(8)
NOPOLL = 0x80


def seg(peer, flags, dseq=0, dack=0, wnd=65535, length=0, mode=1, extra=b""):
    return struct.pack(">BBBhhHBB", SEG, peer, flags, dseq, dack, wnd, length, mode) + extra


def clock_ms(ms):
    return struct.pack(">BH", CLOCK, ms)


def clock_100ms(n):
    return struct.pack(">BH", CLOCK, 0x8000 | n)


def seq_seeds(out):
    A, F, R, S, P = 0x10, 0x01, 0x04, 0x02, 0x08
    progs = []
    for peer in range(7):
        progs += [
            seg(peer, A),
            seg(peer, A, length=100),
            seg(peer, A | P, length=0x80 | 91),
            seg(peer, A, dseq=500, length=100),
            seg(peer, A | F),
            seg(peer, A | F, length=50),
            seg(peer, R),
            seg(peer, R, dseq=10),
            seg(peer, S),
            seg(peer, S | A),
            seg(peer, A, dack=-1000),
            seg(peer, A, dack=1000),
            seg(peer, A, wnd=0),
            seg(peer, A, mode=3, extra=struct.pack(">hh", -2000, -1000)),
            seg(peer, A, mode=2 | (8 << 2), extra=b"\x05\x0a" + bytes(6)),
            seg(peer, A, mode=0),
        ]
    progs += [
        clock_ms(40), clock_ms(1001), clock_100ms(25), clock_100ms(700), clock_100ms(0x7fff),
        struct.pack(">BBH", SEND, 0, 1000) + clock_ms(500),
        struct.pack(">BBH", SEND, 0, 60000) + clock_100ms(30),
        struct.pack(">BBB", CLOSE, 0, 0) + clock_100ms(40),
        struct.pack(">BBB", CLOSE, 1, 1),
        struct.pack(">BBB", CLOSE, 2, 2),
        struct.pack(">BB", CONNECT, 3) + clock_100ms(100),
        struct.pack(">BBB", HOLD, 0, 1) + seg(0, A, length=100) + struct.pack(">BBB", HOLD, 0, 0x82),
        seg(1, A | NOPOLL, length=100)[:0] + bytes([SEG | NOPOLL]) + seg(1, A, length=100)[1:]
        + seg(1, A, dseq=100, length=100),
        seg(0, A, wnd=0) + clock_100ms(20) + clock_100ms(40) + seg(0, A),
        # cork: on, a write with a short rest, the ceiling, off; MSG_MORE
        # then a push; corked data taken along by the FIN
        struct.pack(">BBBBBH", HOLD, 0, 0x44, SEND, 0, 2500) + clock_ms(250)
        + struct.pack(">BBB", HOLD, 0, 0x40),
        struct.pack(">BBBBBHBBB", HOLD, 1, 0x45, SEND, 1, 100, HOLD, 1, 0x42)
        + struct.pack(">BBB", HOLD, 1, 0x41),
        struct.pack(">BBBBBHBBB", HOLD, 0, 0x44, SEND, 0, 40, CLOSE, 0, 0) + clock_100ms(40),
        seg(0, A, mode=3, extra=struct.pack(">hh", -3000, -1500)) * 3,
        bytes([POLL]),
    ]
    # 0x30: a device that cuts TSO frames (FZ_CFG_TSO_DEV)
    for cfg in (0x00, 0x01, 0x07, 0x48, 0x80, 0x30):
        for p in progs:
            write(out, "fuzz_tcp_seq", bytes([cfg]) + p)


def main():
    if len(sys.argv) < 2:
        sys.exit(__doc__)
    out = sys.argv[1]
    frame_seeds(out, sys.argv[2:])
    seq_seeds(out)


if __name__ == "__main__":
    main()
