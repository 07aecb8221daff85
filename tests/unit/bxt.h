/* What the unit tests share: a substring assert with a readable failure,
 * and a temp dir for the whole test program (cmocka group fixtures).
 * Include after <cmocka.h>. */
#ifndef BXT_H
#define BXT_H

#include "core/err.h"
#include "util/fs.h"

#include <stdlib.h>
#include <string.h>

#define assert_contains(hay, needle)                                                              \
	do {                                                                                      \
		const char *h_ = (hay), *n_ = (needle);                                           \
		if (!h_ || !strstr(h_, n_)) {                                                     \
			print_error("\"%s\" does not contain \"%s\"\n", h_ ? h_ : "(null)", n_); \
			fail();                                                                   \
		}                                                                                 \
	} while (0)

__attribute__((unused)) static char bxt_tmpdir[] = "/tmp/boxlab-ut-XXXXXX";

__attribute__((unused)) static int bxt_tmpdir_setup(void **state)
{
	(void)state;
	return mkdtemp(bxt_tmpdir) ? 0 : -1;
}

__attribute__((unused)) static int bxt_tmpdir_teardown(void **state)
{
	bx_err_t err = NULL;
	(void)state;
	bx_rm_rf(bxt_tmpdir, &err);
	if (!err)
		return 0;
	bx_error_release(&err);
	return -1;
}

#endif
