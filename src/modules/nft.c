/* nf_tables over netlink, built with libnl-3 (see nft.h for the table
 * and why not libnftables).  Changes go in batches (one transaction:
 * all or nothing); reads are single requests or dumps. */
#include "modules/nft.h"
#include "modules/netlink.h"
#include "util/cleanup.h"
#include "util/xalloc.h"

#include <arpa/inet.h>
#include <errno.h>
#include <linux/netfilter.h>
#include <linux/netfilter/nf_conntrack_common.h>
#include <linux/netfilter/nf_tables.h>
#include <linux/netfilter/nfnetlink.h>
#include <linux/rtnetlink.h>
#include <net/if.h>
#include <netinet/in.h>
#include <netlink/attr.h>
#include <netlink/msg.h>
#include <netlink/netlink.h>
#include <netlink/socket.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <time.h>

/* nft's datatype numbers (its datatype.h): the kernel keeps them only
 * so that `nft list` can name the types; a concatenation shifts each
 * by 6 bits. */
enum { T_IPADDR = 7, T_INET_PROTO = 12, T_INET_SERVICE = 13, T_IFNAME = 41 };
#define CONCAT(a, b) (((a) << 6) | (b))

enum { SET_ADDR = 1, SET_ANY, SET_BRIDGES }; /* NFTA_SET_ID in a transaction */
static const char *const set_name[] = {NULL, "ports_addr", "ports_any", "bridges"};

struct batch {
	struct nl_msg **m;
	const char **what;
	size_t n;
};

static struct nl_msg *msg_new(int type, int flags)
{
	struct nl_msg *m = nlmsg_alloc_simple((NFNL_SUBSYS_NFTABLES << 8) | type, NLM_F_REQUEST | flags);
	struct nfgenmsg g = {.nfgen_family = NFPROTO_IPV4, .version = NFNETLINK_V0};
	if (!m || nlmsg_append(m, &g, sizeof g, NLMSG_ALIGNTO) < 0)
		bx_oom();
	nla_put_string(m, 1, BX_NFT_TABLE); /* NFTA_{TABLE,CHAIN,RULE,SET,SET_ELEM_LIST}_TABLE: 1 for all */
	return m;
}

static struct nl_msg *batch_add(struct batch *b, int type, int flags, const char *what)
{
	b->m = xrealloc(b->m, (b->n + 1) * sizeof *b->m);
	b->what = xrealloc(b->what, (b->n + 1) * sizeof *b->what);
	b->what[b->n] = what;
	return b->m[b->n++] = msg_new(type, NLM_F_ACK | flags);
}

static void batch_free(struct batch *b)
{
	for (size_t i = 0; i < b->n; i++)
		nlmsg_free(b->m[i]);
	free(b->m);
	free(b->what);
	memset(b, 0, sizeof *b);
}

static struct nl_sock *nft_open(bx_err_t *err)
{
	struct timeval tv = {.tv_sec = 5};
	struct nl_sock *sk = bx_nl_open_proto(NETLINK_NETFILTER, -1, err);
	if (!sk) {
		bx_error_wrap(err, "nftables");
		return NULL;
	}
	/* A kernel that never answers must not hang a container start. */
	setsockopt(nl_socket_get_fd(sk), SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
	return sk;
}

static void nft_close(struct nl_sock **sk)
{
	bx_nl_close(*sk);
}
#define cleanup_nft __attribute__((cleanup(nft_close)))

/* Read answers to the messages with sequence numbers [first, last]:
 * each gets one NLMSG_ERROR (0 = done); a dump ends with NLMSG_DONE.
 * Data messages go to fn.  Returns 0, or -errno of the first failure
 * with *failed its sequence number. */
static int read_answers(struct nl_sock *sk, uint32_t first, uint32_t last, bool dump,
			void (*fn)(struct nlmsghdr *, void *), void *ctx, uint32_t *failed)
{
	size_t acked = 0, want = last - first + 1;
	while (acked < want) {
		struct sockaddr_nl peer;
		unsigned char *buf = NULL;
		int n = nl_recv(sk, &peer, &buf, NULL);
		if (n <= 0) {
			free(buf);
			*failed = first;
			return n == 0 ? -EIO : n == -NLE_AGAIN ? -ETIMEDOUT : -EIO;
		}
		for (struct nlmsghdr *h = (struct nlmsghdr *)buf; nlmsg_ok(h, n); h = nlmsg_next(h, &n)) {
			if (h->nlmsg_seq < first || h->nlmsg_seq > last)
				continue;
			if (h->nlmsg_type == NLMSG_DONE && dump) {
				acked = want;
			} else if (h->nlmsg_type == NLMSG_ERROR) {
				int error = ((struct nlmsgerr *)nlmsg_data(h))->error;
				if (error) {
					*failed = h->nlmsg_seq;
					free(buf);
					return error;
				}
				acked++;
			} else if (fn) {
				fn(h, ctx);
			}
		}
		free(buf);
	}
	return 0;
}

static int nft_fail(bx_err_t *err, int rc, const char *what)
{
	int e = -rc;
	bx_make_error(err, e, "network: nftables: cannot %s", what);
	if (e == EOPNOTSUPP || e == ENOENT || e == EPROTONOSUPPORT)
		bx_error_hint(err, "this kernel lacks part of nf_tables (nf_tables, nft_nat, nft_fib_ipv4, nft_ct)");
	return -1;
}

/* The messages between BATCH_BEGIN and BATCH_END: one transaction. */
static int batch_run(struct batch *b, bx_err_t *err)
{
	struct nfgenmsg g = {.nfgen_family = AF_UNSPEC, .version = NFNETLINK_V0, .res_id = htons(NFNL_SUBSYS_NFTABLES)};
	size_t ctl = NLMSG_ALIGN(NLMSG_HDRLEN + sizeof g), len = 2 * ctl, off = 0;
	uint32_t seq = (uint32_t)time(NULL), failed = 0;
	cleanup_nft struct nl_sock *sk = nft_open(err);
	if (!sk) {
		batch_free(b);
		return -1;
	}
	for (size_t i = 0; i < b->n; i++)
		len += NLMSG_ALIGN(nlmsg_hdr(b->m[i])->nlmsg_len);
	cleanup_free unsigned char *buf = xzalloc(len);
	for (size_t i = 0; i <= b->n + 1; i++) {
		struct nlmsghdr *h = (struct nlmsghdr *)(buf + off);
		if (i == 0 || i == b->n + 1) {
			h->nlmsg_len = NLMSG_HDRLEN + sizeof g;
			h->nlmsg_type = i ? NFNL_MSG_BATCH_END : NFNL_MSG_BATCH_BEGIN;
			h->nlmsg_flags = NLM_F_REQUEST;
			memcpy(NLMSG_DATA(h), &g, sizeof g);
		} else {
			struct nlmsghdr *m = nlmsg_hdr(b->m[i - 1]);
			memcpy(h, m, m->nlmsg_len);
		}
		h->nlmsg_seq = seq + (uint32_t)i;
		off += NLMSG_ALIGN(h->nlmsg_len);
	}
	int rc = nl_sendto(sk, buf, len);
	if (rc >= 0)
		rc = read_answers(sk, seq + 1, seq + (uint32_t)b->n, false, NULL, NULL, &failed);
	else
		rc = -EIO;
	if (rc < 0) {
		size_t i = failed > seq && failed <= seq + b->n ? failed - seq - 1 : 0;
		nft_fail(err, rc, b->what[i]);
	}
	batch_free(b);
	return rc < 0 ? -1 : 0;
}

/* One request (a get or a dump), its answers to fn. */
static int request(struct nl_msg *m, bool dump, void (*fn)(struct nlmsghdr *, void *), void *ctx, const char *what,
		   bx_err_t *err)
{
	uint32_t failed = 0;
	cleanup_nft struct nl_sock *sk = nft_open(err);
	if (!sk) {
		nlmsg_free(m);
		return -1;
	}
	nlmsg_hdr(m)->nlmsg_seq = 1;
	int rc = nl_sendto(sk, nlmsg_hdr(m), nlmsg_hdr(m)->nlmsg_len);
	nlmsg_free(m);
	if (rc < 0)
		return nft_fail(err, -EIO, what);
	rc = read_answers(sk, 1, 1, dump, fn, ctx, &failed);
	if (rc < 0) {
		if (rc == -ENOENT)
			return 0; /* what the callers ask about is not there */
		return nft_fail(err, rc, what);
	}
	return 1;
}

/* Expressions: a list element holding a name and a data nest. */
struct expr {
	struct nlattr *outer, *data;
};

static struct expr expr_open(struct nl_msg *m, const char *name)
{
	struct expr e;
	e.outer = nla_nest_start(m, NFTA_LIST_ELEM | NLA_F_NESTED);
	nla_put_string(m, NFTA_EXPR_NAME, name);
	e.data = nla_nest_start(m, NFTA_EXPR_DATA | NLA_F_NESTED);
	return e;
}

static void expr_close(struct nl_msg *m, struct expr e)
{
	nla_nest_end(m, e.data);
	nla_nest_end(m, e.outer);
}

static void put_be32(struct nl_msg *m, int type, uint32_t v)
{
	nla_put_u32(m, type, htonl(v));
}

/* NFTA_DATA_VALUE inside a nest of the given type. */
static void put_value(struct nl_msg *m, int type, const void *p, size_t len)
{
	struct nlattr *n = nla_nest_start(m, type | NLA_F_NESTED);
	nla_put(m, NFTA_DATA_VALUE, (int)len, p);
	nla_nest_end(m, n);
}

static void e_meta(struct nl_msg *m, uint32_t key, uint32_t dreg)
{
	struct expr e = expr_open(m, "meta");
	put_be32(m, NFTA_META_DREG, dreg);
	put_be32(m, NFTA_META_KEY, key);
	expr_close(m, e);
}

static void e_payload(struct nl_msg *m, uint32_t base, uint32_t off, uint32_t len, uint32_t dreg)
{
	struct expr e = expr_open(m, "payload");
	put_be32(m, NFTA_PAYLOAD_DREG, dreg);
	put_be32(m, NFTA_PAYLOAD_BASE, base);
	put_be32(m, NFTA_PAYLOAD_OFFSET, off);
	put_be32(m, NFTA_PAYLOAD_LEN, len);
	expr_close(m, e);
}

static void e_cmp(struct nl_msg *m, uint32_t op, const void *v, size_t len)
{
	struct expr e = expr_open(m, "cmp");
	put_be32(m, NFTA_CMP_SREG, NFT_REG_1);
	put_be32(m, NFTA_CMP_OP, op);
	put_value(m, NFTA_CMP_DATA, v, len);
	expr_close(m, e);
}

/* fib daddr type local: the packet is for one of the host's addresses. */
static void e_to_host(struct nl_msg *m)
{
	struct expr e = expr_open(m, "fib");
	uint32_t local = RTN_LOCAL;
	put_be32(m, NFTA_FIB_DREG, NFT_REG_1);
	put_be32(m, NFTA_FIB_RESULT, NFT_FIB_RESULT_ADDRTYPE);
	put_be32(m, NFTA_FIB_FLAGS, NFTA_FIB_F_DADDR);
	expr_close(m, e);
	e_cmp(m, NFT_CMP_EQ, &local, sizeof local);
}

static void e_lookup(struct nl_msg *m, int set, bool map)
{
	struct expr e = expr_open(m, "lookup");
	nla_put_string(m, NFTA_LOOKUP_SET, set_name[set]);
	put_be32(m, NFTA_LOOKUP_SET_ID, (uint32_t)set);
	put_be32(m, NFTA_LOOKUP_SREG, NFT_REG_1);
	if (map)
		put_be32(m, NFTA_LOOKUP_DREG, NFT_REG_1);
	expr_close(m, e);
}

/* dnat to the address in reg 1 and the port in the 32-bit reg after. */
static void e_dnat(struct nl_msg *m)
{
	struct expr e = expr_open(m, "nat");
	put_be32(m, NFTA_NAT_TYPE, NFT_NAT_DNAT);
	put_be32(m, NFTA_NAT_FAMILY, NFPROTO_IPV4);
	put_be32(m, NFTA_NAT_REG_ADDR_MIN, NFT_REG_1);
	put_be32(m, NFTA_NAT_REG_PROTO_MIN, NFT_REG32_01);
	expr_close(m, e);
}

static void e_verdict(struct nl_msg *m, int code)
{
	struct expr e = expr_open(m, "immediate");
	put_be32(m, NFTA_IMMEDIATE_DREG, NFT_REG_VERDICT);
	struct nlattr *d = nla_nest_start(m, NFTA_IMMEDIATE_DATA | NLA_F_NESTED);
	struct nlattr *v = nla_nest_start(m, NFTA_DATA_VERDICT | NLA_F_NESTED);
	put_be32(m, NFTA_VERDICT_CODE, (uint32_t)code);
	nla_nest_end(m, v);
	nla_nest_end(m, d);
	expr_close(m, e);
}

/* ct status & dnat != 0 */
static void e_dnat_flow(struct nl_msg *m)
{
	uint32_t mask = IPS_DST_NAT, zero = 0;
	struct expr e = expr_open(m, "ct");
	put_be32(m, NFTA_CT_DREG, NFT_REG_1);
	put_be32(m, NFTA_CT_KEY, NFT_CT_STATUS);
	expr_close(m, e);
	e = expr_open(m, "bitwise");
	put_be32(m, NFTA_BITWISE_SREG, NFT_REG_1);
	put_be32(m, NFTA_BITWISE_DREG, NFT_REG_1);
	put_be32(m, NFTA_BITWISE_LEN, sizeof mask);
	put_value(m, NFTA_BITWISE_MASK, &mask, sizeof mask);
	put_value(m, NFTA_BITWISE_XOR, &zero, sizeof zero);
	expr_close(m, e);
	e_cmp(m, NFT_CMP_NEQ, &zero, sizeof zero);
}

static struct nlattr *rule_open(struct batch *b, const char *chain, const char *what)
{
	struct nl_msg *m = batch_add(b, NFT_MSG_NEWRULE, NLM_F_CREATE | NLM_F_APPEND, what);
	nla_put_string(m, NFTA_RULE_CHAIN, chain);
	return nla_nest_start(m, NFTA_RULE_EXPRESSIONS | NLA_F_NESTED);
}

static struct nl_msg *last(struct batch *b)
{
	return b->m[b->n - 1];
}

/* The two DNAT rules of a nat chain: by host address, then any. */
static void dnat_rules(struct batch *b, const char *chain, bool skip_loopback)
{
	static const uint8_t lo_net = 127;
	for (int set = SET_ADDR; set <= SET_ANY; set++) {
		struct nlattr *r = rule_open(b, chain, "add the DNAT rules");
		struct nl_msg *m = last(b);
		if (skip_loopback) {
			/* 127/8 is the proxy's (network_proxy.c) */
			e_payload(m, NFT_PAYLOAD_NETWORK_HEADER, 16, 1, NFT_REG_1);
			e_cmp(m, NFT_CMP_NEQ, &lo_net, 1);
		}
		e_to_host(m);
		/* the key, one 32-bit register per field */
		uint32_t reg = NFT_REG_1;
		if (set == SET_ADDR)
			e_payload(m, NFT_PAYLOAD_NETWORK_HEADER, 16, 4, reg++);
		e_meta(m, NFT_META_L4PROTO, reg == NFT_REG_1 ? NFT_REG_1 : NFT_REG32_01);
		e_payload(m, NFT_PAYLOAD_TRANSPORT_HEADER, 2, 2, reg == NFT_REG_1 ? NFT_REG32_01 : NFT_REG32_02);
		e_lookup(m, set, true);
		e_dnat(m);
		nla_nest_end(m, r);
	}
}

static void drop_rule(struct batch *b, uint32_t key, const char *name, size_t len)
{
	char v[IFNAMSIZ] = {0};
	struct nlattr *r = rule_open(b, "forward", "add the forward rules");
	struct nl_msg *m = last(b);
	memcpy(v, name, strlen(name));
	e_meta(m, key, NFT_REG_1);
	e_cmp(m, NFT_CMP_EQ, v, len);
	e_verdict(m, NF_DROP);
	nla_nest_end(m, r);
}

static void forward_rules(struct batch *b)
{
	struct nlattr *r = rule_open(b, "forward", "add the forward rules");
	e_dnat_flow(last(b));
	e_verdict(last(b), NF_ACCEPT);
	nla_nest_end(last(b), r);
	/* Frames bridged between two ports of one bridge pass this hook
	 * too when br_netfilter is loaded, with both names the bridge's. */
	r = rule_open(b, "forward", "add the forward rules");
	e_meta(last(b), NFT_META_IIFNAME, NFT_REG_1);
	e_meta(last(b), NFT_META_OIFNAME, NFT_REG_2);
	e_lookup(last(b), SET_BRIDGES, false);
	e_verdict(last(b), NF_ACCEPT);
	nla_nest_end(last(b), r);
	for (int out = 0; out < 2; out++) {
		uint32_t key = out ? NFT_META_OIFNAME : NFT_META_IIFNAME;
		drop_rule(b, key, BX_DEFAULT_BRIDGE, IFNAMSIZ); /* the name whole */
		drop_rule(b, key, "bxn-", 4);                   /* a prefix: every user-made network */
	}
}

static void chain(struct batch *b, const char *name, const char *type, uint32_t hook, int32_t prio)
{
	struct nl_msg *m = batch_add(b, NFT_MSG_NEWCHAIN, NLM_F_CREATE, "add the chains");
	nla_put_string(m, NFTA_CHAIN_NAME, name);
	struct nlattr *h = nla_nest_start(m, NFTA_CHAIN_HOOK | NLA_F_NESTED);
	put_be32(m, NFTA_HOOK_HOOKNUM, hook);
	put_be32(m, NFTA_HOOK_PRIORITY, (uint32_t)prio);
	nla_nest_end(m, h);
	put_be32(m, NFTA_CHAIN_POLICY, NF_ACCEPT);
	nla_put_string(m, NFTA_CHAIN_TYPE, type);
}

static void set(struct batch *b, int id, uint32_t key_type, uint32_t key_len, bool map)
{
	struct nl_msg *m = batch_add(b, NFT_MSG_NEWSET, NLM_F_CREATE | NLM_F_EXCL, "add the maps");
	nla_put_string(m, NFTA_SET_NAME, set_name[id]);
	put_be32(m, NFTA_SET_FLAGS, map ? NFT_SET_MAP : 0);
	put_be32(m, NFTA_SET_KEY_TYPE, key_type);
	put_be32(m, NFTA_SET_KEY_LEN, key_len);
	if (map) {
		put_be32(m, NFTA_SET_DATA_TYPE, CONCAT(T_IPADDR, T_INET_SERVICE));
		put_be32(m, NFTA_SET_DATA_LEN, 8);
	}
	put_be32(m, NFTA_SET_ID, (uint32_t)id);
}

/* One element, key (and data for a map), as the body of a NEWSETELEM,
 * DELSETELEM or GETSETELEM. */
static void put_element(struct nl_msg *m, int set, const void *key, size_t klen, const void *data, size_t dlen)
{
	nla_put_string(m, NFTA_SET_ELEM_LIST_SET, set_name[set]);
	put_be32(m, NFTA_SET_ELEM_LIST_SET_ID, (uint32_t)set);
	struct nlattr *l = nla_nest_start(m, NFTA_SET_ELEM_LIST_ELEMENTS | NLA_F_NESTED);
	struct nlattr *e = nla_nest_start(m, NFTA_LIST_ELEM | NLA_F_NESTED);
	put_value(m, NFTA_SET_ELEM_KEY, key, klen);
	if (data)
		put_value(m, NFTA_SET_ELEM_DATA, data, dlen);
	nla_nest_end(m, e);
	nla_nest_end(m, l);
}

static void element(struct batch *b, int type, int flags, int set, const void *key, size_t klen, const void *data,
		    size_t dlen, const char *what)
{
	put_element(batch_add(b, type, flags, what), set, key, klen, data, dlen);
}

static void bridge_key(const char *bridge, char key[2 * IFNAMSIZ])
{
	memset(key, 0, 2 * IFNAMSIZ);
	strncpy(key, bridge, IFNAMSIZ - 1);
	strncpy(key + IFNAMSIZ, bridge, IFNAMSIZ - 1);
}

bool bx_nft_port_dnat(const struct bx_port *p)
{
	return p->host_ip >> 24 != 127;
}

/* Keys and data as the rules build them: each field in a 32-bit
 * register of its own, network byte order, zero padded. */
static int port_key(const struct bx_port *p, uint8_t key[12], size_t *len)
{
	uint8_t *k = key;
	uint16_t port = htons(p->host_port);
	memset(key, 0, 12);
	if (p->host_ip) {
		uint32_t ip = htonl(p->host_ip);
		memcpy(k, &ip, 4);
		k += 4;
	}
	k[0] = (uint8_t)p->proto;
	memcpy(k + 4, &port, 2);
	*len = (size_t)(k + 8 - key);
	return p->host_ip ? SET_ADDR : SET_ANY;
}

static void port_data(const struct bx_port *p, uint32_t ctr_ip, uint8_t data[8])
{
	uint32_t ip = htonl(ctr_ip);
	uint16_t port = htons(p->ctr_port);
	memset(data, 0, 8);
	memcpy(data, &ip, 4);
	memcpy(data + 4, &port, 2);
}

int bx_nft_present(bx_err_t *err)
{
	struct nl_msg *m = msg_new(NFT_MSG_GETTABLE, NLM_F_ACK);
	return request(m, false, NULL, NULL, "read the table ip " BX_NFT_TABLE, err);
}

int bx_nft_install(char *const *bridges, bx_err_t *err)
{
	struct batch b = {0};
	batch_add(&b, NFT_MSG_NEWTABLE, NLM_F_CREATE | NLM_F_EXCL, "add the table ip " BX_NFT_TABLE);
	set(&b, SET_ADDR, CONCAT(CONCAT(T_IPADDR, T_INET_PROTO), T_INET_SERVICE), 12, true);
	set(&b, SET_ANY, CONCAT(T_INET_PROTO, T_INET_SERVICE), 8, true);
	set(&b, SET_BRIDGES, CONCAT(T_IFNAME, T_IFNAME), 2 * IFNAMSIZ, false);
	chain(&b, "prerouting", "nat", NF_INET_PRE_ROUTING, -100);
	chain(&b, "output", "nat", NF_INET_LOCAL_OUT, -100);
	chain(&b, "forward", "filter", NF_INET_FORWARD, 0);
	dnat_rules(&b, "prerouting", false);
	dnat_rules(&b, "output", true);
	forward_rules(&b);
	for (size_t i = 0; bridges && bridges[i]; i++) {
		char key[2 * IFNAMSIZ];
		bridge_key(bridges[i], key);
		element(&b, NFT_MSG_NEWSETELEM, NLM_F_CREATE, SET_BRIDGES, key, sizeof key, NULL, 0,
			"add the bridges");
	}
	return batch_run(&b, err);
}

int bx_nft_remove(bx_err_t *err)
{
	struct batch b = {0};
	batch_add(&b, NFT_MSG_DELTABLE, 0, "delete the table ip " BX_NFT_TABLE);
	return batch_run(&b, err);
}

int bx_nft_bridge(const char *bridge, bool add, bx_err_t *err)
{
	struct batch b = {0};
	char key[2 * IFNAMSIZ];
	bridge_key(bridge, key);
	element(&b, add ? NFT_MSG_NEWSETELEM : NFT_MSG_DELSETELEM, add ? NLM_F_CREATE : 0, SET_BRIDGES, key,
		sizeof key, NULL, 0, add ? "add a bridge to the set bridges" : "delete a bridge from the set bridges");
	return batch_run(&b, err);
}

int bx_nft_port_add(const struct bx_port *p, uint32_t ctr_ip, bx_err_t *err)
{
	struct batch b = {0};
	uint8_t key[12], data[8];
	size_t klen;
	int set = port_key(p, key, &klen);
	bx_err_t tmp = NULL;
	port_data(p, ctr_ip, data);
	element(&b, NFT_MSG_NEWSETELEM, NLM_F_CREATE | NLM_F_EXCL, set, key, klen, data, sizeof data,
		"add a published port");
	if (batch_run(&b, &tmp) == 0)
		return 0;
	if (bx_error_errno(tmp) != EEXIST) {
		*err = tmp;
		return -1;
	}
	bx_error_release(&tmp);
	element(&b, NFT_MSG_DELSETELEM, 0, set, key, klen, NULL, 0, "replace a stale published port");
	element(&b, NFT_MSG_NEWSETELEM, NLM_F_CREATE | NLM_F_EXCL, set, key, klen, data, sizeof data,
		"replace a stale published port");
	return batch_run(&b, err);
}

struct elem_data {
	uint8_t v[8];
	bool found;
};

static void on_element(struct nlmsghdr *h, void *ctx)
{
	struct elem_data *d = ctx;
	struct nlattr *tb[NFTA_SET_ELEM_LIST_MAX + 1], *e;
	int rem;
	if (NFNL_MSG_TYPE(h->nlmsg_type) != NFT_MSG_NEWSETELEM ||
	    nlmsg_parse(h, sizeof(struct nfgenmsg), tb, NFTA_SET_ELEM_LIST_MAX, NULL) < 0 ||
	    !tb[NFTA_SET_ELEM_LIST_ELEMENTS])
		return;
	nla_for_each_nested(e, tb[NFTA_SET_ELEM_LIST_ELEMENTS], rem) {
		struct nlattr *te[NFTA_SET_ELEM_MAX + 1], *td[NFTA_DATA_MAX + 1];
		d->found = true;
		if (nla_parse_nested(te, NFTA_SET_ELEM_MAX, e, NULL) < 0 || !te[NFTA_SET_ELEM_DATA] ||
		    nla_parse_nested(td, NFTA_DATA_MAX, te[NFTA_SET_ELEM_DATA], NULL) < 0 || !td[NFTA_DATA_VALUE] ||
		    nla_len(td[NFTA_DATA_VALUE]) != sizeof d->v)
			continue;
		memcpy(d->v, nla_data(td[NFTA_DATA_VALUE]), sizeof d->v);
	}
}

int bx_nft_port_del(const struct bx_port *p, uint32_t ctr_ip, bx_err_t *err)
{
	struct batch b = {0};
	uint8_t key[12], data[8];
	size_t klen;
	int set = port_key(p, key, &klen);
	struct elem_data got = {0};
	port_data(p, ctr_ip, data);
	struct nl_msg *m = msg_new(NFT_MSG_GETSETELEM, NLM_F_ACK);
	put_element(m, set, key, klen, NULL, 0);
	if (request(m, false, on_element, &got, "read a published port", err) < 0)
		return -1;
	if (!got.found || memcmp(got.v, data, sizeof data))
		return 0;
	element(&b, NFT_MSG_DELSETELEM, 0, set, key, klen, NULL, 0, "delete a published port");
	if (batch_run(&b, err) < 0)
		return bx_error_errno(*err) == ENOENT ? (bx_error_release(err), 0) : -1;
	return 0;
}

int bx_nft_ports_empty(bx_err_t *err)
{
	for (int set = SET_ADDR; set <= SET_ANY; set++) {
		struct elem_data got = {0};
		struct nl_msg *m = msg_new(NFT_MSG_GETSETELEM, NLM_F_ACK | NLM_F_DUMP);
		nla_put_string(m, NFTA_SET_ELEM_LIST_SET, set_name[set]);
		if (request(m, true, on_element, &got, "read the published ports", err) < 0)
			return -1;
		if (got.found)
			return 0;
	}
	return 1;
}
