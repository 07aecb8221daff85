# Lesson 05's steps as a student does them.  Env: BOXLAB, LAB, WORK.
set -eu
B=$BOXLAB
ip netns add "$LAB-a"
ip -n "$LAB-a" link set lo up
ip netns add "$LAB-b"
ip link add veth0 netns "$LAB-a" type veth peer name veth0 netns "$LAB-b"
ip -n "$LAB-a" addr add 192.168.250.1/24 dev veth0
ip -n "$LAB-b" addr add 192.168.250.2/24 dev veth0
ip -n "$LAB-a" link set veth0 up
ip -n "$LAB-b" link set veth0 up
ip -n "$LAB-b" link add br0 type bridge
ip -n "$LAB-b" addr del 192.168.250.2/24 dev veth0
ip -n "$LAB-b" link set veth0 master br0
ip -n "$LAB-b" addr add 192.168.250.2/24 dev br0
ip -n "$LAB-b" link set br0 up
ip netns add "$LAB-c"
ip link add veth0 netns "$LAB-c" type veth peer name veth1 netns "$LAB-b"
ip -n "$LAB-b" link set veth1 master br0
ip -n "$LAB-b" link set veth1 up
ip -n "$LAB-c" addr add 192.168.250.3/24 dev veth0
ip -n "$LAB-c" link set veth0 up
"$B" run -d --name "$LAB-web" busybox sh -c 'mkdir -p /www; hostname > /www/index.html; exec httpd -f -p 8080 -h /www' >/dev/null
init=$("$B" inspect --json "$LAB-web" | jq -r .pid)
idx=$(nsenter --target "$init" --net ip -o link show eth0 | sed -n 's/^[0-9]*: eth0@if\([0-9]*\):.*/\1/p')
ip -o link | awk -F': ' -v i="$idx" '$1 == i { sub(/@.*/, "", $2); print $2 }' > "$WORK/veth.txt"
addr=$(nsenter --target "$init" --net ip -4 -o addr show eth0 | awk '{ sub(/\/.*/, "", $4); print $4 }')
# httpd may take a moment to listen.
for _ in $(seq 30); do
	nsenter --target "$init" --net cat /proc/net/tcp | grep -q ':1F90 00000000:0000 0A' && break
	sleep 0.1
done
"$B" run --name "$LAB-client" busybox wget -qO- "http://$addr:8080/" >/dev/null
