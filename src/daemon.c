/* SPDX-License-Identifier: MIT */
#include <grp.h>
#include <pwd.h>
#include <signal.h>
#include <sys/stat.h>

#include <systemd/sd-daemon.h>
#include <systemd/sd-event.h>

#include "clock.h"
#include "daemon.h"
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

int daemon_open_store(const struct conf *c, bool readonly, struct store **ret)
{
        _cleanup_free_ char *err = NULL, *dir = NULL;
        char *slash;
        int r;

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

struct manager {
        const char *config_path;
        struct conf *conf;
        struct store *store;
        struct lexicon *lexicon;
        sd_event *event;
        sd_event_source *timer;
        unsigned passes;
};

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

        (void) jobs_run_pass(m->conf, m->store, m->lexicon, true, &st);
        m->passes++;
        manager_status(m, &st);
        return manager_schedule(m);
}

static int manager_schedule(struct manager *m)
{
        uint64_t delay = (uint64_t) m->conf->poll_interval * USEC_PER_SEC;
        unsigned pending = 0;
        int64_t next = 0, now = clock_now();

        /* Come back sooner when an alert waits for a retry. */
        if (store_outbox_pending(m->store, &pending, &next) >= 0 && pending > 0) {
                uint64_t until = next > now ? (uint64_t) (next - now) * USEC_PER_SEC : USEC_PER_SEC;
                delay = MIN(delay, until);
        }
        if (m->passes == 0)
                delay = 0;
        m->timer = sd_event_source_unref(m->timer);
        return sd_event_add_time_relative(m->event, &m->timer, CLOCK_MONOTONIC, delay, USEC_PER_SEC,
                                          on_timer, m);
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
        conf_free(m->conf);
        m->conf = nc;
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
            (r = manager_schedule(&m)) < 0) {
                log_error_errno(r, "Failed to set up the event loop: %m");
                goto finish;
        }
        r = sd_event_set_watchdog(m.event, true);
        if (r < 0)
                log_warning_errno(r, "Watchdog requested but unusable, continuing without it: %m");
        sd_notifyf(false, "READY=1\nSTATUS=Watching %zu account%s", m.conf->n_accounts,
                   m.conf->n_accounts == 1 ? "" : "s");
        log_info("redflagd started: %zu accounts, %zu clients", m.conf->n_accounts, m.conf->n_clients);
        r = sd_event_loop(m.event);
        if (r < 0)
                log_error_errno(r, "Event loop failed: %m");
        else
                ret = EXIT_SUCCESS;
finish:
        m.timer = sd_event_source_unref(m.timer);
        m.event = sd_event_unref(m.event);
        m.lexicon = lexicon_free(m.lexicon);
        m.store = store_close(m.store);
        m.conf = conf_free(m.conf);
        return ret;
}
