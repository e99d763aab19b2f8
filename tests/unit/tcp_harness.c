/* SPDX-License-Identifier: BSD-3-Clause */
/* The TCP test peer over the sim netdev; see tcp_harness.h. */
#include <stdlib.h>
#include <string.h>

#include <rte_byteorder.h>
#include <rte_ether.h>
#include <rte_mbuf.h>

#include "tcp_harness.h"

/* ---------------------------------------------------------------- callbacks */

static void
th_log(struct th *h, char ev)
{
	if (h->log_len + 1 < sizeof(h->log)) {
		h->log[h->log_len++] = ev;
		h->log[h->log_len] = '\0';
	}
}

/* The live record of @p c (callbacks must only come for live ones). */
static struct th_rec *
th_live(struct th *h, struct tern_conn *c, const char *cb)
{
	for (unsigned int i = h->n_recs; i-- > 0;)
		if (h->recs[i].c == c && h->recs[i].closed == 0)
			return &h->recs[i];
	ck_abort_msg("%s for a connection the app does not know or that was closed", cb);
	return NULL;
}

static struct th_rec *
th_add_rec(struct th *h, struct tern_conn *c)
{
	struct th_rec *r;

	ck_assert_msg(h->n_recs < TH_RECS, "too many connections for the harness");
	r = &h->recs[h->n_recs++];
	memset(r, 0, sizeof(*r));
	r->c = c;
	return r;
}

static void
cb_connected(struct tern_conn *c, void *arg)
{
	struct th *h = arg;

	th_live(h, c, "on_connected")->connected++;
	h->n_connected++;
	th_log(h, 'C');
}

static void
cb_recv(struct tern_conn *c, struct rte_mbuf *m, void *arg)
{
	struct th *h = arg;
	uint32_t len = rte_pktmbuf_pkt_len(m);
	size_t off = h->rx_len;
	const void *d;

	th_live(h, c, "on_recv");
	ck_assert_msg(len != 0, "on_recv with an empty mbuf");
	ck_assert_msg(h->rx_len + len <= sizeof(h->rx), "harness rx buffer full");
	d = rte_pktmbuf_read(m, 0, len, &h->rx[off]);
	ck_assert_ptr_nonnull(d);
	if (d != &h->rx[off])
		memcpy(&h->rx[off], d, len);
	h->rx_len += len;
	h->n_recv++;
	th_log(h, 'R');
	rte_pktmbuf_free(m);
	if (h->recv_hook != NULL)
		h->recv_hook(h, c, &h->rx[off], len);
}

static void
cb_sent(struct tern_conn *c, uint32_t acked, void *arg)
{
	struct th *h = arg;

	th_live(h, c, "on_sent")->sent += acked;
	h->sent_bytes += acked;
	th_log(h, 'S');
}

static void
cb_peer_closed(struct tern_conn *c, void *arg)
{
	struct th *h = arg;
	struct th_rec *r = th_live(h, c, "on_peer_closed");

	r->peer_closed++;
	ck_assert_msg(r->peer_closed == 1, "on_peer_closed called %u times", r->peer_closed);
	h->n_peer_closed++;
	th_log(h, 'P');
	if (h->peer_closed_hook != NULL)
		h->peer_closed_hook(h, c);
}

static void
cb_closed(struct tern_conn *c, int reason, void *arg)
{
	struct th *h = arg;
	struct th_rec *r = th_live(h, c, "on_closed");

	r->closed++;
	r->reason = reason;
	h->n_closed++;
	h->last_reason = reason;
	th_log(h, 'X');
}

const struct tern_conn_ops th_ops = {
	.on_connected = cb_connected,
	.on_recv = cb_recv,
	.on_sent = cb_sent,
	.on_peer_closed = cb_peer_closed,
	.on_closed = cb_closed,
};

static int
cb_accept(struct tern_conn *c, void *arg)
{
	struct th *h = arg;

	h->n_accept++;
	th_log(h, 'A');
	if (h->accept_ret != 0) {
		h->n_refused++;
		return h->accept_ret;
	}
	th_add_rec(h, c);
	tern_conn_set_ops(c, &th_ops, h);
	h->c = c;
	if (h->accept_hook != NULL)
		h->accept_hook(h, c);
	return 0;
}

/* ---------------------------------------------------------------- lifecycle */

const uint8_t th_peer_ip6[16] = { 0x20, 0x01, 0x0d, 0xb8, [15] = 1 };
const uint8_t th_our_ip6[16] = { 0x20, 0x01, 0x0d, 0xb8, [15] = 2 };

/*
 * TERN_TEST_FAMILY=6 runs a suite's connections over IPv6 (tests/unit/
 * meson.build registers each TCP suite so a second time). The MTU is 20
 * bytes larger there, so the MSS, and every segment size a test expects,
 * is the same as over IPv4.
 */
static bool
th_family_is_ip6(void)
{
	const char *f = getenv("TERN_TEST_FAMILY");

	return f != NULL && strcmp(f, "6") == 0;
}

void
th_use_ip6(struct th *h)
{
	struct tern_config *cfg = &h->ns.cfg;

	h->ip6 = true;
	cfg->ip6_enabled = 1;
	memcpy(cfg->ip6_addr, th_our_ip6, 16);
	cfg->ip6_prefix_len = 64;
	cfg->port_mtu = 1520;
}

void
th_init(struct th *h, const char *eal_prefix)
{
	struct tern_config *cfg = &h->ns.cfg;

	unit_eal_init(eal_prefix);
	memset(h, 0, sizeof(*h));
	nf_stack_config(cfg);
	if (th_family_is_ip6())
		th_use_ip6(h);
	cfg->tcp_max_conns = 64;
	cfg->tcp_max_time_wait = 64;
	cfg->tcp_syn_backlog = 16;
	cfg->tcp_time_wait_ms = 2000;
	cfg->tcp_delack_ms = 40;
	cfg->tcp_syn_retries = 3;
	cfg->tcp_retries = 4;
	h->ns.unit_free = rte_mempool_avail_count(unit_pool());
	h->lport = TH_LPORT;
	h->pport = TH_PPORT;
	h->peer_tsval = 0x7fffff00u;    /* the peer's TS clock wraps its sign soon */
}

/*
 * IPv6: the groups joined (MLD) and Duplicate Address Detection's probes,
 * DAD's second pass and the join's report again, then the peer resolves our
 * address (RFC 4861 §7.2.3: a solicitation with its MAC), so tern knows the
 * peer's MAC as it knows it from ARP over IPv4.
 */
static void
th_up_ip6(struct th *h)
{
	/* our link-local address, from NF_OUR_MAC */
	static const uint8_t our_ll[16] = { 0xfe, 0x80, [11] = 0xff, [12] = 0xfe, [15] = 2 };
	const struct rte_ether_addr our = NF_OUR_MAC, peer = TH_PEER_MAC;
	uint8_t f[128], *ip, *ns;
	struct nf_pkt p[3];

	/* the join (one solicited-node group: both addresses end in ::2),
	 * then one probe each */
	ck_assert_uint_eq(nf_take(h->ns.dev, p, 3), 3);
	nf_expect_mld_report(&p[0], NULL, 4, 1);
	ck_assert_ptr_nonnull(p[2].ip6);
	th_advance(h, 1100000);
	ck_assert_uint_eq(nf_take(h->ns.dev, p, 1), 1);
	nf_expect_mld_report(&p[0], our_ll, 4, 1);
	nf_put_eth(f, &our, &peer, RTE_ETHER_TYPE_IPV6);
	ip = f + NF_ETH_LEN;
	memset(ip, 0, 40 + 32);
	ip[0] = 0x60;
	ip[5] = 32;
	ip[6] = IPPROTO_ICMPV6;
	ip[7] = 255;
	memcpy(ip + 8, th_peer_ip6, 16);
	memcpy(ip + 24, th_our_ip6, 16);
	ns = ip + 40;
	ns[0] = 135;                        /* Neighbor Solicitation */
	memcpy(ns + 8, th_our_ip6, 16);
	ns[24] = 1;                         /* source link-layer address */
	ns[25] = 1;
	memcpy(ns + 26, peer.addr_bytes, 6);
	{
		uint16_t c = nf_cksum(ns, 32, nf_pseudo_sum6(th_peer_ip6, th_our_ip6,
				IPPROTO_ICMPV6, 32));

		ns[2] = (uint8_t)(c >> 8);
		ns[3] = (uint8_t)c;
	}
	nf_send(&h->ns, f, NF_ETH_LEN + 40 + 32);
	th_poll(h);
	ck_assert_uint_eq(nf_take(h->ns.dev, p, 1), 1);     /* the advertisement */
	ck_assert_ptr_nonnull(p[0].ip6);
	ck_assert_uint_eq(p[0].l4[0], 136);
}

void
th_up(struct th *h)
{
	struct rte_ether_addr peer_mac = TH_PEER_MAC;
	struct nf_pkt p;
	uint64_t real;

	nf_stack_up(&h->ns);
	/*
	 * tern_stack_create() advances the workers' timer wheels to
	 * tern_clock_us(); a virtual clock behind that would arm every timer
	 * in the wheel's past (they would fire only once the virtual clock
	 * caught up with the machine's uptime). Start the virtual clock at a
	 * whole second past both NF_T0 and the real clock.
	 */
	real = tern_clock_us();
	if (h->ns.now < real)
		h->ns.now = (real / 1000000 + 1) * 1000000;
	/* nf_stack_boot() from here: the first poll sends the gratuitous ARP */
	th_poll(h);
	ck_assert_uint_eq(nf_take(h->ns.dev, &p, 1), 1);
	ck_assert_ptr_nonnull(p.arp);
	if (h->ip6)
		th_up_ip6(h);
	ck_assert_uint_eq(tern_sim_tx_count(h->ns.dev, 0), 0);
	nf_learn(&h->ns, &peer_mac, TH_PEER_IP);
	ck_assert_int_eq(tern_listen(h->ns.w, TH_LPORT, cb_accept, h), 0);
}

void
th_down(struct th *h)
{
	if (h->ns.stack != NULL) {
		struct tern_worker *w = h->ns.w;
		uint32_t counts[TERN_TCP_TIME_WAIT + 1];

		/* whatever is still open goes now, so the pool can be checked
		 * while the stack still stands */
		for (unsigned int i = 0; i < h->n_recs; i++)
			if (h->recs[i].closed == 0)
				tern_abort(h->recs[i].c);
		tern_unlisten(w, TH_LPORT);
		th_poll(h);
		nf_drain(h->ns.dev);
		tern_worker_conn_counts(w, counts);
		for (int s = 0; s < TERN_TCP_TIME_WAIT; s++)
			ck_assert_msg(counts[s] == 0, "%u connections left in %s", counts[s],
					tern_tcp_state_name(s));
		nf_check_accounting(tern_worker_stats(w));
		ck_assert_pool_count(tern_worker_pool(w), h->ns.cfg.mbufs);
		tern_stack_free(h->ns.stack);
		h->ns.stack = NULL;
		h->ns.w = NULL;
		h->ns.dev = NULL;
	}
	ck_assert_pool_count(unit_pool(), h->ns.unit_free);
	/* on_closed exactly once for every connection the app knew */
	for (unsigned int i = 0; i < h->n_recs; i++)
		ck_assert_msg(h->recs[i].closed == 1, "connection %u: on_closed called %u times",
				i, h->recs[i].closed);
}

void
th_poll(struct th *h)
{
	nf_poll(&h->ns);
}

void
th_advance(struct th *h, uint64_t us)
{
	nf_poll_after(&h->ns, us);
}

/* ---------------------------------------------------------------- writing */

static void
put16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

static void
put32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 24);
	p[1] = (uint8_t)(v >> 16);
	p[2] = (uint8_t)(v >> 8);
	p[3] = (uint8_t)v;
}

static uint16_t
get16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

static uint32_t
get32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

void
th_fill(uint8_t *buf, uint32_t seq, uint32_t len)
{
	for (uint32_t i = 0; i < len; i++)
		buf[i] = th_byte(seq + i);
}

static size_t
put_opts(uint8_t *p, const struct th_opts *o)
{
	size_t n = 0;

	if (o->raw != NULL) {
		memcpy(p, o->raw, o->raw_len);
		n = o->raw_len;
		while (n % 4 != 0)
			p[n++] = 0;
		return n;
	}
	if (o->mss != 0) {
		p[n++] = 2;
		p[n++] = 4;
		put16(&p[n], o->mss);
		n += 2;
	}
	if (o->has_ws) {
		p[n++] = 1;
		p[n++] = 3;
		p[n++] = 3;
		p[n++] = o->ws;
	}
	if (o->sack_ok) {
		p[n++] = 1;
		p[n++] = 1;
		p[n++] = 4;
		p[n++] = 2;
	}
	if (o->has_ts) {
		p[n++] = 1;
		p[n++] = 1;
		p[n++] = 8;
		p[n++] = 10;
		put32(&p[n], o->tsval);
		put32(&p[n + 4], o->tsecr);
		n += 8;
	}
	if (o->nsack != 0) {
		p[n++] = 1;
		p[n++] = 1;
		p[n++] = 5;
		p[n++] = (uint8_t)(2 + 8 * o->nsack);
		for (unsigned int i = 0; i < o->nsack; i++) {
			put32(&p[n], o->sack[i][0]);
			put32(&p[n + 4], o->sack[i][1]);
			n += 8;
		}
	}
	ck_assert_msg(n <= 40, "options too long: %zu", n);
	return n;
}

void
th_recksum(uint8_t *frame, size_t len)
{
	nf_tcp_recksum(frame, len);
}

size_t
th_build(struct th *h, uint8_t *buf, uint8_t flags, uint32_t seq, uint32_t ack,
		uint16_t wnd, const void *payload, uint32_t len, const struct th_opts *opts)
{
	struct th_opts auto_ts = { 0 };
	uint8_t optbuf[64];
	struct nf_tcp t = {
		.eth_dst = NF_OUR_MAC, .eth_src = TH_PEER_MAC, .src = TH_PEER_IP, .dst = NF_OUR_IP,
		.sport = h->pport, .dport = h->lport, .seq = seq, .ack = ack, .flags = flags,
		.wnd = wnd, .opts = optbuf, .payload = payload, .len = len,
		.src6 = h->ip6 ? th_peer_ip6 : NULL, .dst6 = h->ip6 ? th_our_ip6 : NULL,
	};
	size_t n;

	if (opts == NULL && h->peer_ts) {
		auto_ts.has_ts = 1;
		auto_ts.tsval = h->peer_tsval;
		auto_ts.tsecr = h->tern_tsval;
		opts = &auto_ts;
	}
	if (opts != NULL)
		t.optlen = put_opts(optbuf, opts);
	n = nf_tcp_frame(buf, &t);
	ck_assert_msg(n != 0, "frame too long");
	return n;
}

void
th_inject(struct th *h, uint8_t flags, uint32_t seq, uint32_t ack, uint16_t wnd,
		const void *payload, uint32_t len, const struct th_opts *opts)
{
	uint8_t f[NF_FRAME_MAX];
	size_t n = th_build(h, f, flags, seq, ack, wnd, payload, len, opts);

	nf_send(&h->ns, f, n);
}

void
th_inject_data(struct th *h, uint8_t flags, uint32_t seq, uint32_t ack, uint32_t len)
{
	uint8_t data[NF_FRAME_MAX];

	ck_assert_uint_le(len, sizeof(data));
	th_fill(data, seq, len);
	th_inject(h, flags, seq, ack, TH_PWND, data, len, NULL);
}

/* ---------------------------------------------------------------- reading */

static void
parse_opts(struct th_seg *s)
{
	unsigned int i = 0;

	while (i < s->optlen) {
		uint8_t kind = s->opts[i], olen;

		if (kind == 0)
			break;
		if (kind == 1) {
			i++;
			continue;
		}
		ck_assert_msg(i + 1 < s->optlen, "tern sent a truncated option");
		olen = s->opts[i + 1];
		ck_assert_msg(olen >= 2 && i + olen <= s->optlen,
				"tern sent option %u with length %u", kind, olen);
		s->nopt_kinds++;
		switch (kind) {
		case 2:
			ck_assert_uint_eq(olen, 4);
			s->has_mss = true;
			s->mss = get16(&s->opts[i + 2]);
			break;
		case 3:
			ck_assert_uint_eq(olen, 3);
			s->has_ws = true;
			s->ws = s->opts[i + 2];
			break;
		case 4:
			ck_assert_uint_eq(olen, 2);
			s->sack_ok = true;
			break;
		case 5:
			ck_assert_msg((olen - 2) % 8 == 0 && olen > 2, "SACK option length %u", olen);
			s->nsack = (olen - 2u) / 8;
			ck_assert_uint_le(s->nsack, 4);
			for (unsigned int b = 0; b < s->nsack; b++) {
				s->sack[b][0] = get32(&s->opts[i + 2 + 8 * b]);
				s->sack[b][1] = get32(&s->opts[i + 6 + 8 * b]);
			}
			break;
		case 8:
			ck_assert_uint_eq(olen, 10);
			s->has_ts = true;
			s->tsval = get32(&s->opts[i + 2]);
			s->tsecr = get32(&s->opts[i + 6]);
			break;
		default:
			ck_abort_msg("tern sent an unknown option kind %u", kind);
		}
		i += olen;
	}
}

/* Check the headers of @p p and fill @p s. With @p trusted ([port]
 * trust_checksums) the TCP checksum field holds the pseudo-header sum only. */
static void
parse_tcp(const struct nf_pkt *p, struct th_seg *s, bool trusted)
{
	const struct rte_ether_addr our = NF_OUR_MAC, peer = TH_PEER_MAC;
	const uint8_t *t = p->l4;
	uint32_t l4 = p->l4_len;

	ck_assert_msg(rte_is_same_ether_addr(&p->eth->dst_addr, &peer),
			"TCP frame not sent to the peer's MAC");
	ck_assert_msg(rte_is_same_ether_addr(&p->eth->src_addr, &our),
			"TCP frame not from our MAC");
	uint32_t ph;

	if (p->ip6 != NULL) {
		/* RFC 8200 §3: version 6, class 0, a flow label (RFC 6437), no
		 * extension headers */
		ck_assert_uint_eq(rte_be_to_cpu_32(p->ip6->vtc_flow) >> 20, 0x600);
		ck_assert_uint_ne(rte_be_to_cpu_32(p->ip6->vtc_flow) & 0xfffff, 0);
		ck_assert_uint_eq(p->ip6->proto, IPPROTO_TCP);
		ck_assert_uint_eq(p->ip6->hop_limits, 64);
		ck_assert_msg(memcmp(p->ip6->src_addr, th_our_ip6, 16) == 0, "IPv6 source not ours");
		ck_assert_msg(memcmp(p->ip6->dst_addr, th_peer_ip6, 16) == 0,
				"IPv6 destination not the peer");
		ck_assert_uint_eq(p->len, NF_ETH_LEN + 40 + l4);
		ph = nf_pseudo_sum6(p->ip6->src_addr, p->ip6->dst_addr, IPPROTO_TCP, l4);
	} else {
		ck_assert_uint_eq(p->ip->version_ihl, 0x45);
		ck_assert_uint_eq(p->ip->next_proto_id, IPPROTO_TCP);
		ck_assert_msg(p->ip->src_addr == NF_OUR_IP, "IPv4 source not ours");
		ck_assert_msg(p->ip->dst_addr == TH_PEER_IP, "IPv4 destination not the peer");
		ck_assert_msg(nf_cksum(p->ip, 20, 0) == 0, "IPv4 header checksum wrong");
		ck_assert_uint_eq(p->len, NF_ETH_LEN + 20 + l4);
		ph = nf_pseudo_sum(p->ip->src_addr, p->ip->dst_addr, IPPROTO_TCP, (uint16_t)l4);
	}
	ck_assert_uint_ge(l4, 20);
	if (trusted) {
		uint16_t field = get16(t + 16);
		uint16_t pseudo = (uint16_t)(0xffff ^ nf_cksum(NULL, 0, ph));

		ck_assert_msg(field == pseudo, "trusted link: TCP checksum field %04x is not "
				"the pseudo-header sum %04x", field, pseudo);
	}
	else
		ck_assert_msg(nf_cksum(t, l4, ph) == 0, "TCP checksum wrong");
	memset(s, 0, offsetof(struct th_seg, data));
	s->ip_frag = p->ip != NULL ? rte_be_to_cpu_16(p->ip->fragment_offset) : 0;
	s->sport = get16(t);
	s->dport = get16(t + 2);
	s->seq = get32(t + 4);
	s->ack = get32(t + 8);
	s->doff = (uint8_t)((t[12] >> 4) * 4);
	s->flags = t[13];
	s->wnd = get16(t + 14);
	ck_assert_uint_ge(s->doff, 20);
	ck_assert_uint_le(s->doff, l4);
	ck_assert_uint_eq(get16(t + 18), 0);       /* urgent pointer */
	s->optlen = (uint8_t)(s->doff - 20);
	memcpy(s->opts, t + 20, s->optlen);
	parse_opts(s);
	s->len = l4 - s->doff;
	memcpy(s->data, t + s->doff, s->len);
}

/* ARP, or ICMPv6 (Neighbor Discovery): the link's business, not TCP's. */
static bool
th_not_tcp(const struct nf_pkt *p)
{
	return p->arp != NULL || (p->ip6 != NULL && p->ip6->proto == IPPROTO_ICMPV6);
}

bool
th_next(struct th *h, struct th_seg *s)
{
	struct nf_pkt p;

	while (nf_take(h->ns.dev, &p, 1) == 1) {
		if (th_not_tcp(&p))
			continue;       /* tern's ARP and ND traffic is not the test's business */
		ck_assert_msg((p.ip != NULL && p.ip->next_proto_id == IPPROTO_TCP) ||
				(p.ip6 != NULL && p.ip6->proto == IPPROTO_TCP),
				"tern sent a frame that is neither ARP, ND nor TCP (ethertype %04x)",
				p.ether_type);
		parse_tcp(&p, s, h->ns.cfg.port_trust_checksums != 0);
		if (s->has_ts)
			h->tern_tsval = s->tsval;
		return true;
	}
	return false;
}

unsigned int
th_pending(struct th *h)
{
	struct rte_mbuf *m[TERN_SIM_FIFO];
	uint16_t n = tern_sim_take_tx(h->ns.dev, 0, m, TERN_SIM_FIFO);
	unsigned int tcp = 0;

	/* drop ARP frames, put the rest back in order (the rx side is the
	 * stack's; the tx fifo is refilled through the device's tx_burst) */
	for (uint16_t i = 0; i < n; i++) {
		struct nf_pkt p;

		nf_parse(m[i], &p);
		if (th_not_tcp(&p)) {
			rte_pktmbuf_free(m[i]);
			m[i] = NULL;
		} else {
			tcp++;
		}
	}
	for (uint16_t i = 0; i < n; i++)
		if (m[i] != NULL)
			ck_assert_uint_eq(h->ns.dev->ops->tx_burst(h->ns.dev, 0, &m[i], 1), 1);
	return tcp;
}

static const char *
flag_str(unsigned int f, char *buf)
{
	static const char names[] = "FSRPAU";
	size_t n = 0;

	for (int i = 0; i < 6; i++)
		if (f & (1u << i))
			buf[n++] = names[i];
	if (n == 0)
		buf[n++] = '-';
	buf[n] = '\0';
	return buf;
}

const struct th_seg *
th_expect_at(struct th *h, const char *file, int line, int64_t flags, int64_t seq,
		int64_t ack, int64_t wnd, int64_t len)
{
	struct th_seg *s = &h->last;
	char fb1[8], fb2[8];

	if (!th_next(h, s))
		ck_abort_msg("%s:%d: expected a segment, tern sent none", file, line);
	ck_assert_msg(s->sport == h->lport && s->dport == h->pport,
			"%s:%d: ports %u -> %u, expected %u -> %u", file, line, s->sport, s->dport,
			h->lport, h->pport);
	if (flags != TH_ANY && s->flags != (uint8_t)flags)
		ck_abort_msg("%s:%d: flags %s, expected %s (seq %u ack %u len %u)", file, line,
				flag_str(s->flags, fb1), flag_str((unsigned int)flags, fb2), s->seq,
				s->ack, s->len);
	if (seq != TH_ANY && s->seq != (uint32_t)seq)
		ck_abort_msg("%s:%d: seq %u, expected %u (diff %d)", file, line, s->seq,
				(uint32_t)seq, (int32_t)(s->seq - (uint32_t)seq));
	if (ack != TH_ANY && s->ack != (uint32_t)ack)
		ck_abort_msg("%s:%d: ack %u, expected %u (diff %d)", file, line, s->ack,
				(uint32_t)ack, (int32_t)(s->ack - (uint32_t)ack));
	if (wnd != TH_ANY && s->wnd != (uint16_t)wnd)
		ck_abort_msg("%s:%d: window %u, expected %u", file, line, s->wnd, (uint16_t)wnd);
	if (len != TH_ANY && s->len != (uint32_t)len)
		ck_abort_msg("%s:%d: payload %u bytes, expected %u", file, line, s->len,
				(uint32_t)len);
	return s;
}

void
th_expect_none_at(struct th *h, const char *file, int line)
{
	struct th_seg s;
	char fb[8];

	if (th_next(h, &s))
		ck_abort_msg("%s:%d: expected no segment, tern sent %s seq %u ack %u wnd %u len %u",
				file, line, flag_str(s.flags, fb), s.seq, s.ack, s.wnd, s.len);
}

void
th_check_payload(const struct th_seg *s, uint32_t seq)
{
	for (uint32_t i = 0; i < s->len; i++)
		ck_assert_msg(s->data[i] == th_byte(seq + i),
				"payload byte %u (seq %u) is %02x, expected %02x", i, seq + i,
				s->data[i], th_byte(seq + i));
}

void
th_check_rx(const struct th *h, size_t off, uint32_t seq, uint32_t len)
{
	ck_assert_msg(off + len <= h->rx_len, "received %zu bytes, expected at least %zu",
			h->rx_len, off + len);
	for (uint32_t i = 0; i < len; i++)
		ck_assert_msg(h->rx[off + i] == th_byte(seq + i),
				"received byte %zu (seq %u) is %02x, expected %02x", off + i, seq + i,
				h->rx[off + i], th_byte(seq + i));
}

/* ---------------------------------------------------------------- connections */

uint32_t
th_open_passive(struct th *h, uint32_t peer_iss, const struct th_opts *syn_opts)
{
	const struct th_opts mss_only = { .mss = 1460 };
	const struct th_seg *s;
	unsigned int accepts = h->n_accept;
	bool ts;
	uint32_t iss;

	if (syn_opts == NULL)
		syn_opts = &mss_only;
	th_inject(h, T_SYN, peer_iss, 0, TH_PWND, NULL, 0, syn_opts);
	th_poll(h);
	s = TH_EXPECT(h, T_SYN | T_ACK, TH_ANY, peer_iss + 1, TH_ANY, 0);
	iss = s->seq;
	ts = s->has_ts;
	h->iss = iss;
	h->irs = peer_iss;
	h->peer_ts = ts;
	th_inject(h, T_ACK, peer_iss + 1, iss + 1, TH_PWND, NULL, 0, NULL);
	th_poll(h);
	TH_EXPECT_NONE(h);
	ck_assert_uint_eq(h->n_accept, accepts + 1);
	ck_assert_int_eq(th_state(h->c), TERN_TCP_ESTABLISHED);
	return iss;
}

struct tern_conn *
th_connect(struct th *h)
{
	struct tern_conn *c = h->ip6 ? tern_connect6(h->ns.w, th_peer_ip6, h->pport, &th_ops, h) :
		tern_connect(h->ns.w, TH_PEER_IP, h->pport, &th_ops, h);

	ck_assert_ptr_nonnull(c);
	th_add_rec(h, c);
	h->c = c;
	return c;
}

uint32_t
th_open_active(struct th *h, uint32_t peer_iss, const struct th_opts *opts)
{
	const struct th_opts mss_only = { .mss = 1460 };
	const struct th_seg *s;
	unsigned int connected = h->n_connected;
	uint32_t iss;

	if (opts == NULL)
		opts = &mss_only;
	th_connect(h);
	th_poll(h);
	ck_assert(th_next(h, &h->last));
	s = &h->last;
	ck_assert_uint_eq(s->flags, T_SYN);
	h->lport = s->sport;
	ck_assert_uint_eq(s->dport, h->pport);
	iss = s->seq;
	h->iss = iss;
	h->irs = peer_iss;
	h->peer_ts = opts->has_ts && s->has_ts;
	th_inject(h, T_SYN | T_ACK, peer_iss, iss + 1, TH_PWND, NULL, 0, opts);
	th_poll(h);
	TH_EXPECT(h, T_ACK, iss + 1, peer_iss + 1, TH_ANY, 0);
	TH_EXPECT_NONE(h);
	ck_assert_uint_eq(h->n_connected, connected + 1);
	ck_assert_int_eq(th_state(h->c), TERN_TCP_ESTABLISHED);
	return iss;
}

int
th_state(struct tern_conn *c)
{
	struct tern_conn_info info;

	tern_conn_get_info(c, &info);
	return info.state;
}

uint32_t
th_count(struct th *h, int state)
{
	uint32_t counts[TERN_TCP_TIME_WAIT + 1];

	tern_worker_conn_counts(h->ns.w, counts);
	return counts[state];
}

uint32_t
th_count_all(struct th *h)
{
	uint32_t counts[TERN_TCP_TIME_WAIT + 1], n = 0;

	tern_worker_conn_counts(h->ns.w, counts);
	for (int i = 0; i <= TERN_TCP_TIME_WAIT; i++)
		n += counts[i];
	return n;
}

struct th_rec *
th_rec_of(struct th *h, struct tern_conn *c)
{
	for (unsigned int i = h->n_recs; i-- > 0;)
		if (h->recs[i].c == c)
			return &h->recs[i];
	ck_abort_msg("no record of that connection");
	return NULL;
}

const struct tern_stats *
th_stats(struct th *h)
{
	return tern_worker_stats(h->ns.w);
}

struct tern_conn_info
th_info(struct tern_conn *c)
{
	struct tern_conn_info i;

	tern_conn_get_info(c, &i);
	return i;
}
