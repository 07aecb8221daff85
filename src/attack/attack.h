/* boxlab attack: escape attempts against the host, judged by the host.
 *
 * Each attack is a small static program in the image (attacks/NAME.c) and
 * one `struct bx_attack` here.  For every run the harness plants a fresh
 * canary on the host (a file with a random secret, a process it started,
 * a loopback listener, a SysV segment, a key, a pty...), runs the program
 * in a container with the requested modules, and then looks at the canary
 * on the host: was the secret read, the process killed, the listener
 * reached?  What the program prints is shown as its claim, never trusted
 * for the verdict (the one exception, hostname, says so).  Whatever the
 * run touched on the host is restored and removed, on errors too. */
#ifndef BX_ATTACK_H
#define BX_ATTACK_H

#include "core/err.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

enum bx_verdict { BX_BLOCKED, BX_ESCAPED, BX_NA };

/* One run of one attack. */
struct bx_atk_run {
	const struct bx_attack *atk;
	char nonce[11];     /* 10 hex digits, fresh */
	char comm[16];      /* "bxa<nonce>": how the host finds the attack */
	char secret[33];    /* 32 hex digits, only ever on the host */
	char *name;         /* container name: atk-<nonce> */
	char *dir;          /* host: $BOXLAB_LIB_DIR/attacks/<nonce>, all of it ours */
	char *scratch;      /* the attack's scratch dir as the container sees it */
	char *host_scratch; /* the same on the host, or NULL (inside the overlay) */
	bool rootfs;        /* the rootfs module is on in this run */
	char **args;        /* the program's arguments after NONCE SCRATCH */
	char **run_flags;   /* this run's module switches and limits */

	/* canary state: each attack uses what it needs */
	pid_t canary;
	int canary_fd; /* pidfd of canary, or the canary's descriptor */
	int fd;        /* a second descriptor (listener, pty slave) */
	int shmid;     /* the canary segment, or -1 */
	long key;
	char *path;
	pid_t helpers[16];
	int nhelpers;
	uint64_t next_us;
	int tries;
	bool got; /* exe-overwrite: the attack holds the handle */

	/* what the attack said, and what the host saw */
	char *claim, *data, *log;
	bool held;
	bool seen;        /* observe() found the effect */
	char *seen_what;  /* what it found, or why not */
	int status;       /* wait status of `boxlab run` */

	enum bx_verdict verdict;
	char *evidence;
};

struct bx_attack {
	const char *name;
	const char *summary;  /* one line */
	const char *mirrors;  /* the real incident or CVE */
	const char *canary;   /* what the host plants and checks, one line */
	const char *blocked_by; /* the catalogue's claim (README's matrix), space-separated */
	const char *const *run_flags; /* limits the attack runs with (resources) */
	bool exclusive; /* runs alone: it measures CPU time */
	bool stdin_pty; /* stdin is a pty of the harness (TIOCSTI) */

	/* NULL when the kernel always has it; false + why: N/A */
	bool (*available)(char *why, size_t len);
	int (*plant)(struct bx_atk_run *r, bx_err_t *err);
	/* Every ~20 ms while the container runs. */
	void (*tick)(struct bx_atk_run *r, uint64_t now_us);
	/* A "READY ..." line from the attack. */
	void (*ready)(struct bx_atk_run *r, const char *arg);
	/* At "HOLD": look at the live attack from the host; sets seen. */
	void (*observe)(struct bx_atk_run *r);
	/* After the container is gone: the verdict and its evidence. */
	void (*judge)(struct bx_atk_run *r);
	/* Undo everything plant did (idempotent); -1: host state could not
	 * be restored, which fails the whole command loudly. */
	int (*cleanup)(struct bx_atk_run *r, bx_err_t *err);
};

extern const struct bx_attack *const bx_attacks[];
const struct bx_attack *bx_attack_find(const char *name);
char *bx_attack_names(void); /* "chroot-escape, kill-host, ..." */

/* host.c: looking at the host */
void bx_atk_random_hex(char *out, size_t digits);
/* pids whose comm is exactly comm; returns the count (up to max). */
int bx_atk_find_comm(const char *comm, pid_t *out, int max);
/* "/proc/PID/ns/NAME" inode, 0 when unreadable */
uint64_t bx_atk_ns(pid_t pid, const char *ns);
/* A line of /proc/PID/status ("Uid", "CapEff"...), malloc'd, or NULL. */
char *bx_atk_status_field(pid_t pid, const char *field);
void bx_atk_verdict(struct bx_atk_run *r, enum bx_verdict v, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
void bx_atk_seen(struct bx_atk_run *r, bool seen, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
/* The verdict of an attack that reports a secret it read (DATA). */
void bx_atk_judge_secret(struct bx_atk_run *r, const char *what);
/* Judge from observe(): ESCAPED when it saw the effect. */
void bx_atk_judge_seen(struct bx_atk_run *r);
/* A whole file, or NULL (quietly: for looking, not for errors). */
char *bx_atk_slurp(const char *path, size_t *len);
/* A canary process (forked, pauses until killed; comm "bxc<nonce>"). */
int bx_atk_canary_process(struct bx_atk_run *r, bx_err_t *err);
const char *bx_atk_canary_secret_addr(void); /* the secret in its memory */
int bx_atk_canary_process_stop(struct bx_atk_run *r, bx_err_t *err);
/* A file under r->dir with content; path returned in r->path. */
int bx_atk_canary_file(struct bx_atk_run *r, const char *name, mode_t mode, bx_err_t *err);

/* runner.c: a job is one attack with one set of switches. */
struct bx_atk_job {
	const struct bx_attack *atk;
	char **flags;    /* run flags: "--no-pid", "--isolation=none", ... */
	const char *label; /* "default", "none", or the module removed */
	struct bx_atk_run run;
	char *error;     /* the harness failed: no verdict */
	uint64_t ms;     /* how long the run took */
};
/* Run the jobs, up to parallel at once (exclusive ones alone).  Returns
 * -1 when host state could not be restored (err says what). */
int bx_atk_run_jobs(struct bx_atk_job *jobs, size_t n, int parallel, bx_err_t *err);
void bx_atk_job_free(struct bx_atk_job *j);

/* matrix.c: pure formatting and parsing (unit-tested) */
const char *bx_verdict_name(enum bx_verdict v);
int bx_verdict_parse(const char *s, enum bx_verdict *out);
/* The expected matrix from attacks/README.md: the lines of its table
 * between "<!-- matrix -->" and "<!-- /matrix -->". */
struct bx_matrix {
	char **cols;   /* "default", "none", then module names */
	char **rows;   /* attack names */
	enum bx_verdict *cells; /* rows x cols */
	char **blocked_by; /* per row: space-separated modules, or "" */
};
int bx_matrix_parse(const char *text, struct bx_matrix *m, bx_err_t *err);
/* The same table as text (what README holds and --matrix prints). */
char *bx_matrix_format(const struct bx_matrix *m);
void bx_matrix_free(struct bx_matrix *m);
/* blocked_by from a row: the modules whose own column is ESCAPED while
 * default is BLOCKED. */
char *bx_matrix_blocked_by(const struct bx_matrix *m, size_t row);

#endif
