/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef TERN_DPDK_H
#define TERN_DPDK_H

/**
 * @file
 * A struct tern_netdev over any DPDK ethdev: a PCI NIC, net_tap, net_pcap,
 * net_memif, net_ring... One RX and one TX queue per worker; checksum
 * offloads used where the PMD offers them; RSS with a symmetric key when
 * there is more than one queue and the PMD supports it.
 */

#include <stdint.h>

#include "tern_netdev.h"

#ifdef __cplusplus
extern "C" {
#endif

/**
 * Open the ethdev @p device after rte_eal_init(). @p device is either the name
 * of an ethdev EAL already probed (e.g. "net_tap0" from --vdev, or a PCI
 * address), or a vdev spec ("net_tap0,iface=tern0") hot-plugged here when no
 * ethdev has its name yet.
 *
 * @param rx_desc  RX descriptors per queue; @p tx_desc likewise.
 * @return the device (close it with dev->ops->close, or hand it to
 *         tern_stack_create), or NULL with rte_errno set.
 */
struct tern_netdev *tern_dpdk_open(const char *device, uint16_t rx_desc, uint16_t tx_desc);

/** The ethdev port id behind @p dev (a tern_dpdk_open() device). */
uint16_t tern_dpdk_port_id(const struct tern_netdev *dev);

#ifdef __cplusplus
}
#endif

#endif /* TERN_DPDK_H */
