# SPDX-License-Identifier: BSD-3-Clause
"""
The client of a net_memif pair exits while the server is under load, again
and again, and the server never crashes (issue: no flaky test).

DPDK 22.11's net_memif unmaps the memory it shares with its peer from its
interrupt thread when the peer goes, while a worker may be inside a burst on
it; Tern makes that unmap wait until every running worker is between two
iterations (lib/core/quiesce.c). Without that, a server whose loaded client
is killed crashed (SIGSEGV in librte_net_memif) about 4 times in 100 here.

One tern-httpd (memif server, lcore 0) runs throughout. ITERATIONS times a
tern-loadgen (memif client, lcore 1; keep-alive HTTP on 32 connections) starts
and, once the server's counters (telemetry) show all its connections open and
LOAD_FRAMES more frames received, so that it is under load, is stopped:
SIGTERM on even iterations (it stops its workers, then closes its port) and
SIGKILL on odd ones (its end of the control socket just closes). After each
exit the server must still be running; at the end it must exit 0 on SIGTERM.
memif is
shared memory between the two processes: no network is touched.
"""
import os
import shutil
import sys
import tempfile
import time

sys.dont_write_bytecode = True
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import tern_harness as h  # noqa: E402

ITERATIONS = int(os.environ.get("TERN_TEARDOWN_ITERATIONS", "100"))
CONNS = 32
LOAD_FRAMES = 2000     # frames the server receives from a client before it goes


def main(build, src):
    h.require_root()
    tmp = tempfile.mkdtemp(prefix="tern-it-%d-" % os.getpid())
    h._cleanups.append(lambda: shutil.rmtree(tmp, ignore_errors=True))
    sock = os.path.join(tmp, "memif.sock")
    srv_conf = h.memif_conf(os.path.join(tmp, "srv.conf"), "server", sock, "10.78.0.1",
                            "[stack]\nmbufs = 16383\n")
    cli_conf = h.memif_conf(os.path.join(tmp, "cli.conf"), "client", sock, "10.78.0.2",
                            "[stack]\nmbufs = 16383\n")
    sprefix = "tern-ip%d-s" % os.getpid()
    srv = h.start_app(build, src, "tern-httpd", 0, sprefix, srv_conf, tmp, ["--port", "80"])
    h.check(srv.wait_line(r"ready:", 30) is not None, "tern-httpd ready")
    st0 = h.telemetry(sprefix)
    h.check(st0 is not None, "the server's counters are readable (telemetry)")
    t0 = time.monotonic()
    kills = {"SIGTERM": 0, "SIGKILL": 0}
    for i in range(ITERATIONS):
        sig = h.signal.SIGKILL if i % 2 else h.signal.SIGTERM
        cli = h.start_app(build, src, "tern-loadgen", 1, "tern-ip%d-c" % os.getpid(), cli_conf,
                          tmp, ["--target", "10.78.0.1:80", "--mode", "http", "--conns",
                                str(CONNS), "--wait-link", "10", "--duration", "60", "--quiet"])
        # a killed client is expected to die of it; one stopped by SIGTERM exits 0
        cli.expect = {-h.signal.SIGKILL} if sig == h.signal.SIGKILL else {0}
        if cli.wait_line(r"ready:", 30) is None:
            raise AssertionError("iteration %d: tern-loadgen not ready (%s)"
                                 % (i, cli.status_text()))
        # under load: all its connections accepted and LOAD_FRAMES more
        # frames received since they were
        want_opens, want_rx, deadline = st0["tcp_passive_opens"] + CONNS, None, \
            time.monotonic() + 30
        while True:
            st = h.telemetry(sprefix)
            if cli.proc.poll() is not None or st is None or time.monotonic() > deadline:
                raise AssertionError("iteration %d: no load: tern-loadgen %s, server counters %s"
                                     % (i, cli.status_text(), "unreadable" if st is None else
                                        "passive opens %d (want %d), rx_frames %d" % (
                                            st["tcp_passive_opens"], want_opens,
                                            st["rx_frames"])))
            if want_rx is None and st["tcp_passive_opens"] >= want_opens:
                want_rx = st["rx_frames"] + LOAD_FRAMES
            if want_rx is not None and st["rx_frames"] >= want_rx:
                break
            time.sleep(0.005)
        st0 = st
        os.kill(cli.proc.pid, sig)
        rc = cli.wait(30)
        if rc is None:
            cli.kill()
            raise AssertionError("iteration %d: tern-loadgen ignored %s" % (i, sig.name))
        if rc not in cli.expect:
            raise AssertionError("iteration %d: tern-loadgen %s after %s"
                                 % (i, h.status_text(rc), sig.name))
        kills[sig.name] += 1
        # the server's PMD handles the disconnect in its interrupt thread
        # at once; give it a moment, then it must still be there
        time.sleep(0.05)
        if srv.proc.poll() is not None:
            raise AssertionError("iteration %d: tern-httpd %s when its client got %s"
                                 % (i, srv.status_text(), sig.name))
        # the server keeps only the last client's stderr and stdout
        if i + 1 < ITERATIONS:
            h._procs.remove(cli)
    took = time.monotonic() - t0
    rc, st = srv.stop()
    h.check(rc == 0, "tern-httpd exit status 0 (%s)" % h.status_text(rc))
    h.log("%d clients stopped under load in %.1f s (%d SIGTERM, %d SIGKILL); server: %d "
          "passive opens, %d frames received, %d sent, %d connections reset"
          % (ITERATIONS, took, kills["SIGTERM"], kills["SIGKILL"], st["tcp_passive_opens"],
             st["rx_frames"], st["tx_frames"], st["tcp_conn_reset"]))
    h.check(kills["SIGTERM"] + kills["SIGKILL"] == ITERATIONS,
            "every client stopped under load as planned")


if __name__ == "__main__":
    h.run_test(main)
