/* The OCI runtime CLI, after runc's: global flags before the command
 * (--root, --log, --log-format, --debug, --systemd-cgroup), then
 *
 *   create|run --bundle DIR [--pid-file F] [--console-socket S] ID
 *   start|state|pause|resume ID     kill [--all] ID [SIGNAL]
 *   delete [--force] ID             exec [--process F | ...] ID [CMD...]
 *   list [--format json] [-q]       ps [--format json] ID [PS-ARGS...]
 *   features                        spec [--bundle DIR]
 *
 * How one binary tells the two interfaces apart (bx_oci_wants): engines
 * call a runtime as `RUNTIME [GLOBAL FLAGS] VERB ...` and the native
 * CLI has no global flags, so a leading runc global flag means OCI; so
 * does a verb only the OCI CLI has (create start state delete list
 * features spec), `run` with --bundle/-b, and a verb both have (kill ps
 * exec pause resume) whose container is one in the OCI root.  Invoked
 * as `boxlab-oci` or `runc` (a symlink) it is always OCI.  Engines need
 * no wrapper script that way: `podman --runtime /path/to/boxlab` works. */
#include "oci/oci.h"
#include "core/proc.h"
#include "modules/caps.h"
#include "modules/cgroup.h"
#include "modules/module.h"
#include "util/cleanup.h"
#include "util/fs.h"
#include "util/xalloc.h"

#include <dirent.h>
#include <errno.h>
#include <getopt.h>
#include <jansson.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

int bx_oci_exec(int argc, char **argv); /* exec.c */

static const char *default_root(void)
{
	const char *r = getenv("BOXLAB_OCI_ROOT");
	return r && *r ? r : "/run/boxlab-oci";
}

static bool is_global_flag(const char *a)
{
	static const char *const flags[] = {"--root", "--log", "--log-format", "--debug", "--systemd-cgroup",
					    "--rootless", "--criu"};
	for (size_t i = 0; i < N_ELEMENTS(flags); i++) {
		size_t n = strlen(flags[i]);
		if (!strncmp(a, flags[i], n) && (a[n] == 0 || a[n] == '='))
			return true;
	}
	return false;
}

static bool oci_container_exists(const char *id)
{
	if (!*id || id[0] == '-' || strchr(id, '/'))
		return false;
	cleanup_free char *p = xasprintf("%s/%s/state.json", default_root(), id);
	return access(p, F_OK) == 0;
}

bool bx_oci_wants(int argc, char **argv)
{
	const char *self = strrchr(argv[0], '/') ? strrchr(argv[0], '/') + 1 : argv[0];
	if (!strcmp(self, "boxlab-oci") || !strcmp(self, "runc"))
		return true;
	if (argc < 2)
		return false;
	if (is_global_flag(argv[1]))
		return true;
	static const char *const only[] = {"create", "start", "state", "delete", "list", "features", "spec"};
	for (size_t i = 0; i < N_ELEMENTS(only); i++)
		if (!strcmp(argv[1], only[i]))
			return true;
	if (!strcmp(argv[1], "run")) {
		for (int i = 2; i < argc && strcmp(argv[i], "--"); i++)
			if (!strcmp(argv[i], "--bundle") || !strcmp(argv[i], "-b") || !strncmp(argv[i], "--bundle=", 9))
				return true;
		return false;
	}
	static const char *const shared[] = {"kill", "ps", "exec", "pause", "resume"};
	for (size_t i = 0; i < N_ELEMENTS(shared); i++)
		if (!strcmp(argv[1], shared[i])) {
			for (int k = 2; k < argc; k++)
				if (oci_container_exists(argv[k]))
					return true;
			return false;
		}
	return false;
}

/* ---- helpers ---- */

static int fail(bx_err_t *err)
{
	int code = (*err)->exit_code ? (*err)->exit_code : 1;
	bx_oci_log("error", "%s", (*err)->msg);
	/* Engines show stderr when a runtime fails. */
	fprintf(stderr, "boxlab: %s\n", (*err)->msg);
	bx_error_release(err);
	return code == BX_EXIT_USAGE ? 1 : code;
}

static int usage_fail(const char *cmd, const char *usage, const char *fmt, const char *what)
{
	bx_err_t err = NULL;
	char msg[512];
	snprintf(msg, sizeof msg, fmt, what);
	bx_usage_error(&err, "%s (usage: boxlab %s %s)", msg, cmd, usage);
	return fail(&err);
}

/* Exactly one ID left after the options. */
static const char *one_id(int argc, char **argv, const char *cmd, const char *usage)
{
	if (optind >= argc) {
		usage_fail(cmd, usage, "%s: no container id given", cmd);
		return NULL;
	}
	if (optind + 1 < argc) {
		usage_fail(cmd, usage, "unexpected argument \"%s\"", argv[optind + 1]);
		return NULL;
	}
	return argv[optind];
}

#define GETOPT_LOOP(short, longs) \
	optind = 0;               \
	opterr = 0;               \
	for (int ch; (ch = getopt_long(argc, argv, "+" short, longs, NULL)) != -1;)

static int bad_flag(const char *cmd, const char *usage, int argc, char **argv)
{
	const char *f = optind - 1 < argc ? argv[optind - 1] : "?";
	return usage_fail(cmd, usage, "unknown flag or missing value \"%s\"", f);
}

static int parse_fds(const char *v, int *out)
{
	char *end;
	long n = strtol(v, &end, 10);
	if (*v == 0 || *end || n < 0 || n > 1000)
		return -1;
	*out = (int)n;
	return 0;
}

/* ---- create / run ---- */

static const char CREATE_USAGE[] = "[--bundle DIR] [--pid-file FILE] [--console-socket SOCKET] [--no-pivot] "
				   "[--no-new-keyring] [--preserve-fds N] ID";
static const char RUN_USAGE[] = "[--bundle DIR] [--detach] [--pid-file FILE] [--console-socket SOCKET] "
				"[--no-pivot] [--no-new-keyring] [--preserve-fds N] ID";

static volatile pid_t forward_to;
static void forward(int sig)
{
	if (forward_to > 0)
		kill(forward_to, sig);
}

static int cmd_create(int argc, char **argv, bool run)
{
	static const struct option longs[] = {
		{"bundle", required_argument, NULL, 'b'},	 {"pid-file", required_argument, NULL, 'P'},
		{"console-socket", required_argument, NULL, 'C'}, {"no-pivot", no_argument, NULL, 'N'},
		{"no-new-keyring", no_argument, NULL, 'K'},	 {"preserve-fds", required_argument, NULL, 'F'},
		{"detach", no_argument, NULL, 'd'},		 {"keep", no_argument, NULL, 'k'},
		{"no-subreaper", no_argument, NULL, 'S'},	 {0},
	};
	struct bx_oci_create_opts o = {.bundle = ".", .run = run};
	bool keep = false;
	const char *cmd = run ? "run" : "create", *usage = run ? RUN_USAGE : CREATE_USAGE;
	GETOPT_LOOP("b:d", longs)
	{
		switch (ch) {
		case 'b': o.bundle = optarg; break;
		case 'P': o.pid_file = optarg; break;
		case 'C': o.console_socket = optarg; break;
		case 'N': o.no_pivot = true; break;
		case 'K': o.no_new_keyring = true; break;
		case 'F':
			if (parse_fds(optarg, &o.preserve_fds) < 0)
				return usage_fail(cmd, usage, "--preserve-fds %s: must be a count 0 to 1000", optarg);
			break;
		case 'd':
			if (!run)
				return bad_flag(cmd, usage, argc, argv);
			o.detach = true;
			break;
		case 'k': keep = true; break;
		case 'S': break;
		default: return bad_flag(cmd, usage, argc, argv);
		}
	}
	if (!(o.id = one_id(argc, argv, cmd, usage)))
		return 1;
	bx_err_t err = NULL;
	if (bx_oci_create(&o, &err) < 0)
		return fail(&err);
	if (!run)
		return 0;
	struct bx_oci_state st;
	if (bx_oci_state_read(o.id, &st, &err) < 0)
		return fail(&err);
	pid_t pid = st.pid;
	bx_oci_state_free(&st);
	/* Forward the usual signals before start: the command may get one
	 * at once. */
	if (!o.detach) {
		forward_to = pid;
		struct sigaction sa = {.sa_handler = forward, .sa_flags = SA_RESTART};
		int sigs[] = {SIGINT, SIGTERM, SIGHUP, SIGQUIT, SIGUSR1, SIGUSR2, SIGWINCH};
		for (size_t i = 0; i < N_ELEMENTS(sigs); i++)
			sigaction(sigs[i], &sa, NULL);
	}
	if (bx_oci_start(o.id, &err) < 0) {
		int code = fail(&err);
		bx_oci_delete(o.id, true, &err);
		bx_error_release(&err);
		return code;
	}
	if (o.detach)
		return 0;
	int code = bx_oci_wait_child(pid);
	forward_to = 0;
	if (!keep && bx_oci_delete(o.id, true, &err) < 0)
		fail(&err);
	return code;
}

static int cmd_create_only(int argc, char **argv)
{
	return cmd_create(argc, argv, false);
}

static int cmd_run(int argc, char **argv)
{
	return cmd_create(argc, argv, true);
}

/* ---- start, state, kill, delete, pause, resume ---- */

/* A command that takes no flags and one ID; NULL after the error. */
static const char *id_only(int argc, char **argv, const char *cmd)
{
	static const struct option longs[] = {{0}};
	GETOPT_LOOP("", longs)
	{
		bad_flag(cmd, "ID", argc, argv);
		return NULL;
	}
	return one_id(argc, argv, cmd, "ID");
}

static int cmd_start(int argc, char **argv)
{
	const char *id = id_only(argc, argv, "start");
	bx_err_t err = NULL;
	if (!id)
		return 1;
	return bx_oci_start(id, &err) < 0 ? fail(&err) : 0;
}

static int cmd_state(int argc, char **argv)
{
	const char *id = id_only(argc, argv, "state");
	struct bx_oci_state st;
	bx_err_t err = NULL;
	if (!id)
		return 1;
	if (bx_oci_state_read(id, &st, &err) < 0)
		return fail(&err);
	cleanup_free char *j = bx_oci_state_json(&st, bx_oci_status(&st));
	puts(j);
	bx_oci_state_free(&st);
	return 0;
}

static int cmd_kill(int argc, char **argv)
{
	static const struct option longs[] = {{"all", no_argument, NULL, 'a'}, {0}};
	const char *usage = "[--all] ID [SIGNAL]";
	bool all = false;
	GETOPT_LOOP("a", longs)
	{
		if (ch == 'a')
			all = true;
		else
			return bad_flag("kill", usage, argc, argv);
	}
	if (optind >= argc)
		return usage_fail("kill", usage, "%s: no container id given", "kill");
	if (optind + 2 < argc)
		return usage_fail("kill", usage, "unexpected argument \"%s\"", argv[optind + 2]);
	const char *id = argv[optind];
	int sig = optind + 1 < argc ? bx_signal_parse(argv[optind + 1]) : SIGTERM;
	if (sig <= 0)
		return usage_fail("kill", usage, "invalid signal \"%s\" (a name like TERM or SIGKILL, or a number)",
				  argv[optind + 1]);
	struct bx_oci_state st;
	bx_err_t err = NULL;
	if (bx_oci_state_read(id, &st, &err) < 0)
		return fail(&err);
	enum bx_oci_status s = bx_oci_status(&st);
	int ret = 0;
	if (s != BX_OCI_CREATED && s != BX_OCI_RUNNING && s != BX_OCI_PAUSED) {
		bx_usage_error(&err, "cannot kill container \"%s\": it is %s (container not running)", id,
			       bx_oci_status_name(s));
		ret = fail(&err);
	} else if (all) {
		pid_t *pids;
		size_t n;
		if (bx_oci_cg_pids(id, &pids, &n) < 0)
			kill(st.pid, sig);
		for (size_t i = 0; i < n; i++)
			kill(pids[i], sig);
		free(pids);
	} else if (kill(st.pid, sig) < 0) {
		bx_make_error(&err, errno, "cannot send SIG%s to container \"%s\"", bx_signal_name(sig), id);
		ret = fail(&err);
	}
	bx_oci_state_free(&st);
	return ret;
}

static int cmd_delete(int argc, char **argv)
{
	static const struct option longs[] = {{"force", no_argument, NULL, 'f'}, {0}};
	bool force = false;
	GETOPT_LOOP("f", longs)
	{
		if (ch == 'f')
			force = true;
		else
			return bad_flag("delete", "[--force] ID", argc, argv);
	}
	const char *id = one_id(argc, argv, "delete", "[--force] ID");
	bx_err_t err = NULL;
	if (!id)
		return 1;
	return bx_oci_delete(id, force, &err) < 0 ? fail(&err) : 0;
}

static int freeze(int argc, char **argv, bool on)
{
	const char *cmd = on ? "pause" : "resume";
	const char *id = id_only(argc, argv, cmd);
	struct bx_oci_state st;
	bx_err_t err = NULL;
	if (!id)
		return 1;
	if (bx_oci_state_read(id, &st, &err) < 0)
		return fail(&err);
	enum bx_oci_status s = bx_oci_status(&st);
	bx_oci_state_free(&st);
	if (s != (on ? BX_OCI_RUNNING : BX_OCI_PAUSED)) {
		bx_usage_error(&err, "cannot %s container \"%s\": it is %s", cmd, id, bx_oci_status_name(s));
		return fail(&err);
	}
	struct bx_spec spec;
	struct bx_box box;
	bx_spec_init(&spec);
	bx_oci_cg_box(&box, &spec, id);
	int r = bx_cg_freeze_box(&box, on, &err);
	bx_spec_free(&spec);
	return r < 0 ? fail(&err) : 0;
}

static int cmd_pause(int argc, char **argv)
{
	return freeze(argc, argv, true);
}

static int cmd_resume(int argc, char **argv)
{
	return freeze(argc, argv, false);
}

/* ---- list, ps ---- */

static int parse_format(const char *v, bool *json)
{
	if (!strcmp(v, "json"))
		*json = true;
	else if (!strcmp(v, "table"))
		*json = false;
	else
		return -1;
	return 0;
}

static int cmd_list(int argc, char **argv)
{
	static const struct option longs[] = {{"format", required_argument, NULL, 'f'},
					      {"quiet", no_argument, NULL, 'q'}, {0}};
	const char *usage = "[--format table|json] [--quiet]";
	bool json = false, quiet = false;
	GETOPT_LOOP("f:q", longs)
	{
		if (ch == 'q')
			quiet = true;
		else if (ch == 'f' && parse_format(optarg, &json) == 0)
			;
		else if (ch == 'f')
			return usage_fail("list", usage, "--format %s: must be table or json", optarg);
		else
			return bad_flag("list", usage, argc, argv);
	}
	if (optind < argc)
		return usage_fail("list", usage, "unexpected argument \"%s\"", argv[optind]);
	json_t *arr = json_array();
	cleanup_dir DIR *d = opendir(bx_oci_g.root);
	struct dirent *e;
	char **ids = xzalloc(sizeof *ids);
	while (d && (e = readdir(d)))
		if (e->d_name[0] != '.')
			strv_push(&ids, e->d_name);
	qsort(ids, strv_len(ids), sizeof *ids, (int (*)(const void *, const void *))strcmp);
	if (!json && !quiet)
		printf("%-24s %-8s %-10s %-40s %-30s %s\n", "ID", "PID", "STATUS", "BUNDLE", "CREATED", "OWNER");
	for (size_t i = 0; ids[i]; i++) {
		struct bx_oci_state st;
		bx_err_t err = NULL;
		if (bx_oci_state_read(ids[i], &st, &err) < 0) {
			bx_error_release(&err);
			continue;
		}
		enum bx_oci_status s = bx_oci_status(&st);
		char created[64];
		bx_format_time(st.created_us, created, sizeof created);
		pid_t pid = s == BX_OCI_STOPPED ? 0 : st.pid;
		if (json)
			json_array_append_new(arr, json_pack("{s:s, s:i, s:s, s:s, s:s, s:s}", "id", st.id, "pid", pid,
							     "status", bx_oci_status_name(s), "bundle", st.bundle,
							     "created", created, "owner", "root"));
		else if (quiet)
			puts(st.id);
		else
			printf("%-24s %-8d %-10s %-40s %-30s %s\n", st.id, pid, bx_oci_status_name(s), st.bundle, created,
			       "root");
		bx_oci_state_free(&st);
	}
	strv_free(ids);
	if (json) {
		cleanup_free char *t = json_dumps(arr, JSON_COMPACT);
		puts(t);
	}
	json_decref(arr);
	return 0;
}

static int cmd_ps(int argc, char **argv)
{
	static const struct option longs[] = {{"format", required_argument, NULL, 'f'}, {0}};
	const char *usage = "[--format table|json] ID [PS-OPTIONS...]";
	bool json = false;
	GETOPT_LOOP("f:", longs)
	{
		if (ch == 'f' && parse_format(optarg, &json) == 0)
			continue;
		if (ch == 'f')
			return usage_fail("ps", usage, "--format %s: must be table or json", optarg);
		return bad_flag("ps", usage, argc, argv);
	}
	if (optind >= argc)
		return usage_fail("ps", usage, "%s: no container id given", "ps");
	const char *id = argv[optind];
	struct bx_oci_state st;
	bx_err_t err = NULL;
	if (bx_oci_state_read(id, &st, &err) < 0)
		return fail(&err);
	bx_oci_state_free(&st);
	pid_t *pids;
	size_t n;
	if (bx_oci_cg_pids(id, &pids, &n) < 0) {
		bx_make_error(&err, errno, "cannot list the processes of container \"%s\" (its cgroup is gone)", id);
		return fail(&err);
	}
	if (json) {
		json_t *a = json_array();
		for (size_t i = 0; i < n; i++)
			json_array_append_new(a, json_integer(pids[i]));
		cleanup_free char *t = json_dumps(a, JSON_COMPACT);
		puts(t);
		json_decref(a);
		free(pids);
		return 0;
	}
	/* runc's way: ps(1) with the given options (default -ef), and the
	 * lines whose PID column is one of the container's. */
	char **cmdv = xzalloc(sizeof *cmdv);
	strv_push(&cmdv, "ps");
	if (optind + 1 >= argc)
		strv_push(&cmdv, "-ef");
	for (int i = optind + 1; i < argc; i++)
		strv_push(&cmdv, argv[i]);
	cleanup_free char *line = strv_join(cmdv, " ");
	strv_free(cmdv);
	FILE *f = popen(line, "re");
	if (!f) {
		free(pids);
		bx_make_error(&err, errno, "cannot run %s", line);
		return fail(&err);
	}
	char buf[4096];
	int pidcol = -1, rc;
	while (fgets(buf, sizeof buf, f)) {
		if (pidcol < 0) {
			/* The header says which column is PID. */
			cleanup_free char *h = xstrdup(buf);
			int col = 0;
			for (char *s = NULL, *w = strtok_r(h, " \t\n", &s); w; w = strtok_r(NULL, " \t\n", &s), col++)
				if (!strcmp(w, "PID"))
					pidcol = col;
			fputs(buf, stdout);
			if (pidcol < 0) {
				pclose(f);
				free(pids);
				bx_make_error(&err, 0, "ps %s: its output has no PID column", line + 3);
				return fail(&err);
			}
			continue;
		}
		cleanup_free char *l = xstrdup(buf);
		int col = 0;
		for (char *s = NULL, *w = strtok_r(l, " \t\n", &s); w; w = strtok_r(NULL, " \t\n", &s), col++)
			if (col == pidcol) {
				pid_t p = atoi(w);
				for (size_t i = 0; i < n; i++)
					if (pids[i] == p)
						fputs(buf, stdout);
				break;
			}
	}
	rc = pclose(f);
	free(pids);
	return rc == 0 ? 0 : 1;
}

/* ---- features, spec ---- */

static int cmd_features(int argc, char **argv)
{
	(void)argc;
	(void)argv;
	json_t *o = json_pack("{s:s, s:s}", "ociVersionMin", "1.0.0", "ociVersionMax", BX_OCI_VERSION);
	json_t *hooks = json_array();
	for (int k = 0; k < BX_HOOK_NKINDS; k++)
		json_array_append_new(hooks, json_string(bx_oci_hook_names[k]));
	json_object_set_new(o, "hooks", hooks);
	json_t *opts = json_array();
	static const char *const mo[] = {"acl", "async", "atime", "bind", "defaults", "dev", "diratime", "dirsync",
					 "exec", "mand", "noatime", "nodev", "nodiratime", "noexec", "nomand",
					 "norelatime", "nostrictatime", "nosuid", "private", "rbind", "relatime",
					 "remount", "ro", "rprivate", "rshared", "rslave", "runbindable", "rw",
					 "shared", "slave", "strictatime", "suid", "sync", "unbindable"};
	for (size_t i = 0; i < N_ELEMENTS(mo); i++)
		json_array_append_new(opts, json_string(mo[i]));
	json_object_set_new(o, "mountOptions", opts);
	json_t *lx = json_pack("{s:[s,s,s,s,s,s,s,s], s:[], s:{s:b, s:b, s:b}, s:{s:b}, s:{s:b}}", "namespaces", "cgroup",
			       "ipc", "mount", "network", "pid", "user", "uts", "time", "capabilities", "cgroup",
			       "v1", 1, "v2", 1, "systemd", 0, "seccomp", "enabled", 1, "apparmor", "enabled", 0);
	json_t *caps = json_object_get(lx, "capabilities");
	for (unsigned c = 0; c <= bx_caps_last(); c++)
		json_array_append_new(caps, json_string(bx_caps_name(c)));
	json_object_set_new(lx, "selinux", json_pack("{s:b}", "enabled", 0));
	json_object_set_new(o, "linux", lx);
	json_object_set_new(o, "annotations", json_pack("{s:s}", "org.boxlab.runtime", "boxlab"));
	cleanup_free char *t = json_dumps(o, JSON_INDENT(4));
	puts(t);
	json_decref(o);
	return 0;
}

/* runc spec's template, with the process not on a terminal (so the
 * bundle runs with `boxlab run --bundle` straight away) and boxlab's
 * masks. */
static const char SPEC_TEMPLATE[] =
	"{\n"
	"  \"ociVersion\": \"" BX_OCI_VERSION "\",\n"
	"  \"process\": {\n"
	"    \"terminal\": false,\n"
	"    \"user\": {\"uid\": 0, \"gid\": 0},\n"
	"    \"args\": [\"sh\"],\n"
	"    \"env\": [\"PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin\", \"TERM=xterm\"],\n"
	"    \"cwd\": \"/\",\n"
	"    \"capabilities\": {\n"
	"      \"bounding\": [\"CAP_AUDIT_WRITE\", \"CAP_KILL\", \"CAP_NET_BIND_SERVICE\"],\n"
	"      \"effective\": [\"CAP_AUDIT_WRITE\", \"CAP_KILL\", \"CAP_NET_BIND_SERVICE\"],\n"
	"      \"permitted\": [\"CAP_AUDIT_WRITE\", \"CAP_KILL\", \"CAP_NET_BIND_SERVICE\"]\n"
	"    },\n"
	"    \"rlimits\": [{\"type\": \"RLIMIT_NOFILE\", \"hard\": 1024, \"soft\": 1024}],\n"
	"    \"noNewPrivileges\": true\n"
	"  },\n"
	"  \"root\": {\"path\": \"rootfs\", \"readonly\": true},\n"
	"  \"hostname\": \"boxlab\",\n"
	"  \"mounts\": [\n"
	"    {\"destination\": \"/proc\", \"type\": \"proc\", \"source\": \"proc\"},\n"
	"    {\"destination\": \"/dev\", \"type\": \"tmpfs\", \"source\": \"tmpfs\", \"options\": [\"nosuid\", "
	"\"strictatime\", \"mode=755\", \"size=65536k\"]},\n"
	"    {\"destination\": \"/dev/pts\", \"type\": \"devpts\", \"source\": \"devpts\", \"options\": [\"nosuid\", "
	"\"noexec\", \"newinstance\", \"ptmxmode=0666\", \"mode=0620\"]},\n"
	"    {\"destination\": \"/dev/shm\", \"type\": \"tmpfs\", \"source\": \"shm\", \"options\": [\"nosuid\", "
	"\"noexec\", \"nodev\", \"mode=1777\", \"size=65536k\"]},\n"
	"    {\"destination\": \"/dev/mqueue\", \"type\": \"mqueue\", \"source\": \"mqueue\", \"options\": [\"nosuid\", "
	"\"noexec\", \"nodev\"]},\n"
	"    {\"destination\": \"/sys\", \"type\": \"sysfs\", \"source\": \"sysfs\", \"options\": [\"nosuid\", "
	"\"noexec\", \"nodev\", \"ro\"]},\n"
	"    {\"destination\": \"/sys/fs/cgroup\", \"type\": \"cgroup\", \"source\": \"cgroup\", \"options\": "
	"[\"nosuid\", \"noexec\", \"nodev\", \"relatime\", \"ro\"]}\n"
	"  ],\n"
	"  \"linux\": {\n"
	"    \"resources\": {\"devices\": [{\"allow\": false, \"access\": \"rwm\"}]},\n"
	"    \"namespaces\": [{\"type\": \"pid\"}, {\"type\": \"network\"}, {\"type\": \"ipc\"}, {\"type\": \"uts\"}, "
	"{\"type\": \"mount\"}, {\"type\": \"cgroup\"}],\n"
	"    \"maskedPaths\": [\"/proc/acpi\", \"/proc/asound\", \"/proc/kcore\", \"/proc/keys\", "
	"\"/proc/latency_stats\", \"/proc/timer_list\", \"/proc/timer_stats\", \"/proc/sched_debug\", "
	"\"/sys/firmware\", \"/proc/scsi\"],\n"
	"    \"readonlyPaths\": [\"/proc/bus\", \"/proc/fs\", \"/proc/irq\", \"/proc/sys\", \"/proc/sysrq-trigger\"]\n"
	"  }\n"
	"}\n";

static int cmd_spec(int argc, char **argv)
{
	static const struct option longs[] = {{"bundle", required_argument, NULL, 'b'},
					      {"rootless", no_argument, NULL, 'r'}, {0}};
	const char *bundle = ".";
	const char *usage = "[--bundle DIR]";
	GETOPT_LOOP("b:", longs)
	{
		if (ch == 'b')
			bundle = optarg;
		else if (ch == 'r')
			return usage_fail("spec", usage, "%s: not supported (boxlab runs as root)", "--rootless");
		else
			return bad_flag("spec", usage, argc, argv);
	}
	if (optind < argc)
		return usage_fail("spec", usage, "unexpected argument \"%s\"", argv[optind]);
	cleanup_free char *path = xasprintf("%s/config.json", bundle);
	bx_err_t err = NULL;
	if (access(path, F_OK) == 0) {
		bx_usage_error(&err, "%s already exists (remove it first)", path);
		return fail(&err);
	}
	return bx_write_file(path, SPEC_TEMPLATE, strlen(SPEC_TEMPLATE), &err) < 0 ? fail(&err) : 0;
}

/* ---- dispatch ---- */

static const struct {
	const char *name, *usage, *summary;
	int (*fn)(int, char **);
} verbs[] = {
	{"create", CREATE_USAGE, "create a container from a bundle; its process waits for start", cmd_create_only},
	{"start", "ID", "start the process of a created container", cmd_start},
	{"run", RUN_USAGE, "create and start a container, and wait for it unless --detach", cmd_run},
	{"state", "ID", "the state of a container, as JSON", cmd_state},
	{"kill", "[--all] ID [SIGNAL]", "send a signal (default TERM) to the container's init or all its processes",
	 cmd_kill},
	{"delete", "[--force] ID", "delete a stopped container (--force: kill it first)", cmd_delete},
	{"list", "[--format table|json] [--quiet]", "list the containers", cmd_list},
	{"exec", "[--process FILE | OPTIONS] ID [COMMAND [ARG...]]", "run a process in a running container",
	 bx_oci_exec},
	{"ps", "[--format table|json] ID [PS-OPTIONS...]", "the processes of a container", cmd_ps},
	{"pause", "ID", "freeze every process of a container", cmd_pause},
	{"resume", "ID", "thaw a paused container", cmd_resume},
	{"features", "", "what this runtime implements, as JSON", cmd_features},
	{"spec", "[--bundle DIR]", "write a template config.json", cmd_spec},
};

void bx_oci_help(FILE *out)
{
	fprintf(out, "\nOCI runtime commands (runc-compatible, for engines such as podman; 'boxlab --root DIR --help'):\n");
	for (size_t i = 0; i < N_ELEMENTS(verbs); i++)
		fprintf(out, "  %-10s %s\n", verbs[i].name, verbs[i].summary);
}

static void oci_usage(FILE *out)
{
	fprintf(out, "Usage: boxlab [--root DIR] [--log FILE] [--log-format text|json] [--debug] COMMAND [ARG...]\n\n"
		     "boxlab's OCI runtime interface (runc-compatible), for engines such as podman.\n\nCommands:\n");
	for (size_t i = 0; i < N_ELEMENTS(verbs); i++)
		fprintf(out, "  %-9s %s\n", verbs[i].name, verbs[i].summary);
	fprintf(out, "\nState is kept under --root (default %s, or $BOXLAB_OCI_ROOT). 'man boxlab' has the details.\n",
		default_root());
}

int bx_oci_main(int argc, char **argv)
{
	static const struct option longs[] = {
		{"root", required_argument, NULL, 'r'},	      {"log", required_argument, NULL, 'l'},
		{"log-format", required_argument, NULL, 'f'}, {"debug", no_argument, NULL, 'D'},
		{"systemd-cgroup", no_argument, NULL, 'S'},   {"rootless", required_argument, NULL, 'R'},
		{"criu", required_argument, NULL, 'c'},	      {"help", no_argument, NULL, 'h'},
		{"version", no_argument, NULL, 'v'},	      {0},
	};
	bx_err_t err = NULL;
	bx_oci_g.root = default_root();
	GETOPT_LOOP("h", longs)
	{
		switch (ch) {
		case 'r': bx_oci_g.root = optarg; break;
		case 'l': bx_oci_g.log = optarg; break;
		case 'f':
			if (strcmp(optarg, "json") && strcmp(optarg, "text"))
				return usage_fail("", "--log-format text|json", "--log-format %s: must be text or json",
						  optarg);
			bx_oci_g.log_json = !strcmp(optarg, "json");
			break;
		case 'D': bx_oci_g.debug = true; break;
		case 'S':
			bx_usage_error(&err, "--systemd-cgroup: boxlab manages cgroups itself (cgroupfs, under boxlab/), "
					     "not through systemd (configure the engine with cgroup_manager = \"cgroupfs\")");
			return fail(&err);
		case 'R':
			if (!strcmp(optarg, "true")) {
				bx_usage_error(&err, "--rootless true: boxlab's OCI interface runs as root only");
				return fail(&err);
			}
			break;
		case 'c': break; /* checkpoint is `boxlab checkpoint`, not OCI's */
		case 'h': oci_usage(stdout); return 0;
		case 'v':
			printf("boxlab version 0.1.0\nspec: %s\n", BX_OCI_VERSION);
			return 0;
		default:
			return usage_fail("", "[GLOBAL FLAGS] COMMAND", "unknown global flag or missing value \"%s\"",
					  argv[optind - 1]);
		}
	}
	if (optind >= argc) {
		oci_usage(stderr);
		return 2;
	}
	if (bx_oci_g.root[0] != '/') {
		bx_usage_error(&err, "--root %s: must be an absolute path", bx_oci_g.root);
		return fail(&err);
	}
	const char *verb = argv[optind];
	for (size_t i = 0; i < N_ELEMENTS(verbs); i++) {
		if (strcmp(verb, verbs[i].name))
			continue;
		int sub_argc = argc - optind;
		char **sub_argv = argv + optind;
		for (int k = 1; k < sub_argc && strcmp(sub_argv[k], "--"); k++)
			if (!strcmp(sub_argv[k], "--help") || !strcmp(sub_argv[k], "-h")) {
				printf("Usage: boxlab %s %s\n\n%s.\n", verbs[i].name, verbs[i].usage, verbs[i].summary);
				return 0;
			}
		bx_oci_log("debug", "%s", verb);
		return verbs[i].fn(sub_argc, sub_argv);
	}
	bx_usage_error(&err, "unknown OCI command \"%s\" (create start run state kill delete list exec ps pause resume "
			     "features spec)", verb);
	return fail(&err);
}
