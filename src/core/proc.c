#include "core/proc.h"
#include "core/times.h"
#include "util/cleanup.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

uint64_t bx_now_us(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

int64_t bx_realtime_us(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

void bx_format_time(int64_t us, char *buf, size_t len)
{
	if (!us)
		snprintf(buf, len, "-");
	else
		bx_format_utc(us * 1000, 6, buf, len);
}

void bx_format_ago(int64_t us, char *buf, size_t len)
{
	int64_t s = us / 1000000;
	if (s < 1)
		snprintf(buf, len, "Less than a second");
	else if (s < 60)
		snprintf(buf, len, "%lld second%s", (long long)s, s == 1 ? "" : "s");
	else if (s < 3600)
		snprintf(buf, len, "%lld minute%s", (long long)s / 60, s / 60 == 1 ? "" : "s");
	else if (s < 86400 * 2)
		snprintf(buf, len, "%lld hour%s", (long long)s / 3600, s / 3600 == 1 ? "" : "s");
	else
		snprintf(buf, len, "%lld days", (long long)s / 86400);
}

unsigned long long bx_proc_starttime(pid_t pid)
{
	char path[64], buf[1024];
	ssize_t n;
	cleanup_close int fd = -1;
	if (pid <= 0)
		return 0;
	snprintf(path, sizeof path, "/proc/%d/stat", pid);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return 0;
	n = read(fd, buf, sizeof buf - 1);
	if (n <= 0)
		return 0;
	buf[n] = '\0';
	/* comm may hold spaces and parentheses: count fields after the last ')'. */
	char *p = strrchr(buf, ')');
	if (!p)
		return 0;
	p++;
	/* A zombie has ended: only its parent has not reaped it yet (a
	 * killed supervisor's parent may be a slow init). */
	if (p[0] == ' ' && (p[1] == 'Z' || p[1] == 'X'))
		return 0;
	for (int field = 3; field < 22 && p; field++)
		p = strchr(p + 1, ' ');
	return p ? strtoull(p + 1, NULL, 10) : 0;
}

bool bx_proc_alive(pid_t pid, unsigned long long start)
{
	unsigned long long now = bx_proc_starttime(pid);
	return now && now == start;
}

int bx_pidfd_open(pid_t pid)
{
	return (int)syscall(SYS_pidfd_open, pid, 0);
}

int bx_pidfd_wait(int pidfd, int timeout_ms)
{
	struct pollfd p = {.fd = pidfd, .events = POLLIN};
	int r;
	do
		r = poll(&p, 1, timeout_ms);
	while (r < 0 && errno == EINTR);
	return r > 0 ? 1 : 0;
}

static const struct {
	const char *name;
	int sig;
} signals[] = {
	{"HUP", SIGHUP},   {"INT", SIGINT},   {"QUIT", SIGQUIT}, {"ILL", SIGILL},   {"TRAP", SIGTRAP},
	{"ABRT", SIGABRT}, {"BUS", SIGBUS},   {"FPE", SIGFPE},   {"KILL", SIGKILL}, {"USR1", SIGUSR1},
	{"SEGV", SIGSEGV}, {"USR2", SIGUSR2}, {"PIPE", SIGPIPE}, {"ALRM", SIGALRM}, {"TERM", SIGTERM},
	{"CHLD", SIGCHLD}, {"CONT", SIGCONT}, {"STOP", SIGSTOP}, {"TSTP", SIGTSTP}, {"TTIN", SIGTTIN},
	{"TTOU", SIGTTOU}, {"URG", SIGURG},   {"XCPU", SIGXCPU}, {"XFSZ", SIGXFSZ}, {"VTALRM", SIGVTALRM},
	{"PROF", SIGPROF}, {"WINCH", SIGWINCH}, {"IO", SIGIO},   {"PWR", SIGPWR},   {"SYS", SIGSYS},
};

int bx_signal_parse(const char *s)
{
	char *end;
	long n = strtol(s, &end, 10);
	if (*s && !*end)
		return (n > 0 && n < NSIG) ? (int)n : -1;
	if (!strncasecmp(s, "SIG", 3))
		s += 3;
	for (size_t i = 0; i < N_ELEMENTS(signals); i++)
		if (!strcasecmp(s, signals[i].name))
			return signals[i].sig;
	return -1;
}

const char *bx_signal_name(int sig)
{
	for (size_t i = 0; i < N_ELEMENTS(signals); i++)
		if (signals[i].sig == sig)
			return signals[i].name;
	return "?";
}

static char *title_start;
static size_t title_len;

void bx_proc_title_init(int argc, char **argv)
{
	if (argc < 1)
		return;
	title_start = argv[0];
	title_len = argv[argc - 1] + strlen(argv[argc - 1]) - argv[0];
}

void bx_proc_title(const char *title)
{
	/* What ps shows is the argv memory itself: overwrite it, so pid 1
	 * of a container reads "boxlab-init", not the whole run command. */
	if (!title_start || title_len < 2)
		return;
	memset(title_start, 0, title_len);
	snprintf(title_start, title_len, "%s", title);
	prctl(PR_SET_NAME, title);
}
