/* seccomp: a filter on system calls (man 2 seccomp).  Every syscall the
 * container makes is first run through a small BPF program that looks
 * at its number and arguments and decides: allow, fail with an errno,
 * kill, trap, log.  It is the layer that closes what namespaces cannot:
 * kernel state that has no namespace (keyrings, the clock, modules,
 * kexec, swap, the kernel log) and the big attack surfaces a container
 * rarely needs (bpf, userfaultfd, io_uring, perf, ptrace).
 *
 * Profiles (seccomp_profile.c): default (Docker's spirit), strict (a
 * small allow-list), unconfined, or a file in Docker's JSON format.  The
 * profile is compiled in prepare, before any process exists, so a bad
 * profile stops the run with nothing started; the program is loaded in
 * child_finish, the very last step before exec, so boxlab's own setup
 * is not filtered.  Without no_new_privs the kernel only lets a holder of
 * CAP_SYS_ADMIN load a filter, so then it is loaded in child_setup, before
 * the caps module cuts the effective set (as runc does).
 *
 * Seeing what happens: user notification (SECCOMP_RET_USER_NOTIF, Linux
 * 5.0; CONTINUE 5.5) rather than ptrace.  With ptrace every call of every
 * process stops twice and the tracer must follow forks and execs; it also
 * needs the container's ptrace rules relaxed and conflicts with a ptrace
 * inside.  A notification stops only the calls the filter hands over,
 * carries the number, architecture and arguments, and the answer is one
 * ioctl.  So the loaded program is a copy of the profile's in which every
 * ERRNO return but ENOSYS (libc's fallback cue: clone3 -> clone) becomes
 * USER_NOTIF: a small agent process of the supervisor
 * receives the listener fd, runs the profile's original program on the
 * call (seccomp_bpf.c has an interpreter) to learn the errno, answers with
 * it, and writes the denial on the timeline.  The supervisor holds the
 * listener in its event loop (core/watch.h) and forks the agent only when
 * the first call is handed over: most containers make none.  Allowed
 * calls never reach it, so the getpid cost is unchanged.  With
 * --trace-syscalls FILE the ALLOW returns become USER_NOTIF as well (and
 * the agent is there from the start): it counts every call,
 * lets it continue (SECCOMP_USER_NOTIF_FLAG_CONTINUE: safe here, since the
 * original program allowed exactly this call), and at exit prints the
 * counts and saves them for `boxlab seccomp generate`.  If the agent died
 * the kernel would answer ENOSYS: denied calls stay denied.  `boxlab exec`
 * loads the same program, saved in the state dir as seccomp.bpf, and hands
 * its listener to the agent through seccomp.sock there, so exec'd
 * processes' denials reach the timeline too (the plain program where no
 * agent answers).
 *
 * Escape demos: keyctl (read a host key), TIOCSTI (type into the host
 * shell), unshare + mount.  Lessons 07 (seccomp) and 08 (trace + generate).
 */
#include "modules/caps.h"
#include "modules/module.h"
#include "modules/seccomp.h"
#include "core/process.h"
#include "core/proc.h"
#include "core/state.h"
#include "core/timeline.h"
#include "util/cleanup.h"
#include "util/fs.h"
#include "util/xalloc.h"

#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <limits.h>
#include <poll.h>
#include <seccomp.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#ifndef CLOSE_RANGE_CLOEXEC
#define CLOSE_RANGE_CLOEXEC (1U << 2)
#endif

enum { MSG_LISTENER = 'L' };
#define MAX_DENIAL_EVENTS 50
#define MAX_EXEC_FDS 64 /* `boxlab exec`s served at once */

struct sc_conf {
	char *profile;    /* "default", "strict", "unconfined" or an absolute path */
	char *trace_file; /* --trace-syscalls FILE, absolute */
};

struct sc_state {
	struct bx_sc_prog prog;   /* the profile's program */
	struct bx_sc_prog notify; /* what is loaded in run: denials handed to the agent */
	bool log_flag, loaded;
	int sock[2];              /* supervisor end, container end */
	int listener;             /* the container's, once it sent it */
	int exec_sock;            /* where `boxlab exec` hands the agent its listener */
	pid_t agent;              /* 0 until a call or an exec needs it */
	pid_t supervisor;         /* the agent's parent */
	char *source;             /* the profile's name, for the trace */
};

static struct sc_conf *conf_of(struct bx_spec *s)
{
	return bx_spec_conf(s, "seccomp", sizeof(struct sc_conf));
}

static void free_conf(void *p)
{
	struct sc_conf *c = p;
	free(c->profile);
	free(c->trace_file);
}

static void set_module(struct bx_spec *s, const char *name, bool on)
{
	int i = bx_module_index(name);
	if (i >= 0)
		s->modules[i] = on;
}

static int set_profile(struct bx_spec *s, const char *v, bx_err_t *err)
{
	struct sc_conf *c = conf_of(s);
	if (!strcmp(v, "unconfined") || !strcmp(v, "off")) {
		free(c->profile);
		c->profile = xstrdup("unconfined");
		/* Tracing under no profile needs the filter: keep it on. */
		set_module(s, "seccomp", c->trace_file != NULL);
		return 0;
	}
	char *path = NULL;
	if (!bx_sc_builtin(v)) {
		char real[PATH_MAX];
		if (!realpath(v, real))
			return bx_make_error(err, errno, "seccomp profile %s (allowed: %s, or a file in Docker's JSON "
					     "format)", v, bx_sc_builtin_names);
		path = xstrdup(real);
		/* Read it now, so a bad file is a usage error before
		 * anything is made; prepare reads it again with the
		 * container's real capabilities. */
		struct bx_sc_env env;
		struct bx_sc_profile p;
		bx_sc_env_default(&env);
		if (bx_sc_profile_load(path, &env, &p, err) < 0) {
			free(path);
			return -1;
		}
		bx_sc_profile_free(&p);
	}
	free(c->profile);
	c->profile = path ? path : xstrdup(v);
	set_module(s, "seccomp", true);
	return 0;
}

static char *get_profile(const struct bx_spec *s)
{
	int i = bx_module_index("seccomp");
	const struct sc_conf *c = i >= 0 ? s->conf[i] : NULL;
	return xstrdup(c && c->profile ? c->profile : "default");
}

static int set_security_opt(struct bx_spec *s, const char *v, bx_err_t *err)
{
	/* Docker's spellings: "seccomp=PROFILE" (older: "seccomp:PROFILE"),
	 * "no-new-privileges", "no-new-privileges=true|false". */
	if (!strncmp(v, "seccomp=", 8) || !strncmp(v, "seccomp:", 8))
		return set_profile(s, v + 8, err);
	if (!strncmp(v, "no-new-privileges", 17) && (!v[17] || v[17] == '=' || v[17] == ':')) {
		bool on = true;
		if (v[17] && bx_parse_bool(v + 18, &on) < 0)
			return bx_usage_error(err, "invalid security option \"%s\" (no-new-privileges takes true or false)",
					      v);
		if (bx_module_index("nnp") < 0)
			return bx_usage_error(err, "this boxlab has no nnp module");
		set_module(s, "nnp", on);
		return 0;
	}
	return bx_usage_error(err, "unknown security option \"%s\" (allowed: seccomp=default|strict|unconfined|FILE, "
			      "no-new-privileges[=true|false])", v);
}

static int set_trace(struct bx_spec *s, const char *v, bx_err_t *err)
{
	struct sc_conf *c = conf_of(s);
	cleanup_free char *copy = xstrdup(v);
	char *slash = strrchr(copy, '/'), dir[PATH_MAX];
	const char *base = slash ? slash + 1 : copy;
	if (slash)
		*slash = '\0';
	if (!*base)
		return bx_usage_error(err, "--trace-syscalls needs a file name, got \"%s\"", v);
	if (!realpath(slash ? (*copy ? copy : "/") : ".", dir))
		return bx_make_error(err, errno, "--trace-syscalls: directory of %s", v);
	free(c->trace_file);
	c->trace_file = xasprintf("%s/%s", strcmp(dir, "/") ? dir : "", base);
	set_module(s, "seccomp", true);
	return 0;
}

static const struct bx_opt seccomp_opts[] = {
	{"seccomp", 0, "security", "seccomp", "PROFILE", "seccomp profile: default, strict, unconfined, or a file in "
	 "Docker's JSON format", set_profile, get_profile},
	{"security-opt", 0, NULL, NULL, "OPT", "Docker's spelling: seccomp=PROFILE, no-new-privileges[=true|false]",
	 set_security_opt, NULL},
	{"trace-syscalls", 0, NULL, NULL, "FILE", "count every syscall, print them at exit and save them to FILE "
	 "(for 'boxlab seccomp generate')", set_trace, NULL},
	{0},
};

static void probe(struct bx_probe *out)
{
	int actions = 0;
	const uint32_t want[] = {SECCOMP_RET_KILL_PROCESS, SECCOMP_RET_LOG, SECCOMP_RET_USER_NOTIF};
	for (size_t i = 0; i < N_ELEMENTS(want); i++)
		actions += syscall(SYS_seccomp, SECCOMP_GET_ACTION_AVAIL, 0, &want[i]) == 0;
	const struct scmp_version *v = seccomp_version();
	out->ok = prctl(PR_GET_SECCOMP, 0, 0, 0, 0) >= 0 && actions == (int)N_ELEMENTS(want);
	snprintf(out->why, sizeof out->why, out->ok ? "seccomp filters with kill-process, log and user notification "
		 "(libseccomp %u.%u.%u tables)" : "seccomp or one of kill-process, log, user notification missing "
		 "(CONFIG_SECCOMP_FILTER, Linux 5.0+)", v->major, v->minor, v->micro);
}

static struct sc_state **priv_of(struct bx_box *box)
{
	return (struct sc_state **)&box->priv[bx_module_index("seccomp")];
}

/* The profile's program, from the cache (seccomp_cache.c) or compiled
 * and then cached; *meta names it for the timeline and the agent. */
static int compile(struct bx_box *box, struct sc_state *st, struct bx_sc_cache_meta *meta, bool *cached,
		   uint64_t *took_us, bx_err_t *err)
{
	uint64_t t = bx_now_us();
	struct sc_conf *c = conf_of(box->spec);
	struct bx_sc_env env;
	struct bx_sc_cache_key key;
	struct bx_sc_profile p = {0};
	const char *spec = c->profile ? c->profile : "default";
	bx_sc_env_default(&env);
	env.caps = bx_caps_of_spec(box->spec);
	bool keyed = bx_sc_cache_key(spec, &env, &key) == 0;
	*cached = keyed && bx_sc_cache_get(&key, &st->prog, meta);
	if (!*cached) {
		if (bx_sc_profile_load(spec, &env, &p, err) < 0 || bx_sc_compile(&p, &st->prog, err) < 0) {
			bx_sc_profile_free(&p);
			return -1;
		}
		meta->source = xstrdup(p.source);
		meta->nrules = p.nrules;
		meta->log_flag = p.log_flag;
		bx_sc_profile_free(&p);
	}
	/* The timeline's figure is the compile (or the cache's read); a new
	 * entry's write is paid once and is not part of it. */
	*took_us = bx_now_us() - t;
	if (keyed && !*cached)
		bx_sc_cache_put(&key, &st->prog, meta);
	st->log_flag = meta->log_flag;
	return 0;
}

/* ---- the agent ------------------------------------------------------ */

struct tally {
	uint64_t calls[3][1024], denied[3][1024];
	uint16_t errnum[3][1024];
	uint32_t arches[3];
	uint64_t total, total_denied, events;
};

static int arch_slot(const struct tally *t, uint32_t arch, uint32_t nr, size_t *slot, size_t *idx)
{
	for (size_t i = 0; i < 3; i++)
		if (t->arches[i] == arch) {
			uint32_t n = nr;
			if (arch == SCMP_ARCH_X86_64 && (nr & 0x40000000U)) {
				i = 2; /* x32 arrives as x86_64 with bit 30 */
				n = nr & ~0x40000000U;
			}
			if (n >= 1024 || i >= 3 || !t->arches[i])
				return -1;
			*slot = i;
			*idx = n;
			return 0;
		}
	return -1;
}

static pid_t ns_pid(pid_t host, char *comm, size_t len)
{
	char path[64], buf[4096];
	pid_t inner = host;
	snprintf(path, sizeof path, "/proc/%d/comm", host);
	comm[0] = '\0';
	FILE *f = fopen(path, "re");
	if (f) {
		if (fgets(comm, (int)len, f))
			comm[strcspn(comm, "\n")] = '\0';
		fclose(f);
	}
	snprintf(path, sizeof path, "/proc/%d/status", host);
	f = fopen(path, "re");
	while (f && fgets(buf, sizeof buf, f))
		if (!strncmp(buf, "NSpid:", 6)) {
			char *last = strrchr(buf, '\t');
			inner = last ? atoi(last + 1) : host;
		}
	if (f)
		fclose(f);
	return inner;
}

static void write_trace(const struct tally *t, const struct bx_box *box, const char *path, const char *profile)
{
	json_t *root = json_object(), *calls = json_array(), *denied = json_array();
	json_object_set_new(root, "container", json_string(box->name));
	json_object_set_new(root, "profile", json_string(profile));
	for (size_t a = 0; a < 3; a++)
		for (int nr = 0; nr < 1024; nr++) {
			uint32_t arch = t->arches[a];
			if (!arch || (!t->calls[a][nr] && !t->denied[a][nr]))
				continue;
			cleanup_free char *name = bx_sc_syscall_name(arch, (int)((arch == SCMP_ARCH_X32 ? 0x40000000U : 0) +
										  (uint32_t)nr));
			json_t *o = json_object();
			json_object_set_new(o, "name", json_string(name));
			json_object_set_new(o, "arch", json_string(bx_sc_arch_name(arch)));
			if (t->calls[a][nr]) {
				json_object_set_new(o, "count", json_integer((json_int_t)t->calls[a][nr]));
				json_array_append(calls, o);
			}
			if (t->denied[a][nr]) {
				json_t *d = json_deep_copy(o);
				json_object_set_new(d, "count", json_integer((json_int_t)t->denied[a][nr]));
				json_object_set_new(d, "errno", json_integer(t->errnum[a][nr]));
				json_array_append_new(denied, d);
			}
			json_decref(o);
		}
	json_object_set_new(root, "syscalls", calls);
	json_object_set_new(root, "denied", denied);
	if (json_dump_file(root, path, JSON_INDENT(2)) < 0)
		fprintf(stderr, "boxlab: cannot write the syscall trace to %s: %s\n", path, strerror(errno));

	/* The summary, most frequent first. */
	size_t n = json_array_size(calls);
	json_t **v = xmalloc((n + 1) * sizeof *v);
	for (size_t i = 0; i < n; i++)
		v[i] = json_array_get(calls, i);
	for (size_t i = 1; i < n; i++)
		for (size_t j = i; j > 0 && json_integer_value(json_object_get(v[j], "count")) >
					  json_integer_value(json_object_get(v[j - 1], "count")); j--) {
			json_t *tmp = v[j];
			v[j] = v[j - 1];
			v[j - 1] = tmp;
		}
	fprintf(stderr, "boxlab: %s made %zu different syscalls, %llu calls, %llu denied (trace saved to %s)\n",
		box->name, n, (unsigned long long)t->total, (unsigned long long)t->total_denied, path);
	fprintf(stderr, "  %8s  %s\n", "CALLS", "SYSCALL");
	for (size_t i = 0; i < n; i++) {
		const char *arch = json_string_value(json_object_get(v[i], "arch"));
		uint32_t token = 0;
		bool native = !strcmp(arch, bx_sc_arch_name(seccomp_arch_native()));
		fprintf(stderr, "  %8lld  %s%s%s\n", (long long)json_integer_value(json_object_get(v[i], "count")),
			json_string_value(json_object_get(v[i], "name")), native ? "" : " on ",
			native ? "" : (bx_sc_arch_parse(arch, &token) == 0 ? bx_sc_arch_short(token) : arch));
	}
	size_t k;
	json_t *d;
	json_array_foreach(denied, k, d)
		fprintf(stderr, "  %8lld  %s denied (%s)\n", (long long)json_integer_value(json_object_get(d, "count")),
			json_string_value(json_object_get(d, "name")),
			strerrorname_np((int)json_integer_value(json_object_get(d, "errno"))) ?: "?");
	free(v);
	json_decref(root);
}

static void __attribute__((noreturn)) agent_main(struct bx_box *box, struct sc_state *st, const char *trace_path)
{
	static struct tally t;
	struct bx_msg m;
	sigset_t all;

	/* Its own session: the terminal's ^C is for the container. */
	setsid();
	prctl(PR_SET_PDEATHSIG, SIGKILL);
	if (getppid() != st->supervisor) /* it died before the prctl */
		_exit(0);
	sigfillset(&all);
	sigdelset(&all, SIGKILL);
	sigprocmask(SIG_BLOCK, &all, NULL);
	bx_proc_title("boxlab-seccomp");
	/* Keep only what it needs: a caller waiting for EOF on a pipe the
	 * supervisor shares (run -d) must not wait for the agent too. */
	if ((st->sock[0] >= 0 && dup2(st->sock[0], 3) < 0) || (box->tl->fd >= 0 && dup2(box->tl->fd, 4) < 0) ||
	    (st->exec_sock >= 0 && dup2(st->exec_sock, 5) < 0) || (st->listener >= 0 && dup2(st->listener, 6) < 0))
		_exit(1);
	box->tl->fd = box->tl->fd >= 0 ? 4 : -1;
	int exec_sock = st->exec_sock >= 0 ? 5 : -1;
	int listener = st->listener >= 0 ? 6 : -1;
	syscall(SYS_close_range, 7, ~0U, 0);
	/* Started before the container sent its listener (--trace-syscalls,
	 * or a `boxlab exec` served first): it is on its way. */
	if (listener < 0 && st->sock[0] >= 0 &&
	    (bx_msg_recv(3, &m, &listener) != 1 || m.type != MSG_LISTENER))
		listener = -1;
	if (st->sock[0] >= 0)
		close(3);
	if (listener < 0)
		_exit(0); /* the container never got as far as loading the filter */

	struct seccomp_notif_sizes sizes;
	if (syscall(SYS_seccomp, SECCOMP_GET_NOTIF_SIZES, 0, &sizes) < 0)
		_exit(1);
	struct seccomp_notif *req = xzalloc(sizes.seccomp_notif > sizeof *req ? sizes.seccomp_notif : sizeof *req);
	struct seccomp_notif_resp *resp =
		xzalloc(sizes.seccomp_notif_resp > sizeof *resp ? sizes.seccomp_notif_resp : sizeof *resp);
	size_t narches;
	bx_sc_native_arches(t.arches, &narches);

	/* fds[0]: the container's listener, fds[1]: exec_sock, then what
	 * `boxlab exec` connected (a listener still to come) and the
	 * listeners of exec'd processes. */
	struct pollfd fds[2 + MAX_EXEC_FDS];
	bool is_conn[2 + MAX_EXEC_FDS] = {0};
	size_t nfds = 2;
	fds[0] = (struct pollfd){.fd = listener, .events = POLLIN};
	fds[1] = (struct pollfd){.fd = exec_sock, .events = POLLIN};
	for (;;) {
		if (poll(fds, nfds, -1) < 0) {
			if (errno == EINTR)
				continue;
			break;
		}
		if (!(fds[0].revents & POLLIN) && (fds[0].revents & (POLLHUP | POLLERR)))
			break; /* no process of the container uses the filter any more */
		if (fds[1].revents & POLLIN) {
			int c = accept4(exec_sock, NULL, NULL, SOCK_CLOEXEC);
			if (c >= 0 && nfds < N_ELEMENTS(fds)) {
				is_conn[nfds] = true;
				fds[nfds++] = (struct pollfd){.fd = c, .events = POLLIN};
			} else if (c >= 0) {
				close(c); /* too many at once: that exec fails, saying so */
			}
		}
		int ready = -1;
		for (size_t i = nfds; i-- > 2;) {
			short ev = fds[i].revents;
			if (is_conn[i] && ev) {
				int passed = -1;
				if (bx_msg_recv(fds[i].fd, &m, &passed) == 1 && m.type == MSG_LISTENER && passed >= 0) {
					close(fds[i].fd);
					fds[i] = (struct pollfd){.fd = passed, .events = POLLIN};
					is_conn[i] = false;
					continue;
				}
				ev = POLLHUP; /* it went without a listener */
			}
			if (ev & POLLIN) {
				ready = fds[i].fd;
			} else if (ev & (POLLHUP | POLLERR | POLLNVAL)) {
				close(fds[i].fd);
				fds[i] = fds[--nfds];
				is_conn[i] = is_conn[nfds];
			}
		}
		if (fds[0].revents & POLLIN)
			ready = listener;
		if (ready < 0)
			continue;
		memset(req, 0, sizes.seccomp_notif);
		if (ioctl(ready, SECCOMP_IOCTL_NOTIF_RECV, req) < 0) {
			if (errno == EINTR || errno == ENOENT)
				continue;
			if (ready != listener)
				continue; /* an exec'd process's filter: its HUP comes next */
			break;
		}
		uint32_t verdict = bx_sc_run(&st->prog, &req->data);
		uint32_t action = BX_SC_ACTION(verdict);
		size_t slot, idx;
		bool counted = arch_slot(&t, req->data.arch, (uint32_t)req->data.nr, &slot, &idx) == 0;
		memset(resp, 0, sizes.seccomp_notif_resp);
		resp->id = req->id;
		if (action == SECCOMP_RET_ALLOW || action == SECCOMP_RET_LOG) {
			resp->flags = SECCOMP_USER_NOTIF_FLAG_CONTINUE;
			t.total++;
			if (counted)
				t.calls[slot][idx]++;
		} else {
			int e = action == SECCOMP_RET_ERRNO ? (int)BX_SC_DATA(verdict) : ENOSYS;
			resp->error = -e;
			t.total_denied++;
			if (counted) {
				t.denied[slot][idx]++;
				t.errnum[slot][idx] = (uint16_t)e;
			}
			if (t.events++ < MAX_DENIAL_EVENTS) {
				char comm[32];
				pid_t inner = ns_pid((pid_t)req->pid, comm, sizeof comm);
				uint32_t arch = req->data.arch;
				if (arch == SCMP_ARCH_X86_64 && (req->data.nr & 0x40000000))
					arch = SCMP_ARCH_X32;
				cleanup_free char *name = bx_sc_syscall_name(arch, req->data.nr);
				bx_tl_event(box->tl, "seccomp", "denied", 0, "%s%s%s by pid %d (%s): %s", name,
					    arch != seccomp_arch_native() ? " on " : "",
					    arch != seccomp_arch_native() ? bx_sc_arch_short(arch) : "", inner, comm,
					    e ? strerrorname_np(e) : "faked success");
			}
		}
		if (ioctl(ready, SECCOMP_IOCTL_NOTIF_SEND, resp) < 0 && errno != ENOENT && errno != EINTR &&
		    ready == listener)
			break;
	}
	if (t.events > MAX_DENIAL_EVENTS)
		bx_tl_event(box->tl, "seccomp", "denied", 0, "%llu more denied calls not listed one by one",
			    (unsigned long long)(t.events - MAX_DENIAL_EVENTS));
	if (trace_path)
		write_trace(&t, box, trace_path, st->source);
	_exit(0);
}

/* ---- hooks ---------------------------------------------------------- */

/* A socket, and in *a the address of the agent's for `boxlab exec`:
 * seccomp.sock in the state dir (root only), named through
 * /proc/self/fd/DIRFD because a long run dir would not fit sun_path.
 * *dirfd stays open for the bind or connect; -1 on failure. */
static int exec_sock(const struct bx_box *box, int *dirfd, struct sockaddr_un *a)
{
	cleanup_free char *dir = bx_state_path(box->name, NULL);
	*dirfd = open(dir, O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (*dirfd < 0)
		return -1;
	memset(a, 0, sizeof *a);
	a->sun_family = AF_UNIX;
	snprintf(a->sun_path, sizeof a->sun_path, "/proc/self/fd/%d/seccomp.sock", *dirfd);
	return socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0);
}

/* Listening, or -1: then exec'd processes load the plain program and
 * their denials are not on the timeline (nothing else changes). */
static int exec_sock_listen(const struct bx_box *box)
{
	struct sockaddr_un a;
	cleanup_close int dirfd = -1;
	int fd = exec_sock(box, &dirfd, &a);
	if (fd < 0)
		return -1;
	unlinkat(dirfd, "seccomp.sock", 0);
	if (bind(fd, (struct sockaddr *)&a, sizeof a) < 0 || fchmodat(dirfd, "seccomp.sock", 0600, 0) < 0 ||
	    listen(fd, 16) < 0) {
		close(fd);
		return -1;
	}
	return fd;
}

/* The supervisor's copy of a descriptor, and its watch: gone. */
static void release(struct bx_box *box, int *fd)
{
	if (*fd < 0)
		return;
	bx_watch_remove(&box->watches, *fd);
	close(*fd);
	*fd = -1;
}

/* The agent, started the first time it is needed: a call handed over
 * (a denial, or with --trace-syscalls any call) or a `boxlab exec`
 * connecting.  Most containers never make a denied call, and a fork,
 * its exit and the wait for it cost 0.4 ms of every start here. */
static void start_agent(struct bx_box *box)
{
	struct sc_state *st = *priv_of(box);
	if (st->agent)
		return;
	fflush(NULL);
	st->supervisor = getpid();
	pid_t pid = fork();
	if (pid == 0)
		agent_main(box, st, conf_of(box->spec)->trace_file);
	if (pid < 0) {
		/* The kernel answers ENOSYS for calls nobody answers; the
		 * denial just does not reach the timeline. */
		bx_tl_event(box->tl, "seccomp", "agent", 0, "cannot fork the agent: %s", strerror(errno));
		pid = -1;
	}
	st->agent = pid;
	/* The agent's now: the supervisor only waits for it at teardown. */
	release(box, &st->sock[0]);
	release(box, &st->listener);
	release(box, &st->exec_sock);
}

static bool on_call(void *ctx, int fd, short revents)
{
	struct bx_box *box = ctx;
	struct sc_state *st = *priv_of(box);
	(void)fd;
	if (revents & POLLIN) {
		start_agent(box);
		return true; /* start_agent removed it */
	}
	/* No process uses the filter any more, and none was handed over. */
	release(box, &st->listener);
	return false;
}

static bool on_listener(void *ctx, int fd, short revents)
{
	struct bx_box *box = ctx;
	struct sc_state *st = *priv_of(box);
	struct bx_msg m;
	(void)revents;
	int got = -1;
	if (bx_msg_recv(fd, &m, &got) == 1 && m.type == MSG_LISTENER && got >= 0) {
		st->listener = got;
		bx_watch_add(&box->watches, got, on_call, box);
	} else if (got >= 0) {
		close(got);
	}
	/* fd is st->sock[0]: one message, or the container ended before
	 * its filter. */
	release(box, &st->sock[0]);
	return false;
}

static bool on_exec(void *ctx, int fd, short revents)
{
	(void)fd;
	(void)revents;
	start_agent(ctx);
	return true; /* start_agent removed it */
}

static int prepare(struct bx_box *box, bx_err_t *err)
{
	struct sc_conf *c = conf_of(box->spec);
	struct sc_state *st = xzalloc(sizeof *st);
	struct bx_sc_cache_meta meta = {0};
	bool cached = false;
	uint64_t t = bx_now_us();

	st->sock[0] = st->sock[1] = st->exec_sock = st->listener = -1;
	*priv_of(box) = st;
	uint64_t compiled = 0;
	if (compile(box, st, &meta, &cached, &compiled, err) < 0)
		return -1;
	st->source = meta.source;
	/* exec'd processes get the same program, whatever happens to the
	 * profile file later. */
	cleanup_free char *path = bx_state_path(box->name, "seccomp.bpf");
	if (bx_write_file(path, (const char *)st->prog.insns, st->prog.len * sizeof *st->prog.insns, err) < 0)
		return -1;
	if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, st->sock) < 0)
		return bx_make_error(err, errno, "seccomp: cannot create the agent's socket");
	bx_sc_prog_notify(&st->prog, c->trace_file != NULL, st->sock[1], &st->notify);
	bx_tl_event(box->tl, "seccomp", "compile", t, "profile %s: %zu rules, %zu BPF instructions, %s in %llu us",
		    st->source, meta.nrules, st->prog.len, cached ? "from the cache" : "compiled",
		    (unsigned long long)compiled);

	st->exec_sock = exec_sock_listen(box);
	/* With --trace-syscalls every call is handed over, the exec among
	 * them, while the supervisor waits for that exec: start it now. */
	if (c->trace_file) {
		start_agent(box);
		return st->agent > 0 ? 0 : bx_make_error(err, errno, "seccomp: cannot fork the agent");
	}
	bx_watch_add(&box->watches, st->sock[0], on_listener, box);
	if (st->exec_sock >= 0)
		bx_watch_add(&box->watches, st->exec_sock, on_exec, box);
	return 0;
}

static int parent_setup(struct bx_box *box, bx_err_t *err)
{
	(void)err;
	struct sc_state *st = *priv_of(box);
	/* Only the container may hold its end now: when it dies before
	 * loading the filter, the supervisor's end sees end-of-file. */
	if (st && st->sock[1] >= 0) {
		close(st->sock[1]);
		st->sock[1] = -1;
	}
	return 0;
}

static int load(struct bx_box *box, struct sc_state *st, const struct bx_sc_prog *prog, bool listen, bx_err_t *err)
{
	struct sock_fprog fp = {.len = (unsigned short)prog->len, .filter = prog->insns};
	unsigned flags = (listen ? SECCOMP_FILTER_FLAG_NEW_LISTENER : 0) | (st->log_flag ? SECCOMP_FILTER_FLAG_LOG : 0);
	uint64_t t = bx_now_us();
	int fd = (int)syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, flags, &fp);
	if (fd < 0) {
		bx_make_error(err, errno, "seccomp: cannot load the filter");
		if (errno == EACCES)
			bx_error_hint(err, "loading needs no_new_privs or CAP_SYS_ADMIN");
		return -1;
	}
	uint64_t took = bx_now_us() - t;
	if (listen) {
		/* At once: from here on a denied call waits for the agent. */
		int r = bx_msg_send(st->sock[1], MSG_LISTENER, fd);
		int e = errno;
		close(fd);
		if (r < 0)
			return bx_make_error(err, e, "seccomp: cannot hand the listener to the agent");
		close(st->sock[1]);
		st->sock[1] = -1;
	}
	st->loaded = true;
	bx_tl_event(box->tl, "seccomp", "load", t, "%zu BPF instructions loaded in %llu us%s", prog->len,
		    (unsigned long long)took, listen ? ", denials reported to the agent" : "");
	return 0;
}

static int child_setup(struct bx_box *box, bx_err_t *err)
{
	struct sc_state *st = *priv_of(box);
	/* Without no_new_privs only CAP_SYS_ADMIN may load a filter: do it
	 * now, while the effective set is still full. */
	if (prctl(PR_GET_NO_NEW_PRIVS, 0, 0, 0, 0) == 1)
		return 0;
	return load(box, st, &st->notify, true, err);
}

static int child_finish(struct bx_box *box, bx_err_t *err)
{
	struct sc_state *st = *priv_of(box);
	if (st->loaded)
		return 0;
	return load(box, st, &st->notify, true, err);
}

/* In `boxlab exec`'s host-side process: the container's program, and a
 * connection to its agent, so the exec'd process's denials reach the
 * timeline like the container's own. */
static int exec_parent(struct bx_box *box, pid_t pid, bx_err_t *err)
{
	(void)pid;
	struct sc_state *st = xzalloc(sizeof *st);
	struct sockaddr_un a;
	size_t len;
	st->sock[0] = st->sock[1] = st->exec_sock = st->listener = -1;
	*priv_of(box) = st;
	cleanup_free char *path = bx_state_path(box->name, "seccomp.bpf");
	char *data = bx_read_file(path, &len, err);
	if (!data)
		return bx_error_wrap(err, "seccomp: the container's filter");
	st->prog.insns = (struct sock_filter *)data;
	st->prog.len = len / sizeof(struct sock_filter);

	cleanup_close int dirfd = -1;
	int fd = exec_sock(box, &dirfd, &a);
	if (fd >= 0 && connect(fd, (struct sockaddr *)&a, sizeof a) == 0) {
		st->sock[1] = fd;
		bx_sc_prog_notify(&st->prog, false, fd, &st->notify);
		return 0;
	}
	if (fd >= 0)
		close(fd); /* no agent (restored, or an older container): plain */
	return 0;
}

static int exec_child(struct bx_box *box, bx_err_t *err)
{
	struct sc_state *st = *priv_of(box);
	if (st->sock[1] >= 0)
		return load(box, st, &st->notify, true, err);
	return load(box, st, &st->prog, false, err);
}

static void teardown(struct bx_box *box)
{
	struct sc_state *st = *priv_of(box);
	if (!st)
		return;
	release(box, &st->sock[0]);
	release(box, &st->sock[1]);
	release(box, &st->listener);
	release(box, &st->exec_sock);
	if (st->agent > 0) {
		/* It ends by itself once no process uses the filter; give it
		 * time to write the trace, then make sure. */
		int status, pidfd = bx_pidfd_open(st->agent);
		if (pidfd >= 0) {
			bx_pidfd_wait(pidfd, 5000);
			close(pidfd);
		}
		if (waitpid(st->agent, &status, WNOHANG) == 0) {
			kill(st->agent, SIGKILL);
			waitpid(st->agent, &status, 0);
		}
	}
	bx_sc_prog_free(&st->prog);
	bx_sc_prog_free(&st->notify);
	free(st->source);
	free(st);
	*priv_of(box) = NULL;
}

const struct bx_module bx_module_seccomp = {
	.name = "seccomp",
	.summary = "syscall filter: Docker-like default profile, strict, or a Docker JSON profile; denials on the "
		   "timeline",
	.blocks = "keyrings, bpf, kexec, modules, mount/unshare/setns, ptrace, perf, userfaultfd, clock, TIOCSTI, "
		  "and other calls to kernel state no namespace isolates",
	.kind = BX_KIND_SECURITY,
	.default_on = true,
	.options = seccomp_opts,
	.free_conf = free_conf,
	.probe = probe,
	.prepare = prepare,
	.parent_setup = parent_setup,
	.child_setup = child_setup,
	.child_finish = child_finish,
	.exec_parent = exec_parent,
	.exec_child = exec_child,
	.teardown = teardown,
};
