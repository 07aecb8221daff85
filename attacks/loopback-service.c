/* reach a service listening only on the host's loopback (127.0.0.1):
 * databases, admin APIs, the docker socket over TCP... trust that
 * "only local" means "only the host".  ARG: the port. */
#include "attack.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>

int main(int argc, char **argv)
{
	char **a = bxa_init(argc, argv, 1, "PORT");
	struct sockaddr_in sa = {.sin_family = AF_INET, .sin_port = htons((uint16_t)atoi(a[0]))};
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	int s = socket(AF_INET, SOCK_STREAM, 0);
	if (s < 0)
		return bxa_fail("socket");
	if (connect(s, (struct sockaddr *)&sa, sizeof sa) < 0)
		return bxa_fail("connect 127.0.0.1:%s", a[0]);
	bxa_claim(1, "connected to 127.0.0.1:%s", a[0]);
	close(s);
	return 0;
}
