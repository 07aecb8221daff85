# Remove the host's shared memory segment start.sh made: by id, and only
# while it still has the key recorded (an id can be reused).
f="$LESSON_WORK/host-shm"
[ -s "$f" ] || exit 0
read -r id key < "$f"
if [ "$(ipcs -m | awk -v id="$id" '$2 == id { print $1 }')" = "$key" ]; then
	ipcrm -m "$id" && echo "removed shared memory segment $id ($key)"
fi
rm -f "$f"
