/* SPDX-License-Identifier: MIT */
#pragma once

/* Delivery of the outbox: every pending item that is due is sent through
 * smtp_send(); accepted → marked sent (only then); temporary failure → stays
 * pending with its reason, retried after retry_min doubling up to 1 h;
 * permanent refusal → marked failed with its reason. Logs each outcome. */

#include <stdint.h>

#include "conf.h"
#include "store.h"

#define OUTBOX_RETRY_MAX 3600

/* Delay before attempt number `attempts` + 1 (attempts already made >= 1). */
int64_t outbox_retry_delay(unsigned retry_min, unsigned attempts);

int outbox_deliver_due(const struct conf *c, struct store *s, int64_t now, unsigned *ret_sent,
		       unsigned *ret_failed);
