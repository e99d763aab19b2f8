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
- counters: every echo answered, Neighbor Solicitations answered, nothing
  invalid, every received frame counted once; tern-echo exits 0.
"""
import ipaddress
import os
import sys

sys.dont_write_bytecode = True
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import tern_harness as h  # noqa: E402

TERN6 = "fd00:77::2"
PEER6 = "fd00:77::1"
PINGS = 3
# net_tap gives the kernel side of the tap tern's MAC, and so tern's
# link-local address (tern's Duplicate Address Detection then finds the
# kernel defending it): the kernel side starts with IPv6 off, as the
# harness leaves it, and gets another MAC before IPv6 goes on
KERNEL_MAC = "02:77:00:00:00:01"


def link_local_of(mac):
    """RFC 4291 App. A: fe80:: and the modified EUI-64 of mac, as the kernel prints it."""
    b = [int(x, 16) for x in mac.split(":")]
    b[0] ^= 0x02
    eui = bytes(b[:3] + [0xff, 0xfe] + b[3:])
    return str(ipaddress.IPv6Address(b"\xfe\x80" + bytes(6) + eui))


def ipv6_on(t):
    # the harness turns IPv6 off in its namespaces; on for the tap only, with
    # addresses usable at once (no DAD wait on the kernel side)
    for k in ("all", t.iface):
        t.run(["sysctl", "-q", "-w", "net.ipv6.conf.%s.accept_dad=0" % k], check=False)
        t.run(["sysctl", "-q", "-w", "net.ipv6.conf.%s.disable_ipv6=0" % k], check=False)


def main(build, src):
    h.require_netns()
    h.require_tools("ping")
    extra = "\n[ipv6]\naddress = %s/64\n" % TERN6
    with h.TernNetns(build, src, config_extra=extra) as t:
        mac = t.ready["mac"]
        ll = link_local_of(mac)
        t.ip("link", "set", t.iface, "down")
        t.ip("link", "set", t.iface, "address", KERNEL_MAC)
        ipv6_on(t)
        t.ip("link", "set", t.iface, "up")
        kernel_ll = [x.split()[1].split("/")[0] for x in
                     t.ip("-6", "addr", "show", "dev", t.iface).splitlines()
                     if "scope link" in x]
        h.check(ll not in kernel_ll, "tern's link-local %s is not the kernel side's %s"
                % (ll, kernel_ll))
        t.ip("-6", "addr", "add", PEER6 + "/64", "dev", t.iface, "nodad")
        # tern's addresses are tentative for a second after its first poll
        warm = tries = 0
        while tries < 10 and not warm:
            tries += 1
            r = t.run(["ping", "-6", "-n", "-c", "1", "-W", "1", TERN6], timeout=10, check=False)
            warm = int(r.returncode == 0)
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
