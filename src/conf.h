/* SPDX-License-Identifier: MIT */
#pragma once

/* The configuration file (INI style, see redflagd.conf(5) and DESIGN.md).
 * Table-driven parser: every problem is collected as "FILE:LINE: message";
 * unknown sections and keys are errors. conf_parse() is pure (no I/O) so it
 * can be fuzzed; conf_load() reads the file and then checks what needs the
 * file system (secret files, CA files, the daemon user). */

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include <glib.h>

#include "model.h"
#include "timewin.h"
#include "util.h"

enum tls_mode {
	TLS_REQUIRED, /* imaps:// implicit TLS, imap:// STARTTLS; smtps:// / smtp:// STARTTLS */
	TLS_NONE,     /* clear text: only accepted for 127.0.0.1 / ::1 / localhost */
	_TLS_MODE_MAX,
	_TLS_MODE_INVALID = -EINVAL,
};

enum auth_method {
	AUTH_LOGIN,   /* IMAP LOGIN / SMTP AUTH with a password */
	AUTH_XOAUTH2, /* token from token_command */
	_AUTH_METHOD_MAX,
	_AUTH_METHOD_INVALID = -EINVAL,
};

/* Where a secret comes from: exactly one of these is set. */
struct conf_secret {
	char *file;       /* password_file */
	char *credential; /* password_credential: $CREDENTIALS_DIRECTORY/NAME */
	char **command;   /* password_command or token_command, as argv (no shell) */
	unsigned line;    /* line of the key, for messages */
};

/* A parsed server URL. */
struct conf_url {
	char *url;      /* as written */
	char *scheme;   /* "imaps", "imap", "smtps", "smtp" */
	char *host;     /* without brackets for IPv6 */
	uint16_t port;  /* default from the scheme when absent */
	bool implicit_tls;
};

struct symbol_params {
	double weight;
	double pink;
	double red;
};

struct conf_thresholds {
	double pink_score;   /* default 40 */
	double red_score;    /* default 70 */
	double cooldown_days; /* default 7 */
	double volume_burst; /* default 2.0 */
	struct symbol_params sym[_SYMBOL_MAX];
	/* COST: pink/red NAN mean "from [owner] min_hourly_rate" (red = half). */
};

struct conf_account {
	char *name; /* [account "NAME"] */
	unsigned line;
	struct conf_url url;
	enum tls_mode tls;
	char *ca_file;   /* NULL: system store */
	char *username;
	enum auth_method auth;
	struct conf_secret secret; /* password_file / password_credential / password_command / token_command */
	char **folders;      /* "INBOX", "Clients/STAR": '/' = server delimiter, '*' and '%' patterns;
				default { "INBOX" }, never NULL after conf_parse() */
	char **idle_folders; /* at most 4; default { "INBOX" } when folders has INBOX, else empty */
};

struct conf_client {
	char *id; /* [client "ID"] */
	unsigned line;
	char *name;              /* display name, default: id */
	char **addresses;        /* lower-case; "jean@acme.example" or "*@acme.example" */
	struct timewin_set meetings;
	bool has_meetings;
	char *timezone;          /* default: owner's */
	GTimeZone *tz;           /* resolved */
	double revenue_per_month; /* 0 = unset (no COST) */
	double minutes_per_message; /* default 6 */
	struct conf_thresholds th; /* effective: [thresholds] with this client's overrides */
};

struct conf {
	char *path;

	/* [daemon] */
	char *database;        /* default LOCALSTATEDIR/lib/redflagd/redflagd.db */
	unsigned poll_interval; /* seconds, default 300 */
	unsigned backfill_days; /* default 120 */
	unsigned retention_days; /* default 365 */
	bool store_evidence;   /* default yes */
	char *user;            /* NULL: stay who we are */
	char *lexicon_dir;     /* NULL: built-in default */

	/* [owner] */
	char *owner_name;
	char *owner_email;     /* where alerts go (required for alerts) */
	char **owner_addresses; /* lower-case, may hold "*@domain"; never match a client;
				   default { owner_email } (empty when no email) */
	char *owner_language;  /* "fr" | "en", default "en" */
	char *owner_timezone;  /* NULL when unset: the system's local zone */
	GTimeZone *owner_tz;   /* always set: the zone named, or the local zone */
	struct timewin_set business_hours; /* default mon-fri 09:00-18:00 */
	double min_hourly_rate; /* 0 = unset */

	/* [smtp] */
	bool has_smtp;
	struct conf_url smtp_url;
	enum tls_mode smtp_tls;
	char *smtp_ca_file;
	char *smtp_username;
	struct conf_secret smtp_secret;
	char *smtp_from;       /* "redflagd <redflagd@example>", default "redflagd <owner_email>" */
	unsigned smtp_retry_min; /* seconds, default 60, doubling up to 3600 */

	struct conf_account *accounts;
	size_t n_accounts;

	struct conf_thresholds th; /* [thresholds] (global) */

	struct conf_client *clients;
	size_t n_clients;

	/* Attribution index, built by conf_parse(). */
	GHashTable *by_address; /* exact address -> struct conf_client* */
	GHashTable *by_domain;  /* domain -> struct conf_client* */
};

/* Pure: parses buf (len bytes, need not be NUL-terminated). Messages use
 * `path` as FILE. Returns the number of errors (>= 0) and always sets *ret
 * (possibly partial) unless OOM (-ENOMEM). Every problem is added to diag. */
int conf_parse(const char *path, const char *buf, size_t len, struct conf **ret, struct diag *diag);

/* conf_parse() + checks that need the file system: secret files must exist,
 * be owned by root or the daemon user ([daemon] user, or the effective user
 * when it is not set) and not be world-readable; a file naming a
 * password_command/token_command must pass the same check itself; ca_file
 * readable; [daemon] user exists. password_credential is not checked (it only
 * exists under systemd). Returns the number of errors, -errno when the file
 * itself cannot be read (one "PATH: cannot read: ..." line in diag). */
int conf_load(const char *path, struct conf **ret, struct diag *diag);

struct conf *conf_free(struct conf *c);
DEFINE_TRIVIAL_CLEANUP_FUNC(struct conf *, conf_free)
#define _cleanup_conf_free_ _cleanup_(conf_freep)

/* Default thresholds of DESIGN.md (used by conf_parse, and by tests). */
void conf_thresholds_default(struct conf_thresholds *th);

enum sender_kind {
	SENDER_CLIENT,
	SENDER_OWNER,
	SENDER_UNKNOWN,
	_SENDER_KIND_MAX,
	_SENDER_KIND_INVALID = -EINVAL,
};

/* Attribution of a sender address (any case) at evaluation time: the owner's
 * addresses first, then an exact client address, then a *@domain pattern. */
enum sender_kind conf_classify_sender(const struct conf *c, const char *address,
				      const struct conf_client **ret_client);

const struct conf_client *conf_find_client(const struct conf *c, const char *id);
const struct conf_account *conf_find_account(const struct conf *c, const char *name);

/* Is this host a loopback address (127.0.0.0/8, ::1, "localhost")? */
bool conf_host_is_loopback(const char *host);
