/* SPDX-License-Identifier: MIT */
#pragma once

/* IMAP modified UTF-7 mailbox names (RFC 3501 5.1.3), both ways. Pure;
 * invalid input gives -EINVAL. */

#include <stddef.h>

int mutf7_decode(const char *in, size_t len, char **ret_utf8);
int mutf7_encode(const char *utf8, char **ret_mutf7);
