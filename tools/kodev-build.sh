#!/bin/sh
# Builds the portal with kodev in single-binary mode.
#
#	tools/kodev-build.sh FLAVOR OUTPUT
#
# kodev names the program after its working directory and wants src/ and
# conf/ there, so the build runs in build/FLAVOR/payportal: links back to
# src/ and conf/, plus the generated file embedding templates/, assets/ and
# sql/. kodev tracks .c mtimes only, so a changed header drops our objects.
set -eu
flavor=$1
out=$2
top=$(pwd)
dir=build/$flavor/payportal

mkdir -p "$dir/src"
find "$dir/src" -maxdepth 1 -type l -delete
for f in src/*.c src/*.h; do
	ln -s "$top/$f" "$dir/src/"
done
ln -sfn "$top/conf" "$dir/conf"

build/embed "$dir/embed_data.c.new" \
    $(ls templates/*.html assets/* sql/*.sql 2>/dev/null | sort)
if ! cmp -s "$dir/embed_data.c.new" "$dir/src/embed_data.c"; then
	mv "$dir/embed_data.c.new" "$dir/src/embed_data.c"
else
	rm -f "$dir/embed_data.c.new"
fi

if [ -d "$dir/.objs" ] && [ -f "$dir/payportal" ] &&
    [ -n "$(find src conf -newer "$dir/payportal" -name '*.h' -o \
    -newer "$dir/payportal" -name '*.conf' | head -1)" ]; then
	find "$dir/.objs" -name '*.o' ! -name 'kore_*' -delete 2>/dev/null || true
fi

cd "$dir"
kodev flavor "$flavor" >/dev/null
kodev build > build.log 2>&1 || { cat build.log; exit 1; }
cd "$top"
cp "$dir/payportal" "$out.new"
mv "$out.new" "$out"
