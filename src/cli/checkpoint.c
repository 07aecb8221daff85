/* boxlab checkpoint and boxlab restore: save a running container with
 * CRIU and bring it back, in place, under another name, or on another
 * host from an exported file (the engine is modules/checkpoint*.c). */
#include "cli/cli.h"
#include "modules/checkpoint.h"
#include "util/cleanup.h"
#include "util/fs.h"
#include "util/xalloc.h"
#include "util/json.h"

#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <jansson.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>


static int parse_timeout(const struct bx_cmd *cmd, const char *v, int *out)
{
	char *end;
	long n = strtol(v, &end, 10);
	if (*end || end == v || n < 1 || n > 3600)
		return bx_cli_usage_error(cmd, "invalid --timeout \"%s\" (seconds, 1 to 3600)", v);
	*out = (int)n;
	return 0;
}

static int checkpoint_exec(int argc, char **argv)
{
	static const struct option opts[] = {
		{"leave-running", no_argument, NULL, 'l'},
		{"export", required_argument, NULL, 'e'},
		{"timeout", required_argument, NULL, 't'},
		{0},
	};
	struct bx_checkpoint_opts o = {0};
	struct bx_checkpoint_result res;
	bx_err_t err = NULL;
	int c;

	if (bx_cli_help(&bx_cmd_checkpoint, argc, argv))
		return 0;
	opterr = 0;
	optind = 1;
	while ((c = getopt_long(argc, argv, "le:", opts, NULL)) != -1) {
		if (c == 'l')
			o.leave_running = true;
		else if (c == 'e')
			o.export_path = optarg;
		else if (c == 't') {
			if (parse_timeout(&bx_cmd_checkpoint, optarg, &o.timeout_s))
				return BX_EXIT_USAGE;
		} else
			return bx_cli_usage_error(&bx_cmd_checkpoint, "unknown flag or missing value '%s'",
						  argv[optind - 1]);
	}
	if (optind >= argc)
		return bx_cli_usage_error(&bx_cmd_checkpoint, "no container named");
	if (optind + 1 < argc)
		return bx_cli_usage_error(&bx_cmd_checkpoint, "one container at a time ('%s' is one too many)",
					  argv[optind + 1]);
	if (o.export_path) {
		size_t n = strlen(o.export_path);
		if (n < 7 || (strcmp(o.export_path + n - 7, ".tar.gz") && strcmp(o.export_path + n - 4, ".tgz")))
			return bx_cli_usage_error(&bx_cmd_checkpoint, "--export wants a FILE.tar.gz (or .tgz), not \"%s\"",
						  o.export_path);
	}
	if (bx_checkpoint(argv[optind], &o, &res, &err) < 0)
		return bx_error_report(&err, 1);
	printf("%s: checkpoint of %.1f MiB in %.2f s, %s (container %s)\n", argv[optind], (double)res.size / 1048576,
	       (double)res.dump_us / 1e6, o.export_path ? o.export_path : res.dir,
	       o.leave_running ? "left running" : "stopped");
	bx_checkpoint_result_free(&res);
	return 0;
}

/* An exported checkpoint, unpacked into the store under the name it
 * will be restored as.  Returns the checkpoint's original name. */
static int import(const char *file, const char *name, const char *new_name, char **target, bx_err_t *err)
{
	cleanup_free char *store = bx_checkpoint_dir(NULL);
	if (access(file, R_OK) < 0)
		return bx_usage_error(err, "cannot read %s: %s (give a file made by 'boxlab checkpoint --export')", file,
				      strerror(errno));
	if (bx_mkdir_p(store, 0700, err) < 0)
		return -1;
	cleanup_free char *tmp = xasprintf("%s/.import.XXXXXX", store);
	if (!mkdtemp(tmp))
		return bx_make_error(err, errno, "cannot create a directory in %s", store);
	char *targv[] = {"tar", "-xzf", (char *)file, "-C", tmp, NULL};
	cleanup_free char *mpath = xasprintf("%s/checkpoint.json", tmp);
	/* Before the first goto: cleanup would free it uninitialized. */
	cleanup_free char *dir = NULL;
	json_t *meta = NULL;
	int ret = -1;
	if (bx_ckpt_run_tool(targv, bx_ckpt_timeout(0), err) < 0) {
		bx_error_wrap(err, "cannot unpack %s", file);
		goto out;
	}
	meta = bx_json_load(mpath, NULL);
	const char *orig = json_string_value(json_object_get(meta, "name"));
	if (!orig) {
		bx_usage_error(err, "%s is not a checkpoint exported by boxlab (it has no checkpoint.json)", file);
		goto out;
	}
	*target = xstrdup(new_name ? new_name : name ? name : orig);
	if (bx_name_check(*target, err) < 0)
		goto out;
	dir = bx_checkpoint_dir(*target);
	if (bx_ckpt_replace_dir(tmp, dir, err) < 0)
		goto out;
	ret = 0;
out:
	json_decref(meta);
	if (ret < 0) {
		bx_err_t e2 = NULL;
		bx_rm_rf(tmp, &e2);
		bx_error_release(&e2);
	}
	return ret;
}

static int supervise(struct bx_spec *spec, const void *dir, int notify_fd, bx_err_t *err)
{
	return bx_restore_supervise(spec, dir, notify_fd, err);
}

/* The supervisor runs detached, like run -d's; we wait for its word. */
static int restore_detached(struct bx_spec *spec, const char *dir)
{
	char *pid;
	int code = bx_cli_supervise_detached(spec, "the restore", supervise, dir, &pid);
	if (code == 0)
		printf("%s\n", spec->name);
	free(pid);
	return code;
}

static int restore_exec(int argc, char **argv)
{
	static const struct option opts[] = {
		{"import", required_argument, NULL, 'i'},
		{"name", required_argument, NULL, 'n'},
		{0},
	};
	const char *file = NULL, *new_name = NULL, *name = NULL;
	cleanup_free char *target = NULL;
	bx_err_t err = NULL;
	struct bx_state st;
	struct bx_spec spec;
	int c;

	if (bx_cli_help(&bx_cmd_restore, argc, argv))
		return 0;
	opterr = 0;
	optind = 1;
	while ((c = getopt_long(argc, argv, "i:n:", opts, NULL)) != -1) {
		if (c == 'i')
			file = optarg;
		else if (c == 'n')
			new_name = optarg;
		else
			return bx_cli_usage_error(&bx_cmd_restore, "unknown flag or missing value '%s'", argv[optind - 1]);
	}
	if (optind < argc)
		name = argv[optind++];
	if (optind < argc)
		return bx_cli_usage_error(&bx_cmd_restore, "one container at a time ('%s' is one too many)", argv[optind]);
	if (!name && !file)
		return bx_cli_usage_error(&bx_cmd_restore, "no container named (and no --import FILE)");
	if ((name && bx_name_check(name, &err) < 0) || (new_name && bx_name_check(new_name, &err) < 0))
		return bx_error_report(&err, BX_EXIT_USAGE);

	if (file) {
		if (import(file, name, new_name, &target, &err) < 0)
			return bx_error_report(&err, 1);
	} else {
		target = xstrdup(new_name ? new_name : name);
		cleanup_free char *from = bx_checkpoint_dir(name);
		cleanup_free char *meta = xasprintf("%s/checkpoint.json", from);
		if (access(meta, F_OK) < 0) {
			bx_usage_error(&err, "no checkpoint of %s in %s (make one with 'boxlab checkpoint %s')", name, from,
				       name);
			return bx_error_report(&err, 1);
		}
	}
	/* A restore under a new name reads NAME's checkpoint in place; the
	 * new container's own checkpoints will go under its name. */
	cleanup_free char *dir = bx_checkpoint_dir(file ? target : name);

	if (bx_restore_check(dir, &err) < 0)
		return bx_error_report(&err, 1);
	/* The name must be free, or held by a container that has ended. */
	if (bx_state_read(target, &st, &err) == 0) {
		enum bx_status s = bx_cli_live_status(&st);
		bx_state_free(&st);
		if (s == BX_RUNNING || s == BX_PAUSED || s == BX_CREATED) {
			bx_usage_error(&err, "cannot restore %s: a container of that name is %s (stop it, or restore "
				       "under another --name)", target, bx_status_name(s));
			return bx_error_report(&err, 1);
		}
		if (bx_cli_cleanup(target, &err) < 0)
			return bx_error_report(&err, 1);
	}
	bx_error_release(&err);

	cleanup_free char *ini = xasprintf("%s/config.ini", dir);
	bx_spec_init(&spec);
	if (bx_spec_load_ini(&spec, ini, &err) < 0) {
		bx_spec_free(&spec);
		bx_error_wrap(&err, "reading the checkpoint's spec");
		return bx_error_report(&err, 1);
	}
	free(spec.name);
	spec.name = xstrdup(target);
	spec.name_generated = false;
	spec.detach = true;
	int code = restore_detached(&spec, dir);
	bx_spec_free(&spec);
	return code;
}

const struct bx_cmd bx_cmd_checkpoint = {
	.name = "checkpoint",
	.usage = "[--leave-running] [--export FILE.tar.gz] [--timeout SECONDS] NAME",
	.summary = "save a running container with CRIU (and stop it, unless --leave-running)",
	.options = "  -l, --leave-running    keep the container running after the checkpoint\n"
		   "  -e, --export FILE      also pack the checkpoint into FILE.tar.gz, for restore --import\n"
		   "      --timeout SECONDS  time limit of the dump (default 120, or $BOXLAB_CRIU_TIMEOUT)\n"
		   "The checkpoint goes to $BOXLAB_LIB_DIR/checkpoints/NAME (it outlives 'boxlab rm').\n",
	.exec = checkpoint_exec,
};

const struct bx_cmd bx_cmd_restore = {
	.name = "restore",
	.usage = "[--import FILE.tar.gz] [--name NEW] [NAME]",
	.summary = "bring a checkpointed container back, running detached",
	.options = "  -i, --import FILE   restore from a file made by 'checkpoint --export' (NAME then\n"
		   "                      defaults to the name in it)\n"
		   "  -n, --name NEW      restore under another name (NAME's checkpoint stays)\n"
		   "NAME's checkpoint is the last one taken; a stopped container of the same name is replaced.\n",
	.exec = restore_exec,
};
