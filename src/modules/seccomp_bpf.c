/* From a profile to the classic BPF program seccomp(2) runs, and an
 * interpreter that runs such a program the way the kernel does.
 *
 * libseccomp supplies the syscall tables (name <-> number on every
 * architecture, the part that is hard to get right); the program itself
 * is generated here, for two reasons measured on this project's target
 * machine: libseccomp 2.5 needs about 9 ms to build and export a filter
 * for x86_64 + i386 + x32 (the goal is 2 ms for compile and load), and it
 * gives no order between overlapping rules of one syscall (libseccomp
 * issues #118 and #225), while Docker profiles are read with "first
 * matching rule wins" (OCI runtime-spec config-linux.md).  The shape:
 *
 *   load arch; one branch per architecture, else kill (bad arch)
 *   load nr; binary search over the syscalls the profile names
 *   per syscall: its rules in file order, each a run of 32-bit
 *   comparisons (64-bit arguments are compared high word, then low);
 *   the first rule whose comparisons all hold returns its action
 *   anything else: the default action
 *
 * The kernel caches "always allowed" syscalls per architecture (Linux
 * 5.11, seccomp action cache), so a getpid under a big allow-list costs
 * no filter run at all; see bench in docs/DESIGN_REPORT.md. */
#include "modules/seccomp.h"
#include "util/cleanup.h"
#include "util/xalloc.h"

#include <errno.h>
#include <seccomp.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#define X32_BIT 0x40000000U
#define AUDIT_ARCH_X86_64_TOKEN SCMP_ARCH_X86_64
/* Syscall numbers probed per architecture: past the last one Linux has
 * (about 470), and x32's own range 512..547. */
#define NR_SCAN 600

/* ---- architectures -------------------------------------------------- */

static const struct {
	const char *name, *short_name;
	uint32_t token;
} arches[] = {
	{"SCMP_ARCH_X86_64", "x86_64", SCMP_ARCH_X86_64},
	{"SCMP_ARCH_X86", "x86", SCMP_ARCH_X86},
	{"SCMP_ARCH_X32", "x32", SCMP_ARCH_X32},
	{"SCMP_ARCH_ARM", "arm", SCMP_ARCH_ARM},
	{"SCMP_ARCH_AARCH64", "aarch64", SCMP_ARCH_AARCH64},
	{"SCMP_ARCH_MIPS", "mips", SCMP_ARCH_MIPS},
	{"SCMP_ARCH_MIPS64", "mips64", SCMP_ARCH_MIPS64},
	{"SCMP_ARCH_MIPS64N32", "mips64n32", SCMP_ARCH_MIPS64N32},
	{"SCMP_ARCH_MIPSEL", "mipsel", SCMP_ARCH_MIPSEL},
	{"SCMP_ARCH_MIPSEL64", "mipsel64", SCMP_ARCH_MIPSEL64},
	{"SCMP_ARCH_MIPSEL64N32", "mipsel64n32", SCMP_ARCH_MIPSEL64N32},
	{"SCMP_ARCH_PPC", "ppc", SCMP_ARCH_PPC},
	{"SCMP_ARCH_PPC64", "ppc64", SCMP_ARCH_PPC64},
	{"SCMP_ARCH_PPC64LE", "ppc64le", SCMP_ARCH_PPC64LE},
	{"SCMP_ARCH_S390", "s390", SCMP_ARCH_S390},
	{"SCMP_ARCH_S390X", "s390x", SCMP_ARCH_S390X},
	{"SCMP_ARCH_PARISC", "parisc", SCMP_ARCH_PARISC},
	{"SCMP_ARCH_PARISC64", "parisc64", SCMP_ARCH_PARISC64},
	{"SCMP_ARCH_RISCV64", "riscv64", SCMP_ARCH_RISCV64},
};

int bx_sc_arch_parse(const char *name, uint32_t *token)
{
	for (size_t i = 0; i < N_ELEMENTS(arches); i++)
		if (!strcmp(arches[i].name, name) || !strcmp(arches[i].short_name, name)) {
			*token = arches[i].token;
			return 0;
		}
	return -1;
}

const char *bx_sc_arch_name(uint32_t token)
{
	for (size_t i = 0; i < N_ELEMENTS(arches); i++)
		if (arches[i].token == token)
			return arches[i].name;
	return "SCMP_ARCH_UNKNOWN";
}

const char *bx_sc_arch_short(uint32_t token)
{
	for (size_t i = 0; i < N_ELEMENTS(arches); i++)
		if (arches[i].token == token)
			return arches[i].short_name;
	return "unknown";
}

void bx_sc_native_arches(uint32_t *out, size_t *n)
{
	uint32_t native = seccomp_arch_native();
	*n = 0;
	out[(*n)++] = native;
	/* The compat ABIs the kernel runs next to the native one: a filter
	 * that forgets them is bypassed with int 0x80 or an x32 number. */
	if (native == SCMP_ARCH_X86_64) {
		out[(*n)++] = SCMP_ARCH_X86;
		out[(*n)++] = SCMP_ARCH_X32;
	} else if (native == SCMP_ARCH_AARCH64) {
		out[(*n)++] = SCMP_ARCH_ARM;
	}
}

static bool arch_is32(uint32_t token)
{
	return !(token & __AUDIT_ARCH_64BIT);
}

/* ---- syscall names -------------------------------------------------- */

struct nr_table {
	uint32_t arch;
	size_t n;
	int *nrs;
	char **names;
};

static const struct nr_table *table_for(uint32_t arch);

int bx_sc_syscall_nr(uint32_t arch, const char *name)
{
	int nr = seccomp_syscall_resolve_name_arch(arch, name);
	if (nr >= 0 || nr == __NR_SCMP_ERROR)
		return nr;
	/* A multiplexed pseudo number (socketcall's -101.., ipc's -201..)
	 * can still have a real one: i386 got direct socket calls (socket
	 * = 359) in Linux 4.3 and direct SysV IPC calls in 5.1, and
	 * libseccomp 2.5 answers by name with the multiplexed form only;
	 * its number table knows both. */
	if (nr < -1000 || arch != SCMP_ARCH_X86)
		return nr;
	static char *direct[80];
	static bool scanned;
	if (!scanned) {
		for (int i = 0; i < 80; i++)
			direct[i] = seccomp_syscall_resolve_num_arch(arch, 330 + i);
		scanned = true;
	}
	for (int i = 0; i < 80; i++)
		if (direct[i] && !strcmp(direct[i], name))
			return 330 + i;
	return nr;
}

uint32_t bx_sc_max_nr_scan(uint32_t arch)
{
	uint32_t base = arch == SCMP_ARCH_X32 ? X32_BIT : 0;
	for (int nr = NR_SCAN - 1; nr >= 0; nr--) {
		char *s = seccomp_syscall_resolve_num_arch(arch, (int)(base + (uint32_t)nr));
		if (s) {
			free(s);
			return base + (uint32_t)nr;
		}
	}
	return base;
}

/* The highest number an architecture has (x32: with bit 30).  The scan
 * cost 0.15 ms of every start: a number libseccomp does not know is a
 * walk through its whole table, and the scan meets ~140 of them per
 * architecture.  For the libseccomp boxlab is built with (static), the
 * answers are known; test_seccomp checks them against the scan. */
static const struct {
	unsigned major, minor, micro;
	uint32_t arch, max;
} known_max[] = {
	{2, 5, 4, SCMP_ARCH_X86_64, 456},
	{2, 5, 4, SCMP_ARCH_X86, 456},
	{2, 5, 4, SCMP_ARCH_X32, X32_BIT + 547},
};

uint32_t bx_sc_max_nr(uint32_t arch)
{
	const struct scmp_version *v = seccomp_version();
	for (size_t i = 0; v && i < N_ELEMENTS(known_max); i++)
		if (known_max[i].arch == arch && known_max[i].major == v->major && known_max[i].minor == v->minor &&
		    known_max[i].micro == v->micro)
			return known_max[i].max;
	static uint32_t cache[BX_SC_MAX_ARCHES][2];
	static size_t n;
	for (size_t i = 0; i < n; i++)
		if (cache[i][0] == arch)
			return cache[i][1];
	uint32_t max = bx_sc_max_nr_scan(arch);
	if (n < BX_SC_MAX_ARCHES) {
		cache[n][0] = arch;
		cache[n++][1] = max;
	}
	return max;
}

bool bx_sc_syscall_known(const char *name)
{
	/* libseccomp knows the syscalls of every architecture; a name that
	 * exists only elsewhere resolves to a negative pseudo number. */
	return seccomp_syscall_resolve_name(name) != __NR_SCMP_ERROR;
}

char *bx_sc_syscall_name(uint32_t arch, int nr)
{
	char *s = seccomp_syscall_resolve_num_arch(arch, nr);
	if (s) {
		char *copy = xstrdup(s);
		free(s);
		return copy;
	}
	return xasprintf("syscall_%d", arch == SCMP_ARCH_X32 ? (int)(nr & ~X32_BIT) : nr);
}

/* Every syscall an architecture has, built once per process. */
static const struct nr_table *table_for(uint32_t arch)
{
	static struct nr_table tables[BX_SC_MAX_ARCHES];
	static size_t ntables;
	for (size_t i = 0; i < ntables; i++)
		if (tables[i].arch == arch)
			return &tables[i];
	if (ntables == N_ELEMENTS(tables))
		abort();
	struct nr_table *t = &tables[ntables++];
	uint32_t base = arch == SCMP_ARCH_X32 ? X32_BIT : 0;
	t->arch = arch;
	t->nrs = xmalloc(NR_SCAN * sizeof *t->nrs);
	t->names = xmalloc(NR_SCAN * sizeof *t->names);
	int from = 0;
	if (arch == SCMP_ARCH_X32) {
		/* x32 numbers are x86_64's with bit 30 (name lookups are a
		 * hash, number lookups a scan), plus its own 512 and up. */
		const struct nr_table *x = table_for(SCMP_ARCH_X86_64);
		for (size_t i = 0; i < x->n; i++) {
			int nr = seccomp_syscall_resolve_name_arch(arch, x->names[i]);
			if (nr < 0)
				continue;
			t->nrs[t->n] = nr;
			t->names[t->n++] = xstrdup(x->names[i]);
		}
		from = 512;
	}
	for (int nr = from; nr < NR_SCAN; nr++) {
		char *s = seccomp_syscall_resolve_num_arch(arch, (int)(base + nr));
		if (!s)
			continue;
		t->nrs[t->n] = (int)(base + nr);
		t->names[t->n++] = s;
	}
	return t;
}

static size_t edit_distance(const char *a, const char *b)
{
	size_t la = strlen(a), lb = strlen(b);
	if (la > 40 || lb > 40)
		return 99;
	size_t d[41][41];
	for (size_t i = 0; i <= la; i++)
		d[i][0] = i;
	for (size_t j = 0; j <= lb; j++)
		d[0][j] = j;
	for (size_t i = 1; i <= la; i++)
		for (size_t j = 1; j <= lb; j++) {
			size_t sub = d[i - 1][j - 1] + (a[i - 1] != b[j - 1]);
			size_t del = d[i - 1][j] + 1, ins = d[i][j - 1] + 1;
			d[i][j] = sub < del ? (sub < ins ? sub : ins) : (del < ins ? del : ins);
		}
	return d[la][lb];
}

const char *bx_sc_syscall_suggest(const char *name)
{
	const struct nr_table *t = table_for(seccomp_arch_native());
	const char *best = NULL;
	size_t bestd = 4;
	for (size_t i = 0; i < t->n; i++) {
		size_t d = edit_distance(name, t->names[i]);
		if (d < bestd) {
			bestd = d;
			best = t->names[i];
		}
	}
	return best;
}

/* ---- the emitter ---------------------------------------------------- */

enum { NOLABEL = -1 };

struct fixup {
	size_t pc;
	int label;
	char field; /* 't', 'f' or 'k' (ja) */
};

struct emitter {
	struct sock_filter *v;
	size_t n, cap;
	struct fixup *fix;
	size_t nfix, capfix;
	size_t *labels;
	size_t nlabels;
};

static int new_label(struct emitter *e)
{
	e->labels = xrealloc(e->labels, (e->nlabels + 1) * sizeof *e->labels);
	e->labels[e->nlabels] = SIZE_MAX;
	return (int)e->nlabels++;
}

static void place(struct emitter *e, int label)
{
	e->labels[label] = e->n;
}

static void add_fix(struct emitter *e, int label, char field)
{
	if (label == NOLABEL)
		return;
	if (e->nfix == e->capfix)
		e->fix = xrealloc(e->fix, (e->capfix = e->capfix ? e->capfix * 2 : 256) * sizeof *e->fix);
	e->fix[e->nfix++] = (struct fixup){e->n, label, field};
}

static void emit(struct emitter *e, uint16_t code, uint32_t k, int jt, int jf)
{
	if (e->n == e->cap)
		e->v = xrealloc(e->v, (e->cap = e->cap ? e->cap * 2 : 1024) * sizeof *e->v);
	add_fix(e, jt, BPF_CLASS(code) == BPF_JMP && BPF_OP(code) == BPF_JA ? 'k' : 't');
	add_fix(e, jf, 'f');
	e->v[e->n++] = (struct sock_filter){code, 0, 0, k};
}

static void ld(struct emitter *e, uint32_t off) { emit(e, BPF_LD | BPF_W | BPF_ABS, off, NOLABEL, NOLABEL); }
static void jmp(struct emitter *e, uint16_t op, uint32_t k, int jt, int jf) { emit(e, BPF_JMP | op | BPF_K, k, jt, jf); }
static void ja(struct emitter *e, int label) { emit(e, BPF_JMP | BPF_JA, 0, label, NOLABEL); }
static void ret(struct emitter *e, uint32_t action) { emit(e, BPF_RET | BPF_K, action, NOLABEL, NOLABEL); }

static int resolve(struct emitter *e, bx_err_t *err)
{
	for (size_t i = 0; i < e->nfix; i++) {
		struct fixup *f = &e->fix[i];
		size_t target = e->labels[f->label];
		if (target == SIZE_MAX || target <= f->pc)
			return bx_make_error(err, 0, "seccomp: internal error: bad jump at %zu", f->pc);
		size_t off = target - f->pc - 1;
		if (f->field == 'k') {
			e->v[f->pc].k = (uint32_t)off;
		} else if (off > 255) {
			return bx_usage_error(err, "seccomp: the argument rules of one syscall are too long for a BPF "
					      "jump (%zu instructions; keep them under about 40 comparisons)", off);
		} else if (f->field == 't') {
			e->v[f->pc].jt = (uint8_t)off;
		} else {
			e->v[f->pc].jf = (uint8_t)off;
		}
	}
	return 0;
}

#define ARG_LO(i) ((uint32_t)(offsetof(struct seccomp_data, args) + 8 * (i)))
#define ARG_HI(i) (ARG_LO(i) + 4)

/* One comparison: fall through when it holds, jump to fail when not. */
static void emit_cond(struct emitter *e, const struct bx_sc_arg *a, bool is32, int fail)
{
	uint32_t vhi = (uint32_t)(a->value >> 32), vlo = (uint32_t)a->value;
	uint32_t dhi = (uint32_t)(a->value2 >> 32), dlo = (uint32_t)a->value2;
	int pass = new_label(e);

	if (is32) {
		/* 32-bit ABIs have 32-bit arguments: only the low word
		 * exists; a value with high bits decides on its own. */
		bool hi = vhi != 0;
		ld(e, ARG_LO(a->index));
		switch (a->op) {
		case BX_SC_EQ: hi ? ja(e, fail) : jmp(e, BPF_JEQ, vlo, NOLABEL, fail); break;
		case BX_SC_NE: if (!hi) jmp(e, BPF_JEQ, vlo, fail, NOLABEL); break;
		case BX_SC_GT: hi ? ja(e, fail) : jmp(e, BPF_JGT, vlo, NOLABEL, fail); break;
		case BX_SC_GE: hi ? ja(e, fail) : jmp(e, BPF_JGE, vlo, NOLABEL, fail); break;
		case BX_SC_LT: if (!hi) jmp(e, BPF_JGE, vlo, fail, NOLABEL); break;
		case BX_SC_LE: if (!hi) jmp(e, BPF_JGT, vlo, fail, NOLABEL); break;
		case BX_SC_MASKED_EQ:
			if (dhi & vhi) {
				ja(e, fail);
				break;
			}
			emit(e, BPF_ALU | BPF_AND | BPF_K, vlo, NOLABEL, NOLABEL);
			jmp(e, BPF_JEQ, dlo, NOLABEL, fail);
			break;
		}
		place(e, pass);
		return;
	}

	ld(e, ARG_HI(a->index));
	switch (a->op) {
	case BX_SC_EQ:
		jmp(e, BPF_JEQ, vhi, NOLABEL, fail);
		ld(e, ARG_LO(a->index));
		jmp(e, BPF_JEQ, vlo, NOLABEL, fail);
		break;
	case BX_SC_NE:
		jmp(e, BPF_JEQ, vhi, NOLABEL, pass);
		ld(e, ARG_LO(a->index));
		jmp(e, BPF_JEQ, vlo, fail, NOLABEL);
		break;
	case BX_SC_MASKED_EQ:
		emit(e, BPF_ALU | BPF_AND | BPF_K, vhi, NOLABEL, NOLABEL);
		jmp(e, BPF_JEQ, dhi, NOLABEL, fail);
		ld(e, ARG_LO(a->index));
		emit(e, BPF_ALU | BPF_AND | BPF_K, vlo, NOLABEL, NOLABEL);
		jmp(e, BPF_JEQ, dlo, NOLABEL, fail);
		break;
	case BX_SC_GT:
	case BX_SC_GE:
		jmp(e, BPF_JGT, vhi, pass, NOLABEL);
		jmp(e, BPF_JEQ, vhi, NOLABEL, fail);
		ld(e, ARG_LO(a->index));
		jmp(e, a->op == BX_SC_GT ? BPF_JGT : BPF_JGE, vlo, NOLABEL, fail);
		break;
	case BX_SC_LT:
	case BX_SC_LE:
		jmp(e, BPF_JGE, vhi, NOLABEL, pass);
		jmp(e, BPF_JEQ, vhi, NOLABEL, fail);
		ld(e, ARG_LO(a->index));
		jmp(e, a->op == BX_SC_LT ? BPF_JGE : BPF_JGT, vlo, fail, NOLABEL);
		break;
	}
	place(e, pass);
}

/* The syscalls of one architecture the program must look at. */
struct entry {
	int nr;
	const struct bx_sc_rule **rules; /* in profile order */
	size_t nrules;
	int label;
};

static int entry_cmp(const void *a, const void *b)
{
	const struct entry *x = a, *y = b;
	return (x->nr > y->nr) - (x->nr < y->nr);
}

static struct entry *entry_get(struct entry **v, size_t *n, int nr)
{
	for (size_t i = 0; i < *n; i++)
		if ((*v)[i].nr == nr)
			return &(*v)[i];
	*v = xrealloc(*v, (*n + 1) * sizeof **v);
	(*v)[*n] = (struct entry){.nr = nr};
	return &(*v)[(*n)++];
}

struct interval {
	uint32_t start;
	bool chain;
	uint32_t action;
	int label;
};

/* Instructions emit_intervals() takes for v[lo, hi) with every leaf in
 * place: one per leaf, one per node, and a JA more where the left half
 * is too long for the node's 8-bit jump over it. */
static size_t intervals_size(size_t lo, size_t hi)
{
	if (hi - lo == 1)
		return 1;
	size_t mid = lo + (hi - lo) / 2, left = intervals_size(lo, mid);
	return 1 + (left > 255) + left + intervals_size(mid, hi);
}

/* One RET per action for a whole tree, placed after it: a leaf is then
 * only a jump target.  The kernel's load time grows with the program's
 * length (about 0.2 us an instruction here, JIT and conversion), and
 * the leaves were over 40 % of it. */
struct shared_rets {
	uint32_t *action;
	int *label;
	size_t n;
};

static int shared_ret(struct emitter *e, struct shared_rets *r, uint32_t action)
{
	for (size_t i = 0; i < r->n; i++)
		if (r->action[i] == action)
			return r->label[i];
	r->action = xrealloc(r->action, (r->n + 1) * sizeof *r->action);
	r->label = xrealloc(r->label, (r->n + 1) * sizeof *r->label);
	r->action[r->n] = action;
	return r->label[r->n++] = new_label(e);
}

/* A binary search: "nr >= start of the middle one" jumps over the left
 * half.  With shared returns (rets) a node jumps straight to its
 * leaves' targets, one instruction per node; without them (a tree too
 * big for every node to reach past its end) the leaves are in place and
 * only near the root is a left half longer than a conditional jump
 * reaches, where a JA takes the jump instead (a JA at every node made
 * programs 40 % longer). */
static void emit_intervals(struct emitter *e, const struct interval *v, size_t lo, size_t hi, struct shared_rets *rets)
{
	if (hi - lo == 1) {
		if (v[lo].chain)
			ja(e, v[lo].label);
		else
			ret(e, v[lo].action);
		return;
	}
	size_t mid = lo + (hi - lo) / 2;
	if (rets) {
		/* An argument chain stays a JA in place: the chains come after
		 * the returns, possibly farther than 255 instructions. */
		bool left_leaf = mid - lo == 1 && !v[lo].chain, right_leaf = hi - mid == 1 && !v[mid].chain;
		int right = right_leaf ? shared_ret(e, rets, v[mid].action) : new_label(e);
		jmp(e, BPF_JGE, v[mid].start, right, left_leaf ? shared_ret(e, rets, v[lo].action) : NOLABEL);
		if (!left_leaf)
			emit_intervals(e, v, lo, mid, rets);
		if (!right_leaf) {
			place(e, right);
			emit_intervals(e, v, mid, hi, rets);
		}
		return;
	}
	int right = new_label(e);
	if (intervals_size(lo, mid) <= 255) {
		jmp(e, BPF_JGE, v[mid].start, right, NOLABEL);
	} else {
		int left = new_label(e);
		jmp(e, BPF_JGE, v[mid].start, NOLABEL, left);
		ja(e, right);
		place(e, left);
	}
	emit_intervals(e, v, lo, mid, NULL);
	place(e, right);
	emit_intervals(e, v, mid, hi, NULL);
}

static void push_interval(struct interval **v, size_t *n, struct interval iv)
{
	if (*n && !iv.chain && !(*v)[*n - 1].chain && (*v)[*n - 1].action == iv.action)
		return; /* continues the previous run */
	*v = xrealloc(*v, (*n + 1) * sizeof **v);
	(*v)[(*n)++] = iv;
}

/* The syscall part of one architecture, after "load nr". */
static void emit_arch(struct emitter *e, const struct bx_sc_profile *p, uint32_t arch)
{
	struct entry *v = NULL;
	size_t n = 0;
	bool is32 = arch_is32(arch);
	for (size_t r = 0; r < p->nrules; r++)
		for (char **s = p->rules[r].names; *s; s++) {
			int nr = bx_sc_syscall_nr(arch, *s);
			if (nr < 0)
				continue; /* not on this architecture */
			struct entry *en = entry_get(&v, &n, nr);
			en->rules = xrealloc(en->rules, (en->nrules + 1) * sizeof *en->rules);
			en->rules[en->nrules++] = &p->rules[r];
		}
	if (n)
		qsort(v, n, sizeof *v, entry_cmp);

	struct interval *iv = NULL;
	size_t niv = 0;
	uint64_t next = 0;
	/* allow_rest: every number from the first to the last this
	 * architecture has is allowed where no rule speaks; a number
	 * inside that no syscall uses gets ENOSYS from the kernel, as it
	 * would without a filter.  Numbers past the last one (syscalls
	 * newer than this libseccomp) get the default action. */
	uint64_t rest_lo = arch == SCMP_ARCH_X32 ? X32_BIT : 0, rest_hi = p->allow_rest ? bx_sc_max_nr(arch) + 1ULL : 0;
	for (size_t i = 0; i <= n; i++) {
		uint64_t upto = i < n ? (uint64_t)v[i].nr : 1ULL << 32;
		if (upto > next) {
			if (p->allow_rest && next < rest_hi && upto > rest_lo) {
				uint64_t a = next > rest_lo ? next : rest_lo, b = upto < rest_hi ? upto : rest_hi;
				if (a > next)
					push_interval(&iv, &niv, (struct interval){.start = (uint32_t)next,
										   .action = p->default_action});
				push_interval(&iv, &niv, (struct interval){.start = (uint32_t)a, .action = SECCOMP_RET_ALLOW});
				if (b < upto)
					push_interval(&iv, &niv, (struct interval){.start = (uint32_t)b,
										   .action = p->default_action});
			} else {
				push_interval(&iv, &niv, (struct interval){.start = (uint32_t)next, .action = p->default_action});
			}
		}
		if (i == n)
			break;
		const struct bx_sc_rule *first = v[i].rules[0];
		if (first->nargs == 0) {
			push_interval(&iv, &niv, (struct interval){.start = (uint32_t)v[i].nr, .action = first->action});
		} else {
			v[i].label = new_label(e);
			push_interval(&iv, &niv, (struct interval){.start = (uint32_t)v[i].nr, .chain = true,
								   .label = v[i].label});
		}
		next = (uint64_t)v[i].nr + 1;
	}
	ld(e, offsetof(struct seccomp_data, nr));
	/* A node's jump to a shared return passes at most the nodes after
	 * it (niv - 1 in all), the chains' JAs and the returns (together at
	 * most niv): in reach of an 8-bit jump up to 128 intervals (the
	 * default profile has about 60 per architecture). */
	struct shared_rets rets = {0};
	bool share = niv >= 2 && 2 * niv - 1 <= 256;
	emit_intervals(e, iv, 0, niv, share ? &rets : NULL);
	for (size_t i = 0; i < rets.n; i++) {
		place(e, rets.label[i]);
		ret(e, rets.action[i]);
	}
	free(rets.action);
	free(rets.label);
	free(iv);

	for (size_t i = 0; i < n; i++) {
		if (v[i].rules[0]->nargs == 0)
			continue;
		place(e, v[i].label);
		for (size_t r = 0; r < v[i].nrules; r++) {
			const struct bx_sc_rule *rule = v[i].rules[r];
			if (rule->nargs == 0) {
				ret(e, rule->action);
				goto next; /* later rules are unreachable */
			}
			int fail = new_label(e);
			for (size_t c = 0; c < rule->nargs; c++)
				emit_cond(e, &rule->args[c], is32, fail);
			ret(e, rule->action);
			place(e, fail);
		}
		ret(e, p->default_action);
next:;
	}
	for (size_t i = 0; i < n; i++)
		free(v[i].rules);
	free(v);
}

static bool has_arch(const struct bx_sc_profile *p, uint32_t a)
{
	for (size_t i = 0; i < p->narches; i++)
		if (p->arches[i] == a)
			return true;
	return false;
}

int bx_sc_compile(const struct bx_sc_profile *p, struct bx_sc_prog *out, bx_err_t *err)
{
	struct emitter e = {0};
	uint32_t native[BX_SC_MAX_ARCHES];
	size_t nnative, used = 0;
	const uint32_t badarch = SECCOMP_RET_KILL_PROCESS;

	memset(out, 0, sizeof *out);
	bx_sc_native_arches(native, &nnative);
	/* Architectures this kernel can never report are left out: they
	 * would be dead code (Docker's archMap does the same choice). */
	bool want[BX_SC_MAX_ARCHES] = {0};
	for (size_t i = 0; i < nnative; i++) {
		want[i] = has_arch(p, native[i]);
		used += want[i];
	}
	if (p->narches == 0) { /* no list: the native one, as runc does */
		want[0] = true;
		used = 1;
	}
	if (!used)
		return bx_usage_error(err, "seccomp: profile %s lists no architecture of this machine (%s)", p->source,
				      bx_sc_arch_name(native[0]));

	int labels[BX_SC_MAX_ARCHES];
	bool x86_64 = native[0] == SCMP_ARCH_X86_64;
	ld(&e, offsetof(struct seccomp_data, arch));
	for (size_t i = 0; i < nnative; i++) {
		labels[i] = new_label(&e);
		/* x32 calls arrive as AUDIT_ARCH_X86_64 with bit 30 set in
		 * the number: they share the x86_64 branch. */
		if (x86_64 && native[i] == SCMP_ARCH_X32)
			continue;
		if (!want[i] && !(x86_64 && i == 0 && want[2]))
			continue;
		int skip = new_label(&e);
		jmp(&e, BPF_JEQ, native[i], NOLABEL, skip);
		ja(&e, labels[i]);
		place(&e, skip);
	}
	ret(&e, badarch);
	for (size_t i = 0; i < nnative; i++) {
		if (x86_64 && native[i] == SCMP_ARCH_X32)
			continue;
		if (!want[i] && !(x86_64 && i == 0 && want[2]))
			continue;
		place(&e, labels[i]);
		if (x86_64 && i == 0) {
			int x32 = labels[2], native_nr = new_label(&e);
			ld(&e, offsetof(struct seccomp_data, nr));
			jmp(&e, BPF_JGE, X32_BIT, NOLABEL, native_nr);
			if (want[2]) {
				ja(&e, x32);
			} else {
				ret(&e, badarch);
			}
			place(&e, native_nr);
			if (want[0])
				emit_arch(&e, p, native[0]);
			else
				ret(&e, badarch);
			if (want[2]) {
				place(&e, x32);
				emit_arch(&e, p, SCMP_ARCH_X32);
			}
			continue;
		}
		emit_arch(&e, p, native[i]);
	}

	int ret_code = resolve(&e, err);
	if (ret_code == 0 && e.n > BPF_MAXINSNS)
		ret_code = bx_usage_error(err, "seccomp: profile %s needs %zu BPF instructions, more than the kernel's "
					  "limit of %d (fewer architectures or rules)", p->source, e.n, BPF_MAXINSNS);
	free(e.fix);
	free(e.labels);
	if (ret_code < 0) {
		free(e.v);
		return -1;
	}
	out->insns = e.v;
	out->len = e.n;
	return 0;
}

void bx_sc_prog_free(struct bx_sc_prog *prog)
{
	free(prog->insns);
	prog->insns = NULL;
	prog->len = 0;
}

/* ---- the interpreter ------------------------------------------------ */

uint32_t bx_sc_run(const struct bx_sc_prog *prog, const struct seccomp_data *d)
{
	uint32_t A = 0, X = 0, M[BPF_MEMWORDS] = {0};
	const unsigned char *data = (const unsigned char *)d;

	for (size_t pc = 0; pc < prog->len; pc++) {
		const struct sock_filter *f = &prog->insns[pc];
		uint32_t src = BPF_SRC(f->code) == BPF_X ? X : f->k;
		switch (BPF_CLASS(f->code)) {
		case BPF_LD:
			switch (BPF_MODE(f->code)) {
			case BPF_ABS:
				if (f->k > sizeof *d - 4 || f->k % 4)
					return SECCOMP_RET_KILL_PROCESS; /* the kernel's verifier rejects it */
				memcpy(&A, data + f->k, 4);
				break;
			case BPF_IMM: A = f->k; break;
			case BPF_MEM: A = M[f->k % BPF_MEMWORDS]; break;
			case BPF_LEN: A = sizeof *d; break;
			default: return SECCOMP_RET_KILL_PROCESS;
			}
			break;
		case BPF_LDX:
			switch (BPF_MODE(f->code)) {
			case BPF_IMM: X = f->k; break;
			case BPF_MEM: X = M[f->k % BPF_MEMWORDS]; break;
			case BPF_LEN: X = sizeof *d; break;
			default: return SECCOMP_RET_KILL_PROCESS;
			}
			break;
		case BPF_ST: M[f->k % BPF_MEMWORDS] = A; break;
		case BPF_STX: M[f->k % BPF_MEMWORDS] = X; break;
		case BPF_ALU:
			switch (BPF_OP(f->code)) {
			case BPF_ADD: A += src; break;
			case BPF_SUB: A -= src; break;
			case BPF_MUL: A *= src; break;
			case BPF_DIV: A = src ? A / src : 0; break;
			case BPF_MOD: A = src ? A % src : 0; break;
			case BPF_AND: A &= src; break;
			case BPF_OR: A |= src; break;
			case BPF_XOR: A ^= src; break;
			case BPF_LSH: A = src < 32 ? A << src : 0; break;
			case BPF_RSH: A = src < 32 ? A >> src : 0; break;
			case BPF_NEG: A = -A; break;
			default: return SECCOMP_RET_KILL_PROCESS;
			}
			break;
		case BPF_JMP: {
			bool t;
			switch (BPF_OP(f->code)) {
			case BPF_JA: pc += f->k; continue;
			case BPF_JEQ: t = A == src; break;
			case BPF_JGT: t = A > src; break;
			case BPF_JGE: t = A >= src; break;
			case BPF_JSET: t = (A & src) != 0; break;
			default: return SECCOMP_RET_KILL_PROCESS;
			}
			pc += t ? f->jt : f->jf;
			break;
		}
		case BPF_RET: return BPF_RVAL(f->code) == BPF_A ? A : f->k;
		case BPF_MISC:
			if (BPF_MISCOP(f->code) == BPF_TAX)
				X = A;
			else
				A = X;
			break;
		}
	}
	return SECCOMP_RET_KILL_PROCESS; /* fell off the end: rejected by the kernel too */
}

/* ---- the notifying copy --------------------------------------------- */

void bx_sc_prog_notify(const struct bx_sc_prog *in, bool trace, int handover_fd, struct bx_sc_prog *out)
{
	size_t pro = handover_fd >= 0 ? 9 : 0;
	out->len = in->len + pro;
	out->insns = xmalloc(out->len * sizeof *out->insns);
	if (pro) {
		uint32_t arch = seccomp_arch_native();
		int nr = bx_sc_syscall_nr(arch, "sendmsg");
		/* sendmsg(handover_fd, ...) passes: the listener's fd must
		 * leave the process before anyone is listening. */
		struct sock_filter p[9] = {
			BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, arch)),
			BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, arch, 0, 7),
			BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, nr)),
			BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, (uint32_t)nr, 0, 5),
			BPF_STMT(BPF_LD | BPF_W | BPF_ABS, ARG_HI(0)),
			BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, 0, 0, 3),
			BPF_STMT(BPF_LD | BPF_W | BPF_ABS, ARG_LO(0)),
			BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, (uint32_t)handover_fd, 0, 1),
			BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
		};
		memcpy(out->insns, p, sizeof p);
	}
	for (size_t i = 0; i < in->len; i++) {
		struct sock_filter f = in->insns[i];
		if (f.code == (BPF_RET | BPF_K)) {
			uint32_t a = BX_SC_ACTION(f.k);
			/* ENOSYS is "not here, take your fallback" (clone3 ->
			 * clone), not a refusal: answered by the kernel, it
			 * costs no trip to the agent on every fork of every
			 * glibc program.  A trace still counts it. */
			bool fallback = a == SECCOMP_RET_ERRNO && BX_SC_DATA(f.k) == ENOSYS;
			if ((a == SECCOMP_RET_ERRNO && !fallback) ||
			    (trace && (fallback || a == SECCOMP_RET_ALLOW || a == SECCOMP_RET_LOG)))
				f.k = SECCOMP_RET_USER_NOTIF;
		}
		out->insns[pro + i] = f;
	}
}
