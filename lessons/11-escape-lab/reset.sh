# Lesson 11: forget the check's cached verdicts (the $LAB-* containers
# and $WORK are removed by boxlab lesson reset).
rm -rf "$(dirname "$LESSON_WORK")/.lesson-11-attacks"
exit 0
