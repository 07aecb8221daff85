/* One error type for all of boxlab (after crun's libcrun_error_t).
 *
 * Every function that can fail returns an int (< 0 on failure) and takes
 * `bx_err_t *err` last.  bx_make_error() fills *err and returns -1 so a
 * call site fails in one line.  An error the caller means to ignore goes
 * into a local `bx_err_t tmp = NULL` and is released on purpose. */
#ifndef BX_ERR_H
#define BX_ERR_H

/* Exit codes, as Docker uses them for `run`. */
enum {
	BX_EXIT_USAGE = 2,
	BX_EXIT_RUNTIME = 125,
	BX_EXIT_CANNOT_EXEC = 126,
	BX_EXIT_NOT_FOUND = 127,
};

struct bx_error_s {
	int errnum;    /* errno of the real failure, 0 when not a syscall */
	int exit_code; /* 0: the command's default runtime exit code */
	char *msg;
};
typedef struct bx_error_s *bx_err_t;

int bx_make_error(bx_err_t *err, int errnum, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
/* A usage error: the user's input was wrong; exits 2. */
int bx_usage_error(bx_err_t *err, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
/* Put context in front: "setting up rootfs: <old message>". */
int bx_error_wrap(bx_err_t *err, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
/* Append a hint in parentheses: "<old message> (hint)". */
int bx_error_hint(bx_err_t *err, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
int bx_error_errno(bx_err_t err);
void bx_error_release(bx_err_t *err);
/* Print "boxlab: <msg>" to stderr, release, and return the exit code the
 * command should use (default_code unless the error carries one). */
int bx_error_report(bx_err_t *err, int default_code);

void bx_warn(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

#endif
