#!/usr/bin/env bash
# Network isolation: networks, --net=none, published ports.
#
# Two containers on one network talk (by name, over TCP); one on another
# network cannot reach them (the host routes for none of its bridges:
# ip_forward stays 0); --net=none leaves only lo; -p 127.0.0.1:PORT:80
# publishes a port on the host's loopback and nowhere else.
#
# Traffic goes only to boxlab's own bridges and the host's own addresses.
# (busybox wget's own -T crashes in this static build: `timeout` bounds it.)
. "$(dirname "$0")/lib.sh"

demo_start "Network isolation: networks, --net=none, published ports" \
	"Each container has its own network stack; a network is a bridge the host does not route between."

free_port() {
	local p
	for _ in $(seq 20); do
		p=$((20000 + RANDOM % 20000))
		ss -Htuln "sport = :$p" | grep -q . || { echo "$p"; return 0; }
	done
	return 1
}

step "Two networks: two bridges, two subnets"
demo_network demo-net-a
demo_network demo-net-b
run boxlab network create demo-net-a
expect_rc 0 "network demo-net-a made"
run boxlab network create demo-net-b
expect_rc 0 "network demo-net-b made"

# A page that says who serves it: the container's host name.
serve='mkdir -p /www && hostname > /www/index.html && exec httpd -f -p 80 -h /www'

step "A web server on demo-net-a: httpd, its page says the container's name"
demo_container demo-web
run boxlab run -d --name demo-web --network demo-net-a busybox sh -c "$serve"
expect_rc 0 "demo-web runs"
web_ip=$(jq -r .ip "${BOXLAB_RUN_DIR:-/run/boxlab}/demo-web/network.json" 2>/dev/null)
[ -n "$web_ip" ] && [ "$web_ip" != null ] || web_ip=$(boxlab exec demo-web ip -4 -o addr show eth0 | awk '{print $4}' | cut -d/ -f1)
say "demo-web has address $web_ip on demo-net-a."
wait_until 10 boxlab exec demo-web sh -c 'netstat -ltn | grep -q ":80 "' || fail "httpd in demo-web never listened"

step "A client on the same network reaches it, by name"
demo_container demo-client
run boxlab run --rm --name demo-client --network demo-net-a busybox timeout 2 wget -q -O - http://demo-web/
expect_rc 0 "same network: the request went through"
expect_out '^demo-web$' "and demo-web answered with its host name"

step "A client on demo-net-b tries the same address"
run boxlab run --rm --name demo-client --network demo-net-b busybox timeout 1 wget -q -O - "http://$web_ip/"
[ "$RC" -ne 0 ] && ok "other network: no answer from $web_ip (exit $RC)" || fail "demo-net-b reached demo-web"
expect "the host forwards nothing between its bridges (ip_forward is 0)" test "$(cat /proc/sys/net/ipv4/ip_forward)" = 0
run boxlab run --rm --name demo-client --network demo-net-b busybox ping -c 1 -W 1 demo-web
expect_out "bad address 'demo-web'" "and the name demo-web means nothing there: names are per network"

step "--net=none: a network namespace with nothing but loopback"
run boxlab run --rm --name demo-client --net=none busybox ip -o link
expect_out '^1: lo:' "lo is there"
expect_no_out 'eth0' "and no eth0: nothing to reach, nothing to sniff"

step "Publishing a port on the host's loopback only: -p 127.0.0.1:PORT:80"
port=$(free_port) || fail "no free port found"
demo_container demo-pub
run boxlab run -d --name demo-pub -p "127.0.0.1:$port:80" busybox sh -c "$serve"
expect_rc 0 "demo-pub runs, its port 80 published on 127.0.0.1:$port"
run_grep ":$port " ss -Htln
expect_out "^LISTEN .*127\.0\.0\.1:$port " "the host listens on 127.0.0.1:$port only"
wait_until 10 timeout 1 busybox wget -q -O /dev/null "http://127.0.0.1:$port/"
run timeout 2 busybox wget -q -O - "http://127.0.0.1:$port/"
expect_out '^demo-pub$' "from the host, 127.0.0.1:$port reaches the container"
host_ip=$(ip -4 -o addr show scope global | awk '{print $4}' | cut -d/ -f1 | head -1)
if [ -n "$host_ip" ]; then
	run timeout 2 busybox wget -q -O - "http://$host_ip:$port/"
	[ "$RC" -ne 0 ] && ok "the host's own address $host_ip:$port does not: the port is not on the network" ||
		fail "$host_ip:$port answered"
else
	say "(this host has no global IPv4 address to try from)"
fi

demo_end
