# Lesson 11: the legacy service's configuration, for the student to
# attack and to harden (a copy in their work dir; the original stays).
cp "$LESSON_DIR/legacy.ini" "$LESSON_WORK/legacy.ini"
chmod 644 "$LESSON_WORK/legacy.ini"
