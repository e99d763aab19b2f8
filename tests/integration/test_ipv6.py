# SPDX-License-Identifier: BSD-3-Clause
"""
IPv6 with the Linux kernel as the neighbor over net_tap: tern-echo with
[ipv6] address = fd00:77::2/64 (and its link-local address from the MAC),
the kernel side fd00:77::1/64 in a test namespace with IPv6 on.

- tern probes for both addresses (Duplicate Address Detection) and uses
  them a second later; then ping -6 to the global address and to the
  link-local one is answered, each from the address pinged;
- the kernel resolved both by Neighbor Discovery: its neighbor table holds
  tern's MAC for each;
- counters: every echo answered, Neighbor Solicitations answered, the
  groups joined with two MLDv2 reports, nothing invalid, every received
  frame counted once; tern-echo exits 0.
"""
import os
import sys

sys.dont_write_bytecode = True
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import tern_harness as h  # noqa: E402

TERN6 = h.TERN_IP6
PINGS = 3


def main(build, src):
    h.require_netns()
    h.require_tools("ping")
    with h.TernNetns(build, src, config_extra=h.IPV6_CONFIG) as t:
        mac = t.ready["mac"]
        ll = h.link_local_of(mac)
        kernel_ll = h.ipv6_kernel_side(t)
        h.check(ll not in kernel_ll, "tern's link-local %s is not the kernel side's %s"
                % (ll, kernel_ll))
        # tern's addresses are tentative for a second after its first poll
        warm, tries = h.ipv6_wait_tern(t)
        h.check(warm == 1, "%s answers once Duplicate Address Detection is over" % TERN6)
        for a, target in ((TERN6, TERN6), (ll, ll + "%" + t.iface)):
            r = t.run(["ping", "-6", "-n", "-c", str(PINGS), "-i", "0.2", "-W", "2", target],
                      timeout=30, check=False)
            h.log(r.stdout.strip().splitlines()[-2] if r.stdout.strip() else r.stderr.strip())
            h.check(r.returncode == 0 and " 0% packet loss" in r.stdout,
                    "ping -6 %s answered %d times" % (target, PINGS))
            h.check(("from %s" % a) in r.stdout.lower(), "replies come from %s" % a)
        neigh = t.ip("-6", "neigh", "show", "dev", t.iface)
        h.log(neigh.strip())
        for a in (TERN6, ll):
            line = [x for x in neigh.splitlines() if x.startswith(a + " ")]
            h.check(bool(line) and ("lladdr " + mac) in line[0],
                    "the kernel's neighbor table has %s at tern's MAC %s" % (a, mac))
        rc, st = t.stop()
        h.check(rc == 0, "tern-echo exit status 0 after SIGTERM (got %s)" % rc)
        # a warm-up echo the kernel held while resolving tern's tentative
        # address goes out once resolved: one reply per attempt at most
        h.check(2 * PINGS + warm <= st["icmp6_echo_reply"] <= 2 * PINGS + tries,
                "icmp6_echo_reply %d in %d..%d" % (st["icmp6_echo_reply"], 2 * PINGS + warm,
                                                   2 * PINGS + tries))
        h.check(st["nd_tx_dad"] == 2, "a DAD probe for each address (%d)" % st["nd_tx_dad"])
        h.check(st["mld_tx_report"] == 2, "the groups joined with two MLDv2 reports (%d)"
                % st["mld_tx_report"])
        h.check(st["nd_rx_ns"] >= 2 and st["nd_tx_na"] == st["nd_rx_ns"] - st["nd_drop_not_ours"],
                "Neighbor Solicitations answered (%d received, %d answered)"
                % (st["nd_rx_ns"], st["nd_tx_na"]))
        h.check(st["nd_drop_invalid"] == 0 and st["icmp6_drop_cksum"] == 0
                and st["ip6_drop_ext"] == 0 and st["ip6_drop_len"] == 0,
                "nothing the kernel sent was invalid")
        h.check(st["nd_dad_conflict"] == 0, "no duplicate address")
        probs = h.accounting_problems(st)
        h.check(not probs, "every received frame counted once" +
                ("" if not probs else ": " + "; ".join(probs)))


if __name__ == "__main__":
    h.run_test(main)
