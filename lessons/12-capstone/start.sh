# Lesson 12: hand out the skeleton module and a build command for it.
. "$LESSON_DIR/../lib.sh"
[ -e "$LESSON_WORK/skeleton.c" ] || cp "$LESSON_DIR/skeleton.c" "$LESSON_WORK/skeleton.c"
cat >"$LESSON_WORK/build" <<SH
#!/bin/sh
# Made by 'boxlab lesson start 12': builds boxlab with your module in
# \$WORK/module into \$WORK/tree/build/boxlab (see $LESSON_DIR/README.md).
exec bash "$LESSON_DIR/build.sh" "$LESSON_WORK" "$BOXLAB"
SH
chmod 755 "$LESSON_WORK/build"
if [ -n "${SUDO_USER:-}" ] && id "$SUDO_USER" >/dev/null 2>&1; then
	chown "$SUDO_USER:" "$LESSON_WORK/skeleton.c" "$LESSON_WORK/build"
fi
exit 0
