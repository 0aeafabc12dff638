/* SPDX-License-Identifier: MIT */
#pragma once

/* One SMTP submission with libcurl: TLS required unless tls = none on
 * loopback (CURLUSESSL_ALL, peer and host verified, ca_file), AUTH when a
 * username is set, connect/response timeouts, CURLOPT_NOSIGNAL. */

#include <stddef.h>

#include "conf.h"

/* 0 accepted. -EAGAIN temporary failure (4xx, connection, timeout, TLS
 * trouble), -EPERM permanent refusal (5xx), -ENOMEM. *ret_code is the last
 * SMTP response code (0 if none), *reterr a one-line reason (no secret). */
int smtp_send(const struct conf *c, const char *rcpt, const char *payload, size_t len,
	      long *ret_code, char **reterr);
