/* An OCI bundle's config.json (what podman or containerd hand to
 * boxlab-oci create) -> struct bx_oci_config; also the same text as an
 * exec --process process.json.  Errors must be errors, never a crash or
 * a leak, whatever the JSON holds. */
#include "fuzz.h"
#include "core/err.h"
#include "oci/oci.h"

#include <stdlib.h>
#include <string.h>

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	bx_fuzz_sandbox(0); /* a relative root.path resolves in here */
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct bx_oci_config c;
	struct bx_oci_process p;
	bx_err_t err = NULL;
	char *text = strndup((const char *)data, size);

	bx_oci_config_parse(text, "/nonexistent-bundle", &c, &err);
	bx_error_release(&err);
	bx_oci_config_free(&c);
	memset(&p, 0, sizeof p);
	bx_oci_process_parse(text, &p, &err);
	bx_error_release(&err);
	bx_oci_process_free(&p);
	free(text);
	return 0;
}
