/* SPDX-License-Identifier: MIT */
#include <curl/curl.h>

#include "secret.h"
#include "smtp.h"

#define SMTP_ADDR_MAX 320 /* RFC 5321: 64 + '@' + 255, with room */

static int curl_init_once(void)
{
	static bool done = false;

	if (!done) {
		if (curl_global_init(CURL_GLOBAL_ALL) != CURLE_OK)
			return -EIO;
		done = true;
	}
	return 0;
}

struct payload_src {
	const char *data;
	size_t len;
	size_t pos;
};

static size_t payload_read(char *buf, size_t size, size_t nitems, void *userdata)
{
	struct payload_src *src = userdata;
	size_t room = size * nitems, n;

	if (src->pos >= src->len)
		return 0;
	n = MIN(room, src->len - src->pos);
	memcpy(buf, src->data + src->pos, n);
	src->pos += n;
	return n;
}

/* The addr-spec of "Name <addr>" or of a bare "addr", as "<addr>" for
 * CURLOPT_MAIL_FROM / CURLOPT_MAIL_RCPT. NULL when there is none. */
static char *envelope_address(const char *s)
{
	const char *start, *end;
	size_t len;

	if (isempty(s))
		return NULL;
	start = strrchr(s, '<');
	if (start) {
		start++;
		end = strchr(start, '>');
		if (!end)
			return NULL;
	} else {
		start = s;
		end = s + strlen(s);
	}
	while (start < end && (*start == ' ' || *start == '\t'))
		start++;
	while (end > start && (end[-1] == ' ' || end[-1] == '\t'))
		end--;
	len = (size_t) (end - start);
	if (len == 0 || len > SMTP_ADDR_MAX || !memchr(start, '@', len))
		return NULL;
	for (const char *p = start; p < end; p++)
		if ((unsigned char) *p <= ' ' || *p == '<' || *p == '>' || *p == 0x7f)
			return NULL;
	return strdup_printf("<%.*s>", (int) len, start);
}

/* SMTP reply codes that mean "fix the configuration" rather than "this
 * message can never be delivered": authentication required / failed /
 * encryption required (RFC 4954). The alert is kept and retried. */
static bool code_is_auth_problem(long code)
{
	return code == 530 || code == 534 || code == 535 || code == 538;
}

int smtp_send(const struct conf *c, const char *rcpt, const char *payload, size_t len,
	      long *ret_code, char **reterr)
{
	_cleanup_free_ char *from = NULL, *to = NULL, *why = NULL;
	_cleanup_secret_free_ char *password = NULL;
	char errbuf[CURL_ERROR_SIZE] = "";
	struct payload_src src = { .data = payload, .len = len };
	struct curl_slist *rcpts = NULL;
	const char *url, *what;
	CURL *curl = NULL;
	CURLcode cc;
	long code = 0;
	int r;

	if (ret_code)
		*ret_code = 0;
	if (!c || !c->has_smtp || isempty(c->smtp_url.url)) {
		if (reterr)
			*reterr = strdup("no [smtp] configured");
		return -EINVAL;
	}
	url = c->smtp_url.url;
	if (!payload || len == 0) {
		if (reterr)
			*reterr = strdup_printf("%s: empty message, not sent", url);
		return -EINVAL;
	}

	from = envelope_address(c->smtp_from);
	to = envelope_address(rcpt);
	if (!from || !to) {
		if (reterr)
			*reterr = strdup_printf("%s: invalid %s address '%s'", url,
						!from ? "sender" : "recipient",
						strempty(!from ? c->smtp_from : rcpt));
		/* A bad [smtp] from can be fixed in the configuration:
		 * keep the alert. A bad recipient is stored with the
		 * message and will never work. */
		return !from ? -EAGAIN : -EPERM;
	}

	if (!isempty(c->smtp_username)) {
		_cleanup_free_ char *err = NULL;

		r = secret_get(&c->smtp_secret, &password, &err);
		if (r < 0) {
			if (reterr)
				*reterr = strdup_printf("%s: cannot read the SMTP password for '%s': %s",
							url, c->smtp_username,
							err ? err : strerror(-r));
			return r == -ENOMEM ? -ENOMEM : -EAGAIN;
		}
	}

	r = curl_init_once();
	if (r < 0) {
		if (reterr)
			*reterr = strdup("libcurl initialisation failed");
		return r;
	}
	curl = curl_easy_init();
	rcpts = curl_slist_append(NULL, to);
	if (!curl || !rcpts) {
		r = -ENOMEM;
		if (reterr)
			*reterr = strdup("out of memory");
		goto finish;
	}

	cc = curl_easy_setopt(curl, CURLOPT_ERRORBUFFER, errbuf);
	if (cc == CURLE_OK)
		cc = curl_easy_setopt(curl, CURLOPT_URL, url);
	/* The configuration's port: smtp:// without one means submission
	 * (587), where curl alone would pick 25. */
	if (cc == CURLE_OK && c->smtp_url.port > 0)
		cc = curl_easy_setopt(curl, CURLOPT_PORT, (long) c->smtp_url.port);
	if (cc == CURLE_OK)
		cc = curl_easy_setopt(curl, CURLOPT_PROTOCOLS_STR, "smtp,smtps");
	if (cc == CURLE_OK)
		cc = curl_easy_setopt(curl, CURLOPT_USE_SSL,
				      (long) (c->smtp_tls == TLS_NONE ? CURLUSESSL_NONE : CURLUSESSL_ALL));
	if (cc == CURLE_OK)
		cc = curl_easy_setopt(curl, CURLOPT_SSL_VERIFYPEER, 1L);
	if (cc == CURLE_OK)
		cc = curl_easy_setopt(curl, CURLOPT_SSL_VERIFYHOST, 2L);
	if (cc == CURLE_OK && !isempty(c->smtp_ca_file))
		cc = curl_easy_setopt(curl, CURLOPT_CAINFO, c->smtp_ca_file);
	if (cc == CURLE_OK && password) {
		cc = curl_easy_setopt(curl, CURLOPT_USERNAME, c->smtp_username);
		if (cc == CURLE_OK)
			cc = curl_easy_setopt(curl, CURLOPT_PASSWORD, password);
	}
	if (cc == CURLE_OK)
		cc = curl_easy_setopt(curl, CURLOPT_MAIL_FROM, from);
	if (cc == CURLE_OK)
		cc = curl_easy_setopt(curl, CURLOPT_MAIL_RCPT, rcpts);
	if (cc == CURLE_OK)
		cc = curl_easy_setopt(curl, CURLOPT_READFUNCTION, payload_read);
	if (cc == CURLE_OK)
		cc = curl_easy_setopt(curl, CURLOPT_READDATA, &src);
	if (cc == CURLE_OK)
		cc = curl_easy_setopt(curl, CURLOPT_UPLOAD, 1L);
	if (cc == CURLE_OK)
		cc = curl_easy_setopt(curl, CURLOPT_INFILESIZE_LARGE, (curl_off_t) len);
	if (cc == CURLE_OK)
		cc = curl_easy_setopt(curl, CURLOPT_CONNECTTIMEOUT, 15L);
	if (cc == CURLE_OK)
		cc = curl_easy_setopt(curl, CURLOPT_SERVER_RESPONSE_TIMEOUT, 60L);
	if (cc == CURLE_OK)
		cc = curl_easy_setopt(curl, CURLOPT_TIMEOUT, 120L);
	if (cc == CURLE_OK)
		cc = curl_easy_setopt(curl, CURLOPT_NOSIGNAL, 1L);
	if (cc != CURLE_OK) {
		r = cc == CURLE_OUT_OF_MEMORY ? -ENOMEM : -EINVAL;
		if (reterr)
			*reterr = strdup_printf("%s: cannot set up libcurl: %s", url,
						curl_easy_strerror(cc));
		goto finish;
	}

	cc = curl_easy_perform(curl);
	(void) curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &code);
	if (ret_code)
		*ret_code = code;
	if (cc == CURLE_OK) {
		r = 0;
		goto finish;
	}

	what = errbuf[0] ? errbuf : curl_easy_strerror(cc);
	if (cc == CURLE_OUT_OF_MEMORY) {
		r = -ENOMEM;
		why = strdup_printf("%s: out of memory", url);
	} else if (cc == CURLE_LOGIN_DENIED) {
		r = -EAGAIN;
		why = strdup_printf("%s: SMTP login refused for '%s' (%s): check the password",
				    url, strempty(c->smtp_username), what);
	} else if (code >= 500 && code <= 599 && code_is_auth_problem(code)) {
		r = -EAGAIN;
		why = strdup_printf("%s: %ld (%s): the server wants authentication or encryption, "
				    "check [smtp] username, password and tls",
				    url, code, what);
	} else if (code >= 500 && code <= 599) {
		r = -EPERM;
		why = strdup_printf("%s: %ld%s (%s): refused permanently", url, code,
				    cc == CURLE_WEIRD_SERVER_REPLY ? " after DATA" : "", what);
	} else if (code >= 400 && code <= 499) {
		r = -EAGAIN;
		why = strdup_printf("%s: %ld%s (%s): temporary failure", url, code,
				    cc == CURLE_WEIRD_SERVER_REPLY ? " after DATA" : "", what);
	} else if (cc == CURLE_USE_SSL_FAILED) {
		r = -EAGAIN;
		why = strdup_printf("%s: the server does not offer STARTTLS (%s); "
				    "use smtps:// or a server that supports TLS",
				    url, what);
	} else {
		/* No SMTP answer: connection, TLS verification, timeout. */
		r = -EAGAIN;
		why = strdup_printf("%s: %s (curl error %d)", url, what, (int) cc);
	}
	if (reterr)
		*reterr = TAKE_PTR(why);

finish:
	curl_slist_free_all(rcpts);
	if (curl)
		curl_easy_cleanup(curl);
	return r;
}
