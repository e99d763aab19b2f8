/* SPDX-License-Identifier: BSD-3-Clause */
/* The two-stack simulation world; see sim_world.h. */
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <rte_arp.h>
#include <rte_eal.h>
#include <rte_errno.h>
#include <rte_ether.h>
#include <rte_ip.h>
#include <rte_mbuf.h>
#include <rte_random.h>
#include <rte_tcp.h>

#include "eal_rundir.h"
#include "random_fixed.h"
#include "sim_world.h"

/* ------------------------------------------------------------------ EAL */

void
sim_eal_init(void)
{
	static int started;
	char prefix[64];
	char *argv[] = { "tern-sim", "--no-huge", "--no-pci", "-m", "512", "-l", "0",
		"--log-level", "*:error", prefix, NULL };

	if (started)
		return;
	/* a prefix of our own: meson runs several sim binaries at once */
	snprintf(prefix, sizeof(prefix), "--file-prefix=ternsim%d", (int)getpid());
	if (rte_eal_init((int)RTE_DIM(argv) - 1, argv) < 0) {
		fprintf(stderr, "sim: EAL init failed: %s\n", rte_strerror(rte_errno));
		exit(2);
	}
	eal_rundir_remove_at_exit();
	started = 1;
}

/* ---------------------------------------------------------------- world */

static const struct rte_ether_addr mac_of[3] = {
	{ .addr_bytes = { 0x02, 0, 0, 0, 0x77, 0x01 } },
	{ .addr_bytes = { 0x02, 0, 0, 0, 0x77, 0x02 } },
	{ .addr_bytes = { 0x02, 0, 0, 0, 0x77, 0xee } },
};

void
sim_world_config(struct tern_config *cfg, rte_be32_t addr)
{
	tern_config_defaults(cfg);
	snprintf(cfg->port_device, sizeof(cfg->port_device), "sim");
	cfg->ip_addr = addr;
	cfg->ip_netmask = RTE_BE32(0xffffff00u);
	cfg->ip_gateway = 0;
	/* the scenarios' ARP entries never age out during a run */
	cfg->arp_timeout_s = 3600;
	cfg->mbufs = 4096;
	cfg->mbuf_cache = 32;
	cfg->tcp_max_conns = 512;
	cfg->tcp_max_time_wait = 512;
	cfg->tcp_syn_backlog = 256;
	/* under 20% loss the peer's RTO backs off to tens of seconds; a
	 * FIN_WAIT_2 limit of 60 s would give up on FINs still being
	 * retransmitted (legal, but not what the scenarios check) */
	cfg->tcp_fin_wait_2_s = 600;
	/* 7 SYNs all lost at 20% loss happens once in ~80000 connections (the
	 * long run makes 600000): legal ETIMEDOUT, but noise; 11 SYNs it is */
	cfg->tcp_syn_retries = 10;
}

const uint8_t sim_ip6[2][16] = {
	{ 0xfd, 0x00, 0x00, 0x77, [15] = 1 },
	{ 0xfd, 0x00, 0x00, 0x77, [15] = 2 },
};

/* Of an IPv4 or IPv6 TCP frame at @p (@len bytes read): the IP header's
 * length (ihl), the IP packet's (tot), the pseudo-header sum (@ph, of a
 * flat frame @m); @return false if it is no TCP over IP without options
 * (IPv6: no extension headers; Tern sends none). */
static bool
seg_ip(const struct rte_mbuf *m, const uint8_t *p, uint32_t len, uint32_t *ihl, uint32_t *tot,
		bool *hdr_ok, uint32_t *ph)
{
	const struct rte_ether_hdr *eh = (const void *)p;

	*hdr_ok = true;
	*ph = 0;
	if (eh->ether_type == RTE_BE16(RTE_ETHER_TYPE_IPV6)) {
		const struct rte_ipv6_hdr *ip6 = (const void *)(p + sizeof(*eh));

		if (len < sizeof(*eh) + sizeof(*ip6) + sizeof(struct rte_tcp_hdr) ||
				ip6->proto != IPPROTO_TCP)
			return false;
		*ihl = sizeof(*ip6);
		*tot = sizeof(*ip6) + rte_be_to_cpu_16(ip6->payload_len);
		if (m->nb_segs == 1 && sizeof(*eh) + *tot <= rte_pktmbuf_data_len(m))
			*ph = rte_ipv6_phdr_cksum(rte_pktmbuf_mtod_offset(m,
					const struct rte_ipv6_hdr *, sizeof(*eh)), 0);
		return true;
	}
	if (eh->ether_type != RTE_BE16(RTE_ETHER_TYPE_IPV4))
		return false;
	const struct rte_ipv4_hdr *ip = (const void *)(p + sizeof(*eh));

	*ihl = (ip->version_ihl & 0xf) * 4u;
	*tot = rte_be_to_cpu_16(ip->total_length);
	if (ip->next_proto_id != IPPROTO_TCP || *ihl < 20 ||
			sizeof(*eh) + *ihl + sizeof(struct rte_tcp_hdr) > len)
		return false;
	if (m->nb_segs == 1 && sizeof(*eh) + *tot <= rte_pktmbuf_data_len(m)) {
		const struct rte_ipv4_hdr *iph = rte_pktmbuf_mtod_offset(m,
				const struct rte_ipv4_hdr *, sizeof(*eh));

		*ph = rte_ipv4_phdr_cksum(iph, 0);
		*hdr_ok = rte_raw_cksum(iph, *ihl) == 0xffff;
	}
	return true;
}

static void
seg_parse(struct sim_seg *s, const struct rte_mbuf *m)
{
	uint8_t buf[160];
	uint32_t len = RTE_MIN(rte_pktmbuf_pkt_len(m), (uint32_t)sizeof(buf));
	const uint8_t *p = rte_pktmbuf_read(m, 0, len, buf);
	const struct rte_ether_hdr *eh;
	const struct rte_tcp_hdr *th;
	uint32_t ihl, tot, doff, ph;
	bool hdr_ok;

	s->is_tcp = 0;
	if (p == NULL || len < sizeof(*eh) + 20 || !seg_ip(m, p, len, &ihl, &tot, &hdr_ok, &ph))
		return;
	eh = (const void *)p;
	th = (const void *)(p + sizeof(*eh) + ihl);
	doff = (th->data_off >> 4) * 4u;
	s->is_tcp = 1;
	/* the frames at the tap are flat (tern_sim_flatten, the link's copies) */
	if (m->nb_segs == 1 && tot >= ihl + sizeof(*th) &&
			sizeof(*eh) + tot <= rte_pktmbuf_data_len(m)) {
		const uint8_t *l4 = rte_pktmbuf_mtod_offset(m, const uint8_t *, sizeof(*eh) + ihl);
		/* a correct segment sums to 0xffff, its checksum included */
		uint32_t sum = ph + rte_raw_cksum(l4, tot - ihl);

		sum = (sum & 0xffff) + (sum >> 16);
		sum = (sum & 0xffff) + (sum >> 16);
		s->cksum_bad = !hdr_ok || sum != 0xffff;
	} else {
		s->cksum_bad = 1;
	}
	s->sport = rte_be_to_cpu_16(th->src_port);
	s->dport = rte_be_to_cpu_16(th->dst_port);
	s->seq = rte_be_to_cpu_32(th->sent_seq);
	s->ack = rte_be_to_cpu_32(th->recv_ack);
	s->flags = th->tcp_flags;
	s->wnd = rte_be_to_cpu_16(th->rx_win);
	s->len = tot >= ihl + doff ? tot - ihl - doff : 0;
	s->nsack = 0;
	/* options: SACK blocks */
	if (doff > 20 && sizeof(*eh) + ihl + doff <= len) {
		const uint8_t *o = (const uint8_t *)th + 20, *end = (const uint8_t *)th + doff;

		while (o < end && *o != 0) {
			if (*o == 1) {
				o++;
				continue;
			}
			if (o + 1 >= end || o[1] < 2 || o + o[1] > end)
				break;
			if (o[0] == 8 && o[1] == 10) {
				s->has_ts = 1;
				s->tsval = (uint32_t)o[2] << 24 | (uint32_t)o[3] << 16 |
					(uint32_t)o[4] << 8 | o[5];
				s->tsecr = (uint32_t)o[6] << 24 | (uint32_t)o[7] << 16 |
					(uint32_t)o[8] << 8 | o[9];
			}
			if (o[0] == 5) {
				for (unsigned int k = 0; k < (o[1] - 2u) / 8 && k < 4; k++) {
					const uint8_t *b = o + 2 + 8 * k;

					s->sack[k][0] = (uint32_t)b[0] << 24 | (uint32_t)b[1] << 16 |
						(uint32_t)b[2] << 8 | b[3];
					s->sack[k][1] = (uint32_t)b[4] << 24 | (uint32_t)b[5] << 16 |
						(uint32_t)b[6] << 8 | b[7];
					s->nsack = (uint8_t)(k + 1);
				}
			}
			o += o[1];
		}
	}
}

static struct sim_seg *
trace_slot(struct sim_world *w)
{
	uint64_t i = w->n_trace++;

	if (w->trace_all) {
		if (i >= w->trace_cap) {
			uint64_t cap = w->trace_cap * 2;
			struct sim_seg *t = realloc(w->trace, cap * sizeof(*t));

			if (t == NULL) {
				fprintf(stderr, "sim: trace: out of memory\n");
				exit(2);
			}
			w->trace = t;
			w->trace_cap = cap;
		}
		return &w->trace[i];
	}
	return &w->trace[i % w->trace_cap];
}

/* One frame through the tap: trace it, maybe drop it. @return true to pass. */
static bool
tap_frame(struct sim_world *w, int dir, struct rte_mbuf *m)
{
	struct sim_seg *s = trace_slot(w);

	memset(s, 0, sizeof(*s));
	s->t = w->now;
	s->dir = (uint8_t)dir;
	seg_parse(s, m);
	if (w->filter != NULL && w->filter(w->filter_arg, s)) {
		s->dropped = 1;
		w->tap_dropped++;
		rte_pktmbuf_free(m);
		return false;
	}
	return true;
}

/* What B sent, every queue in order: to M's transmit side (the link takes
 * it towards A). */
static unsigned int
tap_from_b(struct sim_world *w)
{
	struct rte_mbuf *pkts[64], *keep[64];
	unsigned int moved = 0;
	uint16_t n;

	for (uint16_t q = 0; q < tern_sim_nb_queues(w->dev[1]); q++) {
		while ((n = tern_sim_take_tx(w->dev[1], q, pkts, RTE_DIM(pkts))) != 0) {
			uint16_t k = 0, sent;

			moved += n;
			for (uint16_t i = 0; i < n; i++) {
				struct rte_mbuf *m = tern_sim_flatten(pkts[i]);

				if (m != NULL && tap_frame(w, 1, m))
					keep[k++] = m;
			}
			sent = w->mid->ops->tx_burst(w->mid, 0, keep, k);
			for (uint16_t i = sent; i < k; i++)
				rte_pktmbuf_free(keep[i]);
		}
	}
	return moved;
}

/* What reached M over the link: into B's receive side, on the queue B's
 * device picks. */
static unsigned int
tap_to_b(struct sim_world *w)
{
	struct rte_mbuf *pkts[64];
	unsigned int moved = 0;
	uint16_t n;

	while ((n = w->mid->ops->rx_burst(w->mid, 0, pkts, RTE_DIM(pkts))) != 0) {
		moved += n;
		for (uint16_t i = 0; i < n; i++)
			if (tap_frame(w, 0, pkts[i]))
				tern_sim_deliver(w->dev[1], pkts[i]); /* frees if full */
	}
	return moved;
}

/*
 * Poll one worker; @return the frames it took, from its queue and from its
 * steering ring: frames another worker passed it this iteration count as
 * work, so time does not move on while they wait in the ring.
 */
static unsigned int
world_poll(struct sim_world *w, struct tern_worker *wk)
{
	uint64_t steered = tern_worker_stats(wk)->steer_rx;
	unsigned int n = tern_worker_poll(wk, w->now);

	return n + (unsigned int)(tern_worker_stats(wk)->steer_rx - steered);
}

static unsigned int
world_iteration(struct sim_world *w)
{
	unsigned int moved = 0;

	for (int s = 0; s < 2; s++)
		for (unsigned int i = 0; i < w->nw[s]; i++)
			moved += world_poll(w, w->wk[s][i]);
	moved += tap_from_b(w);
	moved += tern_sim_link_step(w->link, w->now);
	moved += tap_to_b(w);
	w->iterations++;
	return moved;
}

#define LIVELOCK_ITERATIONS 2000000u

enum sim_run_end
sim_world_run(struct sim_world *w, sim_step_fn *step, sim_done_fn *done, void *arg,
		uint64_t deadline)
{
	uint64_t same = 0;

	for (;;) {
		unsigned int moved = world_iteration(w);
		uint64_t next;

		if (step != NULL)
			moved += step(arg, w->now);
		if (done != NULL && done(arg))
			return SIM_RUN_DONE;
		if (moved != 0) {
			if (++same > LIVELOCK_ITERATIONS)
				return SIM_RUN_LIVELOCK;
			continue;
		}
		same = 0;
		next = tern_sim_link_next_event(w->link);
		for (int s = 0; s < 2; s++)
			for (unsigned int i = 0; i < w->nw[s]; i++)
				next = RTE_MIN(next, tern_worker_next_event(w->wk[s][i]));
		if (next == UINT64_MAX)
			return SIM_RUN_STUCK;
		if (next <= w->now)
			next = w->now + 1;
		if (next > deadline) {
			w->now = RTE_MAX(w->now, deadline);
			return SIM_RUN_DEADLINE;
		}
		w->now = next;
	}
}

void
sim_world_run_for(struct sim_world *w, uint64_t us)
{
	uint64_t end = w->now + us;

	if (sim_world_run(w, NULL, NULL, NULL, end) == SIM_RUN_DEADLINE)
		w->now = end;
}

/* An ARP request from A for B, put straight on B's receive side: B learns A
 * (it is the target) and answers over the link, and A learns B from the
 * answer (it is the target): both resolved with one exchange. */
static int
inject_arp_request(struct sim_world *w)
{
	struct rte_mbuf *m = rte_pktmbuf_alloc(tern_worker_pool(w->w[0]));
	struct rte_ether_hdr *eh;
	struct rte_arp_hdr *ah;

	if (m == NULL)
		return -ENOMEM;
	eh = (struct rte_ether_hdr *)rte_pktmbuf_append(m, sizeof(*eh) + sizeof(*ah));
	memset(&eh->dst_addr, 0xff, sizeof(eh->dst_addr));
	rte_ether_addr_copy(&mac_of[0], &eh->src_addr);
	eh->ether_type = RTE_BE16(RTE_ETHER_TYPE_ARP);
	ah = (struct rte_arp_hdr *)(eh + 1);
	ah->arp_hardware = RTE_BE16(RTE_ARP_HRD_ETHER);
	ah->arp_protocol = RTE_BE16(RTE_ETHER_TYPE_IPV4);
	ah->arp_hlen = RTE_ETHER_ADDR_LEN;
	ah->arp_plen = 4;
	ah->arp_opcode = RTE_BE16(RTE_ARP_OP_REQUEST);
	rte_ether_addr_copy(&mac_of[0], &ah->arp_data.arp_sha);
	ah->arp_data.arp_sip = SIM_IP_A;
	memset(&ah->arp_data.arp_tha, 0, sizeof(ah->arp_data.arp_tha));
	ah->arp_data.arp_tip = SIM_IP_B;
	return tern_sim_inject(w->dev[1], 0, m);
}

/* Every worker of both stacks knows the other stack's address: the one that
 * took the frame from the wire, the others through their inboxes. */
static bool
boot_done(void *arg)
{
	struct sim_world *w = arg;

	for (int s = 0; s < 2; s++)
		for (unsigned int i = 0; i < w->nw[s]; i++)
			if (tern_worker_stats(w->wk[s][i])->arp_learned < 1)
				return false;
	return tern_sim_link_next_event(w->link) == UINT64_MAX;
}

/* The same for IPv6: every worker knows the other stack's MAC (ND). */
static bool
boot6_done(void *arg)
{
	struct sim_world *w = arg;

	for (int s = 0; s < 2; s++)
		for (unsigned int i = 0; i < w->nw[s]; i++)
			if (tern_worker_stats(w->wk[s][i])->nd_learned < 1)
				return false;
	return tern_sim_link_next_event(w->link) == UINT64_MAX;
}

/* A Neighbor Solicitation from stack @from (with its MAC) for the other's
 * address, put straight on the other's receive side: it learns @from
 * (RFC 4861 §7.2.3) and tells its workers. */
static int
inject_ns(struct sim_world *w, int from)
{
	const uint32_t nslen = 32;
	int to = 1 - from;
	struct rte_mbuf *m = rte_pktmbuf_alloc(tern_worker_pool(w->w[from]));
	struct rte_ether_hdr *eh;
	struct rte_ipv6_hdr *ip;
	uint8_t *ns;
	uint16_t ck;

	if (m == NULL)
		return -ENOMEM;
	eh = (struct rte_ether_hdr *)rte_pktmbuf_append(m, sizeof(*eh) + sizeof(*ip) + nslen);
	rte_ether_addr_copy(&mac_of[to], &eh->dst_addr);
	rte_ether_addr_copy(&mac_of[from], &eh->src_addr);
	eh->ether_type = RTE_BE16(RTE_ETHER_TYPE_IPV6);
	ip = (struct rte_ipv6_hdr *)(eh + 1);
	ip->vtc_flow = RTE_BE32(6u << 28);
	ip->payload_len = rte_cpu_to_be_16((uint16_t)nslen);
	ip->proto = IPPROTO_ICMPV6;
	ip->hop_limits = 255;
	memcpy(ip->src_addr, sim_ip6[from], 16);
	memcpy(ip->dst_addr, sim_ip6[to], 16);
	ns = (uint8_t *)(ip + 1);
	memset(ns, 0, nslen);
	ns[0] = 135;
	memcpy(ns + 8, sim_ip6[to], 16);
	ns[24] = 1;                             /* source link-layer address */
	ns[25] = 1;
	memcpy(ns + 26, &mac_of[from], RTE_ETHER_ADDR_LEN);
	{
		uint32_t sum = (uint32_t)rte_ipv6_phdr_cksum(ip, 0) + rte_raw_cksum(ns, nslen);

		sum = (sum & 0xffff) + (sum >> 16);
		ck = (uint16_t)~((sum & 0xffff) + (sum >> 16));
	}
	memcpy(ns + 2, &ck, sizeof(ck));
	return tern_sim_inject(w->dev[to], 0, m);
}

static void
errf(char *err, size_t errlen, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(err, errlen, fmt, ap);
	va_end(ap);
}

int
sim_world_create(struct sim_world *w, const struct sim_world_params *p, char *err,
		size_t errlen)
{
	static unsigned int serial;
	char name[32];

	memset(w, 0, sizeof(*w));
	w->seed = p->seed;
	w->now = REPLAY_T0_US;
	w->trace_all = p->trace_keep != 0;
	w->trace_cap = w->trace_all ? p->trace_keep : SIM_TRACE_RING;
	w->trace = calloc(w->trace_cap, sizeof(*w->trace));
	if (w->trace == NULL) {
		errf(err, errlen, "trace: out of memory");
		return -1;
	}
	if (tern_clock_us() >= REPLAY_T0_US) {
		errf(err, errlen, "the machine's clock is past the virtual start");
		return -1;
	}
	/* everything random in the stacks from here on comes from the seed */
	random_fixed_on(sim_mix64(p->seed ^ 0x5157a11ce5eedull));
	rte_srand(sim_mix64(p->seed ^ 0x7e4a));
	w->ip6 = p->ip6;
	for (int i = 0; i < 2; i++) {
		struct tern_config cfg = p->cfg[i];

		if (p->tso)
			cfg.port_gro = 1;       /* the offload matrix: both offloads */
		unsigned int nq;

		if (p->ip6) {
			cfg.ip6_enabled = 1;
			memcpy(cfg.ip6_addr, sim_ip6[i], 16);
			cfg.ip6_prefix_len = 64;
		}
		w->nw[i] = p->workers[i] != 0 ? p->workers[i] : 1;
		nq = RTE_MAX(p->queues[i], w->nw[i]);
		if (w->nw[i] > SIM_WORKERS_MAX || nq > SIM_QUEUES_MAX) {
			random_fixed_off();
			errf(err, errlen, "%u workers on %u queues: at most %u on %u", w->nw[i], nq,
					SIM_WORKERS_MAX, SIM_QUEUES_MAX);
			return -1;
		}
		/* more queues than workers: worker k also polls k + workers ... */
		if (nq > w->nw[i])
			cfg.port_queues = nq;
		snprintf(name, sizeof(name), "sim%c%u", 'A' + i, serial);
		w->dev[i] = tern_sim_create(name, &mac_of[i], p->mtu != 0 ? p->mtu : 1500,
				(uint16_t)nq);
		if (w->dev[i] == NULL) {
			random_fixed_off();
			errf(err, errlen, "tern_sim_create: %s", rte_strerror(rte_errno));
			return -1;
		}
		/* like the DPDK ports the stacks run on: data goes out by
		 * reference to the send queue (the link delivers copies);
		 * with tso, like net_tap: frames of many segments, cut by the device */
		tern_sim_set_offloads(w->dev[i], TERN_NETDEV_TX_BY_REF | TERN_NETDEV_TX_MULTI_SEG |
				(p->tso ? TERN_NETDEV_TX_TCP_TSO : 0));
		/* over IPv6, a NIC's multicast filter: Neighbor Discovery works
		 * only if the stack lists its groups (tern_netdev_ops.mc_addrs_set) */
		tern_sim_set_mc_filter(w->dev[i], p->ip6);
		/* before the stack starts: RSS gives the device a table */
		tern_sim_set_spread(w->dev[i], p->spread, sim_mix64(p->seed ^ (0x5b7ead0ull + i)));
		w->mbufs[i] = p->cfg[i].mbufs;
		w->stack[i] = tern_stack_create(&cfg, w->dev[i], w->nw[i]);
		if (w->stack[i] == NULL) {
			random_fixed_off();
			w->dev[i] = NULL;
			errf(err, errlen, "tern_stack_create %c: %s", 'A' + i,
					rte_strerror(rte_errno));
			return -1;
		}
		for (unsigned int k = 0; k < w->nw[i]; k++)
			w->wk[i][k] = tern_stack_worker(w->stack[i], k);
		w->w[i] = w->wk[i][0];
	}
	random_fixed_off();
	snprintf(name, sizeof(name), "simM%u", serial++);
	w->mid = tern_sim_create(name, &mac_of[2], p->mtu != 0 ? p->mtu : 1500, 1);
	if (w->mid == NULL) {
		errf(err, errlen, "tern_sim_create M: %s", rte_strerror(rte_errno));
		return -1;
	}
	w->link = tern_sim_link_create(w->dev[0], w->mid, p->seed);
	if (w->link == NULL) {
		errf(err, errlen, "tern_sim_link_create: %s", rte_strerror(rte_errno));
		return -1;
	}
	if (p->pcap != NULL && tern_sim_link_pcap(w->link, p->pcap) != 0) {
		errf(err, errlen, "pcap %s: %s", p->pcap, strerror(errno));
		return -1;
	}
	/* boot on a clean wire: gratuitous ARPs, then one ARP exchange */
	world_iteration(w);
	if (inject_arp_request(w) != 0) {
		errf(err, errlen, "ARP request: no mbuf or no room");
		return -1;
	}
	if (sim_world_run(w, NULL, boot_done, w, w->now + 1000000) != SIM_RUN_DONE) {
		errf(err, errlen, "ARP exchange did not resolve both sides");
		return -1;
	}
	if (p->ip6) {
		/* Duplicate Address Detection's second, then each side solicited once */
		sim_world_run_for(w, 1100000);
		if (inject_ns(w, 0) != 0 || inject_ns(w, 1) != 0) {
			errf(err, errlen, "Neighbor Solicitation: no mbuf or no room");
			return -1;
		}
		if (sim_world_run(w, NULL, boot6_done, w, w->now + 1000000) != SIM_RUN_DONE) {
			errf(err, errlen, "Neighbor Discovery did not resolve both sides");
			return -1;
		}
	}
	for (int d = 0; d < 2; d++) {
		w->boot_ls[d] = *tern_sim_link_stats(w->link, d);
		tern_sim_link_set_faults(w->link, d, &p->fault[d]);
	}
	/* a fresh trace for the run itself */
	w->n_trace = 0;
	return 0;
}

void
sim_world_link_stats(const struct sim_world *w, int dir, struct tern_sim_link_stats *out)
{
	const struct tern_sim_link_stats *now = tern_sim_link_stats(w->link, dir);
	const struct tern_sim_link_stats *b = &w->boot_ls[dir];

	out->sent = now->sent - b->sent;
	out->delivered = now->delivered - b->delivered;
	out->dropped = now->dropped - b->dropped;
	out->queue_drops = now->queue_drops - b->queue_drops;
	out->duplicated = now->duplicated - b->duplicated;
	out->reordered = now->reordered - b->reordered;
	out->corrupted = now->corrupted - b->corrupted;
	out->rx_full = now->rx_full - b->rx_full;
}

static unsigned int
drain_tx(struct tern_netdev *dev)
{
	struct rte_mbuf *pkts[64];
	unsigned int total = 0;
	uint16_t n;

	for (uint16_t q = 0; q < tern_sim_nb_queues(dev); q++)
		while ((n = tern_sim_take_tx(dev, q, pkts, RTE_DIM(pkts))) != 0) {
			rte_pktmbuf_free_bulk(pkts, n);
			total += n;
		}
	return total;
}

int
sim_world_drain(struct sim_world *w, char *err, size_t errlen)
{
	unsigned int moved;
	int rc = 0;

	if (w->link != NULL) {
		/* what is due now is delivered; what would arrive later is freed */
		for (int i = 0; i < 1000 && world_iteration(w) != 0; i++)
			;
		tern_sim_link_free(w->link);
		w->link = NULL;
	}
	if (w->mid != NULL) {
		w->mid->ops->close(w->mid);
		w->mid = NULL;
	}
	do {
		moved = 0;
		for (int i = 0; i < 2; i++)
			for (unsigned int k = 0; k < w->nw[i]; k++)
				if (w->wk[i][k] != NULL)
					moved += world_poll(w, w->wk[i][k]);
		for (int i = 0; i < 2; i++)
			if (w->dev[i] != NULL)
				moved += drain_tx(w->dev[i]);
	} while (moved != 0);
	for (int i = 0; i < 2; i++) {
		for (unsigned int k = 0; k < w->nw[i]; k++) {
			unsigned int avail;

			if (w->wk[i][k] == NULL)
				continue;
			avail = rte_mempool_avail_count(tern_worker_pool(w->wk[i][k]));
			if (avail != w->mbufs[i] && rc == 0) {
				errf(err, errlen, "stack %c: worker %u pool %u of %u mbufs free "
						"(%d leaked)", 'A' + i, k, avail, w->mbufs[i],
						(int)(w->mbufs[i] - avail));
				rc = -1;
			}
		}
	}
	return rc;
}

void
sim_world_free(struct sim_world *w)
{
	if (w->link != NULL)
		tern_sim_link_free(w->link);
	w->link = NULL;
	if (w->mid != NULL)
		w->mid->ops->close(w->mid);
	w->mid = NULL;
	for (int i = 0; i < 2; i++) {
		tern_stack_free(w->stack[i]);
		w->stack[i] = NULL;
		w->w[i] = NULL;
		memset(w->wk[i], 0, sizeof(w->wk[i]));
		w->dev[i] = NULL;
	}
	free(w->trace);
	w->trace = NULL;
}

uint64_t
sim_world_trace_count(const struct sim_world *w)
{
	return w->trace_all ? w->n_trace : RTE_MIN(w->n_trace, w->trace_cap);
}

uint64_t
sim_world_trace_first(const struct sim_world *w)
{
	return w->n_trace - sim_world_trace_count(w);
}

const struct sim_seg *
sim_world_trace(const struct sim_world *w, uint64_t i)
{
	if (i >= sim_world_trace_count(w))
		return NULL;
	if (w->trace_all)
		return &w->trace[i];
	return &w->trace[(sim_world_trace_first(w) + i) % w->trace_cap];
}

void
sim_seg_print(FILE *f, const struct sim_seg *s, uint64_t t0)
{
	char fl[8];
	int k = 0;

	if (!s->is_tcp) {
		fprintf(f, "%10.6f %s (not TCP)%s\n", (double)(s->t - t0) / 1e6,
				s->dir == 0 ? "A>B" : "B>A", s->dropped ? " [tap drop]" : "");
		return;
	}
	if (s->flags & RTE_TCP_SYN_FLAG) fl[k++] = 'S';
	if (s->flags & RTE_TCP_FIN_FLAG) fl[k++] = 'F';
	if (s->flags & RTE_TCP_RST_FLAG) fl[k++] = 'R';
	if (s->flags & RTE_TCP_PSH_FLAG) fl[k++] = 'P';
	if (s->flags & RTE_TCP_ACK_FLAG) fl[k++] = '.';
	fl[k] = '\0';
	fprintf(f, "%10.6f %s %5u>%-5u %-4s seq %10u ack %10u len %5u win %5u",
			(double)(s->t - t0) / 1e6, s->dir == 0 ? "A>B" : "B>A", s->sport, s->dport,
			fl, s->seq, s->ack, s->len, s->wnd);
	if (s->has_ts)
		fprintf(f, " ts %u/%u", s->tsval, s->tsecr);
	for (unsigned int i = 0; i < s->nsack; i++)
		fprintf(f, " sack %u-%u", s->sack[i][0], s->sack[i][1]);
	fprintf(f, "%s\n", s->dropped ? " [tap drop]" : "");
}

void
sim_world_print_trace(const struct sim_world *w, FILE *f, unsigned int n)
{
	uint64_t cnt = sim_world_trace_count(w), from = cnt > n ? cnt - n : 0;

	fprintf(f, "  last %" PRIu64 " frames at the tap (A>B after the link's faults, "
			"B>A before them; time in s since the start):\n", cnt - from);
	for (uint64_t i = from; i < cnt; i++) {
		fprintf(f, "  ");
		sim_seg_print(f, sim_world_trace(w, i), REPLAY_T0_US);
	}
}

void
sim_world_conn_counts(const struct sim_world *w, int side, uint32_t counts[TERN_TCP_TIME_WAIT + 1])
{
	memset(counts, 0, (TERN_TCP_TIME_WAIT + 1) * sizeof(counts[0]));
	for (unsigned int k = 0; k < w->nw[side]; k++) {
		uint32_t c[TERN_TCP_TIME_WAIT + 1];

		tern_worker_conn_counts(w->wk[side][k], c);
		for (int s = 0; s <= TERN_TCP_TIME_WAIT; s++)
			counts[s] += c[s];
	}
}

uint32_t
sim_world_conns(const struct sim_world *w, int side)
{
	uint32_t counts[TERN_TCP_TIME_WAIT + 1], n = 0;

	sim_world_conn_counts(w, side, counts);
	for (int s = 0; s <= TERN_TCP_TIME_WAIT; s++)
		n += counts[s];
	return n;
}

void
sim_world_stats(const struct sim_world *w, int side, struct tern_stats *out)
{
	tern_stack_stats(w->stack[side], out);
}

uint64_t
sim_tso_errors(const struct sim_world *w, int side)
{
	uint64_t frames, errors, nombuf;

	tern_sim_tso_stats(w->dev[side], &frames, &errors, &nombuf);
	return errors + nombuf;
}
