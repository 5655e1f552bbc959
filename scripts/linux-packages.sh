#!/usr/bin/env bash
# Writes an uncompressed cpio archive (newc) of Debian's arm64 user-space
# tools that the tests and benchmarks use (iperf3, socat, sqlite3) and the
# shared libraries they need, all from Debian's arm64 packages, for
# scripts/fetch-linux.sh to append to the Linux guest's initramfs. Nothing
# here runs at guest run time.
#
# Uncompressed because that boots fastest: Linux copies a plain archive
# into its page cache, where inflating the ~13 MiB of binaries from gzip
# costs the kernel ~200 million instructions before /init (measured under
# -icount shift=0, direct boot: 918 M to /init with the busybox-only
# initramfs, 1,116 M with the tools gzipped in, 905 M all uncompressed;
# zstd -19 and xz were no faster than gzip).
#
# What is taken, and why it is not a hand-written list:
#   1. Packages: apt resolves them. Starting from the tools, every Depends
#      and Pre-Depends is followed (the first alternative apt can satisfy)
#      when it names a shared-library package, i.e. one that is
#      "Multi-Arch: same". That leaves out the maintainer-script and
#      service machinery a tool also depends on (debconf, adduser,
#      init-system-helpers, readline-common: architecture "all" or
#      "foreign"), which a shell in an initramfs never runs.
#   2. Files: each tool's binary, then the transitive closure of the ELF
#      DT_NEEDED entries and the program interpreter, looked up in the
#      unpacked packages' multiarch library directories. A needed library
#      that the resolved packages do not provide fails the build, so the
#      guest never meets a missing library at run time; libraries a package
#      ships that nothing needs (glibc's libanl, libssl's engines ...) stay
#      out, keeping the initramfs small.
# The .debs are cached in DEBS_DIR like the kernel: a package with a .deb
# there is not downloaded again; the resolved names are kept in
# DEBS_DIR/user-packages so that a later offline build without package
# lists still knows them.
#
# Usage: scripts/linux-packages.sh DEBS_DIR OUT_CPIO
set -euo pipefail

debs=$1
out=$2
cross=${CROSS:-aarch64-linux-gnu-}
tools=(iperf3 socat sqlite3)
list="$debs/user-packages"

sudo=""
[ "$(id -u)" -eq 0 ] || sudo="sudo"

# Prints the package set: apt's recursive dependency graph of the tools
# (one apt-cache call), walked breadth-first from the tools along the edges
# that end in a "Multi-Arch: same" package (a second call reads that field
# for every package in the graph). Of alternatives ("a | b"), the first
# that is a real package is taken.
resolve() {
	local graph same
	# "pkg dep" lines; arm64 packages keep their ":arm64" (architecture
	# "all" and host packages are printed bare, and never followed).
	graph=$(apt-cache depends --recurse --no-recommends --no-suggests \
		--no-conflicts --no-breaks --no-replaces --no-enhances \
		"${tools[@]/%/:arm64}" |
	awk '
		/^[^ ]/ { pkg = $1; next }
		/^ *\|?(Pre)?Depends:/ {
			alt = ($1 ~ /^\|/); name = $2
			if (!taken && name !~ /^</) { print pkg, name; taken = 1 }
			if (!alt) taken = 0
		}')
	same=$(echo "$graph" | awk '$2 ~ /:arm64$/ { print $2 }' | LC_ALL=C sort -u |
		xargs apt-cache show --no-all-versions 2>/dev/null |
		awk '/^Package:/ { p = $2 } /^Multi-Arch: same$/ { print p ":arm64" }' || true)
	echo "$graph" | awk -v tools="${tools[*]/%/:arm64}" -v same="$same" '
		BEGIN {
			n = split(same, s, "\n"); for (i = 1; i <= n; i++) lib[s[i]] = 1
			n = split(tools, q, " "); for (i = 1; i <= n; i++) seen[q[i]] = 1
		}
		{ edges[$1] = edges[$1] " " $2 }
		END {
			for (h = 1; h <= n; h++) {
				name = q[h]; sub(/:arm64$/, "", name); print name
				m = split(edges[q[h]], d, " ")
				for (i = 1; i <= m; i++)
					if (lib[d[i]] && !seen[d[i]]) { seen[d[i]] = 1; q[++n] = d[i] }
			}
		}'
}

# apt-cache needs the arm64 package lists; update them once if the tools
# are unknown (a fresh machine where scripts/fetch-linux.sh just enabled
# arm64).
if ! apt-cache show --no-all-versions "${tools[0]}:arm64" >/dev/null 2>&1; then
	echo "linux: apt-get update (arm64 package lists)"
	$sudo apt-get update -q >/dev/null || true
fi
if apt-cache show --no-all-versions "${tools[0]}:arm64" >/dev/null 2>&1; then
	resolve | LC_ALL=C sort > "$list.tmp"
	mv "$list.tmp" "$list"
elif [ ! -s "$list" ]; then
	echo "linux: no arm64 package lists and no cached $list" >&2
	exit 1
else
	echo "linux: package lists unavailable; using the cached package set"
fi

# Downloads what is not cached yet, in one apt-get call.
missing=()
while read -r p; do
	ls "$debs/${p}_"*_arm64.deb >/dev/null 2>&1 || missing+=("$p:arm64")
done < "$list"
if [ ${#missing[@]} -gt 0 ]; then
	echo "linux: downloading ${missing[*]}"
	if ! (cd "$debs" && apt-get download -q "${missing[@]}" >/dev/null 2>&1); then
		$sudo apt-get update -q >/dev/null     # stale lists name gone versions
		(cd "$debs" && apt-get download -q "${missing[@]}" >/dev/null)
	fi
fi

# Unpack every package into a staging tree.
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
stage="$tmp/stage"
root="$tmp/root"
mkdir -p "$stage" "$root"
while read -r p; do
	deb=$(ls -1 "$debs/${p}_"*_arm64.deb | tail -n 1)
	dpkg-deb -x "$deb" "$stage"
done < "$list"

libdirs=(lib/aarch64-linux-gnu usr/lib/aarch64-linux-gnu)

# Copies $1 (a path relative to the staging tree) into the root with the
# symbolic links on the way to the file it names, once.
copy_path() {
	local rel=$1 target
	[ -e "$root/$rel" ] || [ -L "$root/$rel" ] && return 0
	mkdir -p "$root/$(dirname "$rel")"
	cp -a "$stage/$rel" "$root/$rel"
	if [ -L "$stage/$rel" ]; then
		target=$(readlink "$stage/$rel")
		case $target in
		/*) copy_path "${target#/}" ;;
		*)  copy_path "$(dirname "$rel")/$target" ;;
		esac
	fi
}

# Prints the path, relative to the staging tree, of the file that $1 names
# after its symbolic links (absolute ones taken inside the staging tree).
stage_file() {
	local rel=$1 target n
	for n in 1 2 3 4 5 6 7 8; do
		[ -L "$stage/$rel" ] || { echo "$rel"; return 0; }
		target=$(readlink "$stage/$rel")
		case $target in
		/*) rel=${target#/} ;;
		*)  rel=$(dirname "$rel")/$target ;;
		esac
	done
	echo "linux: $1: too many symbolic links" >&2
	return 1
}

# Prints the DT_NEEDED names and the interpreter of the ELF file $1.
elf_needs() {
	"${cross}readelf" -d "$1" | sed -n 's/.*(NEEDED).*\[\(.*\)\]$/\1/p'
	"${cross}readelf" -l "$1" |
		sed -n 's|.*\[Requesting program interpreter: /\(.*\)\]$|INTERP \1|p'
}

queue=()
for t in "${tools[@]}"; do
	copy_path "usr/bin/$t"
	queue+=("usr/bin/$t")
done
declare -A done_libs=()
while [ ${#queue[@]} -gt 0 ]; do
	f=${queue[0]}; queue=("${queue[@]:1}")
	while read -r need interp; do
		if [ "$need" = INTERP ]; then
			rel=$interp
			[ -e "$stage/$rel" ] || { echo "linux: $f: interpreter /$rel is in no resolved package" >&2; exit 1; }
		else
			rel=""
			for d in "${libdirs[@]}"; do
				[ -e "$stage/$d/$need" ] && { rel="$d/$need"; break; }
			done
			[ -n "$rel" ] || { echo "linux: $f needs $need, which no resolved package provides" >&2; exit 1; }
		fi
		[ -n "${done_libs[$rel]:-}" ] && continue
		done_libs[$rel]=1
		copy_path "$rel"
		queue+=("$(stage_file "$rel")")
	done < <(elf_needs "$stage/$f")
done
# newc archive, every file owned by root, in a stable order.
(cd "$root" && find . -mindepth 1 | LC_ALL=C sort |
	cpio -o -H newc -R 0:0 --quiet) > "$tmp/tools.cpio"
mv "$tmp/tools.cpio" "$out"
echo "linux: user tools ${tools[*]} from $(wc -l < "$list") packages ($(paste -sd" " "$list")), ${#done_libs[@]} libraries"
