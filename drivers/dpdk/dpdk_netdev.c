/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * drivers/dpdk: struct tern_netdev over a DPDK ethdev. The only place in Tern
 * that calls rte_eth_*.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <rte_dev.h>
#include <rte_devargs.h>
#include <rte_errno.h>
#include <rte_ethdev.h>
#include <rte_kvargs.h>
#include <rte_log.h>
#include <rte_malloc.h>
#include <rte_memory.h>

#include "tern_dpdk.h"

RTE_LOG_REGISTER(tern_logtype_dpdk, tern.dpdk, INFO);
#define DPDK_LOG(level, fmt, ...) \
	rte_log(RTE_LOG_ ## level, tern_logtype_dpdk, "tern.dpdk: " fmt "\n", ##__VA_ARGS__)

/* What a net_memif port's devargs say, however the device was created (a
 * config vdev spec or EAL --vdev), read as the PMD reads them
 * (rte_eth_memif.c, memif_set_role, memif_set_zc, memif_set_bs): a key
 * given twice counts by its last value, a port without role= is a client */
struct dpdk_memif_args {
	bool server;        /**< role=server (or the old master) */
	bool zero_copy;     /**< zero-copy=yes (the PMD ignores it on a server) */
	uint32_t bsize;     /**< the size of each ring buffer */
};

struct dpdk_netdev {
	struct tern_netdev base;       /**< must be first */
	uint16_t port_id;              /**< ethdev port */
	uint16_t nb_queues;            /**< configured queue pairs */
	uint16_t rx_desc, tx_desc;     /**< ring sizes asked for */
	bool hotplugged;               /**< we probed it: we remove it */
	bool started;
	bool memif;                    /**< a net_memif port, its devargs in memif_args */
	struct dpdk_memif_args memif_args; /**< read once, when the port is opened */
	bool tso_l2_in_mtu;            /**< TSO segments end at the MTU, Ethernet header in it */
	uint64_t rx_offloads, tx_offloads; /**< ethdev offloads enabled */
	struct rte_device *rte_dev;    /**< the bus device, for removal */
};

/* Segments one frame is cut into, at most: net_tap's own bound (its GSO
 * output array), and a frame of 64 KiB at a 1500-byte MTU elsewhere */
#define DPDK_TSO_SEGS_MAX 64

static void dpdk_shared_range(struct dpdk_netdev *d);

static inline struct dpdk_netdev *
to_dpdk(struct tern_netdev *dev)
{
	return (struct dpdk_netdev *)dev;
}

/* Whether the device hashes with @key as configured: what it reports back. */
static bool
dpdk_rss_key_is(uint16_t port_id, const uint8_t *key, uint8_t key_len)
{
	uint8_t got[64];
	struct rte_eth_rss_conf rc = { .rss_key = got, .rss_key_len = sizeof(got) };

	return rte_eth_dev_rss_hash_conf_get(port_id, &rc) == 0 && rc.rss_key_len == key_len &&
		memcmp(got, key, key_len) == 0 && (rc.rss_hf & RTE_ETH_RSS_NONFRAG_IPV4_TCP) != 0;
}

/*
 * Make the device's RSS Tern's owner function (net_flow.h): the key is set
 * at configure; here the redirection table, entry i = i % queues. Only a
 * device that takes both, reports both back and hashes into each frame gets
 * TERN_NETDEV_RSS_OURS; any other is steered in software, which is always
 * correct, only slower.
 */
static void
dpdk_rss_program(struct dpdk_netdev *d, const struct rte_eth_dev_info *info,
		const uint8_t *key)
{
	struct rte_eth_rss_reta_entry64 reta[RTE_ETH_RSS_RETA_SIZE_512 / RTE_ETH_RETA_GROUP_SIZE];
	uint16_t size = info->reta_size;

	if (size == 0 || size > RTE_ETH_RSS_RETA_SIZE_512 || !rte_is_power_of_2(size) ||
			(d->rx_offloads & RTE_ETH_RX_OFFLOAD_RSS_HASH) == 0)
		return;
	memset(reta, 0, sizeof(reta));
	for (uint16_t i = 0; i < size; i++) {
		reta[i / RTE_ETH_RETA_GROUP_SIZE].mask |= 1ull << (i % RTE_ETH_RETA_GROUP_SIZE);
		reta[i / RTE_ETH_RETA_GROUP_SIZE].reta[i % RTE_ETH_RETA_GROUP_SIZE] =
			(uint16_t)(i % RTE_MAX(d->base.rss_queues, (uint16_t)1));
	}
	if (rte_eth_dev_rss_reta_update(d->port_id, reta, size) != 0 ||
			!dpdk_rss_key_is(d->port_id, key, info->hash_key_size)) {
		DPDK_LOG(INFO, "%s: RSS not under our control: frames are steered in software",
				d->base.name);
		return;
	}
	d->base.offloads |= TERN_NETDEV_RSS_OURS;
	d->base.reta_size = size;
}

/* The largest MTU @info's ethdev takes: its MTU range and its longest frame
 * (as rte_eth_dev_configure checks it). */
static uint32_t
dpdk_ethdev_mtu_max(const struct rte_eth_dev_info *info)
{
	uint32_t mtu = info->max_rx_pktlen > RTE_ETHER_HDR_LEN + RTE_ETHER_CRC_LEN ?
		info->max_rx_pktlen - RTE_ETHER_HDR_LEN - RTE_ETHER_CRC_LEN :
		(uint32_t)RTE_ETHER_MTU;

	return RTE_MIN(mtu, (uint32_t)info->max_mtu);
}

/* A net_memif port's buffer size when its devargs give none
 * (ETH_MEMIF_DEFAULT_PKT_BUFFER_SIZE, rte_eth_memif.h) */
#define DPDK_MEMIF_BSIZE_DEFAULT 2048

static int
dpdk_memif_role(const char *key __rte_unused, const char *value, void *arg)
{
	struct dpdk_memif_args *ma = arg;

	ma->server = strstr(value, "server") != NULL || strstr(value, "master") != NULL;
	return 0;
}

static int
dpdk_memif_zc(const char *key __rte_unused, const char *value, void *arg)
{
	struct dpdk_memif_args *ma = arg;

	ma->zero_copy = strstr(value, "yes") != NULL;
	return 0;
}

static int
dpdk_memif_bsize(const char *key __rte_unused, const char *value, void *arg)
{
	struct dpdk_memif_args *ma = arg;

	ma->bsize = (uint32_t)strtoul(value, NULL, 10);
	return 0;
}

/* @info's port's memif devargs; false where it is no net_memif port. */
static bool
dpdk_memif_args(const struct rte_eth_dev_info *info, struct dpdk_memif_args *ma)
{
	const struct rte_devargs *da = info->device != NULL ? rte_dev_devargs(info->device) : NULL;
	struct rte_kvargs *kv = NULL;

	if (info->driver_name == NULL || strcmp(info->driver_name, "net_memif") != 0)
		return false;
	*ma = (struct dpdk_memif_args){ .bsize = DPDK_MEMIF_BSIZE_DEFAULT };
	if (da != NULL && da->args != NULL)
		kv = rte_kvargs_parse(da->args, NULL);
	if (kv == NULL)
		return true;
	rte_kvargs_process(kv, "role", dpdk_memif_role, ma);
	rte_kvargs_process(kv, "zero-copy", dpdk_memif_zc, ma);
	rte_kvargs_process(kv, "bsize", dpdk_memif_bsize, ma);
	rte_kvargs_free(kv);
	return true;
}

/* Whether @ma's port is a memif client in zero-copy mode. */
static bool
dpdk_memif_zero_copy(const struct dpdk_memif_args *ma)
{
	return ma->zero_copy && !ma->server;
}

/*
 * The longest frame (Ethernet header on, no CRC) @info's port carries, its
 * receive buffers from @pool: what its ethdev reports, but for net_memif
 * (@ma, its devargs; NULL for another device), one ring buffer. net_memif
 * reports 1518 bytes whatever its buffers (memif_dev_info), yet neither its
 * Rx nor its Tx path checks a frame's length: a frame longer than a buffer
 * travels as a chain of them. DPDK 22.11's copying Tx leaves a stale chain
 * flag in a reused descriptor (mended upstream in 26.03, "net/memif: fix
 * descriptor Tx flags corruption"), so Tern keeps each frame within one
 * buffer.
 * - A client's buffers are its bsize=: it allocates the rings for both
 *   directions, and its peer's bsize sizes nothing.
 * - A server cannot see its client's buffers: its own bsize= only keeps its
 *   config consistent with the client's, which must be the same.
 * - A zero-copy client's buffers are its mbufs (its Tx writes each
 *   descriptor's flags afresh), sized from the MTU (tern_mbuf_room).
 */
static uint32_t
dpdk_frame_max(const struct rte_eth_dev_info *info, const struct dpdk_memif_args *ma,
		struct rte_mempool *pool)
{
	if (ma == NULL)
		return dpdk_ethdev_mtu_max(info) + RTE_ETHER_HDR_LEN;
	if (dpdk_memif_zero_copy(ma))
		return (uint32_t)rte_pktmbuf_data_room_size(pool) - RTE_PKTMBUF_HEADROOM;
	return ma->bsize;
}

static int
dpdk_configure(struct tern_netdev *dev, uint16_t nb_queues, struct rte_mempool *const pools[])
{
	struct dpdk_netdev *d = to_dpdk(dev);
	struct rte_eth_conf conf;
	struct rte_eth_dev_info info;
	uint16_t nb_rxd = d->rx_desc, nb_txd = d->tx_desc;
	uint8_t rss_key[64];
	uint32_t frame_max, max_mtu;
	int rc, socket = rte_eth_dev_socket_id(d->port_id);

	memset(&conf, 0, sizeof(conf));
	rc = rte_eth_dev_info_get(d->port_id, &info);
	if (rc != 0)
		return rc;
	/* [port] tso = 0 took the flag away */
	if (!(dev->offloads & TERN_NETDEV_TX_TCP_TSO))
		d->tx_offloads &= ~RTE_ETH_TX_OFFLOAD_TCP_TSO;
	conf.txmode.offloads = d->tx_offloads;
	/* the stack's MTU ([port] mtu, else the device's own), within what the
	 * device takes: its MTU range and its longest frame; the ethdev keeps
	 * to its own range (net_memif's frames may be longer, dpdk_frame_max) */
	frame_max = dpdk_frame_max(&info, d->memif ? &d->memif_args : NULL, pools[0]);
	max_mtu = frame_max > RTE_ETHER_HDR_LEN ? frame_max - RTE_ETHER_HDR_LEN : 0;
	if (dev->mtu > max_mtu || dev->mtu < info.min_mtu) {
		DPDK_LOG(ERR, "%s: MTU %u outside what the device takes (%u..%u%s)", dev->name,
				dev->mtu, info.min_mtu, max_mtu, d->memif && dev->mtu > max_mtu ?
				", one memif buffer: raise bsize= on its devargs" : "");
		return -EINVAL;
	}
	conf.rxmode.mtu = (uint16_t)RTE_MIN((uint32_t)dev->mtu, dpdk_ethdev_mtu_max(&info));
	dev->tso_frame_max = (uint16_t)(dev->mtu + (d->tso_l2_in_mtu ? 0 : RTE_ETHER_HDR_LEN));
	if (dev->rss_queues > 1 && (info.flow_type_rss_offloads & RTE_ETH_RSS_NONFRAG_IPV4_TCP) &&
			info.hash_key_size <= sizeof(rss_key) && info.hash_key_size >= 16) {
		/* Tern's key, repeated to the length the device takes */
		for (size_t i = 0; i < sizeof(rss_key); i++)
			rss_key[i] = tern_rss_key[i % TERN_RSS_KEY_LEN];
		conf.rxmode.mq_mode = RTE_ETH_MQ_RX_RSS;
		conf.rx_adv_conf.rss_conf.rss_key = rss_key;
		conf.rx_adv_conf.rss_conf.rss_key_len = info.hash_key_size;
		conf.rx_adv_conf.rss_conf.rss_hf = RTE_ETH_RSS_NONFRAG_IPV4_TCP;
		if (info.rx_offload_capa & RTE_ETH_RX_OFFLOAD_RSS_HASH)
			d->rx_offloads |= RTE_ETH_RX_OFFLOAD_RSS_HASH;
	}
	conf.rxmode.offloads = d->rx_offloads;
	rc = rte_eth_dev_configure(d->port_id, nb_queues, nb_queues, &conf);
	if (rc != 0) {
		DPDK_LOG(ERR, "%s: configure %u queues: %s", dev->name, nb_queues, strerror(-rc));
		return rc;
	}
	rc = rte_eth_dev_adjust_nb_rx_tx_desc(d->port_id, &nb_rxd, &nb_txd);
	if (rc != 0)
		return rc;
	for (uint16_t q = 0; q < nb_queues; q++) {
		struct rte_eth_rxconf rxq = info.default_rxconf;
		struct rte_eth_txconf txq = info.default_txconf;

		rxq.offloads = conf.rxmode.offloads;
		txq.offloads = conf.txmode.offloads;
		rc = rte_eth_rx_queue_setup(d->port_id, q, nb_rxd, socket, &rxq, pools[q]);
		if (rc == 0)
			rc = rte_eth_tx_queue_setup(d->port_id, q, nb_txd, socket, &txq);
		if (rc != 0) {
			DPDK_LOG(ERR, "%s: queue %u: %s", dev->name, q, strerror(-rc));
			return rc;
		}
	}
	d->nb_queues = nb_queues;
	if (conf.rxmode.mq_mode == RTE_ETH_MQ_RX_RSS)
		dpdk_rss_program(d, &info, rss_key);
	return 0;
}

static int
dpdk_start(struct tern_netdev *dev)
{
	struct dpdk_netdev *d = to_dpdk(dev);
	int rc = rte_eth_dev_start(d->port_id);

	if (rc != 0)
		return rc;
	d->started = true;
	dpdk_shared_range(d);
	/* we poll: ask PMDs that signal packets (memif's eventfd kick, a
	 * syscall per burst on both sides) not to; -ENOTSUP is fine */
	for (uint16_t q = 0; q < d->nb_queues; q++)
		(void)rte_eth_dev_rx_intr_disable(d->port_id, q);
	return 0;
}

static void
dpdk_stop(struct tern_netdev *dev)
{
	struct dpdk_netdev *d = to_dpdk(dev);

	if (d->started)
		rte_eth_dev_stop(d->port_id);
	d->started = false;
}

static void
dpdk_close(struct tern_netdev *dev)
{
	struct dpdk_netdev *d = to_dpdk(dev);

	dpdk_stop(dev);
	rte_eth_dev_close(d->port_id);
	if (d->hotplugged)
		rte_dev_remove(d->rte_dev);
	rte_free(d);
}

static uint16_t
dpdk_rx_burst(struct tern_netdev *dev, uint16_t queue, struct rte_mbuf **pkts, uint16_t n)
{
	return rte_eth_rx_burst(to_dpdk(dev)->port_id, queue, pkts, n);
}

static uint16_t
dpdk_tx_burst(struct tern_netdev *dev, uint16_t queue, struct rte_mbuf **pkts, uint16_t n)
{
	return rte_eth_tx_burst(to_dpdk(dev)->port_id, queue, pkts, n);
}

static int
dpdk_link_get(struct tern_netdev *dev, struct tern_link *link)
{
	struct rte_eth_link l;
	int rc = rte_eth_link_get_nowait(to_dpdk(dev)->port_id, &l);

	if (rc != 0)
		return rc;
	link->up = l.link_status == RTE_ETH_LINK_UP;
	link->full_duplex = l.link_duplex == RTE_ETH_LINK_FULL_DUPLEX;
	link->speed_mbps = l.link_speed == RTE_ETH_SPEED_NUM_UNKNOWN ? 0 : l.link_speed;
	return 0;
}

/*
 * The port's multicast filter: the list where the PMD takes it, else all
 * multicast (a NIC without either filters nothing, or cannot be told to).
 */
static int
dpdk_mc_addrs_set(struct tern_netdev *dev, const struct rte_ether_addr *addrs, uint32_t n)
{
	uint16_t port = to_dpdk(dev)->port_id;
	struct rte_ether_addr list[16];
	int rc;

	if (n > RTE_DIM(list))
		return -ENOSPC;
	memcpy(list, addrs, n * sizeof(list[0]));  /* the API takes them non-const */
	rc = rte_eth_dev_set_mc_addr_list(port, list, n);
	if (rc != 0 && rc != -ENODEV) {         /* no list, a full one, a VF refused */
		rc = rte_eth_allmulticast_enable(port);
		if (rc == 0)
			DPDK_LOG(INFO, "%s: multicast list refused: all multicast received",
					dev->name);
	}
	return rc;
}

static const struct tern_netdev_ops dpdk_ops = {
	.configure = dpdk_configure,
	.start = dpdk_start,
	.stop = dpdk_stop,
	.close = dpdk_close,
	.rx_burst = dpdk_rx_burst,
	.tx_burst = dpdk_tx_burst,
	.link_get = dpdk_link_get,
	.mc_addrs_set = dpdk_mc_addrs_set,
};

/* Find the ethdev named like @device (up to its first comma), probing it if needed. */
static int
dpdk_find_port(const char *device, uint16_t *port_id, bool *hotplugged)
{
	char name[RTE_ETH_NAME_MAX_LEN];
	size_t len = strcspn(device, ",");
	int rc;

	if (len == 0 || len >= sizeof(name))
		return -EINVAL;
	memcpy(name, device, len);
	name[len] = '\0';
	*hotplugged = false;
	if (rte_eth_dev_get_port_by_name(name, port_id) == 0)
		return 0;
	rc = rte_dev_probe(device);
	if (rc != 0) {
		DPDK_LOG(ERR, "%s: no such ethdev, and probing it failed: %s", device,
				strerror(-rc));
		return rc;
	}
	*hotplugged = true;
	return rte_eth_dev_get_port_by_name(name, port_id) == 0 ? 0 : -ENODEV;
}

/*
 * Whether frames may point into TCP's send buffers (TERN_NETDEV_TX_BY_REF):
 * the PMD must copy, DMA or describe each frame from its mbuf's data pointer
 * and free it on the sending lcore. Not so: net_ring hands the mbuf itself to
 * its reader (who may write into it, or free it on another lcore); net_af_xdp
 * in zero-copy mode takes a frame's address from where its mbuf sits in its
 * UMEM, which a carrier's data is not; KNI passes mbufs to the kernel.
 * net_memif in zero-copy mode describes a frame to its peer by the frame's
 * data pointer, as an offset into the memory both share: frames may point
 * into send buffers that lie there (dpdk_shared_range).
 */
static bool
dpdk_tx_by_ref_ok(const char *driver)
{
	static const char *const passes_mbufs[] = { "net_ring", "net_af_xdp", "net_kni" };

	if (driver == NULL)
		return false;
	for (size_t i = 0; i < RTE_DIM(passes_mbufs); i++)
		if (strcmp(driver, passes_mbufs[i]) == 0)
			return false;
	return true;
}

struct dpdk_shared_walk {
	const struct rte_memseg_list *msl;  /* the first list with memory */
	uintptr_t end;                      /* its memory, contiguous from base_va */
};

static int
dpdk_shared_seg(const struct rte_memseg_list *msl, const struct rte_memseg *ms, void *arg)
{
	struct dpdk_shared_walk *sw = arg;

	if (sw->msl == NULL) {
		sw->msl = msl;
		sw->end = (uintptr_t)msl->base_va;
	}
	if (msl != sw->msl || (uintptr_t)ms->addr != sw->end)
		return 1;           /* the next list, or a hole: the run ends */
	sw->end += ms->len;
	return 0;
}

/*
 * The memory a net_memif client in zero-copy mode shares with its peer, as
 * the PMD addresses frames: offsets into the first memory segment list with
 * memory (its region 1; rte_eth_memif.c), which the peer maps as far as the
 * segments allocated when the link comes up reach. Taken when the port
 * starts: the memory allocated by then, up to the first hole; memory
 * allocated later may lie beyond the peer's mapping, and what lies there is
 * copied, never referenced.
 */
static void
dpdk_shared_range(struct dpdk_netdev *d)
{
	struct dpdk_shared_walk sw = { 0 };

	if (!d->memif || !dpdk_memif_zero_copy(&d->memif_args))
		return;
	rte_memseg_walk(dpdk_shared_seg, &sw);
	d->base.tx_ref_base = sw.msl != NULL ? (uintptr_t)sw.msl->base_va : 0;
	d->base.tx_ref_end = sw.end;
}

/*
 * Use the checksum offloads the PMD has; the stack computes the rest. Frames
 * point into the send buffers where the PMD allows (dpdk_tx_by_ref_ok);
 * chained frames where it takes them.
 */
static void
dpdk_pick_offloads(struct dpdk_netdev *d, const struct rte_eth_dev_info *info)
{
	uint32_t f = 0;

	if (dpdk_tx_by_ref_ok(info->driver_name))
		f |= TERN_NETDEV_TX_BY_REF;
	if (info->tx_offload_capa & RTE_ETH_TX_OFFLOAD_MULTI_SEGS) {
		d->tx_offloads |= RTE_ETH_TX_OFFLOAD_MULTI_SEGS;
		f |= TERN_NETDEV_TX_MULTI_SEG;
	}

	if (info->tx_offload_capa & RTE_ETH_TX_OFFLOAD_IPV4_CKSUM) {
		d->tx_offloads |= RTE_ETH_TX_OFFLOAD_IPV4_CKSUM;
		f |= TERN_NETDEV_TX_IPV4_CKSUM;
	}
	if (info->tx_offload_capa & RTE_ETH_TX_OFFLOAD_TCP_CKSUM) {
		d->tx_offloads |= RTE_ETH_TX_OFFLOAD_TCP_CKSUM;
		f |= TERN_NETDEV_TX_TCP_CKSUM;
	}
	/* TSO: the device fills each segment's checksums, so it must have
	 * both offloads too */
	if ((info->tx_offload_capa & RTE_ETH_TX_OFFLOAD_TCP_TSO) &&
			(f & (TERN_NETDEV_TX_IPV4_CKSUM | TERN_NETDEV_TX_TCP_CKSUM)) ==
			(TERN_NETDEV_TX_IPV4_CKSUM | TERN_NETDEV_TX_TCP_CKSUM)) {
		d->tx_offloads |= RTE_ETH_TX_OFFLOAD_TCP_TSO;
		f |= TERN_NETDEV_TX_TCP_TSO;
		d->base.tso_segs_max = DPDK_TSO_SEGS_MAX;
		/* descriptors one TSO packet may take (e.g. 40 on some Intel NICs) */
		d->base.tso_chain_max = info->tx_desc_lim.nb_seg_max;
		/* net_tap (22.11) cuts in software with rte_gso, and refuses a
		 * segment, Ethernet header included, longer than its MTU
		 * (rte_eth_tap.c, pmd_tx_burst) */
		d->tso_l2_in_mtu = info->driver_name != NULL &&
			strcmp(info->driver_name, "net_tap") == 0;
		if (d->tso_l2_in_mtu)
			f |= TERN_NETDEV_TX_TSO_SOFT;
	}
	if ((info->rx_offload_capa & (RTE_ETH_RX_OFFLOAD_IPV4_CKSUM | RTE_ETH_RX_OFFLOAD_TCP_CKSUM)) ==
			(RTE_ETH_RX_OFFLOAD_IPV4_CKSUM | RTE_ETH_RX_OFFLOAD_TCP_CKSUM)) {
		d->rx_offloads |= RTE_ETH_RX_OFFLOAD_IPV4_CKSUM | RTE_ETH_RX_OFFLOAD_TCP_CKSUM;
		f |= TERN_NETDEV_RX_CKSUM;
	}
	d->base.offloads = f;
}

struct tern_netdev *
tern_dpdk_open(const char *device, uint16_t rx_desc, uint16_t tx_desc)
{
	struct dpdk_netdev *d;
	struct rte_eth_dev_info info;
	uint16_t port_id, mtu;
	bool hotplugged;
	int rc;

	rc = dpdk_find_port(device, &port_id, &hotplugged);
	if (rc != 0)
		goto err;
	rc = rte_eth_dev_info_get(port_id, &info);
	if (rc != 0)
		goto err;
	d = rte_zmalloc("tern_dpdk", sizeof(*d), RTE_CACHE_LINE_SIZE);
	if (d == NULL) {
		rc = -ENOMEM;
		goto err;
	}
	d->base.ops = &dpdk_ops;
	d->port_id = port_id;
	d->hotplugged = hotplugged;
	d->rx_desc = rx_desc;
	d->tx_desc = tx_desc;
	d->rte_dev = info.device;
	rte_eth_macaddr_get(port_id, &d->base.mac);
	if (rte_eth_dev_get_mtu(port_id, &mtu) != 0 || mtu < 576)
		mtu = RTE_ETHER_MTU;
	d->base.mtu = mtu;
	d->base.max_queues = RTE_MIN(info.max_rx_queues, info.max_tx_queues);
	rte_eth_dev_get_name_by_port(port_id, d->base.name);
	d->memif = dpdk_memif_args(&info, &d->memif_args);
	dpdk_pick_offloads(d, &info);
	return &d->base;
err:
	rte_errno = -rc;
	return NULL;
}

uint16_t
tern_dpdk_port_id(const struct tern_netdev *dev)
{
	return ((const struct dpdk_netdev *)dev)->port_id;
}
