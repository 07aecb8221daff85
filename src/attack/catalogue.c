/* The attacks, in the order every listing shows them.  Each entry lives
 * with its canary (canary_*.c); attacks/README.md is the catalogue for
 * people, and its matrix is what the tests hold the measurements to. */
#include "attack/attack.h"
#include "util/xalloc.h"

#include <string.h>

extern const struct bx_attack bx_attack_chroot, bx_attack_kill, bx_attack_ptrace, bx_attack_blockdev,
	bx_attack_mknod, bx_attack_release_agent, bx_attack_loopback, bx_attack_sniff, bx_attack_hostname,
	bx_attack_shm, bx_attack_keyring, bx_attack_bpf, bx_attack_unshare, bx_attack_tiocsti, bx_attack_proc_sys,
	bx_attack_sysrq, bx_attack_setuid, bx_attack_exe, bx_attack_fork, bx_attack_memory, bx_attack_cpu;

const struct bx_attack *const bx_attacks[] = {
	&bx_attack_chroot,
	&bx_attack_kill,
	&bx_attack_ptrace,
	&bx_attack_blockdev,
	&bx_attack_mknod,
	&bx_attack_release_agent,
	&bx_attack_loopback,
	&bx_attack_sniff,
	&bx_attack_hostname,
	&bx_attack_shm,
	&bx_attack_keyring,
	&bx_attack_bpf,
	&bx_attack_unshare,
	&bx_attack_tiocsti,
	&bx_attack_proc_sys,
	&bx_attack_sysrq,
	&bx_attack_setuid,
	&bx_attack_exe,
	&bx_attack_fork,
	&bx_attack_memory,
	&bx_attack_cpu,
	NULL,
};

const struct bx_attack *bx_attack_find(const char *name)
{
	for (size_t i = 0; bx_attacks[i]; i++)
		if (!strcmp(bx_attacks[i]->name, name))
			return bx_attacks[i];
	return NULL;
}

char *bx_attack_names(void)
{
	char **v = NULL;
	for (size_t i = 0; bx_attacks[i]; i++)
		strv_push(&v, bx_attacks[i]->name);
	char *s = strv_join(v, ", ");
	strv_free(v);
	return s;
}
