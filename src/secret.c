/* SPDX-License-Identifier: MIT */
#include <fcntl.h>
#include <poll.h>
#include <pwd.h>
#include <signal.h>
#include <stdarg.h>
#include <spawn.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>

#include "secret.h"

#define SECRET_MAX (64U * 1024U) /* bytes of a secret file or helper output */
#define SECRET_COMMAND_TIMEOUT_SEC 30U

extern char **environ;

/* Variables that belong to the daemon's supervisor, never to a helper. */
static const char *const env_drop[] = {
	"NOTIFY_SOCKET", "WATCHDOG_USEC", "WATCHDOG_PID",
	"LISTEN_FDS",    "LISTEN_PID",    "LISTEN_FDNAMES",
};

char *secret_free(char *s)
{
	if (s) {
		explicit_bzero(s, strlen(s));
		free(s);
	}
	return NULL;
}

static int set_err(char **reterr, int r, const char *fmt, ...) _printf_(3, 4);
static int set_err(char **reterr, int r, const char *fmt, ...)
{
	va_list ap;
	char *s = NULL;

	if (!reterr)
		return r;
	va_start(ap, fmt);
	if (vasprintf(&s, fmt, ap) < 0)
		s = NULL;
	va_end(ap);
	*reterr = s;
	return r;
}

static char *user_name(uid_t uid)
{
	struct passwd pw, *res = NULL;
	char buf[4096];

	if (getpwuid_r(uid, &pw, buf, sizeof(buf), &res) == 0 && res)
		return strdup_printf("'%s' (uid %u)", res->pw_name, (unsigned) uid);
	return strdup_printf("uid %u", (unsigned) uid);
}

int secret_check_file(const char *path, uid_t owner_uid, char **reterr)
{
	_cleanup_close_ int fd = -EBADF;
	struct stat st;

	if (isempty(path))
		return set_err(reterr, -EINVAL, "empty file name");
	/* O_PATH: we only look at the inode, we need no read permission; with
	 * O_NOFOLLOW a final symbolic link is opened as the link itself. */
	fd = open(path, O_PATH | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0) {
		int e = errno;

		if (e == ENOENT)
			return set_err(reterr, -e, "'%s' does not exist", path);
		return set_err(reterr, -e, "'%s' cannot be opened: %s", path, strerror(e));
	}
	if (fstat(fd, &st) < 0) {
		int e = errno;

		return set_err(reterr, -e, "'%s' cannot be examined: %s", path, strerror(e));
	}
	if (S_ISLNK(st.st_mode))
		return set_err(reterr, -ELOOP, "'%s' is a symbolic link: name the file itself",
			       path);
	if (!S_ISREG(st.st_mode))
		return set_err(reterr, -EINVAL, "'%s' is not a regular file", path);
	if (st.st_uid != 0 && (owner_uid == (uid_t) -1 || st.st_uid != owner_uid)) {
		_cleanup_free_ char *who = user_name(st.st_uid), *daemon_user = NULL;

		if (owner_uid != (uid_t) -1 && owner_uid != 0)
			daemon_user = user_name(owner_uid);
		return set_err(reterr, -EPERM, "'%s' is owned by %s, not by root%s%s: chown it",
			       path, who ? who : "another user", daemon_user ? " or " : "",
			       strempty(daemon_user));
	}
	if (st.st_mode & S_IRWXO) {
		char bits[4];
		size_t n = 0;

		if (st.st_mode & S_IROTH)
			bits[n++] = 'r';
		if (st.st_mode & S_IWOTH)
			bits[n++] = 'w';
		if (st.st_mode & S_IXOTH)
			bits[n++] = 'x';
		bits[n] = '\0';
		return set_err(reterr, -EPERM, "'%s' is %s by everyone (mode %04o): chmod o-%s it",
			       path,
			       (st.st_mode & S_IROTH)   ? "readable"
			       : (st.st_mode & S_IWOTH) ? "writable"
							: "executable",
			       (unsigned) (st.st_mode & 07777), bits);
	}
	return 0;
}

/* A buffer that may hold secret bytes anywhere (even after a NUL): wiped
 * in full before it is freed. */
struct secret_buf {
	char *p;
	size_t size;
};

static void secret_buf_done(struct secret_buf *b)
{
	if (b->p) {
		explicit_bzero(b->p, b->size);
		free(b->p);
		b->p = NULL;
	}
}

static int secret_buf_alloc(struct secret_buf *b, size_t size)
{
	b->p = calloc(1, size);
	if (!b->p)
		return -ENOMEM;
	b->size = size;
	return 0;
}

/* Copies the first len bytes out as a string of their own. */
static int secret_buf_take(struct secret_buf *b, size_t len, char **ret)
{
	char *s = strndup(b->p, len);

	if (!s)
		return -ENOMEM;
	*ret = s;
	return 0;
}

/* Reads at most SECRET_MAX bytes into a buffer allocated once (no realloc
 * leaving copies behind), strips one trailing "\n" or "\r\n". `what` names
 * the source in messages. */
static int read_secret_file(const char *path, bool nofollow, const char *what, char **ret,
			    char **reterr)
{
	_cleanup_close_ int fd = -EBADF;
	_cleanup_(secret_buf_done) struct secret_buf sb = {};
	char *buf;
	size_t len = 0;
	struct stat st;

	fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY | (nofollow ? O_NOFOLLOW : 0));
	if (fd < 0) {
		int e = errno;

		return set_err(reterr, -e, "%s cannot be read: %s", what, strerror(e));
	}
	if (fstat(fd, &st) < 0) {
		int e = errno;

		return set_err(reterr, -e, "%s cannot be read: %s", what, strerror(e));
	}
	if (!S_ISREG(st.st_mode))
		return set_err(reterr, -EINVAL, "%s is not a regular file", what);
	/* Checked again on the file actually opened: the configuration was
	 * checked at load time, the file may have changed since. */
	if (st.st_mode & S_IRWXO)
		return set_err(reterr, -EPERM, "%s is readable by everyone (mode %04o): chmod o-rwx it", what,
			       (unsigned) (st.st_mode & 07777));
	if (st.st_uid != 0 && st.st_uid != geteuid())
		return set_err(reterr, -EPERM, "%s is owned by uid %u, not by root or the daemon's user", what,
			       (unsigned) st.st_uid);
	if (secret_buf_alloc(&sb, SECRET_MAX + 2) < 0)
		return -ENOMEM;
	buf = sb.p;
	for (;;) {
		ssize_t n = read(fd, buf + len, SECRET_MAX + 1 - len);

		if (n < 0) {
			int e = errno;

			if (e == EINTR)
				continue;
			return set_err(reterr, -e, "%s cannot be read: %s", what, strerror(e));
		}
		if (n == 0)
			break;
		len += (size_t) n;
		if (len > SECRET_MAX)
			return set_err(reterr, -EFBIG, "%s is larger than %u KiB", what,
				       SECRET_MAX / 1024);
	}
	if (memchr(buf, '\0', len))
		return set_err(reterr, -EINVAL, "%s contains a NUL byte", what);
	if (len > 0 && buf[len - 1] == '\n') {
		buf[--len] = '\0';
		if (len > 0 && buf[len - 1] == '\r')
			buf[--len] = '\0';
	}
	if (len == 0)
		return set_err(reterr, -EINVAL, "%s is empty", what);
	return secret_buf_take(&sb, len, ret);
}

static bool credential_name_is_valid(const char *name)
{
	if (isempty(name) || streq(name, ".") || streq(name, "..") || strlen(name) > 255)
		return false;
	return !strchr(name, '/');
}

int secret_get(const struct conf_secret *s, char **ret, char **reterr)
{
	if (!s)
		return set_err(reterr, -EINVAL, "no secret configured");
	if (s->file) {
		_cleanup_free_ char *what = strdup_printf("password_file '%s'", s->file);

		if (!what)
			return -ENOMEM;
		return read_secret_file(s->file, true, what, ret, reterr);
	}
	if (s->credential) {
		_cleanup_free_ char *what = NULL, *path = NULL;
		const char *dir = getenv("CREDENTIALS_DIRECTORY");
		int r;

		if (!credential_name_is_valid(s->credential))
			return set_err(reterr, -EINVAL, "bad password_credential name '%s'",
				       s->credential);
		if (isempty(dir))
			return set_err(
			    reterr, -ENOENT,
			    "password_credential '%s' not found in $CREDENTIALS_DIRECTORY "
			    "(not set: is LoadCredential= in the unit?)",
			    s->credential);
		path = strdup_printf("%s/%s", dir, s->credential);
		what = strdup_printf("password_credential '%s'", s->credential);
		if (!path || !what)
			return -ENOMEM;
		if (access(path, F_OK) < 0 && errno == ENOENT)
			return set_err(
			    reterr, -ENOENT,
			    "password_credential '%s' not found in $CREDENTIALS_DIRECTORY",
			    s->credential);
		r = read_secret_file(path, false, what, ret, reterr);
		return r;
	}
	if (s->command && s->command[0])
		return secret_run_command(s->command, SECRET_COMMAND_TIMEOUT_SEC, ret, reterr);
	return set_err(reterr, -EINVAL, "no secret configured");
}

static bool env_is_dropped(const char *entry)
{
	for (size_t i = 0; i < ELEMENTSOF(env_drop); i++) {
		size_t n = strlen(env_drop[i]);

		if (strncmp(entry, env_drop[i], n) == 0 && entry[n] == '=')
			return true;
	}
	return false;
}

/* The current environment minus the supervisor's variables. The strings
 * are borrowed from environ; only the array is allocated. */
static char **clean_environment(void)
{
	size_t n = 0, k = 0;
	char **env;

	for (char **e = environ; e && *e; e++)
		n++;
	env = calloc(n + 1, sizeof(char *));
	if (!env)
		return NULL;
	for (char **e = environ; e && *e; e++)
		if (!env_is_dropped(*e))
			env[k++] = *e;
	env[k] = NULL;
	return env;
}

static int64_t now_msec(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t) ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void kill_and_reap(pid_t pid)
{
	(void) kill(-pid, SIGKILL); /* the helper's process group */
	(void) kill(pid, SIGKILL);
	while (waitpid(pid, NULL, 0) < 0 && errno == EINTR)
		;
}

struct spawn_state {
	posix_spawn_file_actions_t fa;
	posix_spawnattr_t attr;
	bool fa_init, attr_init;
};

static void spawn_state_done(struct spawn_state *st)
{
	if (st->fa_init)
		posix_spawn_file_actions_destroy(&st->fa);
	if (st->attr_init)
		posix_spawnattr_destroy(&st->attr);
}

int secret_run_command(char *const *argv, unsigned timeout_sec, char **ret, char **reterr)
{
	_cleanup_(spawn_state_done) struct spawn_state sp = {};
	_cleanup_close_ int rfd = -EBADF, wfd = -EBADF;
	_cleanup_free_ char **env = NULL;
	_cleanup_(secret_buf_done) struct secret_buf sb = {};
	char *buf;
	size_t len = 0;
	bool eof = false, too_long = false;
	int64_t deadline;
	sigset_t none, all;
	pid_t pid;
	int pipefd[2], status = 0, r;

	if (!argv || !argv[0] || !*argv[0])
		return set_err(reterr, -EINVAL, "empty command");
	if (timeout_sec == 0)
		timeout_sec = SECRET_COMMAND_TIMEOUT_SEC;

	env = clean_environment();
	if (!env || secret_buf_alloc(&sb, SECRET_MAX + 1) < 0)
		return -ENOMEM;
	buf = sb.p;
	if (pipe2(pipefd, O_CLOEXEC) < 0) {
		int e = errno;

		return set_err(reterr, -e, "cannot run command '%s': pipe: %s", argv[0],
			       strerror(e));
	}
	rfd = pipefd[0];
	wfd = pipefd[1];

	r = posix_spawn_file_actions_init(&sp.fa);
	if (r != 0)
		return -r;
	sp.fa_init = true;
	r = posix_spawnattr_init(&sp.attr);
	if (r != 0)
		return -r;
	sp.attr_init = true;
	sigemptyset(&none);
	sigfillset(&all);
	/* stdin from /dev/null, stdout into the pipe, stderr inherited. */
	r = posix_spawn_file_actions_addopen(&sp.fa, STDIN_FILENO, "/dev/null", O_RDONLY, 0);
	if (r == 0)
		r = posix_spawn_file_actions_adddup2(&sp.fa, wfd, STDOUT_FILENO);
	/* A helper starts with no blocked signals and default dispositions
	 * (the daemon blocks the ones its event loop handles), in its own
	 * process group so a timeout can kill whatever it started. */
	if (r == 0)
		r = posix_spawnattr_setsigmask(&sp.attr, &none);
	if (r == 0)
		r = posix_spawnattr_setsigdefault(&sp.attr, &all);
	if (r == 0)
		r = posix_spawnattr_setpgroup(&sp.attr, 0);
	if (r == 0)
		r = posix_spawnattr_setflags(&sp.attr, POSIX_SPAWN_SETSIGMASK |
							   POSIX_SPAWN_SETSIGDEF |
							   POSIX_SPAWN_SETPGROUP);
	if (r != 0)
		return set_err(reterr, -r, "cannot run command '%s': %s", argv[0], strerror(r));

	r = posix_spawnp(&pid, argv[0], &sp.fa, &sp.attr, argv, env);
	if (r != 0)
		return set_err(reterr, -r, "cannot run command '%s': %s", argv[0], strerror(r));
	close(wfd);
	wfd = -EBADF;

	/* Read until EOF, or until the helper has exited and the pipe is
	 * empty (something it left running may keep the pipe open). Keep the
	 * first SECRET_MAX bytes, drain the rest. */
	deadline = now_msec() + (int64_t) timeout_sec * 1000;
	for (;;) {
		struct pollfd pfd = { .fd = rfd, .events = POLLIN };
		int64_t left = deadline - now_msec();
		siginfo_t si = {};
		ssize_t n;

		if (left <= 0)
			break;
		r = poll(&pfd, 1, (int) MIN(left, (int64_t) 100));
		if (r < 0 && errno != EINTR) {
			r = -errno;
			kill_and_reap(pid);
			return set_err(reterr, r, "command '%s': poll: %s", argv[0], strerror(-r));
		}
		if (r > 0) {
			if (len < SECRET_MAX) {
				n = read(rfd, buf + len, SECRET_MAX - len);
				if (n > 0)
					len += (size_t) n;
			} else {
				char sink[4096];

				n = read(rfd, sink, sizeof(sink));
				explicit_bzero(sink, sizeof(sink));
				if (n > 0)
					too_long = true;
			}
			if (n == 0) {
				eof = true;
				break;
			}
			if (n < 0 && errno != EINTR && errno != EAGAIN) {
				r = -errno;
				kill_and_reap(pid);
				return set_err(reterr, r, "command '%s': read: %s", argv[0],
					       strerror(-r));
			}
			continue;
		}
		/* Nothing to read: has the helper exited? (WNOWAIT: keep
		 * the zombie, so its pid and group id stay ours.) */
		if (r == 0 && waitid(P_PID, (id_t) pid, &si, WEXITED | WNOHANG | WNOWAIT) == 0 &&
		    si.si_pid == pid) {
			eof = true;
			break;
		}
	}

	/* Wait for the exit, within the same deadline. */
	for (;;) {
		siginfo_t si = {};

		if (waitid(P_PID, (id_t) pid, &si, WEXITED | WNOHANG | WNOWAIT) == 0 &&
		    si.si_pid == pid)
			break;
		if (now_msec() >= deadline) {
			kill_and_reap(pid);
			return set_err(reterr, -ETIMEDOUT, "command '%s' timed out after %u s",
				       argv[0], timeout_sec);
		}
		(void) poll(NULL, 0, 10);
	}
	/* The helper exited; whatever it left behind in its group goes too. */
	(void) kill(-pid, SIGKILL);
	while (waitpid(pid, &status, 0) < 0) {
		if (errno != EINTR) {
			r = -errno;
			return set_err(reterr, r, "command '%s': waitpid: %s", argv[0],
				       strerror(-r));
		}
	}

	if (WIFSIGNALED(status))
		return set_err(reterr, -EIO, "command '%s' was killed by signal %d (%s)", argv[0],
			       WTERMSIG(status), strsignal(WTERMSIG(status)));
	if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
		return set_err(reterr, -EIO, "command '%s' exited with status %d", argv[0],
			       WIFEXITED(status) ? WEXITSTATUS(status) : -1);
	if (!eof)
		return set_err(reterr, -ETIMEDOUT, "command '%s' timed out after %u s", argv[0],
			       timeout_sec);

	{
		char *nl = memchr(buf, '\n', len);
		size_t line = nl ? (size_t) (nl - buf) : len;

		if (!nl && (too_long || len >= SECRET_MAX))
			return set_err(reterr, -EFBIG,
				       "command '%s' printed a line longer than %u KiB", argv[0],
				       SECRET_MAX / 1024);
		if (line > 0 && buf[line - 1] == '\r')
			line--;
		len = line;
		if (memchr(buf, '\0', len))
			return set_err(reterr, -EINVAL, "command '%s' printed a NUL byte", argv[0]);
		if (len == 0)
			return set_err(reterr, -EINVAL, "command '%s' printed nothing", argv[0]);
	}
	return secret_buf_take(&sb, len, ret);
}
