/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef SF_CONN_H
#define SF_CONN_H

#include <stdint.h>

/**
 * What TIME-WAIT needs to answer segments once the TCB is gone (RFC 9293 3.10.7.4,
 * RFC 1337, RFC 6191). lib/tcp fills it from a closing TCB and decides on it;
 * lib/conn stores it in the compact TIME_WAIT store. Host order.
 */
struct sf_tw_state {
	uint32_t snd_nxt;   /**< our next sequence number (after our FIN) */
	uint32_t rcv_nxt;   /**< next expected from the peer (after its FIN) */
	uint32_t ts_recent; /**< peer's last TSval; meaningful when ts_ok */
	uint16_t rcv_wnd;   /**< window we advertise in TIME-WAIT ACKs, already scaled down */
	uint8_t ts_ok;      /**< timestamps were negotiated */
	uint8_t flags;      /**< reserved for lib/tcp */
};

#endif /* SF_CONN_H */
