/* SPDX-License-Identifier: MIT */
#pragma once

/* Server certificate verification for libetpan sessions (libetpan 1.9.4
 * verifies nothing): the peer chain is checked with GnuTLS against ca_file
 * (or the system store) and the host name, before any credential is sent.
 * Also the connect callback that sets SNI. */

#include <libetpan/libetpan.h>

/* Pass as the callback of mailimap_ssl_connect_with_callback() /
 * mailimap_socket_starttls_with_callback(); data = the host name (char *). */
void imap_tls_set_sni(struct mailstream_ssl_context *ctx, void *data);

/* 0 when the chain of `stream` is trusted for `host`; else -EPERM with a
 * human explanation in *reterr ("certificate signed by an unknown
 * authority", "certificate is for another host name", ...). */
int imap_tls_verify(mailstream *stream, const char *host, const char *ca_file, char **reterr);
