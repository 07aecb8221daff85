/* config.json parsing and its mapping onto boxlab's modules (src/oci/
 * config.c): the fields read, the cgroup modules' settings made from
 * linux.resources, and the errors, each naming its JSON path. */
#include "modules/cgroup.h"
#include "modules/module.h"
#include "oci/oci.h"

#include <sched.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>

#include <cmocka.h>

#include "bxt.h"

#define MINIMAL "\"ociVersion\": \"1.0.2\", \"root\": {\"path\": \"rootfs\"}, " \
		"\"process\": {\"args\": [\"sh\"], \"cwd\": \"/\"}"

static void parse_ok(const char *json, struct bx_oci_config *c)
{
	bx_err_t err = NULL;
	if (bx_oci_config_parse(json, "/bundle", c, &err) != 0) {
		print_error("rejected: %s\n", err ? err->msg : "(no error)");
		fail();
	}
}

static void parse_bad(const char *json, const char *part)
{
	struct bx_oci_config c;
	bx_err_t err = NULL;
	if (bx_oci_config_parse(json, "/bundle", &c, &err) != -1) {
		print_error("accepted: %s\n", json);
		bx_oci_config_free(&c);
		fail();
	}
	assert_non_null(err);
	assert_contains(err->msg, part);
	assert_int_equal(err->exit_code, BX_EXIT_USAGE);
	bx_error_release(&err);
}

static void test_minimal(void **state)
{
	(void)state;
	struct bx_oci_config c;
	parse_ok("{" MINIMAL "}", &c);
	assert_string_equal(c.version, "1.0.2");
	assert_string_equal(c.root_path, "/bundle/rootfs");
	assert_false(c.root_ro);
	assert_true(c.has_process);
	assert_string_equal(c.process.args[0], "sh");
	assert_null(c.process.args[1]);
	assert_string_equal(c.process.cwd, "/");
	assert_int_equal(c.nns, 0);
	assert_string_equal(c.annotations_json, "{}");
	/* runc's default propagation */
	assert_int_equal(c.rootfs_propagation, MS_SLAVE | MS_REC);
	/* pids and freezer are always on, for kill --all, ps and pause */
	assert_true(c.cg_spec.modules[bx_module_index("pids")]);
	assert_true(c.cg_spec.modules[bx_module_index("freezer")]);
	assert_false(c.cg_spec.modules[bx_module_index("memory")]);
	assert_false(c.cg_spec.modules[bx_module_index("pid")]);
	bx_oci_config_free(&c);
}

static void test_process(void **state)
{
	(void)state;
	struct bx_oci_config c;
	parse_ok("{\"ociVersion\": \"1.1.0\", \"root\": {\"path\": \"/abs/root\", \"readonly\": true},"
		 "\"process\": {\"terminal\": true, \"args\": [\"a\", \"b\"], \"env\": [\"A=1\"], \"cwd\": \"/w\","
		 "\"user\": {\"uid\": 5, \"gid\": 6, \"umask\": 18, \"additionalGids\": [7, 8]},"
		 "\"capabilities\": {\"bounding\": [\"CAP_KILL\", \"CAP_CHOWN\"], \"effective\": [\"CAP_KILL\"],"
		 "\"ambient\": []},"
		 "\"rlimits\": [{\"type\": \"RLIMIT_NOFILE\", \"soft\": 10, \"hard\": 20},"
		 "{\"type\": \"RLIMIT_CORE\", \"soft\": 18446744073709551615, \"hard\": 18446744073709551615}],"
		 "\"noNewPrivileges\": true, \"oomScoreAdj\": 100}}",
		 &c);
	assert_string_equal(c.root_path, "/abs/root");
	assert_true(c.root_ro);
	const struct bx_oci_process *p = &c.process;
	assert_true(p->terminal);
	assert_string_equal(p->args[1], "b");
	assert_string_equal(p->env[0], "A=1");
	assert_int_equal(p->uid, 5);
	assert_int_equal(p->gid, 6);
	assert_non_null(p->umask_set);
	assert_int_equal(p->umask, 022);
	assert_int_equal(p->ngids, 2);
	assert_int_equal(p->gids[1], 8);
	assert_true(p->has_caps);
	assert_int_equal(p->caps[BX_CAP_BOUNDING], (1ULL << 5) | (1ULL << 0));
	assert_int_equal(p->caps[BX_CAP_EFFECTIVE], 1ULL << 5);
	assert_int_equal(p->caps[BX_CAP_AMBIENT], 0);
	assert_int_equal(p->nrlimits, 2);
	assert_int_equal(p->rlimits[0].resource, RLIMIT_NOFILE);
	assert_int_equal(p->rlimits[0].soft, 10);
	assert_int_equal(p->rlimits[0].hard, 20);
	/* 2^64-1 does not fit jansson's integers: read as unlimited */
	assert_true(p->rlimits[1].hard == RLIM_INFINITY);
	assert_true(p->nnp);
	assert_true(p->has_oom);
	assert_int_equal(p->oom_score_adj, 100);
	bx_oci_config_free(&c);
}

static void test_namespaces_and_maps(void **state)
{
	(void)state;
	struct bx_oci_config c;
	parse_ok("{" MINIMAL ", \"hostname\": \"h\", \"linux\": {\"namespaces\": [{\"type\": \"pid\"}, {\"type\": \"uts\"},"
		 "{\"type\": \"user\"}, {\"type\": \"network\", \"path\": \"/proc/1/ns/net\"}],"
		 "\"uidMappings\": [{\"containerID\": 0, \"hostID\": 1000, \"size\": 10}],"
		 "\"gidMappings\": [{\"containerID\": 0, \"hostID\": 2000, \"size\": 1}],"
		 "\"rootfsPropagation\": \"rprivate\", \"sysctl\": {\"net.ipv4.ip_forward\": \"1\"},"
		 "\"maskedPaths\": [\"/proc/kcore\"], \"readonlyPaths\": [\"/proc/sys\"],"
		 "\"devices\": [{\"type\": \"c\", \"path\": \"/dev/fuse\", \"major\": 10, \"minor\": 229}]}}",
		 &c);
	assert_int_equal(c.new_ns, CLONE_NEWPID | CLONE_NEWUTS | CLONE_NEWUSER);
	assert_int_equal(c.join_ns, CLONE_NEWNET);
	assert_string_equal(c.ns[3].path, "/proc/1/ns/net");
	assert_int_equal(c.nuidmap, 1);
	assert_int_equal(c.uidmap[0].host, 1000);
	assert_int_equal(c.gidmap[0].host, 2000);
	assert_int_equal(c.rootfs_propagation, MS_PRIVATE | MS_REC);
	assert_string_equal(c.sysctl[0], "net.ipv4.ip_forward");
	assert_string_equal(c.sysctl[1], "1");
	assert_string_equal(c.masked[0], "/proc/kcore");
	assert_string_equal(c.readonly[0], "/proc/sys");
	assert_int_equal(c.ndevices, 1);
	assert_int_equal(c.devices[0].type, 'c');
	assert_int_equal(c.devices[0].minor, 229);
	assert_int_equal(c.devices[0].mode, 0666);
	bx_oci_config_free(&c);
}

static void test_mounts(void **state)
{
	(void)state;
	struct bx_oci_config c;
	parse_ok("{" MINIMAL ", \"mounts\": ["
		 "{\"destination\": \"/dev\", \"type\": \"tmpfs\", \"source\": \"tmpfs\", \"options\": [\"nosuid\", "
		 "\"strictatime\", \"mode=755\", \"size=65536k\"]},"
		 "{\"destination\": \"/data\", \"source\": \"/srv\", \"options\": [\"rbind\", \"ro\", \"rprivate\"]},"
		 "{\"destination\": \"/x\", \"type\": \"bind\", \"source\": \"/y\", \"options\": [\"rw\"]}]}",
		 &c);
	assert_int_equal(c.nmounts, 3);
	assert_int_equal(c.mounts[0].flags, MS_NOSUID | MS_STRICTATIME);
	assert_string_equal(c.mounts[0].data, "mode=755,size=65536k");
	assert_false(c.mounts[0].bind);
	assert_true(c.mounts[1].bind);
	assert_int_equal(c.mounts[1].flags, MS_BIND | MS_REC | MS_RDONLY);
	assert_int_equal(c.mounts[1].propagation, MS_PRIVATE | MS_REC);
	assert_string_equal(c.mounts[1].type, "none");
	assert_true(c.mounts[2].bind);
	assert_int_equal(c.mounts[2].clear, MS_RDONLY);
	bx_oci_config_free(&c);
}

static void test_resources(void **state)
{
	(void)state;
	struct bx_oci_config c;
	parse_ok("{" MINIMAL ", \"linux\": {\"resources\": {"
		 "\"memory\": {\"limit\": 67108864, \"swap\": -1, \"reservation\": 1048576},"
		 "\"cpu\": {\"quota\": 50000, \"period\": 100000, \"shares\": 512, \"cpus\": \"0\"},"
		 "\"pids\": {\"limit\": 100}, \"blockIO\": {\"weight\": 300},"
		 "\"devices\": [{\"allow\": false, \"access\": \"rwm\"},"
		 "{\"allow\": true, \"type\": \"c\", \"major\": 10, \"minor\": 200, \"access\": \"rwm\"},"
		 "{\"allow\": true, \"type\": \"c\", \"major\": 136, \"access\": \"rw\"}]}}}",
		 &c);
	struct bx_spec *s = &c.cg_spec;
	for (const char *const *m = (const char *const[]){"memory", "cpu", "pids", "io", "devices", "freezer", NULL}; *m;
	     m++)
		assert_true(s->modules[bx_module_index(*m)]);
	const struct bx_cg_memory_conf *mem = s->conf[bx_module_index("memory")];
	assert_int_equal(mem->limit, 67108864);
	assert_int_equal(mem->swap, -1);
	assert_int_equal(mem->reservation, 1048576);
	const struct bx_cg_cpu_conf *cpu = s->conf[bx_module_index("cpu")];
	assert_int_equal(cpu->nanocpus, 500000000);
	assert_int_equal(cpu->shares, 512);
	assert_string_equal(cpu->cpus, "0");
	const struct bx_cg_pids_conf *pids = s->conf[bx_module_index("pids")];
	assert_int_equal(pids->limit, 100);
	const struct bx_cg_io_conf *io = s->conf[bx_module_index("io")];
	assert_int_equal(io->weight, 300);
	const struct bx_cg_devices_conf *dev = s->conf[bx_module_index("devices")];
	assert_string_equal(dev->rules[0], "c 10:200 rwm");
	assert_string_equal(dev->rules[1], "c 136:* rw");
	assert_null(dev->rules[2]);
	bx_oci_config_free(&c);
}

static void test_hooks(void **state)
{
	(void)state;
	struct bx_oci_config c;
	parse_ok("{" MINIMAL ", \"hooks\": {\"prestart\": [{\"path\": \"/a\"}, {\"path\": \"/b\", \"args\": [\"b\", \"x\"],"
		 "\"env\": [\"E=1\"], \"timeout\": 5}], \"poststop\": [{\"path\": \"/c\"}]}}",
		 &c);
	assert_int_equal(c.hooks[BX_HOOK_PRESTART].n, 2);
	assert_string_equal(c.hooks[BX_HOOK_PRESTART].list[1].args[1], "x");
	assert_int_equal(c.hooks[BX_HOOK_PRESTART].list[1].timeout, 5);
	assert_int_equal(c.hooks[BX_HOOK_PRESTART].list[0].timeout, 0);
	assert_int_equal(c.hooks[BX_HOOK_POSTSTOP].n, 1);
	assert_int_equal(c.hooks[BX_HOOK_CREATE_RUNTIME].n, 0);
	bx_oci_config_free(&c);
}

static void test_seccomp_and_unknown(void **state)
{
	(void)state;
	struct bx_oci_config c;
	/* Unknown properties are ignored (config.md); seccomp kept as
	 * text for the seccomp module's profile reader. */
	parse_ok("{" MINIMAL ", \"org.example\": 1, \"linux\": {\"seccomp\": {\"defaultAction\": \"SCMP_ACT_ALLOW\"},"
		 "\"whatever\": true}, \"annotations\": {\"a\": \"b\"}}",
		 &c);
	assert_contains(c.seccomp_json, "SCMP_ACT_ALLOW");
	assert_string_equal(c.annotations_json, "{\"a\":\"b\"}");
	bx_oci_config_free(&c);
}

static void test_errors(void **state)
{
	(void)state;
	parse_bad("{", "config.json: line 1");
	parse_bad("[]", "config.json: must be a JSON object");
	parse_bad("{\"root\": {\"path\": \"r\"}}", "config.json: ociVersion: is required");
	parse_bad("{\"ociVersion\": \"2.0.0\", \"root\": {\"path\": \"r\"}}", "ociVersion: \"2.0.0\" is not a 1.x");
	parse_bad("{\"ociVersion\": \"1.0.0\"}", "config.json: root.path: is required");
	parse_bad("{\"ociVersion\": \"1.0.0\", \"root\": {\"path\": 3}}", "config.json: root.path: must be a string");
	parse_bad("{\"ociVersion\": \"1.0.0\", \"ociVersion\": \"1.0.0\"}", "duplicate");
	parse_bad("{\"ociVersion\": \"1.0.0\", \"root\": {\"path\": \"r\"}, \"process\": {\"args\": [\"a\", 1], \"cwd\": "
		  "\"/\"}}",
		  "config.json: process.args[1]: must be a string");
	parse_bad("{\"ociVersion\": \"1.0.0\", \"root\": {\"path\": \"r\"}, \"process\": {\"args\": [\"a\"]}}",
		  "config.json: process.cwd: is required");
	parse_bad("{\"ociVersion\": \"1.0.0\", \"root\": {\"path\": \"r\"}, \"process\": {\"args\": [\"a\"], \"cwd\": "
		  "\"rel\"}}",
		  "config.json: process.cwd: must be an absolute path");
	parse_bad("{" MINIMAL ", \"linux\": {\"namespaces\": [{\"type\": \"pid\"}, {\"type\": \"pid\"}]}}",
		  "linux.namespaces[1]: namespace pid is listed twice");
	parse_bad("{" MINIMAL ", \"linux\": {\"namespaces\": [{\"type\": \"net\"}]}}",
		  "linux.namespaces[0].type: unknown namespace \"net\"");
	parse_bad("{" MINIMAL ", \"linux\": {\"namespaces\": [{\"type\": \"user\"}]}}",
		  "a new user namespace needs uidMappings");
	parse_bad("{" MINIMAL ", \"linux\": {\"uidMappings\": [{\"containerID\": 0, \"hostID\": 1, \"size\": 1}],"
		  "\"gidMappings\": [{\"containerID\": 0, \"hostID\": 1, \"size\": 1}]}}",
		  "linux.uidMappings: needs a new user namespace");
	parse_bad("{" MINIMAL ", \"linux\": {\"uidMappings\": [{\"containerID\": 0, \"size\": 1}]}}",
		  "linux.uidMappings[0]: needs containerID, hostID and size");
	parse_bad("{" MINIMAL ", \"linux\": {\"intelRdt\": {\"closID\": \"x\"}}}", "linux.intelRdt: not supported");
	parse_bad("{" MINIMAL ", \"linux\": {\"resources\": {\"memory\": {\"swappiness\": 5}}}}",
		  "linux.resources.memory.swappiness: not supported");
	parse_bad("{" MINIMAL ", \"linux\": {\"resources\": {\"devices\": [{\"allow\": true, \"access\": \"rwm\"}]}}}",
		  "linux.resources.devices[0]: allowing every device is not supported");
	parse_bad("{" MINIMAL ", \"linux\": {\"resources\": {\"devices\": [{\"allow\": true, \"type\": \"c\", \"major\": "
		  "1, \"access\": \"rwx\"}]}}}",
		  "linux.resources.devices[0].access: must be letters of rwm");
	parse_bad("{" MINIMAL ", \"linux\": {\"rootfsPropagation\": \"sideways\"}}",
		  "linux.rootfsPropagation: unknown \"sideways\"");
	parse_bad("{" MINIMAL ", \"linux\": {\"sysctl\": {\"a.b\": 1}}}", "linux.sysctl.a.b: must be a string");
	parse_bad("{" MINIMAL ", \"linux\": {\"devices\": [{\"type\": \"x\", \"path\": \"/dev/x\"}]}}",
		  "linux.devices[0].type: must be c, b, u or p");
	parse_bad("{" MINIMAL ", \"mounts\": [{\"destination\": \"/x\"}]}",
		  "mounts[0].type: is needed unless the options hold bind");
	parse_bad("{" MINIMAL ", \"mounts\": [{\"destination\": \"x\", \"type\": \"tmpfs\"}]}",
		  "mounts[0].destination: must be an absolute path");
	parse_bad("{" MINIMAL ", \"hooks\": {\"prestart\": [{\"path\": \"rel\"}]}}",
		  "hooks.prestart[0].path: must be an absolute path");
	parse_bad("{" MINIMAL ", \"hooks\": {\"poststop\": [{\"path\": \"/x\", \"timeout\": 0}]}}",
		  "hooks.poststop[0].timeout: 0 is out of range");
	parse_bad("{" MINIMAL ", \"hostname\": \"h\"}", "hostname: needs a new uts namespace");
	parse_bad("{\"ociVersion\": \"1.0.0\", \"root\": {\"path\": \"r\"}, \"process\": {\"args\": [\"a\"], \"cwd\": "
		  "\"/\", \"rlimits\": [{\"type\": \"RLIMIT_NOFILE\", \"soft\": 5, \"hard\": 4}]}}",
		  "process.rlimits[0]: soft is above hard");
	parse_bad("{\"ociVersion\": \"1.0.0\", \"root\": {\"path\": \"r\"}, \"process\": {\"args\": [\"a\"], \"cwd\": "
		  "\"/\", \"capabilities\": {\"effective\": [\"KILL\"]}}}",
		  "process.capabilities.effective[0]: unknown capability \"KILL\"");
	parse_bad("{\"ociVersion\": \"1.0.0\", \"root\": {\"path\": \"r\"}, \"process\": {\"args\": [\"a\"], \"cwd\": "
		  "\"/\", \"selinuxLabel\": \"x\"}}",
		  "process.selinuxLabel: not supported by boxlab");
	parse_bad("{" MINIMAL ", \"linux\": {\"personality\": {\"domain\": \"LINUX32\"}}}",
		  "linux.personality: not supported by boxlab (no personality(2) setting)");
	parse_bad("{" MINIMAL ", \"linux\": {\"timeOffsets\": {\"monotonic\": {\"secs\": 1}}}}",
		  "linux.timeOffsets: not supported by boxlab (no time namespace offsets)");
	parse_bad("{\"ociVersion\": \"1.0.0\", \"root\": {\"path\": \"r\"}, \"process\": {\"args\": [\"a\"], \"cwd\": "
		  "\"/\", \"scheduler\": {\"policy\": \"SCHED_BATCH\"}}}",
		  "process.scheduler: not supported by boxlab (no scheduling policy setting)");
	parse_bad("{\"ociVersion\": \"1.0.0\", \"root\": {\"path\": \"r\"}, \"process\": {\"args\": [\"a\"], \"cwd\": "
		  "\"/\", \"oomScoreAdj\": 5000}}",
		  "process.oomScoreAdj: 5000 is out of range (-1000 to 1000)");
}

static void test_process_json(void **state)
{
	(void)state;
	struct bx_oci_process p;
	bx_err_t err = NULL;
	assert_int_equal(bx_oci_process_parse("{\"args\": [\"ls\"], \"cwd\": \"/tmp\", \"env\": [\"X=1\"]}", &p, &err), 0);
	assert_string_equal(p.args[0], "ls");
	assert_string_equal(p.cwd, "/tmp");
	bx_oci_process_free(&p);
	assert_int_equal(bx_oci_process_parse("{\"args\": [\"ls\"], \"cwd\": \"/\", \"env\": [\"NOEQ\"]}", &p, &err), -1);
	assert_contains(err->msg, "process.env[0]: must be KEY=VALUE");
	bx_error_release(&err);
	assert_int_equal(bx_oci_process_parse("nope", &p, &err), -1);
	assert_contains(err->msg, "process.json: line 1");
	bx_error_release(&err);
}

static void test_tables(void **state)
{
	(void)state;
	assert_int_equal(bx_oci_ns_from_name("network"), CLONE_NEWNET);
	assert_int_equal(bx_oci_ns_from_name("mount"), CLONE_NEWNS);
	assert_int_equal(bx_oci_ns_from_name("mnt"), -1);
	assert_string_equal(bx_oci_ns_proc_name(CLONE_NEWNET), "net");
	assert_int_equal(bx_oci_ns_order[0], CLONE_NEWUSER);
	assert_int_equal(bx_oci_rlimit_from_name("RLIMIT_NPROC"), RLIMIT_NPROC);
	assert_int_equal(bx_oci_rlimit_from_name("NPROC"), -1);
	bx_err_t err = NULL;
	assert_int_equal(bx_oci_id_check("5968a220bb6b6d884ce206f3df128f2d8470f38630ae77f6d46c7c2672841ffc", &err), 0);
	assert_int_equal(bx_oci_id_check("My_ctr.1+x", &err), 0);
	assert_int_equal(bx_oci_id_check("../x", &err), -1);
	assert_contains(err->msg, "invalid container id \"../x\"");
	bx_error_release(&err);
	assert_int_equal(bx_oci_id_check("", &err), -1);
	bx_error_release(&err);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_minimal),	  cmocka_unit_test(test_process),
		cmocka_unit_test(test_namespaces_and_maps), cmocka_unit_test(test_mounts),
		cmocka_unit_test(test_resources), cmocka_unit_test(test_hooks),
		cmocka_unit_test(test_seccomp_and_unknown), cmocka_unit_test(test_errors),
		cmocka_unit_test(test_process_json), cmocka_unit_test(test_tables),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
