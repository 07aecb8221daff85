/* The namespaces that need little more than their clone flag.
 *
 *   pid      own process ids: the container's first process is pid 1 and
 *            host processes are invisible (man 7 pid_namespaces).
 *   net      own network stack: only a loopback device (man 7
 *            network_namespaces); the network module adds a veth.
 *   ipc      own System V IPC and POSIX message queues (man 7
 *            ipc_namespaces): host shared memory is unreachable.
 *   uts      own host name (man 7 uts_namespaces).
 *   cgroupns own view of /proc/self/cgroup and cgroupfs, rooted at the
 *            container's cgroup (man 7 cgroup_namespaces).
 *
 * Escape demos: kill/ptrace a host process (pid), reach a host loopback
 * service and sniff (net), read host SysV shm (ipc), change the host's
 * hostname (uts).  Lessons 01, 03 and 05.
 */
#include "modules/module.h"
#include "util/cleanup.h"

#include <errno.h>
#include <fcntl.h>
#include <net/if.h>
#include <sched.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

static void probe_ns(struct bx_probe *out, const char *ns)
{
	char path[64];
	snprintf(path, sizeof path, "/proc/self/ns/%s", ns);
	out->ok = access(path, F_OK) == 0;
	snprintf(out->why, sizeof out->why, out->ok ? "%s namespaces available" : "kernel lacks %s namespaces "
		 "(CONFIG_*_NS)", ns);
}

static void probe_pid(struct bx_probe *o) { probe_ns(o, "pid"); }
static void probe_net(struct bx_probe *o) { probe_ns(o, "net"); }
static void probe_ipc(struct bx_probe *o) { probe_ns(o, "ipc"); }
static void probe_uts(struct bx_probe *o) { probe_ns(o, "uts"); }
static void probe_cgroupns(struct bx_probe *o) { probe_ns(o, "cgroup"); }

static int net_child(struct bx_box *box, bx_err_t *err)
{
	(void)box;
	/* A new network namespace starts with lo down. */
	cleanup_close int s = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	struct ifreq ifr = {0};
	strcpy(ifr.ifr_name, "lo");
	if (s < 0 || ioctl(s, SIOCGIFFLAGS, &ifr) < 0)
		return bx_make_error(err, errno, "net: cannot read the flags of lo");
	ifr.ifr_flags |= IFF_UP;
	if (ioctl(s, SIOCSIFFLAGS, &ifr) < 0)
		return bx_make_error(err, errno, "net: cannot bring lo up");
	return 0;
}

static int ipc_child(struct bx_box *box, bx_err_t *err)
{
	/* POSIX message queues belong to the ipc namespace; show ours. */
	if (!box->rootfs || !bx_box_has(box, "mnt"))
		return 0;
	mkdir("/dev/mqueue", 0755);
	if (mount("mqueue", "/dev/mqueue", "mqueue", MS_NOSUID | MS_NODEV | MS_NOEXEC, NULL) < 0)
		return bx_make_error(err, errno, "ipc: cannot mount mqueue on /dev/mqueue");
	return 0;
}

static int uts_child(struct bx_box *box, bx_err_t *err)
{
	const char *h = box->spec->hostname ? box->spec->hostname : box->name;
	if (sethostname(h, strlen(h)) < 0)
		return bx_make_error(err, errno, "uts: cannot set the hostname to %s", h);
	return 0;
}

static int cgroupns_child(struct bx_box *box, bx_err_t *err)
{
	(void)box;
	if (unshare(CLONE_NEWCGROUP) < 0)
		return bx_make_error(err, errno, "cgroupns: cannot unshare the cgroup namespace");
	return 0;
}

const struct bx_module bx_module_pid = {
	.name = "pid",
	.summary = "own process ids: pid 1 inside, host processes invisible",
	.blocks = "signalling, ptracing and listing host processes",
	.kind = BX_KIND_NAMESPACE,
	.default_on = true,
	.ns_flags = CLONE_NEWPID,
	.probe = probe_pid,
};

const struct bx_module bx_module_net = {
	.name = "net",
	.summary = "own network stack: only lo unless the network module adds more",
	.blocks = "reaching host-only services, sniffing host traffic, binding host ports",
	.kind = BX_KIND_NAMESPACE,
	.default_on = true,
	.ns_flags = CLONE_NEWNET,
	.probe = probe_net,
	.child_setup = net_child,
};

const struct bx_module bx_module_ipc = {
	.name = "ipc",
	.summary = "own System V IPC and POSIX message queues",
	.blocks = "reading or destroying the host's shared memory and semaphores",
	.kind = BX_KIND_NAMESPACE,
	.default_on = true,
	.ns_flags = CLONE_NEWIPC,
	.probe = probe_ipc,
	.child_setup = ipc_child,
};

const struct bx_module bx_module_uts = {
	.name = "uts",
	.summary = "own host name and domain name",
	.blocks = "changing the host's hostname",
	.kind = BX_KIND_NAMESPACE,
	.default_on = true,
	.ns_flags = CLONE_NEWUTS,
	.probe = probe_uts,
	.child_setup = uts_child,
};

const struct bx_module bx_module_cgroupns = {
	.name = "cgroupns",
	.summary = "own view of the cgroup tree, rooted at the container's cgroup",
	.blocks = "learning the host's cgroup layout from /proc/self/cgroup",
	.kind = BX_KIND_NAMESPACE,
	.default_on = true,
	.ns_flags = CLONE_NEWCGROUP,
	.unshare_late = true,
	.probe = probe_cgroupns,
	.child_setup = cgroupns_child,
};
