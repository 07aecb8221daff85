# Lesson 03 needs a System V shared memory segment on the host for the
# containers to see, or not (step 4).  Its id and key are kept in
# $LESSON_WORK/host-shm so that check.sh finds it and reset.sh removes
# exactly this one.
set -eu
f="$LESSON_WORK/host-shm"
if [ -s "$f" ] && ipcs -m -i "$(cut -d' ' -f1 "$f")" >/dev/null 2>&1; then
	exit 0
fi
id=$(ipcmk -M 4096 -p 0600 | awk '{ print $NF }')
key=$(ipcs -m | awk -v id="$id" '$2 == id { print $1 }')
echo "$id $key" > "$f"
echo "A shared memory segment for step 4 is on the host: shmid $id, key $key (ipcs -m)."
