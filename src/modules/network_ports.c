/* -p [HOSTIP:]HOSTPORT:CTRPORT[/tcp|/udp]: Docker's syntax, IPv4 only. */
#include "modules/network.h"
#include "util/cleanup.h"
#include "util/xalloc.h"

#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define PORT_SYNTAX "[HOSTIP:]HOSTPORT:CTRPORT[/tcp|/udp], e.g. 8080:80 or 127.0.0.1:5353:53/udp"

static int port_number(const char *s, const char *whole, uint16_t *out, bx_err_t *err)
{
	unsigned long v = 0;
	if (!*s || strlen(s) > 5 || strspn(s, "0123456789") != strlen(s))
		return bx_usage_error(err, "invalid -p \"%s\": \"%s\" is not a port number (expected %s)", whole, s,
				      PORT_SYNTAX);
	v = strtoul(s, NULL, 10);
	if (v < 1 || v > 65535)
		return bx_usage_error(err, "invalid -p \"%s\": port %s is out of range (allowed: 1-65535)", whole, s);
	*out = (uint16_t)v;
	return 0;
}

int bx_port_parse(const char *s, struct bx_port *out, bx_err_t *err)
{
	cleanup_free char *copy = xstrdup(s);
	char *slash = strchr(copy, '/'), *parts[3];
	size_t n = 0;
	memset(out, 0, sizeof *out);
	out->proto = IPPROTO_TCP;
	if (slash) {
		*slash = '\0';
		if (!strcmp(slash + 1, "udp"))
			out->proto = IPPROTO_UDP;
		else if (strcmp(slash + 1, "tcp"))
			return bx_usage_error(err, "invalid -p \"%s\": unknown protocol \"%s\" (allowed: tcp, udp)", s,
					      slash + 1);
	}
	for (char *p = copy, *colon;; p = colon + 1) {
		if (n == 3)
			return bx_usage_error(err, "invalid -p \"%s\" (expected %s)", s, PORT_SYNTAX);
		parts[n++] = p;
		colon = strchr(p, ':');
		if (!colon)
			break;
		*colon = '\0';
	}
	if (n < 2)
		return bx_usage_error(err, "invalid -p \"%s\": both ports are needed (expected %s)", s, PORT_SYNTAX);
	if (n == 3 && bx_ip_parse(parts[0], &out->host_ip) < 0)
		return bx_usage_error(err, "invalid -p \"%s\": \"%s\" is not an IPv4 address of the host", s, parts[0]);
	if (port_number(parts[n - 2], s, &out->host_port, err) < 0 || port_number(parts[n - 1], s, &out->ctr_port, err) < 0)
		return -1;
	return 0;
}

char *bx_port_format(const struct bx_port *p)
{
	char ip[16];
	const char *proto = p->proto == IPPROTO_UDP ? "udp" : "tcp";
	if (!p->host_ip)
		return xasprintf("%u:%u/%s", p->host_port, p->ctr_port, proto);
	bx_ip_format(p->host_ip, ip);
	return xasprintf("%s:%u:%u/%s", ip, p->host_port, p->ctr_port, proto);
}

bool bx_port_clash(const struct bx_port *a, const struct bx_port *b)
{
	/* 0.0.0.0 takes the port on every address, as bind(2) sees it. */
	return a->proto == b->proto && a->host_port == b->host_port &&
	       (a->host_ip == b->host_ip || !a->host_ip || !b->host_ip);
}
