/* SPDX-License-Identifier: MIT */
#include <arpa/inet.h>
#include <limits.h>
#include <netinet/in.h>

#include <gnutls/gnutls.h>
#include <gnutls/x509.h>

#include "imap-tls.h"
#include "util.h"

/* Exported by libetpan.so.20 but declared only under USE_SSL, which its
 * installed headers never define. */
extern mailstream_low_driver *mailstream_ssl_driver;

/* A peer chain longer than this is refused rather than imported. */
#define IMAP_TLS_MAX_CHAIN 16U

static bool host_ip_literal(const char *host, unsigned char buf[static 16], size_t *ret_len)
{
	struct in_addr a4;
	struct in6_addr a6;

	if (inet_pton(AF_INET, host, &a4) == 1) {
		memcpy(buf, &a4, 4);
		*ret_len = 4;
		return true;
	}
	if (inet_pton(AF_INET6, host, &a6) == 1) {
		memcpy(buf, &a6, 16);
		*ret_len = 16;
		return true;
	}
	return false;
}

void imap_tls_set_sni(struct mailstream_ssl_context *ctx, void *data)
{
	unsigned char ip[16];
	size_t ip_len;
	char *host = data;

	/* RFC 6066: SNI carries DNS names only, never an address literal. */
	if (!ctx || isempty(host) || host_ip_literal(host, ip, &ip_len))
		return;
	(void) mailstream_ssl_set_server_name(ctx, host);
}

/* "The certificate is NOT trusted. The certificate issuer is unknown. " ->
 * "The certificate issuer is unknown." */
static char *explain_status(unsigned status)
{
	gnutls_datum_t out = {};
	const char *prefix = "The certificate is NOT trusted.";
	char *text, *p;

	if (gnutls_certificate_verification_status_print(status, GNUTLS_CRT_X509, &out, 0) < 0 ||
	    !out.data)
		return strdup_printf("verification status 0x%x", status);
	p = (char *) out.data;
	if (strncmp(p, prefix, strlen(prefix)) == 0)
		p += strlen(prefix);
	text = strdup(strstrip(p));
	gnutls_free(out.data);
	/* It ends with a full stop; the caller's sentence goes on. */
	if (text && *text && text[strlen(text) - 1] == '.')
		text[strlen(text) - 1] = '\0';
	if (text && isempty(text)) {
		free(text);
		text = strdup_printf("verification status 0x%x", status);
	}
	return text;
}

static void crts_free(gnutls_x509_crt_t *crts, unsigned n)
{
	for (unsigned i = 0; i < n; i++)
		gnutls_x509_crt_deinit(crts[i]);
}

int imap_tls_verify(mailstream *stream, const char *host, const char *ca_file, char **reterr)
{
	gnutls_x509_crt_t crts[IMAP_TLS_MAX_CHAIN];
	gnutls_x509_trust_list_t tl = NULL;
	gnutls_typed_vdata_st vd[2];
	unsigned char ip[16];
	size_t ip_len = 0;
	unsigned n = 0, status = 0;
	carray *chain;
	int r, ret = -EPERM;
	char *why = NULL;

	if (!stream || isempty(host)) {
		*reterr = strdup("no TLS stream to verify");
		return -EINVAL;
	}
	/* libetpan 1.9.4 (GnuTLS) returns an uninitialised pointer from the
	 * chain getter when there is no X.509 chain: only ask a TLS stream. */
	if (!stream->low || stream->low->driver != mailstream_ssl_driver) {
		*reterr = strdup("the connection is not encrypted");
		return -EPROTO;
	}
	chain = mailstream_get_certificate_chain(stream);
	if (!chain || carray_count(chain) == 0) {
		if (chain)
			mailstream_certificate_chain_free(chain);
		*reterr = strdup("the server sent no certificate");
		return -EPERM;
	}
	if (carray_count(chain) > IMAP_TLS_MAX_CHAIN) {
		*reterr = strdup_printf("the server sent a chain of %u certificates (at most %u accepted)",
					carray_count(chain), IMAP_TLS_MAX_CHAIN);
		mailstream_certificate_chain_free(chain);
		return -EPERM;
	}
	for (unsigned i = 0; i < carray_count(chain); i++) {
		MMAPString *der = carray_get(chain, i);
		gnutls_datum_t d;

		if (!der || der->len > UINT_MAX) {
			why = strdup("the server sent an unreadable certificate");
			goto out;
		}
		d.data = (unsigned char *) der->str;
		d.size = (unsigned) der->len;
		r = gnutls_x509_crt_init(&crts[n]);
		if (r < 0) {
			ret = -ENOMEM;
			why = strdup("out of memory");
			goto out;
		}
		n++;
		r = gnutls_x509_crt_import(crts[n - 1], &d, GNUTLS_X509_FMT_DER);
		if (r < 0) {
			why = strdup_printf("the server sent an unreadable certificate: %s",
					    gnutls_strerror(r));
			goto out;
		}
	}

	r = gnutls_x509_trust_list_init(&tl, 0);
	if (r < 0) {
		ret = -ENOMEM;
		why = strdup("out of memory");
		tl = NULL;
		goto out;
	}
	if (ca_file) {
		r = gnutls_x509_trust_list_add_trust_file(tl, ca_file, NULL, GNUTLS_X509_FMT_PEM, 0, 0);
		if (r <= 0) {
			ret = -ENOENT;
			why = strdup_printf("no CA certificate could be read from '%s'%s%s", ca_file,
					    r < 0 ? ": " : "", r < 0 ? gnutls_strerror(r) : "");
			goto out;
		}
	} else {
		r = gnutls_x509_trust_list_add_system_trust(tl, 0, 0);
		if (r <= 0) {
			ret = -ENOENT;
			why = strdup_printf("no system CA certificate could be loaded%s%s",
					    r < 0 ? ": " : "", r < 0 ? gnutls_strerror(r) : "");
			goto out;
		}
	}

	if (host_ip_literal(host, ip, &ip_len))
		vd[0] = (gnutls_typed_vdata_st) { GNUTLS_DT_IP_ADDRESS, ip, (unsigned) ip_len };
	else
		vd[0] = (gnutls_typed_vdata_st) { GNUTLS_DT_DNS_HOSTNAME, (unsigned char *) host, 0 };
	vd[1] = (gnutls_typed_vdata_st) { GNUTLS_DT_KEY_PURPOSE_OID,
					  (unsigned char *) GNUTLS_KP_TLS_WWW_SERVER, 0 };

	r = gnutls_x509_trust_list_verify_crt2(tl, crts, n, vd, 2, 0, &status, NULL);
	if (r < 0) {
		why = strdup_printf("server certificate for '%s' could not be verified: %s", host,
				    gnutls_strerror(r));
		goto out;
	}
	if (status != 0) {
		_cleanup_free_ char *text = explain_status(status);

		why = strdup_printf("server certificate for '%s' is not trusted: %s", host,
				    strempty(text));
		goto out;
	}
	ret = 0;

out:
	if (tl)
		gnutls_x509_trust_list_deinit(tl, 1);
	crts_free(crts, n);
	mailstream_certificate_chain_free(chain);
	if (ret < 0)
		*reterr = why ? why : strdup("server certificate verification failed");
	else
		free(why);
	return ret;
}
