/* SPDX-License-Identifier: BSD-3-Clause */
/* tern-loadgen: the SYN flood (syn-flood mode, --flood). */
#include <string.h>

#include <rte_ether.h>
#include <rte_ip.h>
#include <rte_mbuf.h>
#include <rte_random.h>
#include <rte_tcp.h>

#include "loadgen.h"

/*
 * The SYN flood: up to 32 crafted SYNs per iteration (--rate paces them), from
 * random sources in 198.18.0.0/15, sent in broadcast frames on the worker's
 * queue (tern_worker_send_frames).
 */
void
lg_flood(struct lg_worker *lw, uint64_t now)
{
	struct tern_netdev *dev = tern_stack_netdev(lg.stack);
	struct rte_mbuf *pkts[32];
	uint16_t n = 32;

	if (lg.opts.rate != 0) {
		uint64_t due;

		/* what the rate allows since the flood began, less what went: no
		 * rounding carried from one iteration to the next */
		if (lw->flood_start_us == 0)
			lw->flood_start_us = now;
		due = (uint64_t)((double)(now - lw->flood_start_us) * (double)lg.opts.rate / 1e6);
		if (due <= lw->flood_sent)
			return;
		n = (uint16_t)RTE_MIN(due - lw->flood_sent, (uint64_t)32);
	}
	if (rte_pktmbuf_alloc_bulk(tern_worker_pool(lw->w), pkts, n) != 0)
		return;
	lw->flood_sent += n;
	for (uint16_t i = 0; i < n; i++) {
		struct rte_ether_hdr *eh = (struct rte_ether_hdr *)rte_pktmbuf_append(pkts[i],
				sizeof(*eh) + 20 + 20);
		struct rte_ipv4_hdr *ip = (struct rte_ipv4_hdr *)(eh + 1);
		struct rte_tcp_hdr *th = (struct rte_tcp_hdr *)(ip + 1);
		uint64_t r = rte_rand();

		memset(eh, 0xff, sizeof(eh->dst_addr));
		rte_ether_addr_copy(&dev->mac, &eh->src_addr);
		eh->ether_type = RTE_BE16(RTE_ETHER_TYPE_IPV4);
		memset(ip, 0, sizeof(*ip));
		ip->version_ihl = RTE_IPV4_VHL_DEF;
		ip->total_length = RTE_BE16(40);
		ip->time_to_live = 64;
		ip->next_proto_id = IPPROTO_TCP;
		/* RFC 2544 benchmark range, never a real host */
		ip->src_addr = rte_cpu_to_be_32(0xc6120000u | (uint32_t)(r & 0x1ffff));
		ip->dst_addr = lg.opts.target.v4;
		ip->hdr_checksum = rte_ipv4_cksum(ip);
		memset(th, 0, sizeof(*th));
		th->src_port = rte_cpu_to_be_16((uint16_t)(1024 + ((r >> 17) % 64000)));
		th->dst_port = rte_cpu_to_be_16(lg.opts.target.port);
		th->sent_seq = rte_cpu_to_be_32((uint32_t)(r >> 32));
		th->data_off = 5 << 4;
		th->tcp_flags = RTE_TCP_SYN_FLAG;
		th->rx_win = RTE_BE16(65535);
		th->cksum = rte_ipv4_udptcp_cksum(ip, th);
	}
	/* counted in tx_frames like the stack's own, but beside its batch: a
	 * full ring drops flood frames, never the legitimate segments */
	lw->st.syn_sent += tern_worker_send_frames(lw->w, pkts, n);
}
