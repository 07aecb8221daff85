# Lesson 12: build boxlab with the student's module, in a copy of the
# source tree under the work dir (the real tree and binary stay as they
# are).  Used by $WORK/build (made by start.sh) and by check.sh:
#
#     bash build.sh WORK BOXLAB [TREE]
#
# TREE (default WORK/tree) is where the copy is built; the check builds
# in a tree of its own, so that it never races the student's build.
# WORK/module/*.c (and *.h) are the student's files; exactly one of them
# defines `const struct bx_module bx_module_NAME`.  The object files of
# the boxlab that runs the lesson (next to BOXLAB) are copied with their
# times, so only the module and the registry are compiled: a few seconds.
# Prints the path of the new binary on the last line; exit 1 with the
# reason on failure (the compiler's errors are in build.log next to
# TREE, WORK/build.log for the default tree).
set -u
work=$1 boxlab=$2 tree=${3:-$1/tree}
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
src=$(cd "$here/../.." && pwd)
objs=$(dirname "$(readlink -f "$boxlab")")
log="$tree/../build.log"
[ -n "${3:-}" ] || log="$work/build.log"

die() { echo "build: $*" >&2; exit 1; }

[ -f "$src/src/modules/registry.c" ] && [ -f "$src/Makefile" ] ||
	die "the capstone needs boxlab's source tree next to the lessons ($src has no src/modules/registry.c)"
ls "$work"/module/*.c >/dev/null 2>&1 || die "no module in \$WORK/module yet: cp \$WORK/skeleton.c \$WORK/module/rlimit.c"
for f in "$work"/module/*; do
	[ ! -e "$src/src/modules/${f##*/}" ] || die "\$WORK/module/${f##*/} has the name of one of boxlab's own files: rename it"
done
syms=$(cat "$work"/module/*.c | grep -oE 'const struct bx_module bx_module_[a-z0-9_]+ *=' | sed -E 's/.*bx_module_([a-z0-9_]+).*/\1/' | sort -u)
[ -n "$syms" ] || die "no 'const struct bx_module bx_module_NAME = {...}' in \$WORK/module/*.c"
[ "$(wc -w <<<"$syms")" -eq 1 ] || die "more than one module in \$WORK/module: $(echo $syms)"
name=$syms
grep -q "bx_module_$name\b" "$src/src/modules/registry.c" &&
	die "boxlab already has a module bx_module_$name: give yours another name"

# A fresh copy of the sources (times kept, so make sees the objects as
# up to date), the student's files, and the objects of this boxlab.
rm -rf "$tree/src" "$tree/Makefile" "$tree/scripts"
mkdir -p "$tree/build" || die "cannot make $tree"
cp -a "$src/src" "$src/Makefile" "$src/scripts" "$tree/" || die "cannot copy the sources to $tree"
cp -p "$work"/module/*.c "$tree/src/modules/"
for h in "$work"/module/*.h; do [ -e "$h" ] && cp -p "$h" "$tree/src/modules/"; done
if [ -d "$objs/src" ]; then
	cp -a "$objs/src" "$tree/build/" || die "cannot copy the object files of $objs"
fi
[ -e "$tree/build/images" ] || ln -s "$objs/images" "$tree/build/images"

# The registry's order is the setup order: the module goes right before
# caps (after the root file system is set up, while the container's root
# still holds every capability in its user namespace).
reg="$tree/src/modules/registry.c"
sed -i -e "s|^const struct bx_module \*const bx_modules\[\] = {|extern const struct bx_module bx_module_$name; /* lesson 12 */\n&|" \
	-e "s|^\t&bx_module_caps,|\t\&bx_module_$name, /* lesson 12: your module */\n&|" "$reg"
[ "$(grep -c "bx_module_$name" "$reg")" -eq 2 ] || die "cannot add bx_module_$name to $reg (has registry.c changed?)"

start=$SECONDS
if ! make -C "$tree" BUILD=build build/boxlab -j2 >"$log" 2>&1; then
	grep -E 'error|Error' "$log" | head -n 8 >&2
	first=$(grep -m1 -E ' error: |undefined reference' "$log" | sed 's|^src/modules/||')
	if [ -n "${3:-}" ]; then
		die "make failed${first:+: $first} (sudo \$WORK/build shows all of it)"
	fi
	die "make failed${first:+: $first} (all of it in \$WORK/build.log)"
fi
echo "build: boxlab with module $name in $((SECONDS - start)) s" >&2
echo "$tree/build/boxlab"
