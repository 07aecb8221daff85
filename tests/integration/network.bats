# The network module: containers on a bridge reach each other by address
# and by name, networks are isolated from each other, published ports are
# reached from the host and from another network namespace, and nothing
# (veth, lease, proxy, port) outlives a container.
#
# Safety: traffic only goes to boxlab's own subnets, loopback, and one
# network namespace a test makes (169.254.x.0/30 on a veth it owns);
# every wget/nc/ping has a timeout.  Test networks, namespaces and host
# listeners are removed in teardown, also when a test fails.

load helpers

NETDIR=${BOXLAB_NET_DIR:-/var/lib/boxlab/networks}
NETRUNDIR=${BOXLAB_NET_RUN_DIR:-/run/boxlab-networks}

eval "$(declare -f teardown | sed '1s/^teardown/helpers_teardown/')"

teardown() {
	local n
	cleanup_run_dirs # their containers hold addresses in the test networks
	if [ -n "${BOXLAB_RUN_DIR:-}" ] && [ -d "$BOXLAB_RUN_DIR" ]; then
		for n in $(ls "$BOXLAB_RUN_DIR"); do
			timeout 30 "$BOXLAB" rm -f "$n" >/dev/null 2>&1 || true
		done
	fi
	for n in ${NW_NETS:-}; do
		timeout 10 "$BOXLAB" network rm "$n" >/dev/null 2>&1 || true
	done
	for n in ${NW_NETNS:-}; do
		ip netns del "$n" 2>/dev/null || true
	done
	for n in ${NW_PIDS:-}; do
		kill "$n" 2>/dev/null || true
	done
	helpers_teardown
}

# A network made for one test, removed in teardown.
new_net() { # new_net NAME [--subnet CIDR]
	NW_NETS="${NW_NETS:-} $1"
	bx network create "$@"
}

ip_of() {
	jq -r .ip "$BOXLAB_RUN_DIR/$1/network.json"
}

leases() { # leases NETWORK: the container names holding an address
	jq -r '.leases[].name' "$NETRUNDIR/$1/leases.json" 2>/dev/null || true
}

# bats ignores the status of a bare `! cmd`: a function's counts.
host_ip() {
	ip -4 -o addr show scope global | awk '{print $4}' | cut -d/ -f1 | head -1
}

lacks_word() { # lacks_word WORD TEXT
	! grep -qw -- "$1" <<<"$2"
}

@test "two containers ping and talk TCP by address and by name; /etc/hosts follows peers" {
	s=nw$RANDOM c=nw$RANDOM
	bx run -d --name "$s" busybox httpd -f -p 80 -h /etc
	sip=$(ip_of "$s")
	[[ "$sip" == [0-9]*.[0-9]*.[0-9]*.[0-9]* ]]
	run bx run --rm --name "$c" busybox sh -c "
		ping -c1 -W2 $sip >/dev/null && echo ping-ip
		ping -c1 -W2 $s >/dev/null && echo ping-name
		timeout 3 wget -q -O - http://$sip/hostname >/dev/null && echo tcp-ip
		for i in 1 2 3 4 5 6 7 8 9 10; do timeout 3 wget -q -O - http://$s/hosts && break; sleep 0.2; done"
	[ "$status" -eq 0 ]
	[[ "$output" == *ping-ip*ping-name*tcp-ip* ]]
	# The server's /etc/hosts, fetched over TCP by name, lists the client.
	[[ "$output" == *"/etc/hosts of $s"*"$c"* ]]
	# eth0 has the address, the default route goes via the bridge.
	run bx exec "$s" ip route
	[[ "$output" == "default via "*" dev eth0"* ]]
	[ -n "$(ip -o link show "bx-$s" 2>/dev/null)" ]

	# --hostname, --add-host, and peers coming and going
	a=nw$RANDOM b=nw$RANDOM
	bx run -d --name "$a" --hostname alpha --add-host db.test:10.99.1.2 busybox sleep 60
	run bx exec "$a" cat /etc/hosts
	[[ "$output" == *"$(ip_of "$a")"$'\t'"alpha $a"* ]]
	[[ "$output" == *"10.99.1.2"$'\t'"db.test"* ]]
	lacks_word "$b" "$output"
	bx run -d --name "$b" busybox sleep 60
	run bx exec "$a" cat /etc/hosts
	[[ "$output" == *"$(ip_of "$b")"$'\t'"$b"* ]]
	run bx exec "$b" ping -c1 -W2 alpha
	[ "$status" -eq 0 ]
	# read-only inside: the container cannot rewrite its peers' view
	run bx exec "$a" sh -c 'echo x >> /etc/hosts'
	[ "$status" -ne 0 ]
	bx rm -f "$b"
	run bx exec "$a" cat /etc/hosts
	lacks_word "$b" "$output"
}

@test "networks are isolated: same network reaches, the other does not" {
	n1=nw$RANDOM n2=nw$RANDOM
	new_net "$n1"
	new_net "$n2" --subnet 10.250.$((RANDOM % 250)).0/24
	run bx network ls
	[[ "$output" == *"$n1"*"bxn-$n1"* ]]
	bx run -d --name "$n1-a" --network "$n1" busybox httpd -f -p 80 -h /etc
	bx run -d --name "$n2-b" --network "$n2" busybox httpd -f -p 80 -h /etc
	aip=$(ip_of "$n1-a") bip=$(ip_of "$n2-b")
	run bx run --rm --network "$n1" busybox sh -c "
		ping -c1 -W2 $n1-a >/dev/null && echo same-ok
		ping -c1 -W1 $bip >/dev/null && echo other-ping
		timeout 1 wget -q -O - http://$bip/hostname >/dev/null && echo other-tcp
		true"
	[[ "$output" == *same-ok* ]]
	[[ "$output" != *other-* ]]
	run bx run --rm --network "$n2" busybox sh -c "timeout 1 wget -q -O - http://$aip/hostname >/dev/null && echo reached; true"
	[[ "$output" != *reached* ]]
	# names are per network
	run bx exec "$n2-b" cat /etc/hosts
	[[ "$output" != *"$n1-a"* ]]
	# the host routes for none of its bridges
	[ "$(cat "/proc/sys/net/ipv4/conf/bxn-$n1/forwarding")" = 0 ]
	# While a port is published the bridges forward, but only DNAT'ed
	# connections: the other network stays out of reach, the port is
	# reached from it through the host's address.
	port=$(free_port) hostip=$(host_ip)
	bx run -d --name "$n1-p" --network "$n1" -p "$port:80" busybox httpd -f -p 80 -h /etc
	[ "$(cat "/proc/sys/net/ipv4/conf/bxn-$n1/forwarding")" = 1 ]
	[ "$(cat "/proc/sys/net/ipv4/conf/bxn-$n2/forwarding")" = 1 ]
	[ "$(cat /proc/sys/net/ipv4/ip_forward)" = 0 ]
	run bx run --rm --network "$n2" busybox sh -c "
		ping -c1 -W1 $aip >/dev/null && echo other-ping
		timeout 1 wget -q -O - http://$aip/hostname >/dev/null && echo other-tcp
		timeout 3 wget -q -O - http://$hostip:$port/hostname >/dev/null && echo published-ok
		true"
	[[ "$output" == *published-ok* ]]
	[[ "$output" != *other-* ]]
	run bx run --rm --network "$n1" busybox sh -c "ping -c1 -W2 $n1-a >/dev/null && echo same-ok"
	[[ "$output" == *same-ok* ]]
	bx rm -f "$n1-p"
	[ "$(cat "/proc/sys/net/ipv4/conf/bxn-$n1/forwarding")" = 0 ]
	run bx network inspect --json "$n1"
	[ "$(jq -r '.containers[0].name' <<<"$output")" = "$n1-a" ]
	run bx network rm "$n1"
	[ "$status" -eq 2 ]
	[[ "$output" == *"in use by 1 container: $n1-a"* ]]
	bx rm -f "$n1-a"
	bx network rm "$n1"
	[ -z "$(ip -o link show "bxn-$n1" 2>/dev/null)" ]
	[ ! -e "$NETDIR/$n1" ] && [ ! -e "$NETRUNDIR/$n1" ]
}

@test "--net=none: only lo; --net=container:NAME shares NAME's stack" {
	run bx run --rm --net=none busybox sh -c "awk 'NR>2{print \$1}' /proc/net/dev"
	[ "$output" = "lo:" ]
	s=nw$RANDOM
	bx run -d --name "$s" busybox httpd -f -p 8080 -h /etc
	run bx run --rm --net=container:"$s" busybox sh -c \
		"ip -4 -o addr show eth0; for i in 1 2 3 4 5 6 7 8 9 10; do timeout 2 wget -q -O - http://127.0.0.1:8080/hosts && break; sleep 0.2; done"
	[ "$status" -eq 0 ]
	[[ "$output" == *"$(ip_of "$s")/"* ]]
	[[ "$output" == *"/etc/hosts of $s"* ]]
	run bx run --rm --net=container:nosuch$RANDOM busybox true
	[ "$status" -eq 2 ]
	[[ "$output" == *"--net=container:nosuch"*"no such container"* ]]
}

# A UDP echo server for the container (busybox has none): static, so it
# runs in the busybox image; it answers at most 20 datagrams.
udp_echo() {
	cat > "$BATS_TEST_TMPDIR/udpecho.c" <<'C'
#include <arpa/inet.h>
#include <stdlib.h>
#include <sys/socket.h>
int main(int argc, char **argv)
{
	int s = socket(AF_INET, SOCK_DGRAM, 0);
	struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons(atoi(argc > 1 ? argv[1] : "5353"))};
	char buf[2048];
	if (s < 0 || bind(s, (struct sockaddr *)&a, sizeof a) < 0)
		return 1;
	for (int i = 0; i < 20; i++) {
		struct sockaddr_in p;
		socklen_t len = sizeof p;
		ssize_t n = recvfrom(s, buf, sizeof buf, 0, (struct sockaddr *)&p, &len);
		if (n > 0)
			sendto(s, buf, n, 0, (struct sockaddr *)&p, len);
	}
	return 0;
}
C
	cc -static -O2 -o "$BATS_TEST_TMPDIR/udpecho" "$BATS_TEST_TMPDIR/udpecho.c"
}

@test "published ports: tcp and udp, from the host (127.0.0.1 and its address) and from another netns" {
	s=nw$RANDOM ns=nwns$RANDOM port=$(free_port) uport=$(free_port)
	udp_echo
	# /cgi-bin/ip answers with the client's address as the container sees it
	bx run -d --name "$s" -p "$port:80" -p "$uport:5353/udp" busybox sh -c \
		'mkdir -p /w/cgi-bin; cp /etc/hosts /w/; printf "#!/bin/sh\necho Content-Type: text/plain\necho\necho \$REMOTE_ADDR\n" >/w/cgi-bin/ip
		chmod 755 /w/cgi-bin/ip; httpd -p 80 -h /w
		i=0; while [ ! -x /tmp/udpecho ] && [ $i -lt 100 ]; do sleep 0.1; i=$((i+1)); done; exec /tmp/udpecho 5353'
	bx exec -i "$s" sh -c 'cat > /tmp/u && chmod 755 /tmp/u && mv /tmp/u /tmp/udpecho' < "$BATS_TEST_TMPDIR/udpecho"
	wait_for 5 sh -c "timeout 2 busybox wget -q -O - http://127.0.0.1:$port/hosts | grep -q '/etc/hosts of $s'"
	cip=$(ip_of "$s") gw=$(bx exec "$s" ip route | awk '/^default/ {print $3}')
	# 127.0.0.1: the proxy, so the container sees its gateway
	run timeout 3 busybox wget -q -O - "http://127.0.0.1:$port/cgi-bin/ip"
	[[ "$output" == *"$gw]" ]]
	# the host's address: DNAT, so the container sees the host's address
	hostip=$(host_ip)
	run timeout 3 busybox wget -q -O - "http://$hostip:$port/cgi-bin/ip"
	[[ "$output" == *":$hostip]" ]]
	run nft list map ip boxlab ports_any
	[[ "$output" == *"tcp . $port : $cip . 80"* ]]
	[[ "$output" == *"udp . $uport : $cip . 5353"* ]]
	# udp through the proxy, echoed back by the container (dd: one
	# read takes one whole datagram, where bash's read takes a byte)
	wait_for 5 sh -c "\"$BOXLAB\" exec $s pidof udpecho >/dev/null"
	run timeout 5 bash -c "exec 5<>/dev/udp/127.0.0.1/$uport; echo ping-udp >&5; timeout 3 dd bs=512 count=1 status=none <&5"
	[ "$output" = ping-udp ]

	# Another network namespace on the machine, reaching the host over a
	# veth of its own.  DNAT makes the host route what arrives there, so
	# that veth forwards (its own setting; ip_forward stays off), and the
	# container sees the namespace's address.
	NW_NETNS="$ns"
	ip netns add "$ns"
	o=$((RANDOM % 250))
	ip link add "$ns-h" type veth peer name "$ns-n" netns "$ns"
	ip addr add "169.254.$o.1/30" dev "$ns-h"
	ip link set "$ns-h" up
	ip -n "$ns" addr add "169.254.$o.2/30" dev "$ns-n"
	ip -n "$ns" link set "$ns-n" up
	ip -n "$ns" link set lo up
	echo 1 >"/proc/sys/net/ipv4/conf/$ns-h/forwarding"
	run ip netns exec "$ns" timeout 3 busybox wget -q -O - "http://169.254.$o.1:$port/cgi-bin/ip"
	[ "$status" -eq 0 ]
	[[ "$output" == *":169.254.$o.2]" ]]
	[ "$(cat /proc/sys/net/ipv4/ip_forward)" = 0 ]
	run bx events "$s"
	[[ "$output" == *"network    proxy"*"$port:80/tcp $uport:5353/udp"* ]]
	[[ "$output" == *"network    dnat"*"2 ports to $cip"* ]]
	# -p HOSTIP:...: DNAT for that address alone (map ports_addr)
	a=nw$RANDOM aport=$(free_port)
	bx run -d --name "$a" -p "$hostip:$aport:80" busybox httpd -f -p 80 -h /etc
	run nft list map ip boxlab ports_addr
	[[ "$output" == *"$hostip . tcp . $aport : $(ip_of "$a") . 80"* ]]
	wait_for 5 sh -c "timeout 2 busybox wget -q -O - http://$hostip:$aport/hosts | grep -q '/etc/hosts of $a'"
	bx rm -f "$s" "$a"
	run nft list table ip boxlab
	[[ "$output" != *" $port : "* && "$output" != *" $uport : "* && "$output" != *" $aport : "* ]]
}

@test "port collisions and bad input: refused before the container starts, one-line errors, nothing left" {
	a=nw$RANDOM b=nw$RANDOM c=nw$RANDOM port=$(free_port) hport=$(free_port)
	bx run -d --name "$a" -p "$port:80" busybox sleep 60
	run bx run -d --name "$b" -p "127.0.0.1:$port:81" busybox sleep 60
	[ "$status" -eq 2 ]
	[[ "$output" == *"host port $port/tcp is already in use"*"container $a publishes it"* ]]
	assert_removed "$b"
	[ -z "$(ip -o link show "bx-$b" 2>/dev/null)" ]
	[[ "$(leases boxlab)" != *"$b"* ]]
	# a host service's port
	busybox nc -l -p "$hport" >/dev/null 2>&1 &
	NW_PIDS="$!"
	wait_for 5 sh -c "ss -Htln 'sport = :$hport' | grep -q ."
	run bx run --rm --name "$c" -p "$hport:80" busybox true
	[ "$status" -eq 2 ]
	[[ "$output" == *"host port $hport/tcp is already in use"* ]]
	assert_removed "$c"
	# the same port twice in one container
	run bx run --rm -p "$hport:80" -p "0.0.0.0:$hport:81" busybox true
	[ "$status" -eq 2 ]
	[[ "$output" == *"already published by -p"* ]]

	# bad input
	m=nw$RANDOM
	for args in "-p 70000:80 busybox" "-p 80 busybox" "-p 1:2:3:4 busybox" "-p 8080:80/sctp busybox" \
		"-p 1.2.3:80:80 busybox" "-p 0:80 busybox" "--network nosuch$m busybox" "--network BAD busybox" \
		"--add-host noip busybox" "--add-host h:1.2.3 busybox" "--net=container: busybox" \
		"--net=bridge2 busybox" "--net=container:$m busybox" "--net=none -p 8080:80 busybox" \
		"-p 8080:80 --net=host busybox" "--net=none --network boxlab busybox" "-p 8080:80 --no-network busybox" \
		"--add-host h:10.0.0.1 --isolation=none busybox"; do
		run bx run --rm --name "$m" $args true
		[ "$status" -eq 2 ] || { echo "args: $args -> $status: $output"; false; }
		[ "${#lines[@]}" -eq 1 ] || { echo "args: $args: not one line: $output"; false; }
		[[ "$output" == "boxlab: "* ]]
	done
	for sub in "10.0.0.0/33" "10.0.0.1/16" "300.1.0.0/16" "10.1.0.0" "10.0.0.0/31"; do
		run bx network create "$m" --subnet "$sub"
		[ "$status" -eq 2 ] || { echo "subnet $sub -> $status: $output"; false; }
		[[ "$output" == *"invalid subnet"* ]]
	done
	[ ! -e "$NETDIR/$m" ]
	# overlapping another network, and a route of the host
	new_net "$m" --subnet 10.251.$((RANDOM % 250)).0/30
	sub=$(jq -r .subnet "$NETDIR/$m/network.json")
	run bx network create "${m}x" --subnet "$sub"
	[ "$status" -eq 2 ]
	[[ "$output" == *"overlaps network $m"* ]]
	route=$(ip -4 route show scope link | awk '$1 ~ /\// {print $1; exit}')
	if [ -n "$route" ]; then
		run bx network create "${m}y" --subnet "$route"
		[ "$status" -eq 2 ]
		[[ "$output" == *"overlaps"* ]]
	fi
	# a /30 holds one container: the second finds the subnet exhausted
	bx run -d --name "$m-1" --network "$m" busybox sleep 60
	run bx run -d --name "$m-2" --network "$m" busybox sleep 60
	[ "$status" -eq 2 ]
	[[ "$output" == *"network $m: no free address left in $sub"* ]]
	assert_removed "$m-2"
	[ "$(leases "$m")" = "$m-1" ]
	[ -z "$(ip -o link show "bx-$m-2" 2>/dev/null)" ]
	[ -z "$(ls "$BOXLAB_RUN_DIR" | grep -vx -e "$m-1" -e "$a")" ]
}

@test "30 containers started and removed leave no veth, lease, proxy, port or DNAT rule" {
	m=nw$RANDOM
	new_net "$m"
	names=() ports=()
	for i in $(seq 1 30); do
		names+=("$m-$i")
		if [ $((i % 10)) -eq 0 ]; then
			p=$(free_port)
			ports+=("$p")
			bx run -d --name "$m-$i" --network "$m" -p "$p:80" busybox sleep 120 >/dev/null
		else
			bx run -d --name "$m-$i" --network "$m" busybox sleep 120 >/dev/null
		fi
	done
	[ "$(leases "$m" | wc -l)" -eq 30 ]
	[ "$(ip -o link show master "bxn-$m" | wc -l)" -eq 30 ]
	run bx exec "$m-1" sh -c "grep -c '^10\..*$m-' /etc/hosts"
	[ "$output" -eq 30 ]
	bx rm -f "${names[@]}" >/dev/null
	[ -z "$(leases "$m")" ]
	wait_for 5 sh -c "[ \$(ip -o link show master bxn-$m | wc -l) -eq 0 ]"
	for n in "${names[@]}"; do
		veth_gone "bx-$n" || { echo "veth of $n left"; false; }
	done
	rules=$(nft list table ip boxlab 2>/dev/null || true)
	for p in "${ports[@]}"; do
		[ -z "$(ss -Htln "sport = :$p")" ] || { echo "port $p still bound"; false; }
		[[ "$rules" != *" $p : "* ]] || { echo "DNAT of port $p left"; false; }
	done
}

@test "the veth goes with the container's namespace; its name is free again for the next container of that name" {
	n=nw$RANDOM
	bx run -d --name "$n" busybox sleep 60
	ip -o link show "bx-$n" | grep -q "master boxlab0"
	bx rm -f "$n"
	# At once, while the old veth may still be on its way out.
	bx run -d --name "$n" busybox sleep 60
	ip -o link show "bx-$n" | grep -q "master boxlab0"
	bx exec "$n" ip -o link show eth0 | grep -q "LOWER_UP"
	bx stop -t 1 "$n" >/dev/null
	run bx events "$n"
	[[ "$output" == *"network"*"veth"*"bx-$n goes with the container's network namespace"* ]]
	bx rm "$n"
	veth_gone "bx-$n"
	# run --rm, twice under one name in a row
	for _ in 1 2; do
		run bx run --rm --name "$n" busybox sh -c 'ip -o -4 addr show eth0 | grep -c inet'
		[ "$status" -eq 0 ]
		[ "$output" = 1 ]
	done
	veth_gone "bx-$n"
}

@test "stats count bytes and packets; gc after kill -9 of the supervisor releases address, proxy and port" {
	m=nw$RANDOM port=$(free_port)
	new_net "$m"
	bx run -d --name "$m-c" --network "$m" -p "$port:80" busybox sleep 300
	[ "$(leases "$m")" = "$m-c" ]
	sup=$(jq -r .supervisor "$BOXLAB_RUN_DIR/$m-c/state.json")
	proxy=$(jq -r .proxy_pid "$BOXLAB_RUN_DIR/$m-c/network.json")
	cip=$(ip_of "$m-c")
	kill -9 "$sup"
	wait_for 5 sh -c "! kill -0 $proxy 2>/dev/null"
	# Its DNAT outlives it until gc.  A container of another run dir
	# (which this run dir's gc never sees) takes the port meanwhile: it
	# replaces the stale entry, and the late gc leaves the new one be.
	[[ "$(nft list map ip boxlab ports_any)" == *"tcp . $port : $cip . 80"* ]]
	other=$(mktemp -d /run/boxlab-test.XXXXXX)
	BX_RUN_DIRS=$other
	BOXLAB_RUN_DIR=$other bx run -d --name "$m-d" --network "$m" -p "$port:81" busybox sleep 300
	dip=$(jq -r .ip "$other/$m-d/network.json")
	[[ "$(nft list map ip boxlab ports_any)" == *"tcp . $port : $dip . 81"* ]]
	run bx gc
	[[ "$output" == *"removed $m-c"* ]]
	[[ "$(nft list map ip boxlab ports_any)" == *"tcp . $port : $dip . 81"* ]]
	BOXLAB_RUN_DIR=$other bx rm -f "$m-d"
	[ -z "$(leases "$m")" ]
	[ -z "$(ss -Htln "sport = :$port")" ]
	[[ "$(nft list table ip boxlab 2>/dev/null || true)" != *" $port : "* ]]
	veth_gone "bx-$m-c"

	# stats and network inspect
	s=nw$RANDOM
	bx run -d --name "$s" busybox sleep 60
	bx exec "$s" ping -c3 -W1 -i 0.2 "$(jq -r .gateway "$NETDIR/boxlab/network.json")" >/dev/null
	run bx stats --no-stream --json "$s"
	[ "$status" -eq 0 ]
	[ "$(jq -r '.[0].net_rx_bytes' <<<"$output")" -gt 0 ]
	[ "$(jq -r '.[0].net_tx_bytes' <<<"$output")" -gt 0 ]
	# the three echo requests went out, their replies came in
	[ "$(jq -r '.[0].net_tx_packets' <<<"$output")" -ge 3 ]
	[ "$(jq -r '.[0].net_rx_packets' <<<"$output")" -ge 3 ]
	run bx network inspect --json boxlab
	[ "$(jq -r --arg n "$s" '.containers[] | select(.name == $n) | .tx_packets' <<<"$output")" -ge 3 ]
	[ "$(jq -r --arg n "$s" '.containers[] | select(.name == $n) | .rx_packets' <<<"$output")" -ge 3 ]
}
