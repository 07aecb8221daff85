/* IPAM: subnets and address leases (see ipam.h). */
#include "modules/ipam.h"
#include "util/cleanup.h"
#include "util/fs.h"
#include "util/xalloc.h"
#include "util/json.h"

#include <arpa/inet.h>
#include <errno.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static uint32_t mask_of(unsigned prefix)
{
	return prefix ? 0xffffffffu << (32 - prefix) : 0;
}

int bx_ip_parse(const char *s, uint32_t *out)
{
	struct in_addr a;
	/* inet_pton takes exactly the dotted quad, no "10.1" shorthands. */
	if (inet_pton(AF_INET, s, &a) != 1)
		return -1;
	*out = ntohl(a.s_addr);
	return 0;
}

void bx_ip_format(uint32_t ip, char buf[16])
{
	snprintf(buf, 16, "%u.%u.%u.%u", ip >> 24, (ip >> 16) & 255, (ip >> 8) & 255, ip & 255);
}

int bx_subnet_parse(const char *s, struct bx_subnet *out, bx_err_t *err)
{
	const char *slash = strchr(s, '/');
	char *end;
	uint32_t ip;
	if (!slash || slash - s > 15)
		return bx_usage_error(err, "invalid subnet \"%s\" (expected an IPv4 CIDR such as 10.90.0.0/16)", s);
	char addr[16];
	memcpy(addr, s, slash - s);
	addr[slash - s] = '\0';
	if (bx_ip_parse(addr, &ip) < 0)
		return bx_usage_error(err, "invalid subnet \"%s\": \"%s\" is not an IPv4 address "
				      "(expected a CIDR such as 10.90.0.0/16)", s, addr);
	errno = 0;
	long p = strtol(slash + 1, &end, 10);
	if (slash[1] < '0' || slash[1] > '9' || *end || errno || p < BX_SUBNET_MIN_PREFIX || p > BX_SUBNET_MAX_PREFIX)
		return bx_usage_error(err, "invalid subnet \"%s\": the prefix length must be %d to %d", s,
				      BX_SUBNET_MIN_PREFIX, BX_SUBNET_MAX_PREFIX);
	if (ip & ~mask_of((unsigned)p)) {
		char net[16];
		bx_ip_format(ip & mask_of((unsigned)p), net);
		return bx_usage_error(err, "invalid subnet \"%s\": host bits are set (did you mean %s/%ld?)", s, net, p);
	}
	out->net = ip;
	out->prefix = (unsigned)p;
	return 0;
}

char *bx_subnet_format(const struct bx_subnet *s)
{
	char ip[16];
	bx_ip_format(s->net, ip);
	return xasprintf("%s/%u", ip, s->prefix);
}

bool bx_subnet_overlap(const struct bx_subnet *a, const struct bx_subnet *b)
{
	/* Two prefixes overlap exactly when one contains the other: compare
	 * under the shorter mask. */
	uint32_t m = mask_of(a->prefix < b->prefix ? a->prefix : b->prefix);
	return (a->net & m) == (b->net & m);
}

bool bx_subnet_contains(const struct bx_subnet *s, uint32_t ip)
{
	return (ip & mask_of(s->prefix)) == s->net;
}

uint32_t bx_subnet_gateway(const struct bx_subnet *s)
{
	return s->net + 1;
}

uint32_t bx_subnet_broadcast(const struct bx_subnet *s)
{
	return s->net | ~mask_of(s->prefix);
}

uint32_t bx_subnet_capacity(const struct bx_subnet *s)
{
	/* all addresses minus network, broadcast and gateway */
	return (uint32_t)((1ull << (32 - s->prefix)) - 3);
}

const struct bx_lease *bx_ipam_find(const struct bx_leases *l, const char *key)
{
	for (size_t i = 0; i < l->n; i++)
		if (!strcmp(l->v[i].key, key))
			return &l->v[i];
	return NULL;
}

static bool ip_used(const struct bx_leases *l, uint32_t ip)
{
	for (size_t i = 0; i < l->n; i++)
		if (l->v[i].ip == ip)
			return true;
	return false;
}

int bx_ipam_alloc(struct bx_leases *l, const struct bx_subnet *s, const struct bx_lease *lease, uint32_t *ip,
		  bx_err_t *err)
{
	uint32_t first = bx_subnet_gateway(s) + 1, last = bx_subnet_broadcast(s) - 1;
	uint32_t span = last - first + 1, start = l->next;
	if (bx_ipam_find(l, lease->key))
		return bx_make_error(err, EEXIST, "%s already holds an address", lease->key);
	if (l->n >= span) {
		cleanup_free char *sn = bx_subnet_format(s);
		return bx_usage_error(err, "no free address left in %s: all %u are taken", sn, span);
	}
	if (start < first || start > last)
		start = first;
	/* n < span, so a free address exists; the scan is linear in the
	 * leases per step, which stays small next to a fork. */
	uint32_t cand = start;
	while (ip_used(l, cand))
		cand = cand == last ? first : cand + 1;
	l->v = xrealloc(l->v, (l->n + 1) * sizeof *l->v);
	struct bx_lease *n = &l->v[l->n++];
	n->ip = cand;
	n->key = xstrdup(lease->key);
	n->name = lease->name ? xstrdup(lease->name) : NULL;
	n->hostname = lease->hostname ? xstrdup(lease->hostname) : NULL;
	n->add_hosts = lease->add_hosts ? strv_dup(lease->add_hosts) : NULL;
	l->next = cand == last ? first : cand + 1;
	*ip = cand;
	return 0;
}

static void lease_free(struct bx_lease *x)
{
	free(x->key);
	free(x->name);
	free(x->hostname);
	strv_free(x->add_hosts);
}

bool bx_ipam_release(struct bx_leases *l, const char *key)
{
	for (size_t i = 0; i < l->n; i++) {
		if (strcmp(l->v[i].key, key))
			continue;
		lease_free(&l->v[i]);
		memmove(&l->v[i], &l->v[i + 1], (l->n - i - 1) * sizeof *l->v);
		l->n--;
		return true;
	}
	return false;
}

size_t bx_ipam_reclaim(struct bx_leases *l, bool (*alive)(const char *key))
{
	size_t gone = 0;
	for (size_t i = 0; i < l->n;) {
		if (alive(l->v[i].key)) {
			i++;
			continue;
		}
		lease_free(&l->v[i]);
		memmove(&l->v[i], &l->v[i + 1], (l->n - i - 1) * sizeof *l->v);
		l->n--;
		gone++;
	}
	return gone;
}

void bx_leases_free(struct bx_leases *l)
{
	for (size_t i = 0; i < l->n; i++)
		lease_free(&l->v[i]);
	free(l->v);
	memset(l, 0, sizeof *l);
}

static const char *jstr(json_t *o, const char *k)
{
	return json_string_value(json_object_get(o, k));
}

int bx_leases_load(const char *path, struct bx_leases *l, bx_err_t *err)
{
	json_error_t je;
	memset(l, 0, sizeof *l);
	json_t *root = bx_json_load(path, &je);
	if (!root) {
		if (access(path, F_OK) < 0 && errno == ENOENT)
			return 0;
		return bx_make_error(err, 0, "cannot read the leases %s: %s (line %d)", path, je.text, je.line);
	}
	uint32_t ip;
	const char *next = jstr(root, "next");
	if (next && bx_ip_parse(next, &ip) == 0)
		l->next = ip;
	json_t *arr = json_object_get(root, "leases"), *o;
	size_t i;
	json_array_foreach(arr, i, o) {
		const char *ips = jstr(o, "ip"), *key = jstr(o, "key");
		if (!ips || !key || bx_ip_parse(ips, &ip) < 0) {
			json_decref(root);
			bx_leases_free(l);
			return bx_make_error(err, 0, "corrupt lease %zu in %s: needs \"ip\" and \"key\"", i, path);
		}
		l->v = xrealloc(l->v, (l->n + 1) * sizeof *l->v);
		struct bx_lease *x = &l->v[l->n++];
		memset(x, 0, sizeof *x);
		x->ip = ip;
		x->key = xstrdup(key);
		x->name = jstr(o, "name") ? xstrdup(jstr(o, "name")) : NULL;
		x->hostname = jstr(o, "hostname") ? xstrdup(jstr(o, "hostname")) : NULL;
		json_t *h = json_object_get(o, "add_hosts"), *e;
		size_t k;
		json_array_foreach(h, k, e)
			if (json_string_value(e))
				strv_push(&x->add_hosts, json_string_value(e));
	}
	json_decref(root);
	return 0;
}

int bx_leases_save(const char *path, const struct bx_leases *l, bx_err_t *err)
{
	char ip[16];
	json_t *root = json_object(), *arr = json_array();
	bx_ip_format(l->next, ip);
	json_object_set_new(root, "next", json_string(ip));
	for (size_t i = 0; i < l->n; i++) {
		const struct bx_lease *x = &l->v[i];
		json_t *o = json_object();
		bx_ip_format(x->ip, ip);
		json_object_set_new(o, "ip", json_string(ip));
		json_object_set_new(o, "key", json_string(x->key));
		if (x->name)
			json_object_set_new(o, "name", json_string(x->name));
		if (x->hostname)
			json_object_set_new(o, "hostname", json_string(x->hostname));
		if (x->add_hosts) {
			json_t *h = json_array();
			for (size_t k = 0; x->add_hosts[k]; k++)
				json_array_append_new(h, json_string(x->add_hosts[k]));
			json_object_set_new(o, "add_hosts", h);
		}
		json_array_append_new(arr, o);
	}
	json_object_set_new(root, "leases", arr);
	char *s = json_dumps(root, JSON_INDENT(1) | JSON_PRESERVE_ORDER);
	json_decref(root);
	int ret = bx_write_file_atomic(path, s, strlen(s), err);
	free(s);
	return ret;
}
