/* SPDX-License-Identifier: MIT */
#include <grp.h>
#include <inttypes.h>
#include <pwd.h>
#include <signal.h>
#include <sys/epoll.h>
#include <sys/stat.h>

#include <systemd/sd-daemon.h>
#include <systemd/sd-event.h>

#include "clock.h"
#include "daemon.h"
#include "imap-sync.h"
#include "jobs.h"
#include "log.h"

int daemon_load_config(const char *path, struct conf **ret)
{
	_cleanup_(diag_done) struct diag d = {};
	_cleanup_conf_free_ struct conf *c = NULL;
	int r;

	r = conf_load(path, &c, &d);
	for (char **l = d.lines; l && *l; l++)
		fprintf(stderr, "%s\n", *l);
	if (r < 0)
		return r;
	if (r > 0 || d.n_errors > 0) {
		log_error("%u problem%s in '%s'", d.n_errors, d.n_errors == 1 ? "" : "s", path);
		return -EINVAL;
	}
	*ret = TAKE_PTR(c);
	return 0;
}

int daemon_drop_privileges(const struct conf *c)
{
	struct passwd pw, *result = NULL;
	char buf[4096];
	int r;

	if (geteuid() != 0)
		return 0;
	if (isempty(c->user)) {
		log_warning("running as root: set [daemon] user to run as an unprivileged user");
		return 0;
	}
	r = getpwnam_r(c->user, &pw, buf, sizeof(buf), &result);
	if (r != 0 || !result)
		return log_error_errno(r ? r : ENOENT, "Unknown [daemon] user '%s'", c->user);
	if (initgroups(pw.pw_name, pw.pw_gid) < 0 || setresgid(pw.pw_gid, pw.pw_gid, pw.pw_gid) < 0 ||
	    setresuid(pw.pw_uid, pw.pw_uid, pw.pw_uid) < 0)
		return log_error_errno(errno, "Failed to switch to user '%s': %m", c->user);
	log_debug("now running as '%s'", c->user);
	return 0;
}

/* Root opening a database that belongs to the daemon's user (redflag run
 * with sudo) would leave root-owned -wal/-shm files the daemon then cannot
 * write: become the file's owner first. */
static int become_database_owner(const char *path)
{
	struct passwd pw, *result = NULL;
	char buf[4096];
	struct stat st;

	if (geteuid() != 0 || stat(path, &st) < 0 || st.st_uid == 0)
		return 0;
	if (getpwuid_r(st.st_uid, &pw, buf, sizeof(buf), &result) == 0 && result) {
		if (initgroups(pw.pw_name, st.st_gid) < 0)
			return log_error_errno(errno, "Failed to switch to the owner of '%s': %m", path);
	} else if (setgroups(0, NULL) < 0)
		return log_error_errno(errno, "Failed to switch to the owner of '%s': %m", path);
	if (setresgid(st.st_gid, st.st_gid, st.st_gid) < 0 || setresuid(st.st_uid, st.st_uid, st.st_uid) < 0)
		return log_error_errno(errno, "Failed to switch to the owner of '%s': %m", path);
	log_debug("now running as uid %u, the owner of '%s'", (unsigned) st.st_uid, path);
	return 0;
}

int daemon_open_store(const struct conf *c, bool readonly, struct store **ret)
{
	_cleanup_free_ char *err = NULL, *dir = NULL;
	char *slash;
	int r;

	r = become_database_owner(c->database);
	if (r < 0)
		return r;

	if (!readonly) {
		dir = strdup(c->database);
		if (!dir)
			return log_error_errno(ENOMEM, "Out of memory");
		slash = strrchr(dir, '/');
		if (slash && slash != dir) {
			*slash = '\0';
			if (mkdir(dir, 0700) < 0 && errno != EEXIST)
				return log_error_errno(errno, "Failed to create '%s': %m", dir);
		}
		r = store_open(c->database, ret, &err);
	} else
		r = store_open_readonly(c->database, ret, &err);
	if (r == -ENOENT && readonly)
		return log_error_errno(r, "No database at '%s' yet: run 'redflagd --once' first",
				       c->database);
	if (r < 0)
		return log_error_errno(r, "Failed to open the database '%s': %s", c->database,
				       err ? err : strerror(-r));
	return 0;
}

int daemon_load_lexicon(const struct conf *c, struct lexicon **ret)
{
	_cleanup_(diag_done) struct diag d = {};
	int r;

	r = lexicon_load_default(c ? c->lexicon_dir : NULL, ret, &d);
	for (char **l = d.lines; l && *l; l++)
		log_warning("%s, skipping", *l);
	if (r < 0)
		return log_error_errno(r, "Failed to load the tone lexicons: %m");
	return 0;
}

/* ---- the loop ---------------------------------------------------------- */

/* IDLE push (DESIGN.md: "Push when the server has IDLE"): one connection per
 * folder of idle_folders; new mail triggers a sync of that account after a
 * short debounce. The poll timer keeps running for every folder. */
#define IDLE_DEBOUNCE_USEC (2 * USEC_PER_SEC)
#define IDLE_BACKOFF_MIN_USEC (10 * USEC_PER_SEC)
#define IDLE_BACKOFF_MAX_USEC (15 * 60 * USEC_PER_SEC)
#define IDLE_RETRY_AFTER_FALLBACK_USEC (60 * 60 * USEC_PER_SEC)
#define IDLE_MAX_FAILURES 2U

struct manager;

struct idle_watch {
	struct manager *m;
	size_t account;           /* index in m->conf->accounts */
	const char *folder;       /* the idle_folders entry (owned by m->conf) */
	struct imap_idle *session;
	sd_event_source *io;      /* the session's socket */
	sd_event_source *timer;   /* reconnect, re-issue IDLE, or buffered input */
	usec_t backoff;           /* last reconnect delay, 0 after a good cycle */
	unsigned idle_failures;   /* IDLE commands failed in a row */
};

struct manager {
	const char *config_path;
	struct conf *conf;
	struct store *store;
	struct lexicon *lexicon;
	sd_event *event;
	sd_event_source *timer;
	unsigned passes;
	usec_t last_pass;         /* CLOCK_MONOTONIC end of the last full pass */
	struct idle_watch *watches;
	size_t n_watches;
	bool *sync_wanted;        /* per account: new mail seen by IDLE */
	sd_event_source *debounce;
	usec_t watchdog_usec;     /* 0: no watchdog */
	usec_t watchdog_last;     /* last ping sent from inside a pass */
};

/* Between batches, folders and accounts of a pass (which blocks the loop):
 * keep the watchdog fed, and stop early when SIGTERM or SIGINT is waiting
 * (they are blocked and read by the loop, so they show as pending). */
static bool on_progress(void *userdata)
{
	struct manager *m = userdata;
	sigset_t pending;
	usec_t now = clock_monotonic();

	if (m->watchdog_usec > 0 && now - m->watchdog_last >= m->watchdog_usec / 4) {
		sd_notify(false, "WATCHDOG=1");
		m->watchdog_last = now;
	}
	if (sigpending(&pending) == 0 && (sigismember(&pending, SIGTERM) || sigismember(&pending, SIGINT))) {
		sd_notify(false, "STOPPING=1\nSTATUS=Stopping after the current batch");
		return false;
	}
	return true;
}

static int manager_schedule(struct manager *m);

static void manager_status(struct manager *m, const struct jobs_stats *st)
{
	unsigned pending = 0;
	int64_t next = 0;

	(void) store_outbox_pending(m->store, &pending, &next);
	sd_notifyf(false, "STATUS=Watching %zu account%s; last pass: %u new messages, %u alerts sent, %u waiting",
		   m->conf->n_accounts, m->conf->n_accounts == 1 ? "" : "s", st->messages_stored,
		   st->alerts_sent, pending);
}

static int on_timer(sd_event_source *s, uint64_t usec, void *userdata)
{
	struct manager *m = userdata;
	struct jobs_stats st = {};

	/* This pass syncs every account: what IDLE asked for is covered. */
	m->debounce = sd_event_source_unref(m->debounce);
	for (size_t i = 0; m->sync_wanted && i < m->conf->n_accounts; i++)
		m->sync_wanted[i] = false;

	(void) jobs_run_pass(m->conf, m->store, m->lexicon, true, &st);
	m->passes++;
	m->last_pass = clock_monotonic();
	manager_status(m, &st);
	return manager_schedule(m);
}

/* The next full pass: poll_interval after the last one (a sync triggered by
 * IDLE does not postpone it), sooner when an alert waits for a retry. */
static int manager_schedule(struct manager *m)
{
	usec_t now = clock_monotonic(), when = m->last_pass + (usec_t) m->conf->poll_interval * USEC_PER_SEC;
	unsigned pending = 0;
	int64_t next = 0, wall = clock_now();

	/* Only when alerts can be sent at all, and never sooner than the retry
	 * delay: a stuck item must not turn the loop into a busy one. */
	if (m->conf->has_smtp && store_outbox_pending(m->store, &pending, &next) >= 0 && pending > 0) {
		usec_t until = next > wall ? (usec_t) (next - wall) * USEC_PER_SEC : 0;
		usec_t floor = (usec_t) MAX(m->conf->smtp_retry_min, 1U) * USEC_PER_SEC;

		when = MIN(when, now + MAX(until, floor));
	}
	if (m->passes == 0 || when < now)
		when = now;
	m->timer = sd_event_source_unref(m->timer);
	return sd_event_add_time(m->event, &m->timer, CLOCK_MONOTONIC, when, USEC_PER_SEC, on_timer, m);
}

/* ---- IDLE ---------------------------------------------------------------- */

static const struct conf_account *watch_account(const struct idle_watch *w)
{
	return &w->m->conf->accounts[w->account];
}

/* The sync IDLE asked for: the accounts with new mail, then evaluation and
 * delivery, like the timer's pass. */
static int on_debounce(sd_event_source *s, uint64_t usec, void *userdata)
{
	struct manager *m = userdata;
	struct jobs_stats st = {};
	bool any = false;

	m->debounce = sd_event_source_unref(m->debounce);
	for (size_t i = 0; i < m->conf->n_accounts; i++) {
		const struct conf_account *a = &m->conf->accounts[i];
		_cleanup_free_ char *err = NULL;
		struct sync_stats ss = {};
		int r;

		if (!m->sync_wanted[i])
			continue;
		m->sync_wanted[i] = false;
		any = true;
		r = imap_sync_account(m->conf, a, m->store, m->lexicon, &ss, &err);
		if (r < 0) {
			log_error("account '%s': %s", a->name, err ? err : strerror(-r));
			st.accounts_failed++;
			continue;
		}
		log_info("account '%s' (sync asked by IDLE): %u folders, %u messages fetched, %u new",
			 a->name, ss.folders, ss.fetched, ss.stored);
		st.messages_stored += ss.stored;
	}
	if (!any)
		return 0;
	(void) jobs_evaluate_and_deliver(m->conf, m->store, &st);
	manager_status(m, &st);
	return manager_schedule(m);
}

static void manager_want_sync(struct manager *m, size_t account)
{
	int r;

	m->sync_wanted[account] = true;
	if (m->debounce)
		return; /* coalesced with the sync already due */
	r = sd_event_add_time_relative(m->event, &m->debounce, CLOCK_MONOTONIC, IDLE_DEBOUNCE_USEC,
				       USEC_PER_SEC / 10, on_debounce, m);
	if (r < 0)
		log_warning_errno(r, "Failed to schedule the sync of account '%s', the next poll will do it: %m",
				  m->conf->accounts[account].name);
}

static void idle_watch_disconnect(struct idle_watch *w)
{
	/* The event source first: the socket closes with the session. */
	w->io = sd_event_source_unref(w->io);
	w->session = imap_idle_free(w->session);
}

static int on_idle_timer(sd_event_source *s, uint64_t usec, void *userdata);

static void idle_watch_arm(struct idle_watch *w, usec_t delay)
{
	int r;

	w->timer = sd_event_source_unref(w->timer);
	r = sd_event_add_time_relative(w->m->event, &w->timer, CLOCK_MONOTONIC, delay, USEC_PER_SEC,
				       on_idle_timer, w);
	if (r < 0)
		log_warning_errno(r, "account '%s': cannot arm the IDLE timer of '%s', the folder is polled: %m",
				  watch_account(w)->name, w->folder);
}

static char *format_delay(usec_t u, char buf[static 32])
{
	uint64_t s = u / USEC_PER_SEC;

	if (s >= 3600 && s % 3600 == 0)
		snprintf(buf, 32, "%" PRIu64 "h", s / 3600);
	else if (s >= 60 && s % 60 == 0)
		snprintf(buf, 32, "%" PRIu64 "min", s / 60);
	else
		snprintf(buf, 32, "%" PRIu64 "s", s);
	return buf;
}

/* After a failure: reconnect later, with a doubling delay (10 s .. 15 min);
 * after IDLE itself failed twice in a row, leave the folder to the poll
 * timer for an hour. */
static void idle_watch_failed(struct idle_watch *w, int r, const char *err)
{
	const struct conf_account *a = watch_account(w);
	char buf[32];

	idle_watch_disconnect(w);
	if (r == -EREMOTEIO && ++w->idle_failures >= IDLE_MAX_FAILURES) {
		log_warning("account '%s': IDLE on '%s' failed %u times in a row (%s), falling back to polling "
			    "every %us; will try IDLE again in %s",
			    a->name, w->folder, w->idle_failures, strempty(err), w->m->conf->poll_interval,
			    format_delay(IDLE_RETRY_AFTER_FALLBACK_USEC, buf));
		w->idle_failures = 0;
		w->backoff = 0;
		idle_watch_arm(w, IDLE_RETRY_AFTER_FALLBACK_USEC);
		return;
	}
	w->backoff = w->backoff == 0 ? IDLE_BACKOFF_MIN_USEC : MIN(w->backoff * 2, IDLE_BACKOFF_MAX_USEC);
	log_warning("account '%s': IDLE on '%s': %s, will retry in %s", a->name, w->folder, strempty(err),
		    format_delay(w->backoff, buf));
	idle_watch_arm(w, w->backoff);
}

/* Re-issue IDLE later, or at once when input already waits in libetpan's
 * buffer (it came with the "+" line: epoll would not report it). Bytes that
 * GnuTLS decrypted but libetpan has not read yet are invisible too; they are
 * small untagged lines in practice, and the re-issue bounds the delay. */
static void idle_watch_rearm(struct idle_watch *w)
{
	idle_watch_arm(w, imap_idle_has_buffered(w->session) ? 0 : (usec_t) IMAP_IDLE_REISSUE_SEC * USEC_PER_SEC);
}

static void idle_watch_cycle(struct idle_watch *w)
{
	_cleanup_free_ char *err = NULL;
	bool new_mail = false;
	int r;

	r = imap_idle_cycle(w->session, &new_mail, &err);
	if (new_mail) {
		log_debug("account '%s': new mail in '%s'", watch_account(w)->name, w->folder);
		manager_want_sync(w->m, w->account);
	}
	if (r < 0) {
		idle_watch_failed(w, r, err);
		return;
	}
	w->idle_failures = 0;
	w->backoff = 0;
	idle_watch_rearm(w);
}

static int on_idle_io(sd_event_source *s, int fd, uint32_t revents, void *userdata)
{
	idle_watch_cycle(userdata);
	return 0;
}

static void idle_watch_connect(struct idle_watch *w)
{
	const struct conf_account *a = watch_account(w);
	_cleanup_free_ char *err = NULL;
	uint32_t uidvalidity = 0, last_uid = 0, uidnext;
	int r, fd;

	r = imap_idle_start(a, w->folder, &w->session, &err);
	if (r == -EOPNOTSUPP) {
		log_notice("account '%s': %s; '%s' is polled every %us", a->name, strempty(err), w->folder,
			   w->m->conf->poll_interval);
		return;
	}
	if (r == -ENOENT) {
		log_warning("account '%s': %s; not watching it with IDLE", a->name, strempty(err));
		return;
	}
	if (r < 0) {
		idle_watch_failed(w, r, err);
		return;
	}
	fd = imap_idle_fd(w->session);
	r = fd < 0 ? fd : sd_event_add_io(w->m->event, &w->io, fd, EPOLLIN, on_idle_io, w);
	if (r < 0) {
		idle_watch_failed(w, r, "cannot watch the connection");
		return;
	}
	log_info("account '%s': folder '%s' watched with IDLE", a->name, imap_idle_folder(w->session));

	/* Mail that arrived while not idling (start-up, reconnect): sync now
	 * rather than at the next poll. Before the first pass, that pass
	 * does it. */
	uidnext = imap_idle_uidnext(w->session);
	r = store_folder_get(w->m->store, a->name, imap_idle_folder(w->session), &uidvalidity, &last_uid);
	if (r < 0)
		log_warning("account '%s': cannot read the state of '%s': %s", a->name, w->folder,
			    store_error(w->m->store));
	else if (w->m->passes > 0 &&
		 (r == 0 || uidvalidity != imap_idle_uidvalidity(w->session) ||
		  (uidnext > 0 && (uint64_t) last_uid + 1 < uidnext)))
		manager_want_sync(w->m, w->account);
	idle_watch_rearm(w);
}

static int on_idle_timer(sd_event_source *s, uint64_t usec, void *userdata)
{
	struct idle_watch *w = userdata;

	w->timer = sd_event_source_unref(w->timer);
	if (w->session)
		idle_watch_cycle(w);
	else
		idle_watch_connect(w);
	return 0;
}

static void manager_idle_stop(struct manager *m)
{
	for (size_t i = 0; i < m->n_watches; i++) {
		m->watches[i].timer = sd_event_source_unref(m->watches[i].timer);
		idle_watch_disconnect(&m->watches[i]);
	}
	free(m->watches);
	m->watches = NULL;
	m->n_watches = 0;
	m->debounce = sd_event_source_unref(m->debounce);
	free(m->sync_wanted);
	m->sync_wanted = NULL;
}

/* One watch per idle_folders entry of every account; each connects from
 * the loop (a timer at once), never before READY=1. */
static int manager_idle_start(struct manager *m)
{
	size_t n = 0, k = 0;

	m->sync_wanted = calloc(MAX(m->conf->n_accounts, 1), sizeof(bool));
	if (!m->sync_wanted)
		return -ENOMEM;
	for (size_t i = 0; i < m->conf->n_accounts; i++)
		n += strv_length(m->conf->accounts[i].idle_folders);
	if (n == 0)
		return 0;
	m->watches = calloc(n, sizeof(struct idle_watch));
	if (!m->watches)
		return -ENOMEM;
	for (size_t i = 0; i < m->conf->n_accounts; i++)
		for (char **f = m->conf->accounts[i].idle_folders; f && *f; f++) {
			m->watches[k] = (struct idle_watch) { .m = m, .account = i, .folder = *f };
			idle_watch_arm(&m->watches[k], 0);
			k++;
		}
	m->n_watches = k;
	return 0;
}

static int on_reload(sd_event_source *s, const struct signalfd_siginfo *si, void *userdata)
{
	struct manager *m = userdata;
	struct conf *nc = NULL;
	struct lexicon *nl = NULL;

	sd_notifyf(false, "RELOADING=1\nSTATUS=Reloading configuration\nMONOTONIC_USEC=%llu",
		   (unsigned long long) clock_monotonic());
	if (daemon_load_config(m->config_path, &nc) < 0) {
		log_error("Reload failed, keeping the previous configuration");
		sd_notify(false, "READY=1\nSTATUS=Reload failed, keeping previous configuration");
		return 0;
	}
	if (!streq(nc->database, m->conf->database))
		log_warning("[daemon] database changed: restart redflagd to use '%s'", nc->database);
	if (daemon_load_lexicon(nc, &nl) >= 0) {
		lexicon_free(m->lexicon);
		m->lexicon = nl;
	}
	/* The IDLE connections use the old accounts: rebuild them. */
	manager_idle_stop(m);
	conf_free(m->conf);
	m->conf = nc;
	if (manager_idle_start(m) < 0)
		log_error("Out of memory: no IDLE until the next reload, every folder is polled");
	log_info("configuration reloaded");
	sd_notify(false, "READY=1\nSTATUS=Configuration reloaded");
	return manager_schedule(m);
}

static int on_terminate(sd_event_source *s, const struct signalfd_siginfo *si, void *userdata)
{
	struct manager *m = userdata;

	sd_notify(false, "STOPPING=1\nSTATUS=Stopping");
	return sd_event_exit(m->event, 0);
}

int daemon_run(const char *config_path)
{
	struct manager m = { .config_path = config_path };
	sigset_t mask;
	int r, ret = EXIT_FAILURE;

	r = daemon_load_config(config_path, &m.conf);
	if (r < 0) {
		sd_notifyf(false, "STATUS=Failed: configuration '%s' has errors\nERRNO=%d", config_path, -r);
		return EXIT_FAILURE;
	}
	if (daemon_drop_privileges(m.conf) < 0 || daemon_open_store(m.conf, false, &m.store) < 0 ||
	    daemon_load_lexicon(m.conf, &m.lexicon) < 0)
		goto finish;

	sigemptyset(&mask);
	sigaddset(&mask, SIGTERM);
	sigaddset(&mask, SIGINT);
	sigaddset(&mask, SIGHUP);
	if (sigprocmask(SIG_BLOCK, &mask, NULL) < 0) {
		log_error_errno(errno, "Failed to block signals: %m");
		goto finish;
	}
	r = sd_event_default(&m.event);
	if (r < 0) {
		log_error_errno(r, "Failed to create the event loop: %m");
		goto finish;
	}
	if ((r = sd_event_add_signal(m.event, NULL, SIGTERM, on_terminate, &m)) < 0 ||
	    (r = sd_event_add_signal(m.event, NULL, SIGINT, on_terminate, &m)) < 0 ||
	    (r = sd_event_add_signal(m.event, NULL, SIGHUP, on_reload, &m)) < 0 ||
	    (r = manager_schedule(&m)) < 0 || (r = manager_idle_start(&m)) < 0) {
		log_error_errno(r, "Failed to set up the event loop: %m");
		goto finish;
	}
	r = sd_event_set_watchdog(m.event, true);
	if (r < 0)
		log_warning_errno(r, "Watchdog requested but unusable, continuing without it: %m");
	else if (r > 0 && sd_watchdog_enabled(false, &m.watchdog_usec) <= 0)
		m.watchdog_usec = 0;
	imap_sync_set_progress(on_progress, &m);
	sd_notifyf(false, "READY=1\nSTATUS=Watching %zu account%s", m.conf->n_accounts,
		   m.conf->n_accounts == 1 ? "" : "s");
	log_info("redflagd started: %zu accounts, %zu clients", m.conf->n_accounts, m.conf->n_clients);
	r = sd_event_loop(m.event);
	if (r < 0)
		log_error_errno(r, "Event loop failed: %m");
	else
		ret = EXIT_SUCCESS;
finish:
	imap_sync_set_progress(NULL, NULL);
	manager_idle_stop(&m);
	m.timer = sd_event_source_unref(m.timer);
	m.event = sd_event_unref(m.event);
	m.lexicon = lexicon_free(m.lexicon);
	m.store = store_close(m.store);
	m.conf = conf_free(m.conf);
	return ret;
}
