/* A seccomp profile in Docker's JSON format (--seccomp FILE) -> the
 * profile, then compiled to the BPF program boxlab would load. */
#include "fuzz.h"
#include "core/err.h"
#include "modules/seccomp.h"

#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct bx_sc_profile p;
	struct bx_sc_prog prog;
	struct bx_sc_env env = {.caps = 0xa80425fbULL, .kernel = "6.1.0"};
	bx_err_t err = NULL;
	char *text = strndup((const char *)data, size);

	memset(&p, 0, sizeof p);
	memset(&prog, 0, sizeof prog);
	if (bx_sc_profile_parse(text, "fuzz.json", &env, &p, &err) == 0 && bx_sc_compile(&p, &prog, &err) == 0)
		bx_sc_prog_free(&prog);
	bx_error_release(&err);
	bx_sc_profile_free(&p);
	free(text);
	return 0;
}
