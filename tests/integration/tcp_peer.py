# SPDX-License-Identifier: BSD-3-Clause
"""
The Linux side of the TCP integration tests: run inside the test namespace
(ip netns exec NS /usr/bin/python3 tcp_peer.py MODE ...), standard library only.
Every mode is bounded by --timeout and prints one JSON line last on stdout.

  client   K concurrent connections to --dst:--port, each sends --bytes of its
           own pseudo-random stream and checks that the same bytes come back
           (non-blocking sockets, one selector: every connection writes and
           reads at the same time). --shutdown says when our FIN goes:
             after-send  shutdown(SHUT_WR) right after the last byte is queued
                         (reading goes on: the echo tail arrives after our FIN)
             before-read send everything, shutdown(SHUT_WR), only then read
                         (all the echo arrives after our FIN; --bytes must fit
                         in the buffers on the way)
             on-eof      never before the peer's FIN: the peer closes first (tern
                         --close-after); we check exactly --bytes came back, then
                         shutdown(SHUT_WR) and wait for the peer's ACK of it
           After EOF each socket must reach CLOSED or TIME_WAIT with SO_ERROR 0
           (an RST would have left ECONNRESET/EPIPE there).
  refused  --count connects to --dst:--port, each expected to fail; prints errnos.
  server   echo server on --bind:--port (IP_FREEBIND: may start before the
           address exists); prints "listening", echoes, closes each connection
           once its peer closed and everything was echoed; exits after --conns
           connections are done. --hold BYTES: send nothing back on a
           connection before BYTES came in on it (or its FIN), so that the
           bulk of each direction flows one way only.
  snmp     prints the Tcp counters of /proc/net/snmp (of this namespace).
"""

import argparse
import errno
import json
import random
import selectors
import socket
import struct
import sys
import time

PERIOD = 1048573          # prime: the streams of two connections never line up
CHUNK = 256 * 1024        # < PERIOD: one slice of the doubled base covers it
TCP_STATES = {1: "ESTABLISHED", 2: "SYN_SENT", 3: "SYN_RECV", 4: "FIN_WAIT1",
              5: "FIN_WAIT2", 6: "TIME_WAIT", 7: "CLOSE", 8: "CLOSE_WAIT",
              9: "LAST_ACK", 10: "LISTEN", 11: "CLOSING"}


def err_name(e):
    return errno.errorcode.get(e, str(e)) if isinstance(e, int) else str(e)


def tcp_state(sock):
    try:
        info = sock.getsockopt(socket.IPPROTO_TCP, socket.TCP_INFO, 104)
    except OSError:
        return None
    return info[0]


def tcp_total_retrans(sock):
    try:
        info = sock.getsockopt(socket.IPPROTO_TCP, socket.TCP_INFO, 104)
    except OSError:
        return None
    return struct.unpack_from("I", info, 100)[0] if len(info) >= 104 else None


class Stream:
    """Deterministic pseudo-random byte stream of one connection."""

    def __init__(self, seed, idx):
        self.off = (idx * 104729 + seed * 7919) % PERIOD

    def slice(self, base2, pos, n):
        o = (self.off + pos) % PERIOD
        return base2[o:o + n]


class Conn:
    def __init__(self, idx, total, stream):
        self.idx = idx
        self.total = total
        self.stream = stream
        self.sock = None
        self.sent = 0
        self.rcvd = 0
        self.shut = False
        self.eof = False
        self.rcvd_after_shut = 0
        self.error = None
        self.state_end = None
        self.retrans = None
        self.t_start = time.monotonic()
        self.t_done = None

    def fail(self, why):
        if self.error is None:
            self.error = why

    def summary(self):
        return {"conn": self.idx, "sent": self.sent, "rcvd": self.rcvd, "eof": self.eof,
                "error": self.error, "state": self.state_end}


def tcp_socket(a):
    """A TCP socket with congestion control a.cc (tern_harness.PEER_CC says why)."""
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    if a.cc:
        try:
            s.setsockopt(socket.IPPROTO_TCP, socket.TCP_CONGESTION, a.cc.encode())
        except OSError as e:
            s.close()
            sys.exit("congestion control %s refused: %s" % (a.cc, err_name(e.errno)))
    return s


def run_client(a):
    base = random.Random(a.seed).randbytes(PERIOD)
    base2 = base + base
    view2 = memoryview(base2)
    sel = selectors.DefaultSelector()
    conns = []
    t0 = time.monotonic()
    deadline = t0 + a.timeout
    for i in range(a.conns):
        c = Conn(i, a.bytes, Stream(a.seed, i))
        s = tcp_socket(a)
        s.setblocking(False)
        c.sock = s
        rc = s.connect_ex((a.dst, a.port))
        if rc not in (0, errno.EINPROGRESS):
            c.fail("connect: " + err_name(rc))
            s.close()
            c.sock = None
        else:
            sel.register(s, selectors.EVENT_WRITE, (c, "connect"))
        conns.append(c)

    buf = bytearray(CHUNK)
    bview = memoryview(buf)
    active = sum(1 for c in conns if c.sock is not None)
    closing = []

    def finish(c):
        nonlocal active
        try:
            sel.unregister(c.sock)
        except (KeyError, ValueError):
            pass
        active -= 1
        c.t_done = time.monotonic()
        if c.error is None:
            closing.append(c)
        else:
            c.state_end = TCP_STATES.get(tcp_state(c.sock))
            c.sock.close()

    def want(c):
        ev = 0
        if c.sent < c.total:
            ev |= selectors.EVENT_WRITE
        if not (a.shutdown == "before-read" and not c.shut):
            ev |= selectors.EVENT_READ
        return ev

    while active > 0:
        left = deadline - time.monotonic()
        if left <= 0:
            break
        for key, mask in sel.select(timeout=min(left, 1.0)):
            c, phase = key.data
            s = c.sock
            if phase == "connect":
                e = s.getsockopt(socket.SOL_SOCKET, socket.SO_ERROR)
                if e != 0:
                    c.fail("connect: " + err_name(e))
                    finish(c)
                    continue
                if c.total == 0 and a.shutdown in ("after-send", "before-read"):
                    try:
                        s.shutdown(socket.SHUT_WR)   # nothing to send: FIN at once
                    except OSError as e:
                        c.fail("shutdown: " + err_name(e.errno))
                        finish(c)
                        continue
                    c.shut = True
                sel.modify(s, want(c), (c, "open"))
                continue
            if mask & selectors.EVENT_WRITE and c.sent < c.total:
                n = min(CHUNK, c.total - c.sent)
                try:
                    k = s.send(c.stream.slice(view2, c.sent, n))
                except BlockingIOError:
                    k = 0
                except OSError as e:
                    c.fail("send: " + err_name(e.errno))
                    finish(c)
                    continue
                c.sent += k
                if c.sent == c.total and a.shutdown in ("after-send", "before-read"):
                    try:
                        s.shutdown(socket.SHUT_WR)
                    except OSError as e:
                        c.fail("shutdown: " + err_name(e.errno))
                        finish(c)
                        continue
                    c.shut = True
                sel.modify(s, want(c), (c, "open"))
            if mask & selectors.EVENT_READ:
                try:
                    k = s.recv_into(bview, CHUNK)
                except BlockingIOError:
                    continue
                except OSError as e:
                    c.fail("recv: " + err_name(e.errno))
                    finish(c)
                    continue
                if k == 0:
                    c.eof = True
                    if c.rcvd != c.total:
                        c.fail("EOF after %d of %d bytes" % (c.rcvd, c.total))
                    elif a.shutdown == "on-eof":
                        if c.sent != c.total:
                            c.fail("EOF before all was sent (%d)" % c.sent)
                        else:
                            try:
                                s.shutdown(socket.SHUT_WR)
                                c.shut = True
                            except OSError as e:
                                c.fail("shutdown after EOF: " + err_name(e.errno))
                    elif not c.shut:
                        c.fail("EOF before our FIN")
                    finish(c)
                    continue
                if c.rcvd + k > c.total:
                    c.fail("%d bytes echoed, more than the %d sent" % (c.rcvd + k, c.total))
                    finish(c)
                    continue
                if bview[:k].tobytes() != c.stream.slice(base2, c.rcvd, k):
                    exp = c.stream.slice(base2, c.rcvd, k)
                    bad = next(j for j in range(k) if buf[j] != exp[j])
                    c.fail("wrong byte at offset %d: got 0x%02x, want 0x%02x"
                           % (c.rcvd + bad, buf[bad], exp[bad]))
                    finish(c)
                    continue
                if c.shut:
                    c.rcvd_after_shut += k
                c.rcvd += k
    t_data = time.monotonic() - t0
    for c in conns:
        if c.sock is not None and c.t_done is None:
            c.fail("timed out: sent %d, received %d of %d" % (c.sent, c.rcvd, c.total))
            c.state_end = TCP_STATES.get(tcp_state(c.sock))
            c.sock.close()

    # every finished connection: wait (bounded) for CLOSED / TIME_WAIT, then SO_ERROR
    close_deadline = time.monotonic() + a.close_wait
    pending = list(closing)
    while pending and time.monotonic() < close_deadline:
        pending = [c for c in pending if tcp_state(c.sock) not in (6, 7)]
        if pending:
            time.sleep(0.01)
    for c in closing:
        st = tcp_state(c.sock)
        c.state_end = TCP_STATES.get(st, st)
        c.retrans = tcp_total_retrans(c.sock)
        if st not in (6, 7):
            c.fail("still %s %.1fs after EOF" % (c.state_end, a.close_wait))
        e = c.sock.getsockopt(socket.SOL_SOCKET, socket.SO_ERROR)
        if e != 0:
            c.fail("SO_ERROR %s after EOF (reset?)" % err_name(e))
        c.sock.close()

    ok = [c for c in conns if c.error is None]
    bad = [c for c in conns if c.error is not None]
    times = [c.t_done - c.t_start for c in ok if c.t_done is not None]
    states = {}
    for c in conns:
        states[str(c.state_end)] = states.get(str(c.state_end), 0) + 1
    print(json.dumps({
        "conns": len(conns), "ok": len(ok),
        "failures": [c.summary() for c in bad[:10]],
        "bytes_sent": sum(c.sent for c in conns),
        "bytes_rcvd": sum(c.rcvd for c in conns),
        "rcvd_after_shut": sum(c.rcvd_after_shut for c in conns),
        "conns_with_tail_after_shut": sum(1 for c in conns if c.rcvd_after_shut > 0),
        "elapsed": round(t_data, 3),
        "slowest_conn": round(max(times), 3) if times else None,
        "end_states": states,
        "linux_retrans": sum(c.retrans or 0 for c in conns),
    }), flush=True)
    return 0 if not bad else 1


def run_refused(a):
    res = []
    for _ in range(a.count):
        s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        s.settimeout(min(5.0, a.timeout))
        try:
            s.connect((a.dst, a.port))
            res.append("connected")
        except socket.timeout:
            res.append("timeout")
        except OSError as e:
            res.append(err_name(e.errno))
        finally:
            s.close()
    print(json.dumps({"results": res}), flush=True)
    return 0


def run_server(a):
    ls = tcp_socket(a)
    ls.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    ls.setsockopt(socket.IPPROTO_IP, 15, 1)   # IP_FREEBIND: the address comes later
    ls.bind((a.bind, a.port))
    ls.listen(128)
    ls.setblocking(False)
    sel = selectors.DefaultSelector()
    sel.register(ls, selectors.EVENT_READ, None)
    print("listening", flush=True)
    deadline = time.monotonic() + a.timeout
    done = []
    live = {}

    class S:
        pass

    def releasing(st):
        # --hold: send nothing back before BYTES came in (or the peer's FIN)
        return st.eof or st.rcvd >= a.hold

    def update(st):
        ev = 0
        if not st.eof and len(st.out) < max(1024 * 1024, a.hold):
            ev |= selectors.EVENT_READ
        if st.out and releasing(st):
            ev |= selectors.EVENT_WRITE
        if ev == 0:
            return
        sel.modify(st.sock, ev, st)

    def end(st, why=None):
        sel.unregister(st.sock)
        st.error = why
        st.sock.close()
        live.pop(id(st), None)
        done.append({"peer": st.peer, "echoed": st.echoed, "error": why})

    while len(done) < a.conns and time.monotonic() < deadline:
        for key, mask in sel.select(timeout=0.5):
            if key.data is None:
                try:
                    cs, peer = ls.accept()
                except BlockingIOError:
                    continue
                cs.setblocking(False)
                st = S()
                st.sock, st.peer, st.out, st.eof, st.echoed = cs, "%s:%d" % peer, \
                    bytearray(), False, 0
                st.rcvd = 0
                live[id(st)] = st
                sel.register(cs, selectors.EVENT_READ, st)
                continue
            st = key.data
            try:
                if mask & selectors.EVENT_READ:
                    d = st.sock.recv(CHUNK)
                    if not d:
                        st.eof = True
                    st.out += d
                    st.rcvd += len(d)
                if releasing(st):
                    if st.out:
                        try:
                            k = st.sock.send(st.out)
                        except BlockingIOError:
                            k = 0
                        st.echoed += k
                        del st.out[:k]
            except BlockingIOError:
                pass
            except OSError as e:
                end(st, err_name(e.errno))
                continue
            if st.eof and not st.out:
                end(st)
                continue
            update(st)
    for st in list(live.values()):
        end(st, "timed out")
    ls.close()
    print(json.dumps({"done": done}), flush=True)
    return 0


def run_snmp(_a):
    with open("/proc/net/snmp") as f:
        lines = [ln.split() for ln in f if ln.startswith("Tcp:")]
    print(json.dumps(dict(zip(lines[0][1:], map(int, lines[1][1:])))), flush=True)
    return 0


def main():
    p = argparse.ArgumentParser()
    p.add_argument("mode", choices=["client", "refused", "server", "snmp"])
    p.add_argument("--dst", default="10.77.0.2")
    p.add_argument("--bind", default="10.77.0.1")
    p.add_argument("--port", type=int, default=7)
    p.add_argument("--conns", type=int, default=1)
    p.add_argument("--bytes", type=int, default=1 << 20)
    p.add_argument("--seed", type=int, default=1)
    p.add_argument("--count", type=int, default=1)
    p.add_argument("--shutdown", default="after-send",
                   choices=["after-send", "before-read", "on-eof"])
    p.add_argument("--hold", type=int, default=0)
    p.add_argument("--timeout", type=float, default=60.0)
    p.add_argument("--close-wait", type=float, default=5.0)
    p.add_argument("--cc", default="", help="TCP_CONGESTION of its sockets")
    a = p.parse_args()
    for addr in (a.dst, a.bind):   # the network rule: 10.77.x.x or loopback only
        if not (addr.startswith("10.77.") or addr.startswith("127.")):
            print("refusing address %s" % addr, file=sys.stderr)
            return 2
    return {"client": run_client, "refused": run_refused, "server": run_server,
            "snmp": run_snmp}[a.mode](a)


if __name__ == "__main__":
    sys.exit(main())
