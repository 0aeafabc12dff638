/* SPDX-License-Identifier: MIT */
/* The configuration file: a table of {sections, key, parser, offset} rows
 * and one callback signature carrying FILE and LINE. Every problem becomes
 * one "FILE:LINE: message" in the diag vector and parsing goes on, so
 * --check-config shows all of them at once. conf_parse() is pure;
 * conf_load() adds the checks that need the file system. */

#include <arpa/inet.h>
#include <fcntl.h>
#include <math.h>
#include <netinet/in.h>
#include <pwd.h>
#include <stdarg.h>
#include <sys/stat.h>

#include "conf.h"
#include "secret.h"

#ifndef LOCALSTATEDIR
#define LOCALSTATEDIR "/var"
#endif

#define CONF_MAX_LINE 4096            /* bytes of one line, without the newline */
#define CONF_MAX_FILE (1024U * 1024U) /* conf_load() refuses bigger files */
#define CONF_MAX_NAME 64              /* [account "NAME"], [client "ID"] */
#define CONF_MAX_IDLE 4               /* idle_folders */
#define QUOTE_MAX 80                  /* bytes of user text quoted in a message */
#define ADDRESS_MAX 254

enum section {
	SEC_NONE, /* before the first header */
	SEC_DAEMON,
	SEC_OWNER,
	SEC_SMTP,
	SEC_ACCOUNT,
	SEC_THRESHOLDS,
	SEC_CLIENT,
	SEC_SKIP, /* after a bad header: its keys are ignored */
	_SEC_MAX,
};

#define S(x) (1u << (x))

static const char *const section_names[_SEC_MAX] = {
	[SEC_DAEMON] = "daemon",   [SEC_OWNER] = "owner",   [SEC_SMTP] = "smtp",
	[SEC_ACCOUNT] = "account", [SEC_CLIENT] = "client", [SEC_THRESHOLDS] = "thresholds",
};

/* Value kinds and limits, the `ltype` of a row. */
enum {
	L_NONE,
	L_POLL,      /* 1..86400 s */
	L_BACKFILL,  /* 0..3650 days */
	L_RETENTION, /* 1..36500 days */
	L_RETRY,     /* 1..3600 s */
	L_SCORE,     /* 0..100 */
	L_NONNEG,    /* >= 0 */
	L_DAYS,      /* 0..3650 */
	L_MINUTES,   /* > 0 and <= 1440 */
	L_IMAP,      /* imaps:// imap:// */
	L_SMTP,      /* smtps:// smtp:// */
	L_SECRET_FILE,
	L_SECRET_CREDENTIAL,
	L_SECRET_PASSWORD_COMMAND,
	L_SECRET_TOKEN_COMMAND,
	L_FOLDERS,
	L_IDLE_FOLDERS,
};

/* Per section instance: what post-parse checks need to know. */
struct section_state {
	unsigned line;          /* of the header */
	char *prefix;           /* key of the instance in ctx->seen: "account\x1fwork" */
	char *label;            /* "[account \"work\"]" */
	const char *secret_key; /* first secret source given */
	unsigned secret_line;
	bool th_set[sizeof(struct conf_thresholds) / sizeof(double)];
	struct conf_thresholds th; /* [client] overrides */
};

struct conf_ctx {
	const char *path;
	struct diag *diag;
	struct conf *c;
	enum section sec;
	size_t idx;                /* current account / client */
	struct section_state *cur; /* state of the current section */
	struct section_state single[_SEC_MAX];
	struct section_state *accounts; /* parallel to c->accounts */
	struct section_state *clients;  /* parallel to c->clients */
	size_t n_accounts, n_clients;   /* states allocated */
	GHashTable *seen;               /* "PREFIX\nkey" -> line (first occurrence) */
	GHashTable *bad;                /* "PREFIX\nkey" of values that failed to parse */
};

typedef int (*conf_parser_fn)(struct conf_ctx *ctx, const char *file, unsigned line,
			      const char *key, int ltype, const char *value, void *data);

struct conf_key {
	unsigned sections; /* S(SEC_...) mask */
	const char *key;
	conf_parser_fn parse;
	size_t offset; /* into struct conf, conf_account, conf_client or conf_thresholds */
	int ltype;
	bool threshold; /* offset is into struct conf_thresholds */
};

_Static_assert(sizeof(struct conf_thresholds) % sizeof(double) == 0,
	       "struct conf_thresholds must hold only doubles");

/* ------------------------------------------------------------------ */
/* helpers                                                             */

/* At most QUOTE_MAX bytes of s, for a message. */
static char *quote(const char *s)
{
	if (strlen(s) > QUOTE_MAX)
		return strdup_printf("%.*s...", QUOTE_MAX, s);
	return strdup(s);
}

static bool is_space(char c)
{
	return c == ' ' || c == '\t';
}

static bool is_alnum(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
}

static int diag_bad_value(struct conf_ctx *ctx, const char *file, unsigned line, const char *key,
			  const char *value, const char *expected)
{
	_cleanup_free_ char *q = quote(value);

	diag_add(ctx->diag, file, line, "bad value '%s' for %s: %s", strempty(q), key, expected);
	return -EINVAL;
}

static bool domain_is_valid(const char *d)
{
	size_t n = strlen(d), label = 0;

	if (n == 0 || n > 253 || d[0] == '.' || d[n - 1] == '.' || d[0] == '-')
		return false;
	for (const char *p = d; *p; p++) {
		unsigned char ch = (unsigned char) *p;

		if (ch == '.') {
			if (label == 0)
				return false;
			label = 0;
			continue;
		}
		if (!(is_alnum((char) ch) || ch == '-' || ch == '_' || ch >= 0x80))
			return false;
		if (++label > 63)
			return false;
	}
	return true;
}

/* "local@domain", or "*@domain" when allow_pattern. */
static bool address_is_valid(const char *a, bool allow_pattern)
{
	const char *at = strrchr(a, '@');
	size_t local;

	if (!at || strlen(a) > ADDRESS_MAX)
		return false;
	local = (size_t) (at - a);
	if (local == 0 || local > 64 || !domain_is_valid(at + 1))
		return false;
	if (local == 1 && a[0] == '*')
		return allow_pattern;
	for (const char *p = a; p < at; p++) {
		unsigned char ch = (unsigned char) *p;

		if (ch <= ' ' || ch == 0x7f || strchr("<>()[],;:\"\\@*", ch))
			return false;
	}
	return true;
}

static bool address_is_pattern(const char *a)
{
	return a[0] == '*' && a[1] == '@';
}

static bool name_is_valid(const char *s)
{
	size_t n = strlen(s);

	if (n == 0 || n > CONF_MAX_NAME)
		return false;
	for (const char *p = s; *p; p++)
		if (!is_alnum(*p) && !strchr("._-@+", *p))
			return false;
	return true;
}

static bool hostname_is_valid(const char *h)
{
	return domain_is_valid(h) && !strchr(h, '_');
}

bool conf_host_is_loopback(const char *host)
{
	struct in_addr a4;
	struct in6_addr a6;
	char buf[INET6_ADDRSTRLEN + 2];
	size_t n;

	if (isempty(host))
		return false;
	n = strlen(host);
	if (host[0] == '[' && n > 2 && host[n - 1] == ']' && n - 2 < sizeof(buf)) {
		memcpy(buf, host + 1, n - 2);
		buf[n - 2] = '\0';
		host = buf;
	}
	if (g_ascii_strcasecmp(host, "localhost") == 0 ||
	    g_ascii_strcasecmp(host, "localhost.") == 0)
		return true;
	if (inet_pton(AF_INET, host, &a4) == 1)
		return (ntohl(a4.s_addr) >> 24) == 127;
	if (inet_pton(AF_INET6, host, &a6) == 1) {
		if (IN6_IS_ADDR_LOOPBACK(&a6))
			return true;
		if (IN6_IS_ADDR_V4MAPPED(&a6))
			return a6.s6_addr[12] == 127;
	}
	return false;
}

static void url_done(struct conf_url *u)
{
	free(u->url);
	free(u->scheme);
	free(u->host);
	*u = (struct conf_url){};
}

/* scheme://host[:port][/], IPv6 in brackets, no user info, no path. */
static int url_parse(const char *s, bool smtp, struct conf_url *ret, char **reterr)
{
	static const struct {
		const char *scheme;
		uint16_t port;
		bool implicit_tls;
		bool smtp;
	} schemes[] = {
		{ "imaps", 993, true, false },
		{ "imap", 143, false, false },
		{ "smtps", 465, true, true },
		{ "smtp", 587, false, true },
	};
	_cleanup_free_ char *scheme = NULL, *host = NULL;
	const char *sep = strstr(s, "://"), *p, *hb, *he;
	unsigned long long port = 0;
	int k = -1;

	if (!sep) {
		*reterr = strdup(smtp ? "expected smtps://HOST[:PORT] or smtp://HOST[:PORT]"
				      : "expected imaps://HOST[:PORT] or imap://HOST[:PORT]");
		return -EINVAL;
	}
	scheme = strndup(s, (size_t) (sep - s));
	if (!scheme)
		return -ENOMEM;
	ascii_strlower(scheme);
	for (size_t i = 0; i < ELEMENTSOF(schemes); i++)
		if (schemes[i].smtp == smtp && streq(scheme, schemes[i].scheme))
			k = (int) i;
	if (k < 0) {
		*reterr = strdup_printf("unsupported scheme '%.16s' (use %s)", scheme,
					smtp ? "smtps:// or smtp://" : "imaps:// or imap://");
		return -EINVAL;
	}
	p = sep + 3;
	/* The authority ends at '/', '?', '#' or the end. */
	he = p + strcspn(p, "/?#");
	if (*he == '?' || *he == '#' || (*he == '/' && he[1] != '\0')) {
		*reterr = strdup("no path, query or fragment allowed after the host");
		return -EINVAL;
	}
	if (memchr(p, '@', (size_t) (he - p))) {
		*reterr = strdup("no user name in the URL: put it in 'username'");
		return -EINVAL;
	}
	if (*p == '[') {
		struct in6_addr a6;
		const char *close = memchr(p, ']', (size_t) (he - p));

		if (!close) {
			*reterr = strdup("missing ']' after the IPv6 address");
			return -EINVAL;
		}
		hb = p + 1;
		host = strndup(hb, (size_t) (close - hb));
		if (!host)
			return -ENOMEM;
		if (inet_pton(AF_INET6, host, &a6) != 1) {
			*reterr = strdup_printf("bad IPv6 address '%.64s'", host);
			return -EINVAL;
		}
		p = close + 1;
	} else {
		hb = p;
		while (p < he && *p != ':')
			p++;
		host = strndup(hb, (size_t) (p - hb));
		if (!host)
			return -ENOMEM;
		if (isempty(host)) {
			*reterr = strdup("missing host");
			return -EINVAL;
		}
		if (!hostname_is_valid(host)) {
			*reterr = strdup_printf("bad host name '%.64s'", host);
			return -EINVAL;
		}
		ascii_strlower(host);
	}
	if (p < he) {
		_cleanup_free_ char *ps = NULL;

		if (*p != ':') {
			*reterr = strdup("unexpected text after the host");
			return -EINVAL;
		}
		ps = strndup(p + 1, (size_t) (he - p - 1));
		if (!ps)
			return -ENOMEM;
		if (parse_uint(ps, 65535, &port) < 0 || port == 0) {
			*reterr = strdup_printf("bad port '%.16s' (1 to 65535)", ps);
			return -EINVAL;
		}
	} else
		port = schemes[k].port;

	ret->url = strdup(s);
	if (!ret->url)
		return -ENOMEM;
	ret->scheme = TAKE_PTR(scheme);
	ret->host = TAKE_PTR(host);
	ret->port = (uint16_t) port;
	ret->implicit_tls = schemes[k].implicit_tls;
	return 0;
}

static char *seen_key(const struct section_state *st, const char *key)
{
	return strdup_printf("%s\n%s", st->prefix, key);
}

static unsigned key_line(GHashTable *seen, const struct section_state *st, const char *key)
{
	_cleanup_free_ char *k = NULL;

	if (!seen || !st->prefix)
		return 0;
	k = seen_key(st, key);
	if (!k)
		return 0;
	return GPOINTER_TO_UINT(g_hash_table_lookup(seen, k));
}

static bool key_failed(struct conf_ctx *ctx, const struct section_state *st, const char *key)
{
	_cleanup_free_ char *k = NULL;

	if (!st->prefix)
		return false;
	k = seen_key(st, key);
	return k && g_hash_table_contains(ctx->bad, k);
}

/* ------------------------------------------------------------------ */
/* value parsers: one signature, FILE and LINE for the messages        */

static int parse_string(struct conf_ctx *ctx, const char *file, unsigned line, const char *key,
			int ltype, const char *value, void *data)
{
	char **p = data;
	char *s = strdup(value);

	if (!s)
		return -ENOMEM;
	free(*p);
	*p = s;
	return 0;
}

static int parse_abs_path(struct conf_ctx *ctx, const char *file, unsigned line, const char *key,
			  int ltype, const char *value, void *data)
{
	if (value[0] != '/')
		return diag_bad_value(ctx, file, line, key, value, "expected an absolute path");
	if (strlen(value) > 4095)
		return diag_bad_value(ctx, file, line, key, value, "path too long");
	return parse_string(ctx, file, line, key, ltype, value, data);
}

static int parse_unsigned(struct conf_ctx *ctx, const char *file, unsigned line, const char *key,
			  int ltype, const char *value, void *data)
{
	unsigned long long min = 1, max = UINT32_MAX, v;
	unsigned *p = data;
	_cleanup_free_ char *expected = NULL;

	switch (ltype) {
	case L_POLL:
		max = 86400;
		break;
	case L_BACKFILL:
		min = 0;
		max = 3650;
		break;
	case L_RETENTION:
		max = 36500;
		break;
	case L_RETRY:
		max = 3600;
		break;
	default:
		break;
	}
	if (parse_uint(value, max, &v) < 0 || v < min) {
		expected = strdup_printf("expected a whole number from %llu to %llu", min, max);
		if (!expected)
			return -ENOMEM;
		return diag_bad_value(ctx, file, line, key, value, expected);
	}
	*p = (unsigned) v;
	return 0;
}

static int check_double(struct conf_ctx *ctx, const char *file, unsigned line, const char *key,
			int ltype, const char *value, double *ret)
{
	double v;

	if (parse_double(value, &v) < 0)
		return diag_bad_value(ctx, file, line, key, value,
				      "expected a number such as 12 or 0.5");
	switch (ltype) {
	case L_SCORE:
		if (v < 0 || v > 100)
			return diag_bad_value(ctx, file, line, key, value,
					      "expected a number from 0 to 100");
		break;
	case L_DAYS:
		if (v < 0 || v > 3650)
			return diag_bad_value(ctx, file, line, key, value,
					      "expected a number of days from 0 to 3650");
		break;
	case L_MINUTES:
		if (v <= 0 || v > 1440)
			return diag_bad_value(ctx, file, line, key, value,
					      "expected a number of minutes above 0, at most 1440");
		break;
	default:
		if (v < 0)
			return diag_bad_value(ctx, file, line, key, value, "must not be negative");
		if (v > 1e12)
			return diag_bad_value(ctx, file, line, key, value, "too large");
		break;
	}
	*ret = v;
	return 0;
}

static int parse_number(struct conf_ctx *ctx, const char *file, unsigned line, const char *key,
			int ltype, const char *value, void *data)
{
	return check_double(ctx, file, line, key, ltype, value, data);
}

static int parse_bool(struct conf_ctx *ctx, const char *file, unsigned line, const char *key,
		      int ltype, const char *value, void *data)
{
	int r = parse_boolean(value);

	if (r < 0)
		return diag_bad_value(ctx, file, line, key, value, "expected yes or no");
	*(bool *) data = r;
	return 0;
}

static int parse_user(struct conf_ctx *ctx, const char *file, unsigned line, const char *key,
		      int ltype, const char *value, void *data)
{
	size_t n = strlen(value);

	if (n == 0 || n > 32 || value[0] == '-')
		return diag_bad_value(ctx, file, line, key, value, "expected a user name");
	for (const char *p = value; *p; p++)
		if (!is_alnum(*p) && !strchr("._-", *p))
			return diag_bad_value(ctx, file, line, key, value, "expected a user name");
	return parse_string(ctx, file, line, key, ltype, value, data);
}

static int parse_language(struct conf_ctx *ctx, const char *file, unsigned line, const char *key,
			  int ltype, const char *value, void *data)
{
	if (g_ascii_strcasecmp(value, "fr") == 0)
		return parse_string(ctx, file, line, key, ltype, "fr", data);
	if (g_ascii_strcasecmp(value, "en") == 0)
		return parse_string(ctx, file, line, key, ltype, "en", data);
	return diag_bad_value(ctx, file, line, key, value, "expected fr or en");
}

static int parse_tls(struct conf_ctx *ctx, const char *file, unsigned line, const char *key,
		     int ltype, const char *value, void *data)
{
	if (streq(value, "required"))
		*(enum tls_mode *) data = TLS_REQUIRED;
	else if (streq(value, "none"))
		*(enum tls_mode *) data = TLS_NONE;
	else
		return diag_bad_value(ctx, file, line, key, value, "expected required or none");
	return 0;
}

static int parse_auth(struct conf_ctx *ctx, const char *file, unsigned line, const char *key,
		      int ltype, const char *value, void *data)
{
	if (streq(value, "login"))
		*(enum auth_method *) data = AUTH_LOGIN;
	else if (streq(value, "xoauth2"))
		*(enum auth_method *) data = AUTH_XOAUTH2;
	else
		return diag_bad_value(ctx, file, line, key, value, "expected login or xoauth2");
	return 0;
}

static int parse_url(struct conf_ctx *ctx, const char *file, unsigned line, const char *key,
		     int ltype, const char *value, void *data)
{
	struct conf_url *u = data, nu = {};
	_cleanup_free_ char *why = NULL, *q = NULL;
	int r;

	r = url_parse(value, ltype == L_SMTP, &nu, &why);
	if (r == -ENOMEM || (r < 0 && !why)) {
		url_done(&nu);
		return -ENOMEM;
	}
	if (r < 0) {
		url_done(&nu);
		q = quote(value);
		/* A URL with user info may carry a password: never quote it. */
		if (q && strchr(q, '@'))
			diag_add(ctx->diag, file, line, "bad url: %s", why);
		else
			diag_add(ctx->diag, file, line, "bad url '%s': %s", strempty(q), why);
		return -EINVAL;
	}
	url_done(u);
	*u = nu;
	return 0;
}

/* Owner email: one address. */
static int parse_email(struct conf_ctx *ctx, const char *file, unsigned line, const char *key,
		       int ltype, const char *value, void *data)
{
	_cleanup_free_ char *a = strdup(value), *q = NULL;

	if (!a)
		return -ENOMEM;
	ascii_strlower(a);
	if (!address_is_valid(a, false)) {
		q = quote(value);
		diag_add(ctx->diag, file, line, "%s: '%s' is not an email address", key,
			 strempty(q));
		return -EINVAL;
	}
	free(*(char **) data);
	*(char **) data = TAKE_PTR(a);
	return 0;
}

/* [owner] and [client] addresses: "a@b, *@domain", stored lower-case. */
static int parse_addresses(struct conf_ctx *ctx, const char *file, unsigned line, const char *key,
			   int ltype, const char *value, void *data)
{
	_cleanup_strv_free_ char **l = NULL;
	char ***p = data;
	int r;

	r = strv_split_comma(value, &l);
	if (r < 0)
		return r;
	if (strv_length(l) == 0)
		return diag_bad_value(ctx, file, line, key, value, "expected email addresses");
	for (size_t i = 0; l[i]; i++) {
		_cleanup_free_ char *q = NULL;

		ascii_strlower(l[i]);
		if (!address_is_valid(l[i], true)) {
			q = quote(l[i]);
			diag_add(ctx->diag, file, line,
				 "%s: '%s' is not an email address or a *@domain pattern", key,
				 strempty(q));
			return -EINVAL;
		}
		for (size_t j = 0; j < i; j++)
			if (streq(l[i], l[j])) {
				q = quote(l[i]);
				diag_add(ctx->diag, file, line, "%s: '%s' is listed twice", key,
					 strempty(q));
				return -EINVAL;
			}
	}
	strv_free(*p);
	*p = TAKE_PTR(l);
	return 0;
}

static int parse_folders(struct conf_ctx *ctx, const char *file, unsigned line, const char *key,
			 int ltype, const char *value, void *data)
{
	_cleanup_strv_free_ char **l = NULL;
	char ***p = data;
	size_t n;
	int r;

	r = strv_split_comma(value, &l);
	if (r < 0)
		return r;
	n = strv_length(l);
	if (n == 0)
		return diag_bad_value(ctx, file, line, key, value, "expected folder names");
	if (ltype == L_IDLE_FOLDERS && n > CONF_MAX_IDLE) {
		diag_add(ctx->diag, file, line,
			 "idle_folders names %zu folders: at most %d can be watched with IDLE "
			 "(the others are polled anyway)",
			 n, CONF_MAX_IDLE);
		return -EINVAL;
	}
	for (size_t i = 0; i < n; i++)
		if (strlen(l[i]) > 255)
			return diag_bad_value(ctx, file, line, key, l[i], "folder name too long");
	strv_free(*p);
	*p = TAKE_PTR(l);
	return 0;
}

static int parse_from(struct conf_ctx *ctx, const char *file, unsigned line, const char *key,
		      int ltype, const char *value, void *data)
{
	const char *lt = strrchr(value, '<');
	_cleanup_free_ char *addr = NULL;

	if (lt) {
		const char *gt = strchr(lt, '>');

		if (!gt || gt[1] != '\0')
			return diag_bad_value(ctx, file, line, key, value,
					      "expected 'Name <address>' or an address");
		addr = strndup(lt + 1, (size_t) (gt - lt - 1));
	} else
		addr = strdup(value);
	if (!addr)
		return -ENOMEM;
	if (!address_is_valid(addr, false))
		return diag_bad_value(ctx, file, line, key, value,
				      "expected 'Name <address>' or an address");
	return parse_string(ctx, file, line, key, ltype, value, data);
}

static int parse_timezone(struct conf_ctx *ctx, const char *file, unsigned line, const char *key,
			  int ltype, const char *value, void *data)
{
	GTimeZone *tz = timewin_zone_new(value);
	GTimeZone **target;
	char *s;

	if (!tz) {
		_cleanup_free_ char *q = quote(value);

		diag_add(ctx->diag, file, line,
			 "unknown time zone '%s' (expected an IANA name such as Europe/Paris)",
			 strempty(q));
		return -EINVAL;
	}
	s = strdup(value);
	if (!s) {
		g_time_zone_unref(tz);
		return -ENOMEM;
	}
	if (ctx->sec == SEC_OWNER)
		target = &ctx->c->owner_tz;
	else
		target = &ctx->c->clients[ctx->idx].tz;
	if (*target)
		g_time_zone_unref(*target);
	*target = tz;
	free(*(char **) data);
	*(char **) data = s;
	return 0;
}

static int parse_timewin(struct conf_ctx *ctx, const char *file, unsigned line, const char *key,
			 int ltype, const char *value, void *data)
{
	struct timewin_set *set = data, ns = {};
	_cleanup_free_ char *why = NULL;
	int r;

	r = timewin_parse(value, &ns, &why);
	if (r == -ENOMEM || (r < 0 && !why))
		return -ENOMEM;
	if (r < 0) {
		diag_add(ctx->diag, file, line, "bad %s: %s", key, why);
		return -EINVAL;
	}
	timewin_set_done(set);
	*set = ns;
	if (ctx->sec == SEC_CLIENT)
		ctx->c->clients[ctx->idx].has_meetings = true;
	return 0;
}

static int split_command(const char *value, char ***ret, char **reterr)
{
	_cleanup_strv_free_ char **l = NULL;
	GError *error = NULL;
	gchar **argv = NULL;
	gint argc = 0;

	if (!g_shell_parse_argv(value, &argc, &argv, &error)) {
		*reterr =
		    strdup(error && error->message ? error->message : "cannot split the command");
		g_clear_error(&error);
		return *reterr ? -EINVAL : -ENOMEM;
	}
	for (gint i = 0; i < argc; i++)
		if (strv_extend(&l, argv[i]) < 0) {
			g_strfreev(argv);
			return -ENOMEM;
		}
	g_strfreev(argv);
	if (strv_length(l) == 0) {
		*reterr = strdup("empty command");
		return *reterr ? -EINVAL : -ENOMEM;
	}
	*ret = TAKE_PTR(l);
	return 0;
}

/* password_file, password_credential, password_command, token_command:
 * data is the struct conf_secret; only one source per section. */
static int parse_secret(struct conf_ctx *ctx, const char *file, unsigned line, const char *key,
			int ltype, const char *value, void *data)
{
	struct conf_secret *s = data;
	struct section_state *st = ctx->cur;
	int r;

	if (st->secret_key) {
		diag_add(ctx->diag, file, line,
			 "%s conflicts with %s (line %u): give only one of password_file, "
			 "password_credential, password_command, token_command",
			 key, st->secret_key, st->secret_line);
		return -EINVAL;
	}
	switch (ltype) {
	case L_SECRET_FILE:
		r = parse_abs_path(ctx, file, line, key, ltype, value, &s->file);
		break;
	case L_SECRET_CREDENTIAL:
		if (strchr(value, '/') || streq(value, ".") || streq(value, "..") ||
		    strlen(value) > 255)
			return diag_bad_value(ctx, file, line, key, value,
					      "expected a credential name (no '/')");
		r = parse_string(ctx, file, line, key, ltype, value, &s->credential);
		break;
	default: {
		_cleanup_free_ char *why = NULL;
		char **argv = NULL;

		r = split_command(value, &argv, &why);
		if (r == -ENOMEM)
			return r;
		if (r < 0) {
			diag_add(ctx->diag, file, line, "bad %s: %s", key, why);
			return r;
		}
		strv_free(s->command);
		s->command = argv;
		break;
	}
	}
	if (r < 0)
		return r;
	s->line = line;
	st->secret_key = ltype == L_SECRET_FILE            ? "password_file"
			 : ltype == L_SECRET_CREDENTIAL    ? "password_credential"
			 : ltype == L_SECRET_TOKEN_COMMAND ? "token_command"
							   : "password_command";
	st->secret_line = line;
	return 0;
}

/* ------------------------------------------------------------------ */
/* the table                                                           */

#define CONF_ROW(sec, k, fn, type, field, lt)                                                      \
	{                                                                                          \
		S(sec), k, fn, offsetof(type, field), lt, false                                    \
	}
#define TH_ROW(k, field, lt)                                                                       \
	{                                                                                          \
		S(SEC_THRESHOLDS) | S(SEC_CLIENT), k, parse_number,                                \
		    offsetof(struct conf_thresholds, field), lt, true                              \
	}
#define SYM_ROWS(name, idx)                                                                        \
	TH_ROW(name ".weight", sym[idx].weight, L_SCORE),                                          \
	    TH_ROW(name ".pink", sym[idx].pink, L_NONNEG),                                         \
	    TH_ROW(name ".red", sym[idx].red, L_NONNEG)

static const struct conf_key conf_keys[] = {
	CONF_ROW(SEC_DAEMON, "database", parse_abs_path, struct conf, database, L_NONE),
	CONF_ROW(SEC_DAEMON, "poll_interval", parse_unsigned, struct conf, poll_interval, L_POLL),
	CONF_ROW(SEC_DAEMON, "backfill_days", parse_unsigned, struct conf, backfill_days,
		 L_BACKFILL),
	CONF_ROW(SEC_DAEMON, "retention_days", parse_unsigned, struct conf, retention_days,
		 L_RETENTION),
	CONF_ROW(SEC_DAEMON, "store_evidence", parse_bool, struct conf, store_evidence, L_NONE),
	CONF_ROW(SEC_DAEMON, "user", parse_user, struct conf, user, L_NONE),
	CONF_ROW(SEC_DAEMON, "lexicon_dir", parse_abs_path, struct conf, lexicon_dir, L_NONE),

	CONF_ROW(SEC_OWNER, "name", parse_string, struct conf, owner_name, L_NONE),
	CONF_ROW(SEC_OWNER, "email", parse_email, struct conf, owner_email, L_NONE),
	CONF_ROW(SEC_OWNER, "addresses", parse_addresses, struct conf, owner_addresses, L_NONE),
	CONF_ROW(SEC_OWNER, "language", parse_language, struct conf, owner_language, L_NONE),
	CONF_ROW(SEC_OWNER, "timezone", parse_timezone, struct conf, owner_timezone, L_NONE),
	CONF_ROW(SEC_OWNER, "business_hours", parse_timewin, struct conf, business_hours, L_NONE),
	CONF_ROW(SEC_OWNER, "min_hourly_rate", parse_number, struct conf, min_hourly_rate,
		 L_NONNEG),

	CONF_ROW(SEC_SMTP, "url", parse_url, struct conf, smtp_url, L_SMTP),
	CONF_ROW(SEC_SMTP, "tls", parse_tls, struct conf, smtp_tls, L_NONE),
	CONF_ROW(SEC_SMTP, "ca_file", parse_abs_path, struct conf, smtp_ca_file, L_NONE),
	CONF_ROW(SEC_SMTP, "username", parse_string, struct conf, smtp_username, L_NONE),
	CONF_ROW(SEC_SMTP, "password_file", parse_secret, struct conf, smtp_secret, L_SECRET_FILE),
	CONF_ROW(SEC_SMTP, "password_credential", parse_secret, struct conf, smtp_secret,
		 L_SECRET_CREDENTIAL),
	CONF_ROW(SEC_SMTP, "password_command", parse_secret, struct conf, smtp_secret,
		 L_SECRET_PASSWORD_COMMAND),
	CONF_ROW(SEC_SMTP, "from", parse_from, struct conf, smtp_from, L_NONE),
	CONF_ROW(SEC_SMTP, "retry_min", parse_unsigned, struct conf, smtp_retry_min, L_RETRY),

	CONF_ROW(SEC_ACCOUNT, "url", parse_url, struct conf_account, url, L_IMAP),
	CONF_ROW(SEC_ACCOUNT, "tls", parse_tls, struct conf_account, tls, L_NONE),
	CONF_ROW(SEC_ACCOUNT, "ca_file", parse_abs_path, struct conf_account, ca_file, L_NONE),
	CONF_ROW(SEC_ACCOUNT, "username", parse_string, struct conf_account, username, L_NONE),
	CONF_ROW(SEC_ACCOUNT, "auth", parse_auth, struct conf_account, auth, L_NONE),
	CONF_ROW(SEC_ACCOUNT, "password_file", parse_secret, struct conf_account, secret,
		 L_SECRET_FILE),
	CONF_ROW(SEC_ACCOUNT, "password_credential", parse_secret, struct conf_account, secret,
		 L_SECRET_CREDENTIAL),
	CONF_ROW(SEC_ACCOUNT, "password_command", parse_secret, struct conf_account, secret,
		 L_SECRET_PASSWORD_COMMAND),
	CONF_ROW(SEC_ACCOUNT, "token_command", parse_secret, struct conf_account, secret,
		 L_SECRET_TOKEN_COMMAND),
	CONF_ROW(SEC_ACCOUNT, "folders", parse_folders, struct conf_account, folders, L_FOLDERS),
	CONF_ROW(SEC_ACCOUNT, "idle_folders", parse_folders, struct conf_account, idle_folders,
		 L_IDLE_FOLDERS),

	CONF_ROW(SEC_CLIENT, "name", parse_string, struct conf_client, name, L_NONE),
	CONF_ROW(SEC_CLIENT, "addresses", parse_addresses, struct conf_client, addresses, L_NONE),
	CONF_ROW(SEC_CLIENT, "meetings", parse_timewin, struct conf_client, meetings, L_NONE),
	CONF_ROW(SEC_CLIENT, "timezone", parse_timezone, struct conf_client, timezone, L_NONE),
	CONF_ROW(SEC_CLIENT, "revenue_per_month", parse_number, struct conf_client,
		 revenue_per_month, L_NONNEG),
	CONF_ROW(SEC_CLIENT, "minutes_per_message", parse_number, struct conf_client,
		 minutes_per_message, L_MINUTES),

	/* [thresholds], and per client */
	TH_ROW("pink.score", pink_score, L_SCORE),
	TH_ROW("red.score", red_score, L_SCORE),
	TH_ROW("cooldown_days", cooldown_days, L_DAYS),
	TH_ROW("volume.burst", volume_burst, L_NONNEG),
	SYM_ROWS("volume", SYMBOL_VOLUME),
	SYM_ROWS("out_of_window", SYMBOL_OUT_OF_WINDOW),
	SYM_ROWS("after_hours", SYMBOL_AFTER_HOURS),
	SYM_ROWS("negative_tone", SYMBOL_NEGATIVE_TONE),
	SYM_ROWS("feedback_imbalance", SYMBOL_FEEDBACK_IMBALANCE),
	SYM_ROWS("doubt", SYMBOL_DOUBT),
	SYM_ROWS("pressure", SYMBOL_PRESSURE),
	SYM_ROWS("abuse", SYMBOL_ABUSE),
	SYM_ROWS("payment", SYMBOL_PAYMENT),
	SYM_ROWS("cost", SYMBOL_COST),
};

static const struct conf_key *find_key(enum section sec, const char *key)
{
	for (size_t i = 0; i < ELEMENTSOF(conf_keys); i++)
		if ((conf_keys[i].sections & S(sec)) && streq(conf_keys[i].key, key))
			return &conf_keys[i];
	return NULL;
}

/* ------------------------------------------------------------------ */
/* defaults                                                            */

void conf_thresholds_default(struct conf_thresholds *th)
{
	static const struct symbol_params defaults[_SYMBOL_MAX] = {
		[SYMBOL_VOLUME] = { .weight = 20, .pink = 8, .red = 15 },
		[SYMBOL_OUT_OF_WINDOW] = { .weight = 20, .pink = 4, .red = 8 },
		[SYMBOL_AFTER_HOURS] = { .weight = 10, .pink = 3, .red = 6 },
		[SYMBOL_NEGATIVE_TONE] = { .weight = 25, .pink = 0.3, .red = 0.5 },
		[SYMBOL_FEEDBACK_IMBALANCE] = { .weight = 10, .pink = 3, .red = 6 },
		[SYMBOL_DOUBT] = { .weight = 15, .pink = 2, .red = 4 },
		[SYMBOL_PRESSURE] = { .weight = 15, .pink = 2, .red = 4 },
		[SYMBOL_ABUSE] = { .weight = 40, .pink = 1, .red = 1 },
		[SYMBOL_PAYMENT] = { .weight = 15, .pink = 1, .red = 3 },
		[SYMBOL_COST] = { .weight = 15 }, /* pink, red: NAN below */
	};

	*th = (struct conf_thresholds){
		.pink_score = 40,
		.red_score = 70,
		.cooldown_days = 7,
		.volume_burst = 2.0,
	};
	memcpy(th->sym, defaults, sizeof(defaults));
	/* From [owner] min_hourly_rate: pink below it, red below half of it. */
	th->sym[SYMBOL_COST].pink = NAN;
	th->sym[SYMBOL_COST].red = NAN;
}

static int conf_new(const char *path, struct conf **ret)
{
	_cleanup_conf_free_ struct conf *c = NULL;
	char *why = NULL;
	int r;

	c = calloc(1, sizeof(*c));
	if (!c)
		return -ENOMEM;
	c->path = strdup(path);
	c->database = strdup(LOCALSTATEDIR "/lib/redflagd/redflagd.db");
	if (!c->path || !c->database)
		return -ENOMEM;
	c->poll_interval = 300;
	c->backfill_days = 120;
	c->retention_days = 365;
	c->store_evidence = true;
	c->smtp_tls = TLS_REQUIRED;
	c->smtp_retry_min = 60;
	conf_thresholds_default(&c->th);
	r = timewin_parse("mon-fri 09:00-18:00", &c->business_hours, &why);
	free(why);
	if (r < 0)
		return -ENOMEM; /* the default always parses */
	*ret = TAKE_PTR(c);
	return 0;
}

/* ------------------------------------------------------------------ */
/* free                                                                */

static void secret_done(struct conf_secret *s)
{
	free(s->file);
	free(s->credential);
	strv_free(s->command);
	*s = (struct conf_secret){};
}

static void account_done(struct conf_account *a)
{
	free(a->name);
	url_done(&a->url);
	free(a->ca_file);
	free(a->username);
	secret_done(&a->secret);
	strv_free(a->folders);
	strv_free(a->idle_folders);
}

static void client_done(struct conf_client *cl)
{
	free(cl->id);
	free(cl->name);
	strv_free(cl->addresses);
	timewin_set_done(&cl->meetings);
	free(cl->timezone);
	if (cl->tz)
		g_time_zone_unref(cl->tz);
}

struct conf *conf_free(struct conf *c)
{
	if (!c)
		return NULL;
	if (c->by_address)
		g_hash_table_destroy(c->by_address);
	if (c->by_domain)
		g_hash_table_destroy(c->by_domain);
	for (size_t i = 0; i < c->n_accounts; i++)
		account_done(&c->accounts[i]);
	free(c->accounts);
	for (size_t i = 0; i < c->n_clients; i++)
		client_done(&c->clients[i]);
	free(c->clients);
	free(c->path);
	free(c->database);
	free(c->user);
	free(c->lexicon_dir);
	free(c->owner_name);
	free(c->owner_email);
	strv_free(c->owner_addresses);
	free(c->owner_language);
	free(c->owner_timezone);
	if (c->owner_tz)
		g_time_zone_unref(c->owner_tz);
	timewin_set_done(&c->business_hours);
	url_done(&c->smtp_url);
	free(c->smtp_ca_file);
	free(c->smtp_username);
	secret_done(&c->smtp_secret);
	free(c->smtp_from);
	free(c);
	return NULL;
}

static void section_state_done(struct section_state *st)
{
	free(st->prefix);
	free(st->label);
}

static void ctx_done(struct conf_ctx *ctx)
{
	for (size_t i = 0; i < _SEC_MAX; i++)
		section_state_done(&ctx->single[i]);
	for (size_t i = 0; i < ctx->n_accounts; i++)
		section_state_done(&ctx->accounts[i]);
	for (size_t i = 0; i < ctx->n_clients; i++)
		section_state_done(&ctx->clients[i]);
	free(ctx->accounts);
	free(ctx->clients);
	if (ctx->seen)
		g_hash_table_destroy(ctx->seen);
	if (ctx->bad)
		g_hash_table_destroy(ctx->bad);
}

/* ------------------------------------------------------------------ */
/* sections                                                            */

static int section_state_init(struct section_state *st, enum section sec, const char *name,
			      unsigned line)
{
	if (name) {
		st->prefix = strdup_printf("%s\x1f%s", section_names[sec], name);
		st->label = strdup_printf("[%s \"%s\"]", section_names[sec], name);
	} else {
		st->prefix = strdup(section_names[sec]);
		st->label = strdup_printf("[%s]", section_names[sec]);
	}
	st->line = line;
	return st->prefix && st->label ? 0 : -ENOMEM;
}

static int open_account(struct conf_ctx *ctx, const char *name, unsigned line)
{
	struct conf *c = ctx->c;
	struct conf_account *na;
	struct section_state *ns;

	na = realloc(c->accounts, sizeof(*na) * (c->n_accounts + 1));
	if (!na)
		return -ENOMEM;
	c->accounts = na;
	ns = realloc(ctx->accounts, sizeof(*ns) * (c->n_accounts + 1));
	if (!ns)
		return -ENOMEM;
	ctx->accounts = ns;
	na[c->n_accounts] =
	    (struct conf_account){ .line = line, .tls = TLS_REQUIRED, .auth = AUTH_LOGIN };
	ns[c->n_accounts] = (struct section_state){};
	na[c->n_accounts].name = strdup(name);
	c->n_accounts++; /* counted now so that conf_free() frees it */
	ctx->n_accounts = c->n_accounts;
	if (!na[c->n_accounts - 1].name)
		return -ENOMEM;
	ctx->idx = c->n_accounts - 1;
	ctx->cur = &ctx->accounts[ctx->idx];
	return section_state_init(ctx->cur, SEC_ACCOUNT, name, line);
}

static int open_client(struct conf_ctx *ctx, const char *id, unsigned line)
{
	struct conf *c = ctx->c;
	struct conf_client *nc;
	struct section_state *ns;

	nc = realloc(c->clients, sizeof(*nc) * (c->n_clients + 1));
	if (!nc)
		return -ENOMEM;
	c->clients = nc;
	ns = realloc(ctx->clients, sizeof(*ns) * (c->n_clients + 1));
	if (!ns)
		return -ENOMEM;
	ctx->clients = ns;
	nc[c->n_clients] = (struct conf_client){ .line = line, .minutes_per_message = 6 };
	ns[c->n_clients] = (struct section_state){};
	nc[c->n_clients].id = strdup(id);
	c->n_clients++;
	ctx->n_clients = c->n_clients;
	if (!nc[c->n_clients - 1].id)
		return -ENOMEM;
	ctx->idx = c->n_clients - 1;
	ctx->cur = &ctx->clients[ctx->idx];
	return section_state_init(ctx->cur, SEC_CLIENT, id, line);
}

/* "[name]" or "[name "ID"]", with an optional comment after it. */
static int parse_section_header(struct conf_ctx *ctx, unsigned line, char *l)
{
	const struct conf *c = ctx->c;
	char *p = l + 1, *word, *name = NULL;
	enum section sec = SEC_NONE;
	_cleanup_free_ char *q = NULL;

	ctx->sec = SEC_SKIP;
	ctx->cur = NULL;
	while (is_space(*p))
		p++;
	word = p;
	while (is_alnum(*p) || *p == '_' || *p == '-')
		p++;
	if (p == word)
		goto bad;
	if (*p && !is_space(*p) && *p != ']' && *p != '"')
		goto bad;
	{
		char save = *p;

		*p = '\0';
		for (size_t i = 0; i < _SEC_MAX; i++)
			if (section_names[i] && streq(section_names[i], word))
				sec = (enum section) i;
		if (sec == SEC_NONE) {
			q = quote(word);
			diag_add(ctx->diag, ctx->path, line,
				 "unknown section [%s] (known: [daemon], [owner], [smtp], "
				 "[account \"NAME\"], [thresholds], [client \"ID\"])",
				 strempty(q));
			return 0;
		}
		*p = save;
	}
	while (is_space(*p))
		p++;
	if (*p == '"') {
		name = ++p;
		while (*p && *p != '"')
			p++;
		if (*p != '"')
			goto bad;
		*p++ = '\0';
		while (is_space(*p))
			p++;
	}
	if (*p != ']')
		goto bad;
	p++;
	while (is_space(*p))
		p++;
	if (*p && *p != '#')
		goto bad;

	if (sec == SEC_ACCOUNT || sec == SEC_CLIENT) {
		const char *what = sec == SEC_ACCOUNT ? "account" : "client";

		if (!name) {
			diag_add(ctx->diag, ctx->path, line, "[%s] needs a name: [%s \"%s\"]", what,
				 what, sec == SEC_ACCOUNT ? "NAME" : "ID");
			return 0;
		}
		if (!name_is_valid(name)) {
			q = quote(name);
			diag_add(ctx->diag, ctx->path, line,
				 "bad %s name '%s': use 1 to %d letters, digits, '.', '_', '-', "
				 "'@' or '+'",
				 what, strempty(q), CONF_MAX_NAME);
			return 0;
		}
		if (sec == SEC_ACCOUNT) {
			for (size_t i = 0; i < c->n_accounts; i++)
				if (streq(c->accounts[i].name, name)) {
					diag_add(
					    ctx->diag, ctx->path, line,
					    "duplicate account '%s' (first defined at line %u)",
					    name, c->accounts[i].line);
					return 0;
				}
			ctx->sec = SEC_ACCOUNT;
			return open_account(ctx, name, line);
		}
		for (size_t i = 0; i < c->n_clients; i++)
			if (streq(c->clients[i].id, name)) {
				diag_add(ctx->diag, ctx->path, line,
					 "duplicate client '%s' (first defined at line %u)", name,
					 c->clients[i].line);
				return 0;
			}
		ctx->sec = SEC_CLIENT;
		return open_client(ctx, name, line);
	}
	if (name) {
		q = quote(name);
		diag_add(ctx->diag, ctx->path, line, "[%s] takes no name, found \"%s\"",
			 section_names[sec], strempty(q));
		return 0;
	}
	ctx->sec = sec;
	ctx->cur = &ctx->single[sec];
	if (!ctx->cur->prefix && section_state_init(ctx->cur, sec, NULL, line) < 0)
		return -ENOMEM;
	if (sec == SEC_SMTP)
		ctx->c->has_smtp = true;
	return 0;
bad:
	q = quote(l);
	diag_add(ctx->diag, ctx->path, line,
		 "bad section header '%s' (expected [NAME] or [NAME \"ID\"])", strempty(q));
	return 0;
}

/* Unquotes or strips the comment off a value, in place. */
static int parse_value_text(struct conf_ctx *ctx, unsigned line, char *v, char **ret)
{
	while (is_space(*v))
		v++;
	if (*v == '"') {
		char *r = v + 1, *w = v;

		for (;;) {
			if (!*r) {
				diag_add(ctx->diag, ctx->path, line, "unterminated quoted value");
				return -EINVAL;
			}
			if (*r == '\\' && (r[1] == '"' || r[1] == '\\')) {
				*w++ = r[1];
				r += 2;
				continue;
			}
			if (*r == '"')
				break;
			*w++ = *r++;
		}
		*w = '\0';
		r++;
		while (is_space(*r))
			r++;
		if (*r && *r != '#') {
			diag_add(ctx->diag, ctx->path, line,
				 "unexpected text after the closing quote");
			return -EINVAL;
		}
	} else {
		char *e;

		for (char *p = v; *p; p++)
			if (*p == '#' && (p == v || is_space(p[-1]))) {
				*p = '\0';
				break;
			}
		e = v + strlen(v);
		while (e > v && is_space(e[-1]))
			e--;
		*e = '\0';
	}
	for (const char *p = v; *p; p++)
		if ((unsigned char) *p < 0x20 ? *p != '\t' : *p == 0x7f) {
			diag_add(ctx->diag, ctx->path, line, "control character in the value");
			return -EINVAL;
		}
	*ret = v;
	return 0;
}

static void *row_target(struct conf_ctx *ctx, const struct conf_key *row)
{
	struct conf *c = ctx->c;
	char *base;

	if (row->threshold)
		base = ctx->sec == SEC_CLIENT ? (char *) &ctx->cur->th : (char *) &c->th;
	else if (ctx->sec == SEC_ACCOUNT)
		base = (char *) &c->accounts[ctx->idx];
	else if (ctx->sec == SEC_CLIENT)
		base = (char *) &c->clients[ctx->idx];
	else
		base = (char *) c;
	return base + row->offset;
}

static void unknown_key(struct conf_ctx *ctx, unsigned line, const char *key)
{
	_cleanup_free_ char *q = quote(key), *lower = strdup(key);
	const char *hint = "";
	const char *label = ctx->cur->label;

	if (lower && !streq(ascii_strlower(lower), key) && find_key(ctx->sec, lower)) {
		diag_add(ctx->diag, ctx->path, line,
			 "unknown key '%s' in %s (keys are lower case: '%s')", strempty(q), label,
			 lower);
		return;
	}
	if (streq(key, "password") || streq(key, "pass") || streq(key, "token"))
		hint = ": a secret never goes in this file, use password_file, password_credential "
		       "or password_command";
	else
		for (int s = SEC_DAEMON; s < SEC_SKIP; s++)
			if (s != (int) ctx->sec && find_key((enum section) s, key)) {
				diag_add(ctx->diag, ctx->path, line,
					 "unknown key '%s' in %s (it belongs in [%s%s])",
					 strempty(q), label, section_names[s],
					 s == SEC_ACCOUNT  ? " \"NAME\""
					 : s == SEC_CLIENT ? " \"ID\""
							   : "");
				return;
			}
	diag_add(ctx->diag, ctx->path, line, "unknown key '%s' in %s%s", strempty(q), label, hint);
}

static int parse_assignment(struct conf_ctx *ctx, unsigned line, char *l)
{
	char *eq = strchr(l, '='), *key, *value = NULL, *e;
	const struct conf_key *row;
	_cleanup_free_ char *sk = NULL;
	gpointer first;
	int r;

	if (!eq) {
		_cleanup_free_ char *q = quote(l);

		diag_add(ctx->diag, ctx->path, line, "missing '=' in '%s' (expected 'key = value')",
			 strempty(q));
		return 0;
	}
	*eq = '\0';
	key = l;
	e = key + strlen(key);
	while (e > key && is_space(e[-1]))
		e--;
	*e = '\0';
	if (!*key) {
		diag_add(ctx->diag, ctx->path, line, "missing key before '='");
		return 0;
	}
	if (ctx->sec == SEC_SKIP)
		return 0; /* the bad header was reported */
	if (ctx->sec == SEC_NONE) {
		_cleanup_free_ char *q = quote(key);

		diag_add(ctx->diag, ctx->path, line, "key '%s' outside of any section",
			 strempty(q));
		return 0;
	}
	row = find_key(ctx->sec, key);
	if (!row) {
		unknown_key(ctx, line, key);
		return 0;
	}
	sk = seen_key(ctx->cur, key);
	if (!sk)
		return -ENOMEM;
	first = g_hash_table_lookup(ctx->seen, sk);
	if (first) {
		diag_add(ctx->diag, ctx->path, line,
			 "duplicate key '%s' in %s (first set at line %u)", key, ctx->cur->label,
			 GPOINTER_TO_UINT(first));
		return 0;
	}
	g_hash_table_insert(ctx->seen, sk, GUINT_TO_POINTER(line));
	sk = NULL; /* owned by the table now */

	if (parse_value_text(ctx, line, eq + 1, &value) < 0)
		r = -EINVAL;
	else if (!*value) {
		diag_add(ctx->diag, ctx->path, line, "missing value for '%s'", key);
		r = -EINVAL;
	} else
		r = row->parse(ctx, ctx->path, line, key, row->ltype, value, row_target(ctx, row));
	if (r == -ENOMEM)
		return r;
	if (r < 0) {
		char *bk = seen_key(ctx->cur, key);

		if (!bk)
			return -ENOMEM;
		g_hash_table_add(ctx->bad, bk);
		return 0;
	}
	if (row->threshold && ctx->sec == SEC_CLIENT)
		ctx->cur->th_set[row->offset / sizeof(double)] = true;
	return 0;
}

static int parse_line(struct conf_ctx *ctx, unsigned line, const char *b, size_t n)
{
	char buf[CONF_MAX_LINE + 1], *l, *e;

	if (n > CONF_MAX_LINE) {
		diag_add(ctx->diag, ctx->path, line, "line longer than %d bytes", CONF_MAX_LINE);
		return 0;
	}
	if (memchr(b, '\0', n)) {
		diag_add(ctx->diag, ctx->path, line, "NUL byte in line");
		return 0;
	}
	if (!g_utf8_validate(b, (gssize) n, NULL)) {
		diag_add(ctx->diag, ctx->path, line, "invalid UTF-8");
		return 0;
	}
	memcpy(buf, b, n);
	buf[n] = '\0';
	l = buf;
	while (is_space(*l))
		l++;
	e = l + strlen(l);
	while (e > l && is_space(e[-1]))
		e--;
	*e = '\0';
	if (!*l || *l == '#')
		return 0;
	if (*l == '[')
		return parse_section_header(ctx, line, l);
	return parse_assignment(ctx, line, l);
}

/* ------------------------------------------------------------------ */
/* checks after the whole file                                         */

static void check_tls(struct conf_ctx *ctx, struct section_state *st, const struct conf_url *url,
		      enum tls_mode tls)
{
	unsigned line = key_line(ctx->seen, st, "tls");

	if (tls != TLS_NONE || !url->host)
		return;
	if (url->implicit_tls)
		diag_add(ctx->diag, ctx->path, line,
			 "tls = none contradicts the %s:// scheme (use %s:// for clear text)",
			 url->scheme, streq(url->scheme, "imaps") ? "imap" : "smtp");
	else if (!conf_host_is_loopback(url->host))
		diag_add(
		    ctx->diag, ctx->path, line,
		    "tls = none is only allowed for a loopback host (127.0.0.1, ::1, localhost), "
		    "not '%s'",
		    url->host);
}

static bool secret_given_or_failed(struct conf_ctx *ctx, struct section_state *st)
{
	static const char *const keys[] = { "password_file", "password_credential",
					    "password_command", "token_command" };

	if (st->secret_key)
		return true;
	for (size_t i = 0; i < ELEMENTSOF(keys); i++)
		if (key_line(ctx->seen, st, keys[i]))
			return true;
	return false;
}

static int check_account(struct conf_ctx *ctx, size_t i)
{
	struct conf_account *a = &ctx->c->accounts[i];
	struct section_state *st = &ctx->accounts[i];
	const char *label = st->label;

	if (!key_line(ctx->seen, st, "url"))
		diag_add(ctx->diag, ctx->path, st->line,
			 "%s has no url (e.g. url = imaps://imap.example.com)", label);
	if (!key_line(ctx->seen, st, "username"))
		diag_add(ctx->diag, ctx->path, st->line, "%s has no username", label);
	if (!key_failed(ctx, st, "auth")) {
		if (a->auth == AUTH_XOAUTH2) {
			if (!secret_given_or_failed(ctx, st))
				diag_add(ctx->diag, ctx->path, st->line,
					 "%s has auth = xoauth2 but no token_command", label);
			else if (st->secret_key && !streq(st->secret_key, "token_command"))
				diag_add(ctx->diag, ctx->path, st->secret_line,
					 "auth = xoauth2 takes its token from token_command, not "
					 "from %s",
					 st->secret_key);
		} else {
			if (!secret_given_or_failed(ctx, st))
				diag_add(ctx->diag, ctx->path, st->line,
					 "%s has no password_file, password_credential or "
					 "password_command",
					 label);
			else if (st->secret_key && streq(st->secret_key, "token_command"))
				diag_add(ctx->diag, ctx->path, st->secret_line,
					 "token_command is only used with auth = xoauth2");
		}
	}
	check_tls(ctx, st, &a->url, a->tls);

	if (!a->folders) {
		if (strv_extend(&a->folders, "INBOX") < 0)
			return -ENOMEM;
	}
	if (!a->idle_folders) {
		a->idle_folders = calloc(1, sizeof(char *));
		if (!a->idle_folders)
			return -ENOMEM;
		for (size_t k = 0; a->folders[k]; k++)
			if (g_ascii_strcasecmp(a->folders[k], "INBOX") == 0) {
				if (strv_extend(&a->idle_folders, a->folders[k]) < 0)
					return -ENOMEM;
				break;
			}
	}
	return 0;
}

static int check_owner_smtp(struct conf_ctx *ctx)
{
	struct conf *c = ctx->c;
	struct section_state *st = &ctx->single[SEC_SMTP];

	if (!c->owner_language) {
		c->owner_language = strdup("en");
		if (!c->owner_language)
			return -ENOMEM;
	}
	if (!c->owner_tz) {
		c->owner_tz = g_time_zone_new_local();
		if (!c->owner_tz)
			return -ENOMEM;
	}
	if (!c->owner_addresses) {
		c->owner_addresses = calloc(1, sizeof(char *));
		if (!c->owner_addresses)
			return -ENOMEM;
		if (c->owner_email && strv_extend(&c->owner_addresses, c->owner_email) < 0)
			return -ENOMEM;
	}
	if (!c->has_smtp)
		return 0;
	if (!key_line(ctx->seen, st, "url"))
		diag_add(ctx->diag, ctx->path, st->line,
			 "[smtp] has no url (e.g. url = smtp://mail.example.com:587)");
	if (!c->owner_email && !key_line(ctx->seen, &ctx->single[SEC_OWNER], "email"))
		diag_add(ctx->diag, ctx->path, st->line, "alerts need [owner] email");
	if (c->smtp_username && !secret_given_or_failed(ctx, st))
		diag_add(ctx->diag, ctx->path, key_line(ctx->seen, st, "username"),
			 "[smtp] username needs a password_file, password_credential or "
			 "password_command");
	if (st->secret_key && !key_line(ctx->seen, st, "username"))
		diag_add(ctx->diag, ctx->path, st->secret_line, "[smtp] %s needs a username",
			 st->secret_key);
	check_tls(ctx, st, &c->smtp_url, c->smtp_tls);
	if (!c->smtp_from && c->owner_email) {
		c->smtp_from = strdup_printf("redflagd <%s>", c->owner_email);
		if (!c->smtp_from)
			return -ENOMEM;
	}
	return 0;
}

static bool owner_matches(const struct conf *c, const char *address, const char **ret_match)
{
	const char *at = strrchr(address, '@');

	if (!c->owner_addresses)
		return false;
	for (char **p = c->owner_addresses; *p; p++) {
		if (streq(*p, address) || (address_is_pattern(*p) && at && streq(*p + 2, at + 1))) {
			if (ret_match)
				*ret_match = *p;
			return true;
		}
	}
	return false;
}

static int check_clients(struct conf_ctx *ctx)
{
	struct conf *c = ctx->c;

	c->by_address = g_hash_table_new(g_str_hash, g_str_equal);
	c->by_domain = g_hash_table_new(g_str_hash, g_str_equal);
	if (!c->by_address || !c->by_domain)
		return -ENOMEM;

	for (size_t i = 0; i < c->n_clients; i++) {
		struct conf_client *cl = &c->clients[i];
		struct section_state *st = &ctx->clients[i];
		unsigned aline = key_line(ctx->seen, st, "addresses");

		if (!cl->name) {
			cl->name = strdup(cl->id);
			if (!cl->name)
				return -ENOMEM;
		}
		if (!cl->tz) {
			if (c->owner_timezone) {
				cl->timezone = strdup(c->owner_timezone);
				if (!cl->timezone)
					return -ENOMEM;
			}
			cl->tz = g_time_zone_ref(c->owner_tz);
		}
		cl->th = c->th;
		for (size_t k = 0; k < ELEMENTSOF(st->th_set); k++)
			if (st->th_set[k])
				((double *) &cl->th)[k] = ((const double *) &st->th)[k];

		if (!cl->addresses) {
			if (!aline)
				diag_add(ctx->diag, ctx->path, st->line,
					 "%s has no addresses (e.g. addresses = jean@acme.example, "
					 "*@acme.example)",
					 st->label);
			cl->addresses = calloc(1, sizeof(char *));
			if (!cl->addresses)
				return -ENOMEM;
			continue;
		}
		for (size_t k = 0; cl->addresses[k]; k++) {
			const char *a = cl->addresses[k], *owner = NULL;
			bool pattern = address_is_pattern(a);
			GHashTable *h = pattern ? c->by_domain : c->by_address;
			const char *hkey = pattern ? a + 2 : a;
			const struct conf_client *other;

			if (!pattern && owner_matches(c, a, &owner)) {
				if (streq(owner, a))
					diag_add(
					    ctx->diag, ctx->path, aline,
					    "address '%s' is one of the [owner] addresses: it can "
					    "never be a client's",
					    a);
				else
					diag_add(ctx->diag, ctx->path, aline,
						 "address '%s' is covered by the [owner] pattern "
						 "'%s': it "
						 "can never be a client's",
						 a, owner);
				continue;
			}
			if (pattern && strv_contains(c->owner_addresses, a)) {
				diag_add(
				    ctx->diag, ctx->path, aline,
				    "pattern '%s' is one of the [owner] addresses: it can never be "
				    "a client's",
				    a);
				continue;
			}
			other = g_hash_table_lookup(h, hkey);
			if (other) {
				diag_add(ctx->diag, ctx->path, aline,
					 "%s '%s' is already used by client '%s' (line %u)",
					 pattern ? "pattern" : "address", a, other->id,
					 key_line(ctx->seen, &ctx->clients[other - c->clients],
						  "addresses"));
				continue;
			}
			g_hash_table_insert(h, (gpointer) hkey, cl);
		}
	}
	return 0;
}

static int check_all(struct conf_ctx *ctx)
{
	int r;

	r = check_owner_smtp(ctx);
	if (r < 0)
		return r;
	for (size_t i = 0; i < ctx->c->n_accounts; i++) {
		r = check_account(ctx, i);
		if (r < 0)
			return r;
	}
	return check_clients(ctx);
}

/* ------------------------------------------------------------------ */

struct diag_order {
	unsigned line;
	size_t index;
	char *text;
};

static int diag_order_cmp(const void *a, const void *b)
{
	const struct diag_order *x = a, *y = b;

	if (x->line != y->line)
		return x->line < y->line ? -1 : 1;
	return x->index < y->index ? -1 : x->index > y->index;
}

/* The checks made after the whole file add their messages last: put the
 * messages of this parse in line order (stable), as a reader expects. */
static void diag_sort(struct diag *diag, size_t from, const char *path)
{
	size_t n = strv_length(diag->lines), plen = strlen(path);
	_cleanup_free_ struct diag_order *v = NULL;

	if (n <= from + 1)
		return;
	v = calloc(n - from, sizeof(*v));
	if (!v)
		return; /* unsorted is still correct */
	for (size_t i = from; i < n; i++) {
		const char *t = diag->lines[i];
		unsigned line = 0;

		if (strncmp(t, path, plen) == 0 && t[plen] == ':')
			for (const char *p = t + plen + 1;
			     *p >= '0' && *p <= '9' && line < 100000000u; p++)
				line = line * 10 + (unsigned) (*p - '0');
		v[i - from] =
		    (struct diag_order){ .line = line, .index = i, .text = diag->lines[i] };
	}
	qsort(v, n - from, sizeof(*v), diag_order_cmp);
	for (size_t i = from; i < n; i++)
		diag->lines[i] = v[i - from].text;
}

static int conf_parse_full(const char *path, const char *buf, size_t len, struct conf **ret,
			   struct diag *diag, GHashTable **ret_seen)
{
	_cleanup_(ctx_done) struct conf_ctx ctx = {
		.path = path ? path : "(config)",
		.diag = diag,
	};
	_cleanup_conf_free_ struct conf *c = NULL;
	unsigned before = diag->n_errors, line = 0;
	size_t pos = 0, first_line = strv_length(diag->lines);
	int r;

	r = conf_new(ctx.path, &c);
	if (r < 0)
		return r;
	ctx.c = c;
	ctx.seen = g_hash_table_new_full(g_str_hash, g_str_equal, free, NULL);
	ctx.bad = g_hash_table_new_full(g_str_hash, g_str_equal, free, NULL);

	/* A UTF-8 byte order mark is tolerated. */
	if (len >= 3 && memcmp(buf, "\xEF\xBB\xBF", 3) == 0)
		pos = 3;
	while (pos < len) {
		const char *b = buf + pos, *nl = memchr(b, '\n', len - pos);
		size_t n = nl ? (size_t) (nl - b) : len - pos;

		line++;
		pos += n + (nl ? 1 : 0);
		if (n > 0 && b[n - 1] == '\r')
			n--;
		r = parse_line(&ctx, line, b, n);
		if (r < 0)
			return -ENOMEM;
	}
	r = check_all(&ctx);
	if (r < 0)
		return r;
	diag_sort(diag, first_line, ctx.path);
	if (ret_seen)
		*ret_seen = TAKE_PTR(ctx.seen);
	*ret = TAKE_PTR(c);
	return (int) (diag->n_errors - before);
}

int conf_parse(const char *path, const char *buf, size_t len, struct conf **ret, struct diag *diag)
{
	return conf_parse_full(path, buf, len, ret, diag, NULL);
}

/* ------------------------------------------------------------------ */
/* conf_load: the file system                                          */

static unsigned seen_line(GHashTable *seen, const char *prefix, const char *key)
{
	_cleanup_free_ char *k = strdup_printf("%s\n%s", prefix, key);

	return k ? GPOINTER_TO_UINT(g_hash_table_lookup(seen, k)) : 0;
}

static void check_readable(struct diag *diag, const char *path, unsigned line, const char *file)
{
	_cleanup_close_ int fd = open(file, O_RDONLY | O_CLOEXEC | O_NOCTTY);

	if (fd < 0)
		diag_add(diag, path, line, "ca_file '%s' cannot be read: %s", file,
			 strerror(errno));
}

static void check_secret(struct diag *diag, const char *path, const struct conf_secret *s,
			 uid_t uid)
{
	_cleanup_free_ char *why = NULL;

	if (!s->file)
		return;
	if (secret_check_file(s->file, uid, &why) < 0)
		diag_add(diag, path, s->line, "password_file %s", why ? why : "cannot be checked");
}

int conf_load(const char *path, struct conf **ret, struct diag *diag)
{
	_cleanup_conf_free_ struct conf *c = NULL;
	_cleanup_free_ char *buf = NULL;
	GHashTable *seen = NULL;
	unsigned before = diag->n_errors;
	uid_t uid = geteuid();
	size_t len = 0;
	int r;

	r = read_full_file(path, CONF_MAX_FILE, &buf, &len);
	if (r < 0) {
		diag_add(diag, path, 0, "cannot read: %s", strerror(-r));
		return r;
	}
	r = conf_parse_full(path, buf, len, &c, diag, &seen);
	if (r < 0)
		return r;

	if (c->user) {
		struct passwd pw, *res = NULL;
		char pwbuf[16384];
		int e = getpwnam_r(c->user, &pw, pwbuf, sizeof(pwbuf), &res);

		if (e != 0 || !res) {
			diag_add(diag, path, seen_line(seen, "daemon", "user"), "user '%s' %s",
				 c->user, e != 0 ? strerror(e) : "does not exist");
			uid = (uid_t) -1;
		} else
			uid = res->pw_uid;
	}

	check_secret(diag, path, &c->smtp_secret, uid);
	if (c->smtp_ca_file)
		check_readable(diag, path, seen_line(seen, "smtp", "ca_file"), c->smtp_ca_file);
	for (size_t i = 0; i < c->n_accounts; i++) {
		const struct conf_account *a = &c->accounts[i];

		check_secret(diag, path, &a->secret, uid);
		if (a->ca_file) {
			_cleanup_free_ char *prefix = strdup_printf("account\x1f%s", a->name);

			check_readable(diag, path,
				       prefix ? seen_line(seen, prefix, "ca_file") : a->line,
				       a->ca_file);
		}
	}

	/* A file naming a command says what runs with the daemon's rights. */
	{
		const char *key = NULL;
		unsigned line = 0;

		if (c->smtp_secret.command) {
			key = "password_command";
			line = c->smtp_secret.line;
		}
		for (size_t i = 0; i < c->n_accounts; i++)
			if (c->accounts[i].secret.command &&
			    (!key || c->accounts[i].secret.line < line)) {
				key = c->accounts[i].auth == AUTH_XOAUTH2 ? "token_command"
									  : "password_command";
				line = c->accounts[i].secret.line;
			}
		if (key) {
			_cleanup_free_ char *why = NULL, *real = realpath(path, NULL);

			if (secret_check_file(real ? real : path, uid, &why) < 0)
				diag_add(diag, path, line,
					 "%s is set, so this file must be private: %s", key,
					 why ? why : "cannot be checked");
		}
	}
	if (seen)
		g_hash_table_destroy(seen);
	*ret = TAKE_PTR(c);
	return (int) (diag->n_errors - before);
}

/* ------------------------------------------------------------------ */
/* lookups                                                             */

enum sender_kind conf_classify_sender(const struct conf *c, const char *address,
				      const struct conf_client **ret_client)
{
	char buf[ADDRESS_MAX + 1];
	const struct conf_client *cl;
	const char *at;
	size_t n;

	if (ret_client)
		*ret_client = NULL;
	if (!c || isempty(address))
		return SENDER_UNKNOWN;
	n = strlen(address);
	if (n > ADDRESS_MAX)
		return SENDER_UNKNOWN;
	memcpy(buf, address, n + 1);
	ascii_strlower(buf);
	at = strrchr(buf, '@');
	if (!at || at == buf || !at[1])
		return SENDER_UNKNOWN;
	if (owner_matches(c, buf, NULL))
		return SENDER_OWNER;
	cl = c->by_address ? g_hash_table_lookup(c->by_address, buf) : NULL;
	if (!cl && c->by_domain)
		cl = g_hash_table_lookup(c->by_domain, at + 1);
	if (!cl)
		return SENDER_UNKNOWN;
	if (ret_client)
		*ret_client = cl;
	return SENDER_CLIENT;
}

const struct conf_client *conf_find_client(const struct conf *c, const char *id)
{
	if (!c || !id)
		return NULL;
	for (size_t i = 0; i < c->n_clients; i++)
		if (streq(c->clients[i].id, id))
			return &c->clients[i];
	return NULL;
}

const struct conf_account *conf_find_account(const struct conf *c, const char *name)
{
	if (!c || !name)
		return NULL;
	for (size_t i = 0; i < c->n_accounts; i++)
		if (streq(c->accounts[i].name, name))
			return &c->accounts[i];
	return NULL;
}
