/* SPDX-License-Identifier: MIT */
#include <inttypes.h>
#include <limits.h>
#include <pthread.h>
#include <signal.h>
#include <strings.h>
#include <sys/socket.h>
#include <time.h>

#include <glib.h>
#include <libetpan/libetpan.h>

#include "analyse.h"
#include "clock.h"
#include "imap-sync.h"
#include "imap-tls.h"
#include "log.h"
#include "mime-text.h"
#include "mutf7.h"
#include "secret.h"

#define IMAP_MAX_TEXT_PARTS 4U       /* text parts fetched per message */
#define IMAP_RESPONSE_TEXT_MAX 200U  /* server text quoted in an error */
#define IMAP_MAX_NAME 1024U          /* longer folder names are ignored */

/* The header fields fetched for every message (BODY.PEEK, never BODY). */
static const char *const imap_header_fields[] = {
	"From",         "Sender",           "Reply-To",   "Date",    "Message-ID",
	"Subject",      "Auto-Submitted",   "Precedence", "List-Id", "List-Unsubscribe",
	"Return-Path",  "Content-Type",     "Content-Transfer-Encoding", "MIME-Version",
	"To",           "Cc",               "In-Reply-To", "References", "X-Autoreply",
	"X-Autorespond",
};

/* --- small libetpan helpers ------------------------------------------------ */

static void fetch_list_freep(clist **l)
{
	if (*l)
		mailimap_fetch_list_free(*l);
}
static void search_result_freep(clist **l)
{
	if (*l)
		mailimap_search_result_free(*l);
}
static void list_result_freep(clist **l)
{
	if (*l)
		mailimap_list_result_free(*l);
}
DEFINE_TRIVIAL_CLEANUP_FUNC(struct mailimap_set *, mailimap_set_free)
DEFINE_TRIVIAL_CLEANUP_FUNC(struct mailimap_fetch_type *, mailimap_fetch_type_free)
DEFINE_TRIVIAL_CLEANUP_FUNC(struct mailimap_search_key *, mailimap_search_key_free)

static const char *imap_strerror(int r)
{
	switch (r) {
	case MAILIMAP_ERROR_STREAM:
		return "connection lost or timed out";
	case MAILIMAP_ERROR_PARSE:
		return "unparsable server response";
	case MAILIMAP_ERROR_CONNECTION_REFUSED:
		return "cannot connect";
	case MAILIMAP_ERROR_MEMORY:
		return "out of memory";
	case MAILIMAP_ERROR_SSL:
		return "TLS handshake failed";
	case MAILIMAP_ERROR_STARTTLS:
		return "STARTTLS failed";
	case MAILIMAP_ERROR_LOGIN:
		return "login refused";
	case MAILIMAP_ERROR_BAD_STATE:
		return "command not allowed in this state";
	case MAILIMAP_ERROR_DONT_ACCEPT_CONNECTION:
		return "server does not accept the connection";
	default:
		return "command refused";
	}
}

static int imap_errno(int r)
{
	switch (r) {
	case MAILIMAP_ERROR_MEMORY:
		return -ENOMEM;
	case MAILIMAP_ERROR_CONNECTION_REFUSED:
		return -ECONNREFUSED;
	case MAILIMAP_ERROR_STREAM:
		return -EIO;
	case MAILIMAP_ERROR_LOGIN:
		return -EACCES;
	case MAILIMAP_ERROR_PARSE:
	case MAILIMAP_ERROR_SSL:
	case MAILIMAP_ERROR_STARTTLS:
	default:
		return -EPROTO;
	}
}

/* After these the session's state is unknown: free it, never LOGOUT. */
static bool imap_error_is_fatal(int r)
{
	return r == MAILIMAP_ERROR_STREAM || r == MAILIMAP_ERROR_PARSE ||
	       r == MAILIMAP_ERROR_FATAL || r == MAILIMAP_ERROR_MEMORY ||
	       r == MAILIMAP_ERROR_SSL || r == MAILIMAP_ERROR_STARTTLS;
}

/* Printable copy of untrusted text, at most `max` bytes. */
static char *sanitize(const char *s, size_t max)
{
	GString *out = g_string_new(NULL);

	for (const char *p = s; p && *p && out->len < max; p++) {
		unsigned char ch = (unsigned char) *p;

		g_string_append_c(out, (ch < 0x20 || ch == 0x7f) ? ' ' : (char) ch);
	}
	return g_string_free(out, FALSE);
}

/* "[CODE] text" of the last tagged response, or NULL. */
static char *imap_server_text(mailimap *imap)
{
	const char *atom = NULL, *text;
	char *joined, *clean;

	if (!imap)
		return NULL;
	text = imap->imap_response;
	if (imap->imap_response_info && !isempty(imap->imap_response_info->rsp_atom))
		atom = imap->imap_response_info->rsp_atom;
	if (isempty(text) && !atom)
		return NULL;
	if (atom)
		joined = strdup_printf("[%s]%s%s", atom, isempty(text) ? "" : " ", strempty(text));
	else
		joined = strdup(text);
	if (!joined)
		return NULL;
	clean = sanitize(joined, IMAP_RESPONSE_TEXT_MAX);
	free(joined);
	return clean;
}

/* --- the session ------------------------------------------------------------ */

struct imap_session {
	mailimap *imap;
	const struct conf_account *a;
	char *where;  /* "imaps://host:port", for messages */
	bool broken;  /* after a stream/parse error: free without LOGOUT */
};

static void imap_session_close(struct imap_session *s)
{
	if (s->imap) {
		if (s->imap->imap_stream) {
			/* mailimap_free() itself sends LOGOUT while the
			 * stream is open: after an error (or to a server
			 * we do not trust) close the stream first. */
			if (s->broken) {
				mailstream_close(s->imap->imap_stream);
				s->imap->imap_stream = NULL;
			} else
				(void) mailimap_logout(s->imap);
		}
		mailimap_free(s->imap);
		s->imap = NULL;
	}
	free(s->where);
	s->where = NULL;
}

/* Sets *reterr to "WHAT: libetpan reason[: server text]" and returns -errno. */
static int imap_fail(struct imap_session *s, int r, const char *what, char **reterr)
{
	_cleanup_free_ char *text = NULL;

	if (imap_error_is_fatal(r))
		s->broken = true;
	else
		text = imap_server_text(s->imap);
	*reterr = strdup_printf("%s: %s%s%s", what, imap_strerror(r), text ? ": " : "", strempty(text));
	return imap_errno(r);
}

static int imap_refresh_capability(struct imap_session *s, char **reterr)
{
	struct mailimap_capability_data *cap = NULL;
	int r;

	r = mailimap_capability(s->imap, &cap);
	if (r != MAILIMAP_NO_ERROR)
		return imap_fail(s, r, "CAPABILITY", reterr);
	mailimap_capability_data_free(cap);
	return 0;
}

static bool imap_has_capability_info(struct imap_session *s)
{
	return s->imap->imap_connection_info && s->imap->imap_connection_info->imap_capability;
}

static int imap_verify(struct imap_session *s, char **reterr)
{
	_cleanup_free_ char *why = NULL;
	int r;

	r = imap_tls_verify(s->imap->imap_stream, s->a->url.host, s->a->ca_file, &why);
	if (r < 0) {
		s->broken = true; /* do not even say LOGOUT to that server */
		*reterr = strdup_printf("%s; not logging in", strempty(why));
		return r;
	}
	return 0;
}

/* Connects, secures and checks the connection. Sets *ret_preauth. */
static int imap_connect(struct imap_session *s, bool *ret_preauth, char **reterr)
{
	const struct conf_account *a = s->a;
	const char *host = a->url.host;
	int r;

	s->imap = mailimap_new(0, NULL);
	if (!s->imap) {
		*reterr = strdup("out of memory");
		return -ENOMEM;
	}
	mailimap_set_timeout(s->imap, IMAP_TIMEOUT_SEC);

	if (a->url.implicit_tls) {
		r = mailimap_ssl_connect_with_callback(s->imap, host, a->url.port, imap_tls_set_sni,
						       (void *) host);
		if (r != MAILIMAP_NO_ERROR_AUTHENTICATED && r != MAILIMAP_NO_ERROR_NON_AUTHENTICATED) {
			s->broken = true;
			*reterr = strdup(imap_strerror(r));
			return imap_errno(r);
		}
		/* The certificate first, before reading anything else. */
		if (imap_verify(s, reterr) < 0)
			return -EPERM;
		*ret_preauth = r == MAILIMAP_NO_ERROR_AUTHENTICATED;
		if (!imap_has_capability_info(s))
			return imap_refresh_capability(s, reterr);
		return 0;
	}

	if (a->tls == TLS_NONE) {
		if (!conf_host_is_loopback(host)) {
			*reterr = strdup_printf("tls = none is only allowed for a loopback server, "
						"refusing clear text to '%s'", host);
			return -EPERM;
		}
		r = mailimap_socket_connect(s->imap, host, a->url.port);
		if (r != MAILIMAP_NO_ERROR_AUTHENTICATED && r != MAILIMAP_NO_ERROR_NON_AUTHENTICATED) {
			s->broken = true;
			*reterr = strdup(imap_strerror(r));
			return imap_errno(r);
		}
		*ret_preauth = r == MAILIMAP_NO_ERROR_AUTHENTICATED;
		if (!imap_has_capability_info(s))
			return imap_refresh_capability(s, reterr);
		return 0;
	}

	/* imap:// with tls = required: STARTTLS, or nothing. */
	r = mailimap_socket_connect(s->imap, host, a->url.port);
	if (r == MAILIMAP_NO_ERROR_AUTHENTICATED) {
		/* A PREAUTH greeting in clear text would skip STARTTLS
		 * (CVE-2021-39272 in fetchmail): refuse it. */
		s->broken = true;
		*reterr = strdup("server greeted with PREAUTH before STARTTLS; refusing the clear-text session");
		return -EPROTO;
	}
	if (r != MAILIMAP_NO_ERROR_NON_AUTHENTICATED) {
		s->broken = true;
		*reterr = strdup(imap_strerror(r));
		return imap_errno(r);
	}
	if (!imap_has_capability_info(s)) {
		r = imap_refresh_capability(s, reterr);
		if (r < 0)
			return r;
	}
	if (!mailimap_has_extension(s->imap, "STARTTLS")) {
		*reterr = strdup("server does not offer STARTTLS; not logging in over clear text");
		return -EPROTO;
	}
	r = mailimap_socket_starttls_with_callback(s->imap, imap_tls_set_sni, (void *) host);
	if (r != MAILIMAP_NO_ERROR)
		return imap_fail(s, r, "STARTTLS", reterr);
	if (imap_verify(s, reterr) < 0)
		return -EPERM;
	/* libetpan keeps the capabilities read before TLS: ask again. */
	*ret_preauth = false;
	return imap_refresh_capability(s, reterr);
}

static int imap_login(struct imap_session *s, char **reterr)
{
	const struct conf_account *a = s->a;
	_cleanup_free_ char *serr = NULL;
	char *secret = NULL;
	int r;

	if (a->auth == AUTH_XOAUTH2) {
		if (!mailimap_has_xoauth2(s->imap)) {
			*reterr = strdup("server does not offer AUTH=XOAUTH2");
			return -EPROTONOSUPPORT;
		}
	} else if (mailimap_has_extension(s->imap, "LOGINDISABLED")) {
		*reterr = strdup_printf("server refuses LOGIN (LOGINDISABLED) for '%s'",
					strempty(a->username));
		return -EACCES;
	}

	/* A token command runs at every connect: never a cached token. */
	r = secret_get(&a->secret, &secret, &serr);
	if (r < 0) {
		*reterr = strdup_printf("cannot read the %s for '%s': %s",
					a->auth == AUTH_XOAUTH2 ? "token" : "password",
					strempty(a->username), strempty(serr));
		return r;
	}
	if (a->auth == AUTH_XOAUTH2)
		r = mailimap_oauth2_authenticate(s->imap, strempty(a->username), secret);
	else
		r = mailimap_login(s->imap, strempty(a->username), secret);
	secret = secret_free(secret);

	if (r != MAILIMAP_NO_ERROR) {
		_cleanup_free_ char *what = strdup_printf("login refused for '%s'", strempty(a->username));
		_cleanup_free_ char *text = NULL;

		if (r != MAILIMAP_ERROR_LOGIN)
			return imap_fail(s, r, strempty(what), reterr);
		text = imap_server_text(s->imap);
		*reterr = strdup_printf("%s: %s", strempty(what), text ? text : "no reason given");
		return -EACCES;
	}
	return 0;
}

/* --- folders ------------------------------------------------------------------ */

struct imap_folder {
	char *name;    /* UTF-8 */
	char *raw;     /* as sent by the server (modified UTF-7) */
	char delim;    /* 0 when the server has no hierarchy */
	bool noselect;
	bool chosen;
};

static void folders_free(struct imap_folder *f, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		free(f[i].name);
		free(f[i].raw);
	}
	free(f);
}

static bool flag_name_is(const char *flag, const char *name)
{
	if (!flag)
		return false;
	if (*flag == '\\')
		flag++;
	return strcasecmp(flag, name) == 0;
}

static bool mailbox_noselect(const struct mailimap_mailbox_list *mb)
{
	const struct mailimap_mbx_list_flags *fl = mb->mb_flag;

	if (!fl)
		return false;
	if (fl->mbf_type == MAILIMAP_MBX_LIST_FLAGS_SFLAG && fl->mbf_sflag == MAILIMAP_MBX_LIST_SFLAG_NOSELECT)
		return true;
	if (!fl->mbf_oflags)
		return false;
	for (clistiter *it = clist_begin(fl->mbf_oflags); it; it = clist_next(it)) {
		const struct mailimap_mbx_list_oflag *of = clist_content(it);

		if (of && of->of_type == MAILIMAP_MBX_LIST_OFLAG_FLAG_EXT &&
		    (flag_name_is(of->of_flag_ext, "NonExistent") || flag_name_is(of->of_flag_ext, "Noselect")))
			return true;
	}
	return false;
}

static int imap_list_folders(struct imap_session *s, struct imap_folder **ret, size_t *ret_n, char **reterr)
{
	_cleanup_(list_result_freep) clist *list = NULL;
	struct imap_folder *f = NULL;
	size_t n = 0;
	int r;

	r = mailimap_list(s->imap, "", "*", &list);
	if (r != MAILIMAP_NO_ERROR)
		return imap_fail(s, r, "LIST", reterr);

	f = calloc(MAX(clist_count(list), 1), sizeof(*f));
	if (!f) {
		*reterr = strdup("out of memory");
		return -ENOMEM;
	}
	for (clistiter *it = clist_begin(list); it; it = clist_next(it)) {
		const struct mailimap_mailbox_list *mb = clist_content(it);
		char *name = NULL;

		if (!mb || !mb->mb_name || strlen(mb->mb_name) > IMAP_MAX_NAME)
			continue;
		r = mutf7_decode(mb->mb_name, strlen(mb->mb_name), &name);
		if (r == -ENOMEM) {
			folders_free(f, n);
			*reterr = strdup("out of memory");
			return r;
		}
		if (r < 0) {
			/* Some servers send raw UTF-8: take it when it is valid. */
			if (!g_utf8_validate(mb->mb_name, -1, NULL)) {
				_cleanup_free_ char *shown = sanitize(mb->mb_name, 80);

				log_warning("account '%s': folder name '%s' is neither modified UTF-7 "
					    "nor UTF-8, skipping",
					    s->a->name, shown);
				continue;
			}
			name = strdup(mb->mb_name);
		}
		f[n] = (struct imap_folder) {
			.name = name,
			.raw = strdup(mb->mb_name),
			.delim = mb->mb_delimiter,
			.noselect = mailbox_noselect(mb),
		};
		if (!f[n].name || !f[n].raw) {
			folders_free(f, n + 1);
			*reterr = strdup("out of memory");
			return -ENOMEM;
		}
		n++;
	}
	*ret = f;
	*ret_n = n;
	return 0;
}

static bool pattern_has_wildcard(const char *p)
{
	return strpbrk(p, "*%") != NULL;
}

/* Upper-cases a leading "INBOX" (any case) that is the whole name or its
 * first hierarchy level: INBOX is case-insensitive (RFC 3501 5.1). */
static void normalize_inbox(char *s, char delim)
{
	if (strncasecmp(s, "INBOX", 5) == 0 && (s[5] == '\0' || (delim && s[5] == delim)))
		memcpy(s, "INBOX", 5);
}

/* '*' matches anything, '%' anything but the delimiter; the rest literally.
 * Linear memory, O(pattern x name) time. */
static bool glob_match(const char *pat, const char *name, char delim)
{
	size_t np = strlen(pat), nn = strlen(name);
	_cleanup_free_ bool *next = calloc(nn + 1, sizeof(bool));
	_cleanup_free_ bool *cur = calloc(nn + 1, sizeof(bool));

	if (!next || !cur)
		return false;
	next[nn] = true; /* empty pattern matches only the empty rest */
	for (size_t i = np; i-- > 0;) {
		for (size_t j = nn + 1; j-- > 0;) {
			char pc = pat[i];

			if (pc == '*')
				cur[j] = next[j] || (j < nn && cur[j + 1]);
			else if (pc == '%')
				cur[j] = next[j] || (j < nn && name[j] != delim && cur[j + 1]);
			else
				cur[j] = j < nn && name[j] == pc && next[j + 1];
		}
		bool *t = next;
		next = cur;
		cur = t;
	}
	return next[0];
}

static bool folder_matches(const char *pattern, const struct imap_folder *f)
{
	_cleanup_free_ char *pat = strdup(pattern), *name = strdup(f->name);

	if (!pat || !name)
		return false;
	if (f->delim && f->delim != '/')
		for (char *p = pat; *p; p++)
			if (*p == '/')
				*p = f->delim;
	normalize_inbox(pat, f->delim);
	normalize_inbox(name, f->delim);
	return glob_match(pat, name, f->delim ? f->delim : '\0');
}

/* Marks the folders to sync, in the order of the configured patterns. Fills
 * order[] with indexes into f; returns their number. */
static size_t imap_choose_folders(const struct conf_account *a, struct imap_folder *f, size_t n,
				  size_t *order)
{
	static char *const default_folders[] = { (char *) "INBOX", NULL };
	char *const *pats = a->folders && a->folders[0] ? a->folders : default_folders;
	size_t k = 0;

	for (size_t p = 0; pats[p]; p++) {
		bool wild = pattern_has_wildcard(pats[p]), found = false;

		for (size_t i = 0; i < n; i++) {
			if (!folder_matches(pats[p], &f[i]))
				continue;
			found = true;
			if (f[i].noselect) {
				if (!wild)
					log_warning("folder '%s' on account '%s' cannot be selected "
						    "(\\Noselect), skipping",
						    f[i].name, a->name);
				continue;
			}
			if (f[i].chosen)
				continue;
			f[i].chosen = true;
			order[k++] = i;
		}
		if (!found) {
			if (wild)
				log_info("account '%s': no folder matches '%s'", a->name, pats[p]);
			else
				log_warning("folder '%s' not found on account '%s', skipping", pats[p],
					    a->name);
		}
	}
	return k;
}

/* --- dates ------------------------------------------------------------------- */

/* Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant's algorithm). */
static int64_t days_from_civil(int64_t y, unsigned m, unsigned d)
{
	y -= m <= 2;
	int64_t era = (y >= 0 ? y : y - 399) / 400;
	unsigned yoe = (unsigned) (y - era * 400);
	unsigned doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
	unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;

	return era * 146097 + (int64_t) doe - 719468;
}

/* INTERNALDATE (with its zone, "+0100" given as 100) -> seconds since the
 * epoch; -EINVAL when out of range. */
static int imap_date_time_to_unix(const struct mailimap_date_time *d, int64_t *ret)
{
	int zone, zh, zm;

	if (!d || d->dt_year < 1970 || d->dt_year > 9999 || d->dt_month < 1 || d->dt_month > 12 ||
	    d->dt_day < 1 || d->dt_day > 31 || d->dt_hour < 0 || d->dt_hour > 23 || d->dt_min < 0 ||
	    d->dt_min > 59 || d->dt_sec < 0 || d->dt_sec > 60)
		return -EINVAL;
	zone = d->dt_zone < 0 ? -d->dt_zone : d->dt_zone;
	zh = zone / 100;
	zm = zone % 100;
	if (zh > 23 || zm > 59)
		return -EINVAL;

	int64_t t = days_from_civil(d->dt_year, (unsigned) d->dt_month, (unsigned) d->dt_day) * SEC_PER_DAY +
		    d->dt_hour * 3600 + d->dt_min * 60 + d->dt_sec;
	int64_t off = (int64_t) zh * 3600 + zm * 60;
	*ret = d->dt_zone < 0 ? t + off : t - off;
	return 0;
}

/* --- BODYSTRUCTURE: which parts carry the text ---------------------------------- */

struct text_part {
	uint32_t path[MIME_MAX_DEPTH];
	unsigned depth; /* 0: the single-part message body (section TEXT) */
	bool html;
};

struct part_choice {
	struct text_part parts[IMAP_MAX_TEXT_PARTS];
	unsigned n;
	unsigned visited; /* nodes walked, capped by MIME_MAX_PARTS */
};

static bool part_is_attachment(const struct mailimap_body_ext_1part *ext)
{
	return ext && ext->bd_disposition && ext->bd_disposition->dsp_type &&
	       strcasecmp(ext->bd_disposition->dsp_type, "attachment") == 0;
}

static bool choice_has_plain(const struct part_choice *pc)
{
	for (unsigned i = 0; i < pc->n; i++)
		if (!pc->parts[i].html)
			return true;
	return false;
}

static void choice_append(struct part_choice *pc, const struct text_part *p)
{
	if (pc->n < IMAP_MAX_TEXT_PARTS)
		pc->parts[pc->n++] = *p;
}

static void choose_walk(const struct mailimap_body *b, uint32_t *path, unsigned depth, struct part_choice *pc)
{
	if (!b || pc->visited >= MIME_MAX_PARTS || pc->n >= IMAP_MAX_TEXT_PARTS)
		return;
	pc->visited++;

	if (b->bd_type == MAILIMAP_BODY_MPART) {
		const struct mailimap_body_type_mpart *mp = b->bd_data.bd_body_mpart;
		bool alternative;
		uint32_t i = 0;

		if (!mp || !mp->bd_list || depth >= MIME_MAX_DEPTH)
			return;
		alternative = mp->bd_media_subtype && strcasecmp(mp->bd_media_subtype, "alternative") == 0;
		if (!alternative) {
			for (clistiter *it = clist_begin(mp->bd_list); it; it = clist_next(it)) {
				path[depth] = ++i;
				choose_walk(clist_content(it), path, depth + 1, pc);
			}
			return;
		}
		/* multipart/alternative: one child, text/plain preferred. */
		struct part_choice best = {};
		for (clistiter *it = clist_begin(mp->bd_list); it; it = clist_next(it)) {
			struct part_choice cur = { .visited = pc->visited };

			path[depth] = ++i;
			choose_walk(clist_content(it), path, depth + 1, &cur);
			pc->visited = cur.visited;
			if (choice_has_plain(&cur)) {
				best = cur;
				break;
			}
			if (best.n == 0 && cur.n > 0)
				best = cur;
		}
		for (unsigned k = 0; k < best.n; k++)
			choice_append(pc, &best.parts[k]);
		return;
	}

	const struct mailimap_body_type_1part *p = b->bd_data.bd_body_1part;
	const struct mailimap_body_type_text *t;
	struct text_part tp = {};

	/* message/rfc822 (a forwarded message is not the sender's words) and
	 * non-text parts are not fetched. */
	if (!p || p->bd_type != MAILIMAP_BODY_TYPE_1PART_TEXT || !p->bd_data.bd_type_text)
		return;
	t = p->bd_data.bd_type_text;
	if (!t->bd_media_text)
		return;
	if (strcasecmp(t->bd_media_text, "plain") == 0)
		tp.html = false;
	else if (strcasecmp(t->bd_media_text, "html") == 0)
		tp.html = true;
	else
		return;
	if (part_is_attachment(p->bd_ext_1part))
		return;
	tp.depth = depth;
	memcpy(tp.path, path, depth * sizeof(uint32_t));
	choice_append(pc, &tp);
}

static void choose_text_parts(const struct mailimap_body *bs, struct part_choice *ret)
{
	uint32_t path[MIME_MAX_DEPTH] = {};

	*ret = (struct part_choice) {};
	choose_walk(bs, path, 0, ret);
}

/* --- fetching ------------------------------------------------------------------ */

static int ft_add(struct mailimap_fetch_type *ft, struct mailimap_fetch_att *att)
{
	if (!att)
		return -ENOMEM;
	if (mailimap_fetch_type_new_fetch_att_list_add(ft, att) != MAILIMAP_NO_ERROR) {
		mailimap_fetch_att_free(att);
		return -ENOMEM;
	}
	return 0;
}

/* BODY.PEEK[section]<0.cap>: every section is size-capped, so a hostile
 * server or a message with megabytes of headers cannot make libetpan buffer
 * more than that per part. */
static int ft_add_peek(struct mailimap_fetch_type *ft, struct mailimap_section *sec, uint32_t cap)
{
	struct mailimap_fetch_att *att;

	if (!sec)
		return -ENOMEM;
	att = mailimap_fetch_att_new_body_peek_section_partial(sec, 0, cap);
	if (!att) {
		mailimap_section_free(sec);
		return -ENOMEM;
	}
	return ft_add(ft, att);
}

/* Frees a clist and the malloc()ed items it holds. */
static void clist_free_all(clist *l)
{
	for (clistiter *it = clist_begin(l); it; it = clist_next(it))
		free(clist_content(it));
	clist_free(l);
}

static struct mailimap_section_part *section_part_new(const struct text_part *tp)
{
	clist *ids = clist_new();

	if (!ids)
		return NULL;
	for (unsigned i = 0; i < tp->depth; i++) {
		uint32_t *v = malloc(sizeof(*v));

		if (!v || clist_append(ids, v) < 0) {
			free(v);
			clist_free_all(ids);
			return NULL;
		}
		*v = tp->path[i];
	}
	struct mailimap_section_part *part = mailimap_section_part_new(ids);
	if (!part) {
		clist_free_all(ids);
	}
	return part;
}

static struct mailimap_fetch_type *fetch_type_headers(void)
{
	_cleanup_(mailimap_fetch_type_freep) struct mailimap_fetch_type *ft = NULL;
	struct mailimap_header_list *hl;
	clist *names;

	ft = mailimap_fetch_type_new_fetch_att_list_empty();
	if (!ft)
		return NULL;
	if (ft_add(ft, mailimap_fetch_att_new_uid()) < 0 ||
	    ft_add(ft, mailimap_fetch_att_new_internaldate()) < 0 ||
	    ft_add(ft, mailimap_fetch_att_new_rfc822_size()) < 0 ||
	    ft_add(ft, mailimap_fetch_att_new_bodystructure()) < 0)
		return NULL;

	names = clist_new();
	if (!names)
		return NULL;
	for (size_t i = 0; i < ELEMENTSOF(imap_header_fields); i++) {
		char *n = strdup(imap_header_fields[i]);

		if (!n || clist_append(names, n) < 0) {
			free(n);
			clist_free_all(names);
			return NULL;
		}
	}
	hl = mailimap_header_list_new(names);
	if (!hl) {
		clist_free_all(names);
		return NULL;
	}
	struct mailimap_section *sec = mailimap_section_new_header_fields(hl);
	if (!sec) {
		mailimap_header_list_free(hl);
		return NULL;
	}
	if (ft_add_peek(ft, sec, IMAP_HEADER_CAP) < 0)
		return NULL;
	return TAKE_PTR(ft);
}

static struct mailimap_fetch_type *fetch_type_parts(const struct part_choice *pc)
{
	_cleanup_(mailimap_fetch_type_freep) struct mailimap_fetch_type *ft = NULL;

	ft = mailimap_fetch_type_new_fetch_att_list_empty();
	if (!ft)
		return NULL;
	if (ft_add(ft, mailimap_fetch_att_new_uid()) < 0)
		return NULL;
	for (unsigned i = 0; i < pc->n; i++) {
		const struct text_part *tp = &pc->parts[i];

		if (tp->depth == 0) {
			if (ft_add_peek(ft, mailimap_section_new_text(), IMAP_PART_CAP) < 0)
				return NULL;
			continue;
		}
		struct mailimap_section_part *mime_part = section_part_new(tp);
		if (!mime_part)
			return NULL;
		struct mailimap_section *mime_sec = mailimap_section_new_part_mime(mime_part);
		if (!mime_sec) {
			mailimap_section_part_free(mime_part);
			return NULL;
		}
		if (ft_add_peek(ft, mime_sec, IMAP_HEADER_CAP) < 0)
			return NULL;

		struct mailimap_section_part *body_part = section_part_new(tp);
		if (!body_part)
			return NULL;
		struct mailimap_section *body_sec = mailimap_section_new_part(body_part);
		if (!body_sec) {
			mailimap_section_part_free(body_part);
			return NULL;
		}
		if (ft_add_peek(ft, body_sec, IMAP_PART_CAP) < 0)
			return NULL;
	}
	return TAKE_PTR(ft);
}

/* Builds "a:b,c,d:e" from sorted unique UIDs, exact (no UID outside the list). */
static struct mailimap_set *uid_set_new(const uint32_t *uids, size_t n)
{
	_cleanup_(mailimap_set_freep) struct mailimap_set *set = mailimap_set_new_empty();

	if (!set)
		return NULL;
	for (size_t i = 0; i < n;) {
		size_t j = i;

		while (j + 1 < n && uids[j + 1] == uids[j] + 1)
			j++;
		if (mailimap_set_add_interval(set, uids[i], uids[j]) != MAILIMAP_NO_ERROR)
			return NULL;
		i = j + 1;
	}
	return TAKE_PTR(set);
}

static uint32_t msg_att_uid(const struct mailimap_msg_att *ma)
{
	for (clistiter *it = clist_begin(ma->att_list); it; it = clist_next(it)) {
		const struct mailimap_msg_att_item *item = clist_content(it);

		if (item && item->att_type == MAILIMAP_MSG_ATT_ITEM_STATIC && item->att_data.att_static &&
		    item->att_data.att_static->att_type == MAILIMAP_MSG_ATT_UID)
			return item->att_data.att_static->att_data.att_uid;
	}
	return 0;
}

static bool section_path_equal(const struct mailimap_section_part *sp, const struct text_part *tp)
{
	unsigned i = 0;

	if (!sp || !sp->sec_id)
		return false;
	for (clistiter *it = clist_begin(sp->sec_id); it; it = clist_next(it), i++) {
		const uint32_t *v = clist_content(it);

		if (i >= tp->depth || !v || *v != tp->path[i])
			return false;
	}
	return i == tp->depth;
}

/* One message of a batch, pointing into the batch's fetch result. */
struct fetched {
	uint32_t uid;
	bool answered;
	const struct mailimap_date_time *internal_date;
	uint32_t size;
	const struct mailimap_body *bodystructure;
	const char *header;
	size_t header_len;
};

static void fetched_fill(struct fetched *m, const struct mailimap_msg_att *ma)
{
	for (clistiter *it = clist_begin(ma->att_list); it; it = clist_next(it)) {
		const struct mailimap_msg_att_item *item = clist_content(it);
		const struct mailimap_msg_att_static *st;

		if (!item || item->att_type != MAILIMAP_MSG_ATT_ITEM_STATIC || !item->att_data.att_static)
			continue;
		st = item->att_data.att_static;
		switch (st->att_type) {
		case MAILIMAP_MSG_ATT_INTERNALDATE:
			m->internal_date = st->att_data.att_internal_date;
			break;
		case MAILIMAP_MSG_ATT_RFC822_SIZE:
			m->size = st->att_data.att_rfc822_size;
			break;
		case MAILIMAP_MSG_ATT_BODYSTRUCTURE:
			m->bodystructure = st->att_data.att_bodystructure;
			break;
		case MAILIMAP_MSG_ATT_BODY_SECTION: {
			const struct mailimap_msg_att_body_section *bs = st->att_data.att_body_section;

			if (bs && bs->sec_section && bs->sec_section->sec_spec &&
			    bs->sec_section->sec_spec->sec_type == MAILIMAP_SECTION_SPEC_SECTION_MSGTEXT &&
			    bs->sec_section->sec_spec->sec_data.sec_msgtext &&
			    bs->sec_section->sec_spec->sec_data.sec_msgtext->sec_type ==
				    MAILIMAP_SECTION_MSGTEXT_HEADER_FIELDS) {
				m->header = bs->sec_body_part;
				m->header_len = bs->sec_body_part ? bs->sec_length : 0;
			}
			break;
		}
		default:
			break;
		}
	}
	m->answered = true;
}

/* --- one folder ------------------------------------------------------------------ */

struct folder_ctx {
	const struct conf *c;
	const struct conf_account *a;
	struct store *store;
	const struct lexicon *lx;
	struct imap_session *sess;
	const struct imap_folder *folder;
	uint32_t uidvalidity;
	unsigned stored, duplicates, fetched;
	bool fatal; /* the database failed: stop the account */
};

/* Fetches the text parts of one message and fills *ret. Returns 0, or a
 * negative errno: -EIO etc. means the connection is unusable (fatal), any
 * other failure of the message itself gives a header-only message. */
static int message_read(struct folder_ctx *fc, const struct fetched *m, struct mime_message *ret, char **reterr)
{
	_cleanup_(fetch_list_freep) clist *result = NULL;
	_cleanup_(mailimap_fetch_type_freep) struct mailimap_fetch_type *ft = NULL;
	_cleanup_(mailimap_set_freep) struct mailimap_set *set = NULL;
	struct mime_part_raw raw[IMAP_MAX_TEXT_PARTS] = {};
	struct part_choice pc;
	size_t n_raw = 0;
	int r;

	choose_text_parts(m->bodystructure, &pc);
	if (pc.n == 0)
		goto parse;

	ft = fetch_type_parts(&pc);
	set = mailimap_set_new_single(m->uid);
	if (!ft || !set) {
		*reterr = strdup("out of memory");
		return -ENOMEM;
	}
	r = mailimap_uid_fetch(fc->sess->imap, set, ft, &result);
	if (r != MAILIMAP_NO_ERROR) {
		if (imap_error_is_fatal(r))
			return imap_fail(fc->sess, r, "UID FETCH (text parts)", reterr);
		/* Refused for this message only: read its header alone. */
		_cleanup_free_ char *why = imap_server_text(fc->sess->imap);
		log_warning("account '%s': message UID %" PRIu32 " in '%s': text parts refused (%s), "
			    "reading its header only",
			    fc->a->name, m->uid, fc->folder->name, why ? why : imap_strerror(r));
		goto parse;
	}

	for (clistiter *it = clist_begin(result); it; it = clist_next(it)) {
		const struct mailimap_msg_att *ma = clist_content(it);

		if (!ma || msg_att_uid(ma) != m->uid)
			continue;
		for (unsigned k = 0; k < pc.n; k++) {
			const struct text_part *tp = &pc.parts[k];
			const char *mime = NULL, *body = NULL;
			size_t mime_len = 0, body_len = 0;

			for (clistiter *jt = clist_begin(ma->att_list); jt; jt = clist_next(jt)) {
				const struct mailimap_msg_att_item *item = clist_content(jt);
				const struct mailimap_msg_att_body_section *bs;
				const struct mailimap_section_spec *spec;

				if (!item || item->att_type != MAILIMAP_MSG_ATT_ITEM_STATIC ||
				    !item->att_data.att_static ||
				    item->att_data.att_static->att_type != MAILIMAP_MSG_ATT_BODY_SECTION)
					continue;
				bs = item->att_data.att_static->att_data.att_body_section;
				if (!bs || !bs->sec_section || !bs->sec_section->sec_spec || !bs->sec_body_part)
					continue;
				spec = bs->sec_section->sec_spec;
				if (tp->depth == 0) {
					if (spec->sec_type == MAILIMAP_SECTION_SPEC_SECTION_MSGTEXT &&
					    spec->sec_data.sec_msgtext &&
					    spec->sec_data.sec_msgtext->sec_type == MAILIMAP_SECTION_MSGTEXT_TEXT) {
						body = bs->sec_body_part;
						body_len = bs->sec_length;
					}
					continue;
				}
				if (spec->sec_type != MAILIMAP_SECTION_SPEC_SECTION_PART ||
				    !section_path_equal(spec->sec_data.sec_part, tp))
					continue;
				if (!spec->sec_text) {
					body = bs->sec_body_part;
					body_len = bs->sec_length;
				} else if (spec->sec_text->sec_type == MAILIMAP_SECTION_TEXT_MIME) {
					mime = bs->sec_body_part;
					mime_len = bs->sec_length;
				}
			}
			if (!body)
				continue;
			if (tp->depth == 0) {
				mime = m->header;
				mime_len = m->header_len;
			}
			raw[n_raw++] = (struct mime_part_raw) {
				.mime_header = mime ? mime : "",
				.mime_header_len = mime ? mime_len : 0,
				.body = body,
				.body_len = MIN(body_len, (size_t) IMAP_PART_CAP),
			};
		}
		break;
	}

parse:
	r = mime_message_from_parts(m->header ? m->header : "", m->header_len, raw, n_raw, ret);
	if (r >= 0)
		return 0;
	if (r == -ENOMEM) {
		*reterr = strdup("out of memory");
		return r;
	}
	log_warning("message UID %" PRIu32 " in '%s' unreadable: %s, keeping its header only", m->uid,
		    fc->folder->name, strerror(-r));
	*ret = (struct mime_message) {};
	r = mime_message_from_parts(m->header ? m->header : "", m->header_len, NULL, 0, ret);
	if (r < 0) {
		*ret = (struct mime_message) {};
		return -EBADMSG;
	}
	return 0;
}

static int batch_store(struct folder_ctx *fc, struct msg_features *fs, size_t n, uint32_t last_uid,
		       char **reterr)
{
	unsigned stored = 0, dups = 0;
	int r;

	r = store_begin(fc->store);
	if (r < 0) {
		*reterr = strdup_printf("database: cannot start a transaction: %s", store_error(fc->store));
		fc->fatal = true;
		return r;
	}
	for (size_t i = 0; i < n; i++) {
		r = store_message_add(fc->store, &fs[i]);
		if (r < 0)
			goto fail;
		if (r > 0)
			stored++;
		else
			dups++;
	}
	r = store_folder_set(fc->store, fc->a->name, fc->folder->name, fc->uidvalidity, last_uid);
	if (r < 0)
		goto fail;
	r = store_commit(fc->store);
	if (r < 0)
		goto fail;
	fc->stored += stored;
	fc->duplicates += dups;
	return 0;

fail:
	*reterr = strdup_printf("database: %s", store_error(fc->store));
	(void) store_rollback(fc->store);
	fc->fatal = true;
	return r;
}

/* UID FETCH of UID, INTERNALDATE, RFC822.SIZE, BODYSTRUCTURE and the header
 * fields of uids[] (sorted, unique). Fills msgs[i] for uids[i] (msgs[i].answered
 * false when the server did not answer for it); they point into *ret_result,
 * which the caller frees with mailimap_fetch_list_free(). */
static int batch_fetch_headers(struct folder_ctx *fc, const uint32_t *uids, size_t n, struct fetched *msgs,
			       clist **ret_result, char **reterr)
{
	_cleanup_(fetch_list_freep) clist *result = NULL;
	_cleanup_(mailimap_fetch_type_freep) struct mailimap_fetch_type *ft = NULL;
	_cleanup_(mailimap_set_freep) struct mailimap_set *set = NULL;
	int r;

	ft = fetch_type_headers();
	set = uid_set_new(uids, n);
	if (!ft || !set) {
		*reterr = strdup("out of memory");
		return -ENOMEM;
	}
	for (size_t i = 0; i < n; i++)
		msgs[i] = (struct fetched) { .uid = uids[i] };

	r = mailimap_uid_fetch(fc->sess->imap, set, ft, &result);
	if (r != MAILIMAP_NO_ERROR)
		return imap_fail(fc->sess, r, "UID FETCH", reterr);
	for (clistiter *it = clist_begin(result); it; it = clist_next(it)) {
		const struct mailimap_msg_att *ma = clist_content(it);
		uint32_t uid;

		if (!ma || (uid = msg_att_uid(ma)) == 0)
			continue; /* unsolicited FETCH (flags of another message) */
		/* Binary search: uids[] is sorted. */
		size_t lo = 0, hi = n;
		while (lo < hi) {
			size_t mid = lo + (hi - lo) / 2;
			if (uids[mid] < uid)
				lo = mid + 1;
			else
				hi = mid;
		}
		if (lo < n && uids[lo] == uid && !msgs[lo].answered)
			fetched_fill(&msgs[lo], ma);
	}
	*ret_result = TAKE_PTR(result);
	return 0;
}

/* Reads one message of a batch (its text parts are fetched now) and fills
 * the header and tone fields of *f (analyse_message()). Returns 1 when *f is
 * filled, 0 when the message is skipped (vanished or unreadable: logged), or
 * a negative errno with *reterr set when the connection or memory failed. */
static int message_analyse(struct folder_ctx *fc, const struct fetched *m, struct msg_features *f, char **reterr)
{
	struct mime_message mm = {};
	char *err = NULL;
	int r;

	if (!m->answered) {
		log_debug("account '%s': message UID %" PRIu32 " in '%s' vanished, skipping", fc->a->name,
			  m->uid, fc->folder->name);
		return 0;
	}
	fc->fetched++;
	r = message_read(fc, m, &mm, &err);
	if (r == -EBADMSG) {
		log_warning("message UID %" PRIu32 " in '%s' unreadable: no usable header, skipping", m->uid,
			    fc->folder->name);
		return 0;
	}
	if (r < 0) {
		*reterr = err;
		return r;
	}
	*f = (struct msg_features) {};
	r = analyse_message(&mm, fc->lx, fc->c->store_evidence, f, NULL);
	mime_message_done(&mm);
	if (r < 0) {
		msg_features_done(f);
		if (r == -ENOMEM) {
			*reterr = strdup("out of memory");
			return r;
		}
		log_warning("message UID %" PRIu32 " in '%s' unreadable: %s, skipping", m->uid, fc->folder->name,
			    strerror(-r));
		return 0;
	}
	return 1;
}

/* Fetches, reads and stores one batch (sorted UIDs); `floor_uid` is the
 * lowest value the folder's last UID may be set to (the first sync's
 * baseline). */
static int batch_sync(struct folder_ctx *fc, const uint32_t *uids, size_t n, uint32_t floor_uid, char **reterr)
{
	_cleanup_(fetch_list_freep) clist *result = NULL;
	_cleanup_free_ struct fetched *msgs = NULL;
	struct msg_features *fs = NULL;
	size_t n_fs = 0;
	int r;

	msgs = calloc(n, sizeof(*msgs));
	fs = calloc(n, sizeof(*fs));
	if (!msgs || !fs) {
		free(fs);
		*reterr = strdup("out of memory");
		return -ENOMEM;
	}
	r = batch_fetch_headers(fc, uids, n, msgs, &result, reterr);
	if (r < 0) {
		free(fs);
		return r;
	}

	for (size_t i = 0; i < n; i++) {
		const struct fetched *m = &msgs[i];
		struct msg_features *f = &fs[n_fs];

		r = message_analyse(fc, m, f, reterr);
		if (r < 0)
			goto fail;
		if (r == 0)
			continue;
		f->account = strdup(fc->a->name);
		f->folder = strdup(fc->folder->name);
		if (!f->account || !f->folder) {
			msg_features_done(f);
			*reterr = strdup("out of memory");
			r = -ENOMEM;
			goto fail;
		}
		f->uidvalidity = fc->uidvalidity;
		f->uid = m->uid;
		f->size = m->size;
		if (imap_date_time_to_unix(m->internal_date, &f->internal_date) < 0) {
			/* No usable INTERNALDATE: the Date: header, else now. */
			f->internal_date = f->date > 0 ? f->date : clock_now();
			log_debug("message UID %" PRIu32 " in '%s': no valid INTERNALDATE", m->uid,
				  fc->folder->name);
		}
		n_fs++;
	}

	r = batch_store(fc, fs, n_fs, MAX(uids[n - 1], floor_uid), reterr);

fail:
	for (size_t i = 0; i < n_fs; i++)
		msg_features_done(&fs[i]);
	free(fs);
	return r < 0 ? r : 0;
}

static int uid_cmp(const void *a, const void *b)
{
	uint32_t x = *(const uint32_t *) a, y = *(const uint32_t *) b;

	return x < y ? -1 : x > y;
}

/* UID SEARCH; keeps UIDs > above, sorted and unique. */
static int uid_search(struct imap_session *s, struct mailimap_search_key *key, uint32_t above,
		      uint32_t **ret, size_t *ret_n, char **reterr)
{
	_cleanup_(search_result_freep) clist *result = NULL;
	uint32_t *uids;
	size_t n = 0;
	int r;

	r = mailimap_uid_search(s->imap, NULL, key, &result);
	if (r != MAILIMAP_NO_ERROR)
		return imap_fail(s, r, "UID SEARCH", reterr);
	uids = malloc(MAX(clist_count(result), 1) * sizeof(uint32_t));
	if (!uids) {
		*reterr = strdup("out of memory");
		return -ENOMEM;
	}
	for (clistiter *it = clist_begin(result); it; it = clist_next(it)) {
		const uint32_t *v = clist_content(it);

		/* "n:*" always includes the newest message, even below n. */
		if (v && *v > above)
			uids[n++] = *v;
	}
	qsort(uids, n, sizeof(uint32_t), uid_cmp);
	size_t k = 0;
	for (size_t i = 0; i < n; i++)
		if (k == 0 || uids[i] != uids[k - 1])
			uids[k++] = uids[i];
	*ret = uids;
	*ret_n = k;
	return 0;
}

/* The highest UID in the folder, when EXAMINE gave no UIDNEXT (isync does
 * the same: UID FETCH * (UID)). */
static int highest_uid(struct imap_session *s, uint32_t *ret, char **reterr)
{
	_cleanup_(fetch_list_freep) clist *result = NULL;
	_cleanup_(mailimap_fetch_type_freep) struct mailimap_fetch_type *ft = NULL;
	_cleanup_(mailimap_set_freep) struct mailimap_set *set = NULL;
	uint32_t best = 0;
	int r;

	ft = mailimap_fetch_type_new_fetch_att_list_empty();
	set = mailimap_set_new_interval(0, 0); /* "*" */
	if (!ft || !set || ft_add(ft, mailimap_fetch_att_new_uid()) < 0) {
		*reterr = strdup("out of memory");
		return -ENOMEM;
	}
	r = mailimap_uid_fetch(s->imap, set, ft, &result);
	if (r != MAILIMAP_NO_ERROR)
		return imap_fail(s, r, "UID FETCH * (UID)", reterr);
	for (clistiter *it = clist_begin(result); it; it = clist_next(it)) {
		const struct mailimap_msg_att *ma = clist_content(it);

		if (ma)
			best = MAX(best, msg_att_uid(ma));
	}
	*ret = best;
	return 0;
}
/* EXAMINE (read-only) the folder of fc and learn its UIDVALIDITY. */
static int folder_examine(struct folder_ctx *fc, const struct mailimap_selection_info **ret_si,
			  char **reterr)
{
	struct imap_session *s = fc->sess;
	int r;

	r = mailimap_examine(s->imap, fc->folder->raw);
	if (r != MAILIMAP_NO_ERROR)
		return imap_fail(s, r, "EXAMINE", reterr);
	if (!s->imap->imap_selection_info) {
		*reterr = strdup("EXAMINE gave no mailbox information");
		return -EPROTO;
	}
	*ret_si = s->imap->imap_selection_info;
	fc->uidvalidity = (*ret_si)->sel_uidvalidity;
	return 0;
}


static int folder_sync(struct folder_ctx *fc, char **reterr)
{
	struct imap_session *s = fc->sess;
	const struct mailimap_selection_info *si;
	_cleanup_free_ uint32_t *uids = NULL;
	uint32_t state_uidvalidity = 0, last_uid = 0, uidnext, baseline = 0, exists;
	size_t n_uids = 0;
	bool incremental;
	int r;

	r = folder_examine(fc, &si, reterr);
	if (r < 0)
		return r;
	uidnext = si->sel_uidnext;
	exists = si->sel_has_exists ? si->sel_exists : 1;

	r = store_folder_get(fc->store, fc->a->name, fc->folder->name, &state_uidvalidity, &last_uid);
	if (r < 0) {
		*reterr = strdup_printf("database: %s", store_error(fc->store));
		fc->fatal = true;
		return r;
	}
	incremental = r > 0 && state_uidvalidity == fc->uidvalidity;
	if (r > 0 && !incremental)
		log_notice("account '%s': folder '%s': UIDVALIDITY changed (%" PRIu32 " -> %" PRIu32
			   "), resynchronising the last %u days",
			   fc->a->name, fc->folder->name, state_uidvalidity, fc->uidvalidity,
			   fc->c->backfill_days);

	if (incremental) {
		if (exists == 0 || (uidnext > 0 && uidnext <= (uint64_t) last_uid + 1) || last_uid == UINT32_MAX)
			goto done; /* nothing new */
		_cleanup_(mailimap_set_freep) struct mailimap_set *set = mailimap_set_new_interval(last_uid + 1, 0);
		if (!set) {
			*reterr = strdup("out of memory");
			return -ENOMEM;
		}
		_cleanup_(mailimap_search_key_freep) struct mailimap_search_key *key =
			mailimap_search_key_new_uid(set);
		if (!key) {
			*reterr = strdup("out of memory");
			return -ENOMEM;
		}
		set = NULL; /* owned by key */
		r = uid_search(s, key, last_uid, &uids, &n_uids, reterr);
		if (r < 0)
			return r;
		baseline = last_uid;
	} else {
		int64_t since = clock_now() - (int64_t) fc->c->backfill_days * SEC_PER_DAY;
		time_t tt = (time_t) MAX(since, (int64_t) 0);
		struct tm tm;

		if (exists > 0) {
			if (uidnext > 0)
				baseline = uidnext - 1;
			else {
				r = highest_uid(s, &baseline, reterr);
				if (r < 0)
					return r;
			}
			gmtime_r(&tt, &tm);
			struct mailimap_date *date = mailimap_date_new(tm.tm_mday, tm.tm_mon + 1, tm.tm_year + 1900);
			if (!date) {
				*reterr = strdup("out of memory");
				return -ENOMEM;
			}
			_cleanup_(mailimap_search_key_freep) struct mailimap_search_key *key =
				mailimap_search_key_new_since(date);
			if (!key) {
				mailimap_date_free(date);
				*reterr = strdup("out of memory");
				return -ENOMEM;
			}
			r = uid_search(s, key, 0, &uids, &n_uids, reterr);
			if (r < 0)
				return r;
		} else if (uidnext > 0)
			baseline = uidnext - 1;
	}

	for (size_t i = 0; i < n_uids; i += IMAP_BATCH) {
		size_t n = MIN((size_t) IMAP_BATCH, n_uids - i);
		bool last_batch = i + n >= n_uids;

		if (!imap_sync_progress()) {
			log_info("account '%s': folder '%s': stopping after %u new messages, the rest "
				 "comes with the next sync", fc->a->name, fc->folder->name, fc->stored);
			return 0;
		}
		r = batch_sync(fc, uids + i, n, last_batch ? baseline : 0, reterr);
		if (r < 0)
			return r;
	}
	if (n_uids == 0 && (!incremental || baseline != last_uid)) {
		/* Record the baseline so the next run starts from here. */
		r = batch_store(fc, NULL, 0, baseline, reterr);
		if (r < 0)
			return r;
	}

done:
	log_info("account '%s': folder '%s': %u new messages (%u already known)", fc->a->name,
		 fc->folder->name, fc->stored, fc->duplicates);
	return 0;
}

static imap_progress_fn progress_fn;
static void *progress_userdata;

void imap_sync_set_progress(imap_progress_fn fn, void *userdata)
{
	progress_fn = fn;
	progress_userdata = userdata;
}

bool imap_sync_progress(void)
{
	return !progress_fn || progress_fn(progress_userdata);
}

/* libetpan writes to sockets with plain send() and GnuTLS without
 * MSG_NOSIGNAL: keep SIGPIPE blocked while we talk, whatever the caller did
 * with it, and swallow one raised meanwhile. */
static void sigpipe_block(sigset_t *old)
{
	sigset_t set;

	sigemptyset(&set);
	sigaddset(&set, SIGPIPE);
	pthread_sigmask(SIG_BLOCK, &set, old);
}

static void sigpipe_restore(const sigset_t *old)
{
	sigset_t pending, set;

	if (!sigismember(old, SIGPIPE) && sigpending(&pending) == 0 && sigismember(&pending, SIGPIPE)) {
		struct timespec zero = {};

		sigemptyset(&set);
		sigaddset(&set, SIGPIPE);
		(void) sigtimedwait(&set, NULL, &zero);
	}
	pthread_sigmask(SIG_SETMASK, old, NULL);
}

/* Connects, verifies the server and logs in: the one way every session
 * starts (sync, rescan, IDLE). On failure the session is closed and
 * *reterr is "imaps://host:port: reason". */
static int imap_session_open(struct imap_session *sess, const struct conf_account *a, char **reterr)
{
	_cleanup_free_ char *err = NULL;
	bool preauth = false;
	int r;

	*sess = (struct imap_session) { .a = a };
	if (a->url.host && strchr(a->url.host, ':'))
		sess->where = strdup_printf("%s://[%s]:%u", strempty(a->url.scheme), a->url.host, a->url.port);
	else
		sess->where = strdup_printf("%s://%s:%u", strempty(a->url.scheme), strempty(a->url.host),
					    a->url.port);
	if (!sess->where) {
		*reterr = strdup("out of memory");
		return -ENOMEM;
	}

	r = imap_connect(sess, &preauth, &err);
	if (r >= 0 && !preauth)
		r = imap_login(sess, &err);
	if (r < 0) {
		*reterr = strdup_printf("%s: %s", sess->where, strempty(err));
		imap_session_close(sess);
		return r;
	}
	return 0;
}

/* The server's folders (LIST) and, in order[0..n_chosen), the ones the
 * account's `folders` patterns select. */
struct folder_list {
	struct imap_folder *f;
	size_t n;
	size_t *order;
	size_t n_chosen;
};

static void folder_list_done(struct folder_list *l)
{
	folders_free(l->f, l->n);
	free(l->order);
	*l = (struct folder_list) {};
}

static int imap_folder_list(struct imap_session *sess, struct folder_list *ret, char **reterr)
{
	struct folder_list l = {};
	_cleanup_free_ char *err = NULL;
	int r;

	r = imap_list_folders(sess, &l.f, &l.n, &err);
	if (r < 0) {
		*reterr = strdup_printf("%s: %s", sess->where, strempty(err));
		return r;
	}
	l.order = calloc(MAX(l.n, 1), sizeof(size_t));
	if (!l.order) {
		folder_list_done(&l);
		*reterr = strdup("out of memory");
		return -ENOMEM;
	}
	l.n_chosen = imap_choose_folders(sess->a, l.f, l.n, l.order);
	*ret = l;
	return 0;
}

static int sync_account(const struct conf *c, const struct conf_account *a, struct store *store,
			const struct lexicon *lx, struct sync_stats *st, char **reterr)
{
	struct imap_session sess;
	struct folder_list fl = {};
	unsigned failed = 0;
	int r, last_error = 0;

	r = imap_session_open(&sess, a, reterr);
	if (r < 0)
		return r;
	r = imap_folder_list(&sess, &fl, reterr);
	if (r < 0) {
		imap_session_close(&sess);
		return r;
	}

	for (size_t i = 0; i < fl.n_chosen && imap_sync_progress(); i++) {
		struct folder_ctx fc = {
			.c = c,
			.a = a,
			.store = store,
			.lx = lx,
			.sess = &sess,
			.folder = &fl.f[fl.order[i]],
		};
		_cleanup_free_ char *ferr = NULL;

		r = folder_sync(&fc, &ferr);
		st->folders++;
		st->fetched += fc.fetched;
		st->stored += fc.stored;
		st->duplicates += fc.duplicates;
		if (r >= 0)
			continue;
		failed++;
		last_error = r;
		if (sess.broken || fc.fatal || r == -ENOMEM) {
			/* The connection (or the database) is gone: the other
			 * folders would fail the same way. */
			*reterr = strdup_printf("%s: folder '%s': %s", sess.where, fc.folder->name,
						strempty(ferr));
			folder_list_done(&fl);
			imap_session_close(&sess);
			return r;
		}
		log_warning("account '%s': folder '%s': %s, skipping", a->name, fc.folder->name,
			    strempty(ferr));
	}
	if (fl.n_chosen > 0 && failed == fl.n_chosen) {
		*reterr = strdup_printf("%s: no folder could be synchronised", sess.where);
		folder_list_done(&fl);
		imap_session_close(&sess);
		return last_error;
	}
	folder_list_done(&fl);
	imap_session_close(&sess);
	return 0;
}

/* The checks and the error hand-out shared by the public entry points. */
static int account_check(const struct conf *c, const struct conf_account *a, const struct store *s,
			 char **reterr)
{
	if (c && a && s && a->url.host)
		return 0;
	if (reterr)
		*reterr = strdup("invalid account");
	return -EINVAL;
}

static int account_result(int r, char *err, char **reterr)
{
	if (r < 0 && reterr)
		*reterr = err ? err : strdup(strerror(-r));
	else
		free(err);
	return MIN(r, 0);
}

int imap_sync_account(const struct conf *c, const struct conf_account *a, struct store *s,
		      const struct lexicon *lx, struct sync_stats *ret_stats, char **reterr)
{
	struct sync_stats st = {};
	char *err = NULL;
	sigset_t old;
	int r;

	r = account_check(c, a, s, reterr);
	if (r < 0)
		return r;
	sigpipe_block(&old);
	r = sync_account(c, a, s, lx, &st, &err);
	sigpipe_restore(&old);
	if (r >= 0 && ret_stats)
		*ret_stats = st;
	return account_result(r, err, reterr);
}

/* --- rescan: the stored messages read again with the current lexicons ------------ */

/* One stored message to read again. */
struct rescan_item {
	char *msgkey;
	char *folder;
	uint32_t uidvalidity;
	uint32_t uid;
	enum tone_label label; /* as stored */
};

struct rescan_set {
	const char *account;
	struct rescan_item *items;
	size_t n, allocated;
};

static void rescan_set_done(struct rescan_set *rs)
{
	for (size_t i = 0; i < rs->n; i++) {
		free(rs->items[i].msgkey);
		free(rs->items[i].folder);
	}
	free(rs->items);
	rs->items = NULL;
	rs->n = rs->allocated = 0;
}

static int rescan_collect(const struct msg_features *f, void *userdata)
{
	struct rescan_set *rs = userdata;
	struct rescan_item *it;

	if (!f->account || !streq(f->account, rs->account) || isempty(f->folder) || isempty(f->msgkey) ||
	    f->uid == 0)
		return 0;
	if (rs->n == rs->allocated) {
		size_t na = rs->allocated ? rs->allocated * 2 : 64;
		struct rescan_item *ni = reallocarray(rs->items, na, sizeof(*ni));

		if (!ni)
			return -ENOMEM;
		rs->items = ni;
		rs->allocated = na;
	}
	it = &rs->items[rs->n];
	*it = (struct rescan_item) {
		.msgkey = strdup(f->msgkey),
		.folder = strdup(f->folder),
		.uidvalidity = f->uidvalidity,
		.uid = f->uid,
		.label = f->label,
	};
	if (!it->msgkey || !it->folder) {
		free(it->msgkey);
		free(it->folder);
		return -ENOMEM;
	}
	rs->n++;
	return 0;
}

static int rescan_item_cmp(const void *a, const void *b)
{
	const struct rescan_item *x = a, *y = b;
	int d = strcmp(x->folder, y->folder);

	if (d != 0)
		return d;
	if (x->uidvalidity != y->uidvalidity)
		return x->uidvalidity < y->uidvalidity ? -1 : 1;
	if (x->uid != y->uid)
		return x->uid < y->uid ? -1 : 1;
	return strcmp(x->msgkey, y->msgkey);
}

/* Reads again the messages items[0..n) (same folder and UIDVALIDITY, sorted
 * by UID) and updates their tone, one transaction per batch. */
static int rescan_batch(struct folder_ctx *fc, const struct rescan_item *items, size_t n,
			struct rescan_stats *st, char **reterr)
{
	_cleanup_(fetch_list_freep) clist *result = NULL;
	_cleanup_free_ uint32_t *uids = NULL;
	_cleanup_free_ struct fetched *msgs = NULL;
	_cleanup_free_ enum tone_label *old = NULL;
	struct msg_features *fs = NULL;
	size_t n_uids = 0, n_fs = 0;
	int r;

	uids = calloc(n, sizeof(*uids));
	msgs = calloc(n, sizeof(*msgs));
	old = calloc(n, sizeof(*old));
	fs = calloc(n, sizeof(*fs));
	if (!uids || !msgs || !old || !fs) {
		free(fs);
		*reterr = strdup("out of memory");
		return -ENOMEM;
	}
	for (size_t i = 0; i < n; i++)
		if (n_uids == 0 || uids[n_uids - 1] != items[i].uid)
			uids[n_uids++] = items[i].uid;

	r = batch_fetch_headers(fc, uids, n_uids, msgs, &result, reterr);
	if (r < 0) {
		free(fs);
		return r;
	}

	for (size_t i = 0, k = 0; i < n_uids; i++) {
		const struct fetched *m = &msgs[i];
		struct msg_features *f = &fs[n_fs];
		const struct rescan_item *match = NULL;

		r = message_analyse(fc, m, f, reterr);
		if (r < 0)
			goto finish;
		/* The stored rows at this UID: only the one whose key is the
		 * message's own is updated, never another message's. */
		for (; k < n && items[k].uid < m->uid; k++)
			;
		for (size_t j = k; r > 0 && j < n && items[j].uid == m->uid; j++)
			if (streq(items[j].msgkey, f->msgkey))
				match = &items[j];
		if (r == 0)
			continue;
		if (!match) {
			log_warning("account '%s': folder '%s': UID %" PRIu32 " is now another message, "
				    "skipping",
				    fc->a->name, fc->folder->name, m->uid);
			msg_features_done(f);
			continue;
		}
		old[n_fs] = match->label;
		n_fs++;
	}

	r = store_begin(fc->store);
	if (r < 0) {
		*reterr = strdup_printf("database: cannot start a transaction: %s", store_error(fc->store));
		fc->fatal = true;
		goto finish;
	}
	unsigned updated = 0;
	for (size_t i = 0; i < n_fs; i++) {
		r = store_message_update_tone(fc->store, &fs[i]);
		if (r < 0) {
			*reterr = strdup_printf("database: %s", store_error(fc->store));
			(void) store_rollback(fc->store);
			fc->fatal = true;
			goto finish;
		}
		if (r > 0)
			updated++;
	}
	r = store_commit(fc->store);
	if (r < 0) {
		*reterr = strdup_printf("database: %s", store_error(fc->store));
		(void) store_rollback(fc->store);
		fc->fatal = true;
		goto finish;
	}
	st->rescored += updated;
	st->skipped += (unsigned) (n - n_fs);
	for (size_t i = 0; i < n_fs; i++)
		if ((unsigned) old[i] < _TONE_LABEL_MAX && (unsigned) fs[i].label < _TONE_LABEL_MAX &&
		    old[i] != fs[i].label)
			st->changed[old[i]][fs[i].label]++;
	r = 0;

finish:
	for (size_t i = 0; i < n_fs; i++)
		msg_features_done(&fs[i]);
	free(fs);
	return r;
}

/* Rescans the stored messages items[0..n) of one folder (sorted). Returns 0
 * (also when the folder is skipped: logged), or -errno with *reterr when the
 * connection or the database failed (fc->fatal / session broken). */
static int rescan_folder(struct folder_ctx *fc, const struct rescan_item *items, size_t n,
			 struct rescan_stats *st, char **reterr)
{
	const struct mailimap_selection_info *si;
	size_t skipped = 0;
	int r;

	r = folder_examine(fc, &si, reterr);
	if (r < 0)
		return r;
	st->folders++;

	for (size_t i = 0; i < n;) {
		size_t j = i;

		if (items[i].uidvalidity != fc->uidvalidity) {
			while (j < n && items[j].uidvalidity == items[i].uidvalidity)
				j++;
			skipped += j - i;
			log_warning("account '%s': folder '%s': UIDVALIDITY changed (%" PRIu32 " -> %" PRIu32
				    ") since %zu of its messages were read, skipping them (the next sync "
				    "reads the folder again)",
				    fc->a->name, fc->folder->name, items[i].uidvalidity, fc->uidvalidity, j - i);
			i = j;
			continue;
		}
		/* A batch: at most IMAP_BATCH items, never splitting a UID. */
		while (j < n && items[j].uidvalidity == fc->uidvalidity &&
		       (j - i < IMAP_BATCH || items[j].uid == items[j - 1].uid))
			j++;
		if (!imap_sync_progress())
			break;
		r = rescan_batch(fc, items + i, j - i, st, reterr);
		if (r < 0)
			return r;
		i = j;
	}
	st->skipped += (unsigned) skipped;
	log_info("account '%s': folder '%s': %zu messages read again", fc->a->name, fc->folder->name,
		 n - skipped);
	return 0;
}

static const struct imap_folder *folder_by_name(const struct folder_list *fl, const char *name)
{
	for (size_t i = 0; i < fl->n; i++)
		if (streq(fl->f[i].name, name))
			return &fl->f[i];
	return NULL;
}

static int rescan_account(const struct conf *c, const struct conf_account *a, struct store *store,
			  const struct lexicon *lx, int64_t since, struct rescan_stats *st, char **reterr)
{
	struct rescan_set rs = { .account = a->name };
	struct imap_session sess = {};
	struct folder_list fl = {};
	unsigned groups = 0, failed = 0;
	int r, last_error = 0;

	r = store_messages_since(store, since, rescan_collect, &rs);
	if (r < 0) {
		*reterr = r == -ENOMEM ? strdup("out of memory")
				       : strdup_printf("database: %s", store_error(store));
		rescan_set_done(&rs);
		return r;
	}
	st->messages = (unsigned) MIN(rs.n, (size_t) UINT_MAX);
	if (rs.n == 0) {
		rescan_set_done(&rs);
		return 0; /* nothing to read: no connection */
	}
	qsort(rs.items, rs.n, sizeof(*rs.items), rescan_item_cmp);

	r = imap_session_open(&sess, a, reterr);
	if (r >= 0) {
		r = imap_list_folders(&sess, &fl.f, &fl.n, reterr);
		if (r < 0) {
			char *e = strdup_printf("%s: %s", sess.where, strempty(*reterr));
			free(*reterr);
			*reterr = e;
			imap_session_close(&sess);
		}
	}
	if (r < 0) {
		rescan_set_done(&rs);
		return r;
	}

	for (size_t i = 0; i < rs.n;) {
		size_t j = i;
		_cleanup_free_ char *ferr = NULL;

		while (j < rs.n && streq(rs.items[j].folder, rs.items[i].folder))
			j++;
		groups++;
		const struct imap_folder *folder = folder_by_name(&fl, rs.items[i].folder);
		if (!folder || folder->noselect) {
			log_warning("account '%s': folder '%s' no longer exists on the server, skipping its "
				    "%zu messages",
				    a->name, rs.items[i].folder, j - i);
			st->skipped += (unsigned) (j - i);
			i = j;
			continue;
		}
		struct folder_ctx fc = {
			.c = c,
			.a = a,
			.store = store,
			.lx = lx,
			.sess = &sess,
			.folder = folder,
		};
		r = rescan_folder(&fc, rs.items + i, j - i, st, &ferr);
		if (r < 0) {
			failed++;
			last_error = r;
			if (sess.broken || fc.fatal || r == -ENOMEM) {
				*reterr = strdup_printf("%s: folder '%s': %s", sess.where, folder->name,
							strempty(ferr));
				goto finish;
			}
			log_warning("account '%s': folder '%s': %s, skipping", a->name, folder->name,
				    strempty(ferr));
			st->skipped += (unsigned) (j - i);
		}
		i = j;
	}
	r = 0;
	if (groups > 0 && failed == groups) {
		*reterr = strdup_printf("%s: no folder could be read again", sess.where);
		r = last_error;
	}
finish:
	folder_list_done(&fl);
	imap_session_close(&sess);
	rescan_set_done(&rs);
	return r;
}

int imap_rescan_account(const struct conf *c, const struct conf_account *a, struct store *s,
			const struct lexicon *lx, int64_t since, struct rescan_stats *ret_stats, char **reterr)
{
	struct rescan_stats st = {};
	char *err = NULL;
	sigset_t old;
	int r;

	r = account_check(c, a, s, reterr);
	if (r < 0)
		return r;
	sigpipe_block(&old);
	r = rescan_account(c, a, s, lx, since, &st, &err);
	sigpipe_restore(&old);
	/* What was committed stays committed: the figures count it. */
	if (ret_stats)
		*ret_stats = st;
	return account_result(r, err, reterr);
}

/* --- IDLE (the daemon's push connections) ---------------------------------------- */

struct imap_idle {
	struct imap_session sess;
	char *folder;       /* UTF-8 name */
	char *raw;          /* as the server spells it */
	uint32_t uidvalidity;
	uint32_t uidnext;   /* 0: the server gave none */
	bool idling;        /* IDLE sent, DONE not yet */
};

static void imap_set_stream_timeout(struct imap_session *s, unsigned sec)
{
	if (s->imap && s->imap->imap_stream)
		mailstream_low_set_timeout(mailstream_get_low(s->imap->imap_stream), (time_t) sec);
}

/* Sends IDLE and waits for the continuation, at most IMAP_IDLE_START_SEC:
 * untagged data before "+" makes libetpan 1.9.4 wait for a tagged answer
 * that never comes (libetpan#393), so the wait is kept short. */
static int idle_enter(struct imap_idle *i, char **reterr)
{
	_cleanup_free_ char *text = NULL;
	int r;

	imap_set_stream_timeout(&i->sess, IMAP_IDLE_START_SEC);
	r = mailimap_idle(i->sess.imap);
	imap_set_stream_timeout(&i->sess, IMAP_TIMEOUT_SEC);
	if (r == MAILIMAP_NO_ERROR) {
		i->idling = true;
		return 0;
	}
	if (imap_error_is_fatal(r) && r != MAILIMAP_ERROR_PARSE) {
		i->sess.broken = true;
		*reterr = strdup_printf("IDLE: no continuation within %us (%s)", IMAP_IDLE_START_SEC,
					imap_strerror(r));
		return -EREMOTEIO;
	}
	/* PARSE here is libetpan's "the server answered the IDLE command
	 * with a tagged NO/BAD". */
	text = imap_server_text(i->sess.imap);
	*reterr = strdup_printf("IDLE refused%s%s", text ? ": " : "", strempty(text));
	return -EREMOTEIO;
}

static void idle_set_keepalive(struct imap_idle *i)
{
	int fd = mailimap_idle_get_fd(i->sess.imap), one = 1;

	/* A dead peer (NAT state gone) is noticed even without traffic. */
	if (fd >= 0)
		(void) setsockopt(fd, SOL_SOCKET, SO_KEEPALIVE, &one, sizeof(one));
}

static int idle_start(const struct conf_account *a, const char *pattern, struct imap_idle *i, char **reterr)
{
	_cleanup_free_ char *err = NULL;
	struct folder_list fl = {};
	const struct imap_folder *chosen = NULL;
	const struct mailimap_selection_info *si;
	bool matched = false;
	int r;

	r = imap_session_open(&i->sess, a, reterr);
	if (r < 0)
		return r;
	if (!mailimap_has_idle(i->sess.imap)) {
		*reterr = strdup_printf("%s: the server does not offer IDLE", i->sess.where);
		return -EOPNOTSUPP;
	}
	r = imap_folder_list(&i->sess, &fl, reterr);
	if (r < 0)
		return r;
	for (size_t k = 0; k < fl.n && !chosen; k++) {
		if (!folder_matches(pattern, &fl.f[k]))
			continue;
		matched = true;
		if (fl.f[k].chosen)
			chosen = &fl.f[k];
	}
	if (!chosen) {
		*reterr = matched ? strdup_printf("idle folder '%s' is not among the account's folders "
						  "(it would never be synchronised)",
						  pattern)
				  : strdup_printf("idle folder '%s' not found on the server", pattern);
		folder_list_done(&fl);
		return -ENOENT;
	}
	i->folder = strdup(chosen->name);
	i->raw = strdup(chosen->raw);
	folder_list_done(&fl);
	if (!i->folder || !i->raw) {
		*reterr = strdup("out of memory");
		return -ENOMEM;
	}

	r = mailimap_examine(i->sess.imap, i->raw);
	if (r != MAILIMAP_NO_ERROR) {
		r = imap_fail(&i->sess, r, "EXAMINE", &err);
		*reterr = strdup_printf("%s: folder '%s': %s", i->sess.where, i->folder, strempty(err));
		return r;
	}
	si = i->sess.imap->imap_selection_info;
	if (!si) {
		*reterr = strdup_printf("%s: folder '%s': EXAMINE gave no mailbox information", i->sess.where,
					i->folder);
		return -EPROTO;
	}
	i->uidvalidity = si->sel_uidvalidity;
	i->uidnext = si->sel_uidnext;
	idle_set_keepalive(i);

	r = idle_enter(i, &err);
	if (r < 0) {
		*reterr = strdup_printf("%s: folder '%s': %s", i->sess.where, i->folder, strempty(err));
		return r;
	}
	return 0;
}

int imap_idle_start(const struct conf_account *a, const char *folder, struct imap_idle **ret, char **reterr)
{
	struct imap_idle *i;
	char *err = NULL;
	sigset_t old;
	int r;

	if (!a || !a->url.host || isempty(folder)) {
		*reterr = strdup("invalid account or folder");
		return -EINVAL;
	}
	i = calloc(1, sizeof(*i));
	if (!i) {
		*reterr = strdup("out of memory");
		return -ENOMEM;
	}
	sigpipe_block(&old);
	r = idle_start(a, folder, i, &err);
	sigpipe_restore(&old);
	if (r < 0) {
		imap_idle_free(i);
		*reterr = err ? err : strdup(strerror(-r));
		return r;
	}
	*ret = i;
	return 0;
}

int imap_idle_fd(const struct imap_idle *i)
{
	if (!i || !i->sess.imap || !i->sess.imap->imap_stream)
		return -EBADF;
	return mailimap_idle_get_fd(i->sess.imap);
}

bool imap_idle_has_buffered(const struct imap_idle *i)
{
	return i && i->sess.imap && i->sess.imap->imap_stream && i->sess.imap->imap_stream->read_buffer_len > 0;
}

const char *imap_idle_folder(const struct imap_idle *i)
{
	return i ? i->folder : NULL;
}

uint32_t imap_idle_uidvalidity(const struct imap_idle *i)
{
	return i ? i->uidvalidity : 0;
}

uint32_t imap_idle_uidnext(const struct imap_idle *i)
{
	return i ? i->uidnext : 0;
}

static int idle_cycle(struct imap_idle *i, bool *new_mail, char **reterr)
{
	const struct mailimap_selection_info *si;
	_cleanup_free_ char *err = NULL;
	int r;

	if (!i->sess.imap || !i->sess.imap->imap_stream || i->sess.broken) {
		*reterr = strdup("not connected");
		return -ENOTCONN;
	}
	if (i->idling) {
		i->idling = false;
		r = mailimap_idle_done(i->sess.imap);
		/* What arrived before a failure still counts. */
		si = i->sess.imap->imap_selection_info;
		if (si && (si->sel_has_exists || si->sel_has_recent))
			*new_mail = true;
		if (r != MAILIMAP_NO_ERROR) {
			if (r == MAILIMAP_ERROR_EXTENSION) {
				/* DONE answered NO/BAD: the session's state is unclear. */
				i->sess.broken = true;
				r = -EPROTO;
				err = strdup("DONE refused");
			} else
				r = imap_fail(&i->sess, r, "DONE", &err);
			*reterr = strdup_printf("%s: %s", i->sess.where, strempty(err));
			return r;
		}
		if (si && si->sel_has_exists)
			log_debug("account '%s': folder '%s' now has %" PRIu32 " messages", i->sess.a->name,
				  i->folder, si->sel_exists);
	}
	r = idle_enter(i, &err);
	if (r < 0) {
		*reterr = strdup_printf("%s: %s", i->sess.where, strempty(err));
		return r;
	}
	return 0;
}

int imap_idle_cycle(struct imap_idle *i, bool *new_mail, char **reterr)
{
	char *err = NULL;
	sigset_t old;
	int r;

	*new_mail = false;
	if (!i) {
		*reterr = strdup("no IDLE session");
		return -EINVAL;
	}
	sigpipe_block(&old);
	r = idle_cycle(i, new_mail, &err);
	sigpipe_restore(&old);
	if (r < 0) {
		*reterr = err ? err : strdup(strerror(-r));
		return r;
	}
	free(err);
	return 0;
}

struct imap_idle *imap_idle_free(struct imap_idle *i)
{
	sigset_t old;

	if (!i)
		return NULL;
	sigpipe_block(&old);
	if (i->sess.imap && i->sess.imap->imap_stream && !i->sess.broken) {
		/* Leave IDLE before LOGOUT, without waiting long for it. */
		imap_set_stream_timeout(&i->sess, IMAP_IDLE_START_SEC);
		if (i->idling && mailimap_idle_done(i->sess.imap) != MAILIMAP_NO_ERROR)
			i->sess.broken = true;
		i->idling = false;
	}
	imap_session_close(&i->sess);
	sigpipe_restore(&old);
	free(i->folder);
	free(i->raw);
	free(i);
	return NULL;
}
