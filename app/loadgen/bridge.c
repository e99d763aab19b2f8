/* SPDX-License-Identifier: BSD-3-Clause */
/* tern-loadgen --bridge: frames from a second port out of our own (bridge.h). */
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include <rte_dev.h>
#include <rte_errno.h>
#include <rte_ethdev.h>
#include <rte_lcore.h>
#include <rte_mbuf.h>

#include "bridge.h"

#define BRIDGE_MBUFS   8191
#define BRIDGE_CACHE   256
#define BRIDGE_DESC    1024
#define BRIDGE_BURST   32
#define BRIDGE_HELD    512     /* frames the target's port did not take yet, kept */

static struct {
	bool open;
	uint16_t port;
	struct rte_mempool *pool;
	struct lg_bridge_stats st;
	/* a switch port's queue: frames the target's port refused, sent first
	 * next time; dropped only when it is full */
	struct rte_mbuf *held[BRIDGE_HELD];
	uint16_t nheld;
} br;

static int
bridge_fail(const char *devargs, const char *what, int rc)
{
	fprintf(stderr, "tern-loadgen: --bridge %s: %s: %s\n", devargs, what, rte_strerror(-rc));
	return rc;
}

/* The ethdev named like @p devargs up to its first comma, probed if absent. */
static int
bridge_find_port(const char *devargs, uint16_t *port)
{
	char name[RTE_ETH_NAME_MAX_LEN];
	size_t len = strcspn(devargs, ",");
	int rc;

	if (len == 0 || len >= sizeof(name))
		return -EINVAL;
	memcpy(name, devargs, len);
	name[len] = '\0';
	if (rte_eth_dev_get_port_by_name(name, port) == 0)
		return 0;
	rc = rte_dev_probe(devargs);
	if (rc < 0)
		return rc;
	return rte_eth_dev_get_port_by_name(name, port);
}

int
lg_bridge_open(const char *devargs)
{
	struct rte_eth_conf conf;
	int socket, rc;

	rc = bridge_find_port(devargs, &br.port);
	if (rc < 0)
		return bridge_fail(devargs, "no such device", rc);
	socket = rte_eth_dev_socket_id(br.port);
	if (socket < 0)
		socket = (int)rte_socket_id();
	br.pool = rte_pktmbuf_pool_create("lg_bridge", BRIDGE_MBUFS, BRIDGE_CACHE, 0,
			RTE_MBUF_DEFAULT_BUF_SIZE, socket);
	if (br.pool == NULL)
		return bridge_fail(devargs, "mbuf pool", -rte_errno);
	memset(&conf, 0, sizeof(conf));
	rc = rte_eth_dev_configure(br.port, 1, 1, &conf);
	if (rc == 0)
		rc = rte_eth_rx_queue_setup(br.port, 0, BRIDGE_DESC, (unsigned int)socket, NULL,
				br.pool);
	if (rc == 0)
		rc = rte_eth_tx_queue_setup(br.port, 0, BRIDGE_DESC, (unsigned int)socket, NULL);
	if (rc == 0)
		rc = rte_eth_dev_start(br.port);
	if (rc < 0) {
		rte_mempool_free(br.pool);
		br.pool = NULL;
		return bridge_fail(devargs, "configure and start", rc);
	}
	br.open = true;
	return 0;
}

void
lg_bridge_poll(struct tern_netdev *dev, uint16_t queue)
{
	uint16_t n, sent, room;

	if (br.nheld != 0) {
		sent = dev->ops->tx_burst(dev, queue, br.held, br.nheld);
		br.st.tx += sent;
		br.nheld = (uint16_t)(br.nheld - sent);
		memmove(br.held, &br.held[sent], br.nheld * sizeof(br.held[0]));
	}
	room = (uint16_t)RTE_MIN(BRIDGE_BURST, BRIDGE_HELD - br.nheld);
	n = rte_eth_rx_burst(br.port, 0, &br.held[br.nheld], room);
	if (n == 0)
		return;
	br.st.rx += n;
	br.nheld = (uint16_t)(br.nheld + n);
	sent = dev->ops->tx_burst(dev, queue, br.held, br.nheld);
	br.st.tx += sent;
	br.nheld = (uint16_t)(br.nheld - sent);
	memmove(br.held, &br.held[sent], br.nheld * sizeof(br.held[0]));
}

void
lg_bridge_stats(struct lg_bridge_stats *st)
{
	*st = br.st;
}

void
lg_bridge_close(void)
{
	if (!br.open)
		return;
	br.open = false;
	br.st.dropped += br.nheld;      /* still queued at the end */
	rte_pktmbuf_free_bulk(br.held, br.nheld);
	br.nheld = 0;
	rte_eth_dev_stop(br.port);
	rte_eth_dev_close(br.port);
	rte_mempool_free(br.pool);
	br.pool = NULL;
}
