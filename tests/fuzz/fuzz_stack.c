/* SPDX-License-Identifier: BSD-3-Clause */
/* Shared by the fuzz targets; see fuzz_stack.h. */
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <rte_errno.h>
#include <rte_ip.h>
#include <rte_mbuf.h>
#include <rte_random.h>

#include "core_priv.h"
#include "fuzz_stack.h"
#include "random_fixed.h"
#include "tern_sim.h"
#include "unit_common.h"

void
fz_fail(const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "fuzz: ");
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	abort();
}

uint8_t
fz_u8(struct fz_in *in)
{
	if (in->left == 0)
		return 0;
	in->left--;
	return *in->p++;
}

uint16_t
fz_u16(struct fz_in *in)
{
	uint16_t hi = fz_u8(in);

	return (uint16_t)(hi << 8 | fz_u8(in));
}

size_t
fz_bytes(struct fz_in *in, uint8_t *dst, size_t max)
{
	size_t n = max < in->left ? max : in->left;

	memcpy(dst, in->p, n);
	in->p += n;
	in->left -= n;
	return n;
}

void
fz_init(const char *target)
{
	char prefix[64];

	snprintf(prefix, sizeof(prefix), "tern_fuzz_%s_%d", target, (int)getpid());
	unit_eal_init(prefix);
	(void)unit_pool();
}

/* Whether configuration @bits runs over a device that cuts TSO frames */
static bool
fz_cfg_tso_dev(uint8_t bits)
{
	return (bits & FZ_CFG_COOKIES) == FZ_CFG_TSO_DEV;
}

static void
fz_config(struct tern_config *cfg, uint8_t bits)
{
	nf_stack_config(cfg);
	/* the unit harness's small tables and short timers (tcp_harness.c) */
	cfg->tcp_max_conns = 64;
	cfg->tcp_max_time_wait = 64;
	cfg->tcp_syn_backlog = 16;
	cfg->tcp_time_wait_ms = 2000;
	cfg->tcp_delack_ms = 40;
	cfg->tcp_syn_retries = 3;
	cfg->tcp_retries = 4;
	cfg->tcp_timestamps = !(bits & FZ_CFG_NO_TS);
	cfg->tcp_sack = !(bits & FZ_CFG_NO_SACK);
	cfg->tcp_window_scaling = !(bits & FZ_CFG_NO_WSCALE);
	cfg->tcp_cc = (bits & FZ_CFG_CUBIC) ? TERN_TCP_CC_CUBIC : TERN_TCP_CC_NEWRENO;
	cfg->tcp_syncookies = fz_cfg_tso_dev(bits) ? TERN_SYNCOOKIES_AUTO :
		(bits & FZ_CFG_COOKIES) >> 4;
	cfg->tcp_keepalive = !!(bits & FZ_CFG_KEEPALIVE);
	cfg->tcp_keepidle_s = 10;
	cfg->tcp_keepintvl_s = 1;
	cfg->tcp_keepcnt = 3;
	/* receive coalescing, off by default, on here: what a burst of hostile
	 * segments does to gro.c and to TCP's cuts of its chains */
	cfg->port_gro = 1;
	/* IPv6 on (2001:db8::2/64 and fe80::ff:fe00:2) in every input: its
	 * frames are parsed, not counted as an unknown ethertype */
	cfg->ip6_enabled = 1;
	memcpy(cfg->ip6_addr, fz_our_ip6, sizeof(fz_our_ip6));
	cfg->ip6_prefix_len = 64;
	if (bits & FZ_CFG_TINY_BUF) {
		cfg->tcp_sndbuf = 4096;
		cfg->tcp_rcvbuf = 4096;
	}
}

void
fz_up(struct fz_stack *f, uint8_t cfg_bits, bool learn_peer, tern_accept_fn *on_accept,
		void *arg)
{
	struct rte_ether_addr mac = NF_OUR_MAC, peer = FZ_PEER_MAC;
	struct nf_stack *h = &f->ns;
	uint8_t arp[NF_ARP_FRAME_LEN];
	char err[256];

	memset(f, 0, sizeof(*f));
	/* while the stack is up its secrets and rte_rand() are fixed: an input
	 * replays exactly (libFuzzer's own seed stays random) */
	random_fixed_on(0x7e4a5eedull);
	rte_srand(0x7e4a5eedull);
	f->unit_free = rte_mempool_avail_count(unit_pool());
	fz_config(&h->cfg, cfg_bits);
	if (tern_config_validate(&h->cfg, err, sizeof(err)) != 0)
		fz_fail("config: %s", err);
	h->dev = tern_sim_create("sim0", &mac, 1500, 1);
	if (h->dev == NULL)
		fz_fail("tern_sim_create: %s", rte_strerror(rte_errno));
	if (fz_cfg_tso_dev(cfg_bits))
		tern_sim_set_offloads(h->dev, TERN_NETDEV_TX_BY_REF | TERN_NETDEV_TX_MULTI_SEG |
				TERN_NETDEV_TX_TCP_TSO);
	h->stack = tern_stack_create(&h->cfg, h->dev, 1);
	if (h->stack == NULL)
		fz_fail("tern_stack_create: %s", rte_strerror(rte_errno));
	h->w = tern_stack_worker(h->stack, 0);
	/* the timer wheels start at tern_clock_us(): begin at a fixed time
	 * past it, the same for every input (ISNs follow the clock) */
	if (tern_clock_us() >= REPLAY_T0_US)
		fz_fail("the machine's clock is past the virtual start");
	h->now = REPLAY_T0_US;
	fz_poll(f);
	/* IPv6's Duplicate Address Detection: the addresses are in use a
	 * second after the first poll's probes */
	fz_advance(f, 1100000);
	nf_drain(h->dev);               /* the gratuitous ARP, the DAD probes */
	if (learn_peer) {
		size_t n = nf_arp_frame(arp, &nf_mac_bcast, RTE_ARP_OP_REQUEST, &peer,
				FZ_PEER_IP, &nf_mac_zero, NF_OUR_IP);

		fz_inject(f, arp, n);
		fz_poll(f);
		nf_drain(h->dev);
	}
	if (tern_listen(h->w, FZ_LPORT, on_accept, arg) != 0)
		fz_fail("tern_listen");
}

void
fz_poll(struct fz_stack *f)
{
	nf_poll(&f->ns);
}

void
fz_advance(struct fz_stack *f, uint64_t us)
{
	nf_poll_after(&f->ns, us);
}

void
fz_inject(struct fz_stack *f, const uint8_t *frame, size_t len)
{
	int rc = nf_inject(f->ns.dev, unit_pool(), frame, len);

	if (rc != 0 && rc != -ENOBUFS)
		fz_fail("inject: %d", rc);
}

const uint8_t fz_our_ip6[16] = { 0x20, 0x01, 0x0d, 0xb8, [15] = 2 };
static const uint8_t fz_peer_ip6[16] = { 0x20, 0x01, 0x0d, 0xb8, [15] = 5 };

/*
 * The IPv6 packet at @ip (@len bytes in the frame): addresses from the peer
 * to us unless the destination is a group (ND goes to groups), and the
 * ICMPv6 checksum when ICMPv6 follows the fixed header at once.
 */
static void
fz_fixup_ipv6(uint8_t *ip, size_t len, unsigned int fix)
{
	size_t plen = (size_t)ip[4] << 8 | ip[5];
	uint8_t *m = ip + 40;
	uint32_t sum = 0;
	uint16_t c;

	if (fix & FZ_FIX_ADDRS) {
		memcpy(ip + 8, fz_peer_ip6, 16);
		if (ip[24] != 0xff)
			memcpy(ip + 24, fz_our_ip6, 16);
	}
	if (!(fix & FZ_FIX_L4_CKSUM) || ip[6] != IPPROTO_ICMPV6 || plen < 4 || 40 + plen > len)
		return;
	for (int i = 8; i < 40; i += 2)
		sum += (uint32_t)(ip[i] << 8 | ip[i + 1]);
	sum += (uint32_t)(plen >> 16) + (uint32_t)(plen & 0xffff) + IPPROTO_ICMPV6;
	m[2] = m[3] = 0;
	c = nf_cksum(m, plen, sum);
	m[2] = (uint8_t)(c >> 8);
	m[3] = (uint8_t)c;
}

void
fz_fixup(uint8_t *frame, size_t len, unsigned int fix)
{
	struct rte_ether_addr our = NF_OUR_MAC, peer = FZ_PEER_MAC;
	rte_be32_t src = FZ_PEER_IP, dst = NF_OUR_IP;
	uint8_t *ip = frame + NF_ETH_LEN;
	size_t ihl, tot, l4len;
	uint8_t *l4;

	if (len < NF_ETH_LEN)
		return;
	if (fix & FZ_FIX_ADDRS) {
		memcpy(frame, &our, 6);
		memcpy(frame + 6, &peer, 6);
	}
	if (len >= NF_ETH_LEN + 40 && frame[12] == 0x86 && frame[13] == 0xdd) {
		fz_fixup_ipv6(ip, len - NF_ETH_LEN, fix);
		return;
	}
	if (len < NF_ETH_LEN + 20 || frame[12] != 0x08 || frame[13] != 0x00)
		return;
	if (fix & FZ_FIX_ADDRS) {
		memcpy(ip + 12, &src, 4);
		memcpy(ip + 16, &dst, 4);
	}
	ihl = (size_t)(ip[0] & 0x0f) * 4;
	if (ihl < 20 || NF_ETH_LEN + ihl > len)
		return;
	if (fix & FZ_FIX_IP_CKSUM) {
		ip[10] = ip[11] = 0;
		uint16_t c = nf_cksum(ip, ihl, 0);

		ip[10] = (uint8_t)(c >> 8);
		ip[11] = (uint8_t)c;
	}
	if (!(fix & FZ_FIX_L4_CKSUM))
		return;
	/* over the length the IP header claims, if the frame holds it */
	tot = (size_t)ip[2] << 8 | ip[3];
	if (tot < ihl || NF_ETH_LEN + tot > len)
		return;
	l4 = ip + ihl;
	l4len = tot - ihl;
	if (ip[9] == IPPROTO_TCP && l4len >= 20) {
		nf_tcp_recksum(frame, NF_ETH_LEN + tot);
	} else if (ip[9] == IPPROTO_ICMP && l4len >= 4) {
		l4[2] = l4[3] = 0;
		uint16_t c = nf_cksum(l4, l4len, 0);

		l4[2] = (uint8_t)(c >> 8);
		l4[3] = (uint8_t)c;
	}
}

void
fz_check(struct fz_stack *f)
{
	tcp_worker_check_invariants(&f->ns.w->tcp);
}

/* rx_frames = Ethernet drops + ARP + ip_rx... (nf_check_accounting's sums) */
static void
fz_check_accounting(const struct tern_stats *st)
{
	char why[256];

	if (!nf_accounting_ok(st, why, sizeof(why)))
		fz_fail("accounting: %s", why);
}

void
fz_down(struct fz_stack *f)
{
	struct nf_stack *h = &f->ns;
	struct tern_worker *w = h->w;
	uint32_t counts[TERN_TCP_TIME_WAIT + 1];
	uint64_t tso_frames, tso_errors, tso_nombuf;
	unsigned int avail;

	tern_unlisten(w, FZ_LPORT);
	fz_poll(f);
	fz_check(f);
	/* frames held for an ARP answer (the peer's entry may have expired)
	 * go when the resolution gives up, one request a second */
	for (uint32_t i = 0; i < h->cfg.arp_retries + 2; i++) {
		nf_drain(h->dev);
		fz_advance(f, 1000000);
	}
	nf_drain(h->dev);
	tern_worker_conn_counts(w, counts);
	for (int s = 0; s < TERN_TCP_TIME_WAIT; s++)
		if (counts[s] != 0)
			fz_fail("%u connections left in %s", counts[s], tern_tcp_state_name(s));
	fz_check_accounting(tern_worker_stats(w));
	/* a frame for the device to cut that no NIC could cut is the stack's
	 * fault (one dropped for want of mbufs is the pool's) */
	tern_sim_tso_stats(h->dev, &tso_frames, &tso_errors, &tso_nombuf);
	if (tso_errors != 0)
		fz_fail("%" PRIu64 " frames no device could cut into segments", tso_errors);
	avail = rte_mempool_avail_count(tern_worker_pool(w));
	if (avail != h->cfg.mbufs)
		fz_fail("worker pool: %u of %u mbufs free", avail, h->cfg.mbufs);
	tern_stack_free(h->stack);
	h->stack = NULL;
	random_fixed_off();
	avail = rte_mempool_avail_count(unit_pool());
	if (avail != f->unit_free)
		fz_fail("injection pool: %u of %u mbufs free", avail, f->unit_free);
}
