/* boxlab network: the networks containers join with --network.
 *
 *   create NAME [--subnet CIDR]   a bridge and a subnet (a free /16 when
 *                                 none is given)
 *   ls [--json]                   every network, its bridge, subnet and
 *                                 how many containers it has
 *   inspect NAME [--json]         one network and its containers: names,
 *                                 addresses, veths, bytes and packets
 *   rm NAME...                    refused while containers use it; the
 *                                 bridge goes with it
 *
 * Containers of different networks cannot reach each other: each
 * network is its own bridge and the host routes between none of them.
 * The default network, boxlab (bridge boxlab0), is made on first use. */
#include "cli/cli.h"
#include "modules/network.h"
#include "util/cleanup.h"
#include "util/xalloc.h"

#include <getopt.h>
#include <jansson.h>
#include <stdio.h>
#include <string.h>


static int usage_error(const char *fmt, const char *arg)
{
	return bx_cli_usage_error(&bx_cmd_network, fmt, arg);
}

/* Leases whose container is gone are left for the next start to reclaim;
 * listings skip them. */
static size_t live_leases(const char *net, struct bx_leases *l)
{
	bx_err_t tmp = NULL;
	if (bx_network_leases(net, l, &tmp) < 0)
		bx_error_release(&tmp);
	bx_ipam_reclaim(l, bx_network_lease_alive);
	return l->n;
}

static int net_create(int argc, char **argv)
{
	static const struct option opts[] = {{"subnet", required_argument, NULL, 's'}, {0}};
	const char *subnet = NULL;
	int c;
	/* 0, not 1: a full restart of glibc's getopt, which then permutes
	 * so --subnet may stand after NAME as well. */
	optind = 0;
	opterr = 0;
	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		if (c == 's')
			subnet = optarg;
		else if (c == '?' && optopt == 's')
			return usage_error("flag '%s' needs a value: CIDR", "--subnet");
		else
			return usage_error("unknown flag '%s' for create", argv[optind - 1]);
	}
	if (optind + 1 != argc)
		return usage_error("%s takes one network name", "create");
	struct bx_network n;
	bx_err_t err = NULL;
	if (bx_network_create(argv[optind], subnet, &n, &err) < 0)
		return bx_error_report(&err, 1);
	cleanup_free char *sn = bx_subnet_format(&n.subnet);
	printf("%s\t%s\t%s\n", n.name, n.bridge, sn);
	bx_network_free(&n);
	return 0;
}

static int net_ls(int argc, char **argv)
{
	bool json;
	int code = bx_cli_json_only(&bx_cmd_network, "ls", argc, argv, &json);
	if (code)
		return code;
	if (optind != argc)
		return usage_error("ls takes no arguments, got '%s'", argv[optind]);
	cleanup_strv char **names = bx_network_list();
	json_t *arr = json_array();
	if (!json)
		printf("%-20s %-15s %-18s %s\n", "NETWORK", "BRIDGE", "SUBNET", "CONTAINERS");
	for (size_t i = 0; names[i]; i++) {
		struct bx_network n;
		struct bx_leases l;
		bx_err_t err = NULL;
		if (bx_network_load(names[i], &n, &err) < 0) {
			code = bx_error_report(&err, 1);
			continue;
		}
		size_t count = live_leases(names[i], &l);
		cleanup_free char *sn = bx_subnet_format(&n.subnet);
		if (json) {
			json_t *o = json_object();
			json_object_set_new(o, "name", json_string(n.name));
			json_object_set_new(o, "bridge", json_string(n.bridge));
			json_object_set_new(o, "subnet", json_string(sn));
			json_object_set_new(o, "containers", json_integer((json_int_t)count));
			json_array_append_new(arr, o);
		} else {
			printf("%-20s %-15s %-18s %zu\n", n.name, n.bridge, sn, count);
		}
		bx_leases_free(&l);
		bx_network_free(&n);
	}
	if (json)
		bx_cli_print_json(arr);
	else
		json_decref(arr);
	return code;
}

static int net_inspect(int argc, char **argv)
{
	bool json;
	int code = bx_cli_json_only(&bx_cmd_network, "inspect", argc, argv, &json);
	if (code)
		return code;
	if (optind + 1 != argc)
		return usage_error("%s takes one network name", "inspect");
	struct bx_network n;
	struct bx_leases l;
	bx_err_t err = NULL;
	if (bx_network_load(argv[optind], &n, &err) < 0)
		return bx_error_report(&err, 1);
	live_leases(n.name, &l);
	cleanup_free char *sn = bx_subnet_format(&n.subnet);
	char gw[16], ip[16];
	bx_ip_format(bx_subnet_gateway(&n.subnet), gw);
	json_t *o = json_object(), *arr = json_array();
	json_object_set_new(o, "name", json_string(n.name));
	json_object_set_new(o, "bridge", json_string(n.bridge));
	json_object_set_new(o, "subnet", json_string(sn));
	json_object_set_new(o, "gateway", json_string(gw));
	json_object_set_new(o, "capacity", json_integer(bx_subnet_capacity(&n.subnet)));
	if (!json)
		printf("network %s: bridge %s, subnet %s, gateway %s, %zu of %u addresses in use\n\n"
		       "%-24s %-15s %-15s %12s %12s %10s %10s\n", n.name, n.bridge, sn, gw, l.n,
		       bx_subnet_capacity(&n.subnet), "CONTAINER", "ADDRESS", "VETH", "RX BYTES", "TX BYTES", "RX PKTS",
		       "TX PKTS");
	for (size_t i = 0; i < l.n; i++) {
		struct bx_net_state s;
		struct bx_net_counters c = {0};
		bool have = bx_net_state_read(l.v[i].key, &s) > 0;
		if (have && s.veth)
			bx_net_counters(s.veth, &c);
		bx_ip_format(l.v[i].ip, ip);
		const char *veth = have && s.veth ? s.veth : "-";
		if (json) {
			json_t *e = json_object();
			json_object_set_new(e, "name", json_string(l.v[i].name ? l.v[i].name : ""));
			json_object_set_new(e, "state_dir", json_string(l.v[i].key));
			json_object_set_new(e, "ip", json_string(ip));
			json_object_set_new(e, "veth", json_string(veth));
			json_object_set_new(e, "rx_bytes", json_integer((json_int_t)c.rx_bytes));
			json_object_set_new(e, "tx_bytes", json_integer((json_int_t)c.tx_bytes));
			json_object_set_new(e, "rx_packets", json_integer((json_int_t)c.rx_packets));
			json_object_set_new(e, "tx_packets", json_integer((json_int_t)c.tx_packets));
			json_t *ports = json_array();
			for (size_t k = 0; have && s.ports && s.ports[k]; k++)
				json_array_append_new(ports, json_string(s.ports[k]));
			json_object_set_new(e, "ports", ports);
			json_array_append_new(arr, e);
		} else {
			printf("%-24s %-15s %-15s %12llu %12llu %10llu %10llu\n", l.v[i].name ? l.v[i].name : "?", ip, veth,
			       (unsigned long long)c.rx_bytes, (unsigned long long)c.tx_bytes,
			       (unsigned long long)c.rx_packets, (unsigned long long)c.tx_packets);
		}
		if (have)
			bx_net_state_free(&s);
	}
	json_object_set_new(o, "containers", arr);
	if (json)
		bx_cli_print_json(o);
	else
		json_decref(o);
	bx_leases_free(&l);
	bx_network_free(&n);
	return 0;
}

static int net_rm(int argc, char **argv)
{
	int code = 0;
	if (argc < 2)
		return usage_error("%s takes one or more network names", "rm");
	for (int i = 1; i < argc; i++) {
		bx_err_t err = NULL;
		if (argv[i][0] == '-') {
			code = usage_error("unknown flag '%s' for rm", argv[i]);
			continue;
		}
		if (bx_network_remove(argv[i], &err) < 0) {
			code = bx_error_report(&err, 1);
			continue;
		}
		printf("%s\n", argv[i]);
	}
	return code;
}

static int network_exec(int argc, char **argv)
{
	static const struct {
		const char *name;
		int (*fn)(int, char **);
	} subs[] = {{"create", net_create}, {"ls", net_ls}, {"list", net_ls}, {"inspect", net_inspect}, {"rm", net_rm}};
	if (bx_cli_help(&bx_cmd_network, argc, argv))
		return 0;
	if (argc < 2)
		return usage_error("%s", "no subcommand given (create, ls, inspect, rm)");
	for (size_t i = 0; i < N_ELEMENTS(subs); i++)
		if (!strcmp(argv[1], subs[i].name))
			return subs[i].fn(argc - 1, argv + 1);
	return usage_error("unknown subcommand '%s' (allowed: create, ls, inspect, rm)", argv[1]);
}

const struct bx_cmd bx_cmd_network = {
	.name = "network",
	.usage = "create NAME [--subnet CIDR] | ls [--json] | inspect NAME [--json] | rm NAME...",
	.summary = "make, list, inspect and remove the networks containers join (run --network NAME)",
	.options = "  create NAME              a bridge and a subnet for containers run with --network NAME\n"
		   "      --subnet CIDR        its IPv4 subnet, /8 to /30 (default: a free /16 from 10.88.0.0\n"
		   "                           on that clashes with no route of the host)\n"
		   "  ls [--json]              the networks, their bridges, subnets and container counts\n"
		   "  inspect NAME [--json]    a network and its containers: addresses, veths, rx/tx\n"
		   "  rm NAME...               remove networks no container uses, and their bridges\n",
	.exec = network_exec,
};
