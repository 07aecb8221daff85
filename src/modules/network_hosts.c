/* Names on a network: every container gets an /etc/hosts that lists
 * itself, every other container of its network, and its --add-host
 * entries, rewritten for all of them when one starts or stops.
 *
 * Why a hosts file and not a resolver on the bridge: busybox's and
 * musl's and glibc's resolvers all read /etc/hosts first, a file needs
 * no process that could die, and it is what a student can `cat`.
 *
 * Why a file in the state dir bind-mounted read-only onto /etc/hosts,
 * and not a file written into the container's root: updating a peer's
 * file then never follows a path the peer controls (its root could
 * have made /etc a symlink to a host directory), the container cannot
 * replace it, and teardown of a peer racing with the update at worst
 * writes into a file being deleted.  A bind mount pins the inode, so
 * updates rewrite it in place: one pwrite of the whole text, padded to
 * the old length with blanks so a reader never sees a shorter file with
 * a stale tail. */
#include "modules/network.h"
#include "util/cleanup.h"
#include "util/xalloc.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static bool host_char(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' || c == '.' ||
	       c == '_';
}

int bx_add_host_check(const char *v, bx_err_t *err)
{
	const char *colon = strchr(v, ':');
	unsigned char buf[sizeof(struct in6_addr)];
	bool name_ok = colon && colon > v && colon - v <= 253;
	for (const char *p = v; name_ok && p < colon; p++)
		name_ok = host_char(*p);
	if (!name_ok)
		return bx_usage_error(err, "invalid --add-host \"%s\" (expected NAME:IP with a host name of letters, digits, "
				      "'-', '.', '_', e.g. db:10.88.0.5)", v);
	if (inet_pton(AF_INET, colon + 1, buf) != 1 && inet_pton(AF_INET6, colon + 1, buf) != 1)
		return bx_usage_error(err, "invalid --add-host \"%s\": \"%s\" is not an IPv4 or IPv6 address", v, colon + 1);
	return 0;
}

static int cmp_ip(const void *a, const void *b)
{
	const struct bx_lease *x = *(const struct bx_lease *const *)a, *y = *(const struct bx_lease *const *)b;
	return x->ip < y->ip ? -1 : x->ip > y->ip;
}

char *bx_hosts_render(const struct bx_network *n, const struct bx_leases *l, const struct bx_lease *self)
{
	char *buf = NULL, ip[16];
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);
	if (!f)
		abort();
	fprintf(f, "# boxlab: /etc/hosts of %s on network %s (%s), rewritten when a container of it starts or "
		"stops\n127.0.0.1\tlocalhost\n::1\tlocalhost ip6-localhost ip6-loopback\n",
		self->name ? self->name : "?", n->name, n->bridge);
	bx_ip_format(self->ip, ip);
	if (self->hostname && self->name && strcmp(self->hostname, self->name))
		fprintf(f, "%s\t%s %s\n", ip, self->hostname, self->name);
	else
		fprintf(f, "%s\t%s\n", ip, self->name ? self->name : "");
	bx_ip_format(bx_subnet_gateway(&n->subnet), ip);
	fprintf(f, "%s\thost.boxlab.internal\n", ip);

	const struct bx_lease **peers = xzalloc((l->n + 1) * sizeof *peers);
	size_t np = 0;
	for (size_t i = 0; i < l->n; i++)
		if (strcmp(l->v[i].key, self->key) && l->v[i].name)
			peers[np++] = &l->v[i];
	qsort(peers, np, sizeof *peers, cmp_ip);
	for (size_t i = 0; i < np; i++) {
		bx_ip_format(peers[i]->ip, ip);
		if (peers[i]->hostname && strcmp(peers[i]->hostname, peers[i]->name))
			fprintf(f, "%s\t%s %s\n", ip, peers[i]->name, peers[i]->hostname);
		else
			fprintf(f, "%s\t%s\n", ip, peers[i]->name);
	}
	free(peers);
	for (size_t i = 0; self->add_hosts && self->add_hosts[i]; i++) {
		const char *colon = strchr(self->add_hosts[i], ':');
		if (colon)
			fprintf(f, "%s\t%.*s\n", colon + 1, (int)(colon - self->add_hosts[i]), self->add_hosts[i]);
	}
	fclose(f);
	return buf;
}

static int write_padded(int fd, const char *text)
{
	struct stat st;
	size_t len = strlen(text);
	if (fstat(fd, &st) < 0)
		return -1;
	size_t old = (size_t)st.st_size, total = len > old ? len : old;
	cleanup_free char *out = xmalloc(total + 1);
	memcpy(out, text, len);
	/* Blank lines are comments to every resolver; the file keeps its
	 * high-water length, a few hundred bytes. */
	memset(out + len, ' ', total - len);
	if (total > len)
		out[total - 1] = '\n';
	return pwrite(fd, out, total, 0) == (ssize_t)total ? 0 : -1;
}

void bx_hosts_update(const struct bx_network *n, const struct bx_leases *l, const char *create_key)
{
	for (size_t i = 0; i < l->n; i++) {
		const struct bx_lease *x = &l->v[i];
		bool create = create_key && !strcmp(x->key, create_key);
		cleanup_free char *path = xasprintf("%s/hosts", x->key);
		/* A peer's file is only rewritten, never made: a state dir
		 * being removed must not get a new file. */
		cleanup_close int fd = open(path, O_WRONLY | O_NOFOLLOW | O_CLOEXEC | (create ? O_CREAT | O_TRUNC : 0),
					    0644);
		if (fd < 0)
			continue;
		cleanup_free char *text = bx_hosts_render(n, l, x);
		if (write_padded(fd, text) < 0 && create)
			bx_warn("network: cannot write %s: %s", path, strerror(errno));
	}
}
