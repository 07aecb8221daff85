# Lesson 05: Network namespaces, veth and bridges -- see README.md.
. "$LESSON_DIR/../lib.sh"

netns() { [ -e "/run/netns/$1" ] || { echo "no network namespace $1 yet: sudo ip netns add \$LAB-${1##*-}"; return 1; }; }
reaches() { ip netns exec "$1" ping -c1 -W1 "$2" >/dev/null 2>&1; }

lo_up() {
	netns "$LAB-a" || return 1
	ip -n "$LAB-a" -o link show lo | grep -q '[<,]UP[,>]' || { echo "lo in $LAB-a is down: sudo ip -n \$LAB-a link set lo up"; return 1; }
}

cable() {
	netns "$LAB-a" && netns "$LAB-b" || return 1
	ip -n "$LAB-a" -o addr show | grep -q ' 192\.168\.250\.1/24 ' || { echo "no 192.168.250.1/24 in $LAB-a: sudo ip -n \$LAB-a addr add 192.168.250.1/24 dev veth0"; return 1; }
	ip -n "$LAB-b" -o addr show | grep -q ' 192\.168\.250\.2/24 ' || { echo "no 192.168.250.2/24 in $LAB-b: sudo ip -n \$LAB-b addr add 192.168.250.2/24 dev veth0"; return 1; }
	reaches "$LAB-a" 192.168.250.2 || { echo "$LAB-a does not reach 192.168.250.2: are both veth0 ends up (ip -n \$LAB-a link)?"; return 1; }
}

bridged() {
	local ports
	netns "$LAB-b" && netns "$LAB-c" || return 1
	ip -n "$LAB-b" -d -o link show br0 2>/dev/null | grep -q ' bridge ' || { echo "no bridge br0 in $LAB-b: sudo ip -n \$LAB-b link add br0 type bridge"; return 1; }
	ports=$(ip -n "$LAB-b" -o link show master br0 | grep -c .)
	[ "$ports" -ge 2 ] || { echo "br0 has $ports port(s): set veth0 and veth1 of $LAB-b master br0"; return 1; }
	reaches "$LAB-a" 192.168.250.3 || { echo "$LAB-a does not reach 192.168.250.3 ($LAB-c): are br0, veth1 and $LAB-c's veth0 up?"; return 1; }
}

veth() {
	local init idx want v
	running "$LAB-web" "sudo boxlab run -d --name \$LAB-web busybox sh -c 'mkdir -p /www; hostname > /www/index.html; exec httpd -f -p 8080 -h /www'" || return 1
	init=$(init_pid "$LAB-web")
	idx=$(nsenter --target "$init" --net ip -o link show eth0 2>/dev/null | sed -n 's/^[0-9]*: eth0@if\([0-9]*\):.*/\1/p')
	[ -n "$idx" ] || { echo "$LAB-web has no veth eth0: start it without --net none / --no-network"; return 1; }
	want=$(ip -o link | awk -F': ' -v i="$idx" '$1 == i { sub(/@.*/, "", $2); print $2 }')
	v=$(answer veth.txt) || { echo "$v"; return 1; }
	[ "$v" = "$want" ] || { echo "veth.txt says '$v', not $LAB-web's host end: its index is the N of eth0@ifN inside"; return 1; }
}

client() {
	local how="sudo boxlab run --name \$LAB-client busybox wget -qO- http://ADDRESS:8080/"
	needs 4 exists "$LAB-web" || return 1
	exists "$LAB-client" "$how (ADDRESS: $LAB-web's, from 'boxlab network inspect boxlab')" || return 1
	[ "$(status_of "$LAB-client")" = exited ] && [ "$(exit_code "$LAB-client")" = 0 ] ||
		{ echo "$LAB-client did not exit 0: is the address $LAB-web's? sudo boxlab rm -f \$LAB-client and try again"; return 1; }
	bx logs "$LAB-client" 2>/dev/null | grep -qx "$LAB-web" || { echo "$LAB-client did not print $LAB-web's page: $how"; return 1; }
}

step 1 "An empty network namespace" lo_up
step 2 "A cable between two namespaces" cable
step 3 "A bridge" bridged
step 4 "boxlab's bridge" veth
step 5 "Container to container" client
