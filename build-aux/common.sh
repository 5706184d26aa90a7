# shellcheck shell=bash
# Shared by run-tests and run-demo: sourced, not run.
# Expects to be sourced from the source root (both scripts cd there first).

# The build directory and install prefix both commands use.
WK_BUILD=_build
WK_PREFIX=$PWD/_install
WK_PYTHON=/usr/bin/python3
WK_SETUP_ARGS=(--werror --prefix "$WK_PREFIX")

wk_step() { printf '\n=== %s\n' "$*"; }

# Configures $WK_BUILD: a fresh setup; nothing for a build directory that
# already has the options (ninja re-runs meson itself when a meson.build
# changed); `meson configure` for one with other options; a wipe only for a
# build directory this meson cannot read. Returns non-zero on failure.
wk_setup() {
  local current
  wk_step "meson setup $WK_BUILD ${WK_SETUP_ARGS[*]}"
  if [[ ! -f $WK_BUILD/meson-private/coredata.dat ]]; then
    meson setup "$WK_BUILD" "${WK_SETUP_ARGS[@]}"
    return
  fi
  if ! current=$(meson introspect "$WK_BUILD" --buildoptions 2>/dev/null | "$WK_PYTHON" -c '
import json, sys
opts = {o["name"]: o["value"] for o in json.load(sys.stdin)}
print(str(opts["werror"]).lower(), opts["prefix"])'); then
    echo "$WK_BUILD cannot be read by this meson: wiping it"
    meson setup --wipe "$WK_BUILD" "${WK_SETUP_ARGS[@]}"
    return
  fi
  if [[ $current == "true $WK_PREFIX" ]]; then
    echo "$WK_BUILD is configured already (werror, prefix $WK_PREFIX)"
    return 0
  fi
  meson configure "$WK_BUILD" -Dwerror=true -Dprefix="$WK_PREFIX"
}

wk_compile() {
  wk_step "meson compile -C $WK_BUILD"
  meson compile -C "$WK_BUILD"
}

# Prints an absolute install directory of the prefix, as meson was told
# it: wk_install_dir libdir (or bindir, datadir, includedir...). Debian's
# meson picks lib/x86_64-linux-gnu, hence asking rather than guessing.
wk_install_dir() {
  meson introspect "$WK_BUILD" --buildoptions | "$WK_PYTHON" -c '
import json, os, sys
opts = {o["name"]: o["value"] for o in json.load(sys.stdin)}
print(os.path.join(opts["prefix"], opts[sys.argv[1]]))' "$1"
}

# The sanitizer trees (run-tests' `asan` and `tsan` runs). Each is its own
# build directory, independent of the prefix, with only what the C tests
# need: no introspection, Vala binding, documentation or examples. Not
# --werror: _build enforces the warnings, and clang warns about things gcc
# does not.
WK_ASAN_BUILD=_build-asan
WK_TSAN_BUILD=_build-tsan
WK_SANITIZER_ARGS=(-Dintrospection=disabled -Dvapi=false -Dexamples=false
                   -Ddocumentation=false -Dwerror=false)
WK_ASAN_ARGS=(-Db_sanitize=address,undefined -Db_lundef=false "${WK_SANITIZER_ARGS[@]}")
WK_TSAN_ARGS=(-Db_sanitize=thread -Db_lundef=false "${WK_SANITIZER_ARGS[@]}")

# wk_setup_sanitizer DIR CC ARGS...: configures DIR with compiler CC (kept
# from the first setup: a tree set up with another compiler is wiped).
wk_setup_sanitizer() {
  local dir=$1 compiler=$2 current
  shift 2
  wk_step "CC=$compiler meson setup $dir $*"
  if [[ -f $dir/meson-private/coredata.dat ]] &&
     current=$(meson introspect "$dir" --compilers 2>/dev/null | "$WK_PYTHON" -c '
import json, sys
print(json.load(sys.stdin)["host"]["c"]["exelist"][0])' 2>/dev/null) &&
     [[ $(basename "$current") == "$compiler"* ]]; then
    meson configure "$dir" "$@"
    return
  fi
  rm -rf "$dir"
  CC=$compiler meson setup "$dir" "$@"
}

# wk_compile_tests DIR SUITE...: builds only the programs of the tests in
# these suites (meson test is then run with --no-rebuild).
wk_compile_tests() {
  local dir=$1 targets
  shift
  wk_step "ninja -C $dir (the tests of: $*)"
  # Re-runs meson if a meson.build changed, so the list below is current.
  ninja -C "$dir" build.ninja >/dev/null || return
  targets=$(meson introspect "$dir" --tests | "$WK_PYTHON" -c '
import json, os, sys
build, suites = os.path.realpath(sys.argv[1]), set(sys.argv[2:])
out = set()
for t in json.load(sys.stdin):
    if suites & {s.split(":")[-1] for s in t["suite"]}:
        exe = os.path.realpath(t["cmd"][0])
        if exe.startswith(build + os.sep):
            out.add(os.path.relpath(exe, build))
print("\n".join(sorted(out)))' "$dir" "$@") || return
  if [[ -z $targets ]]; then
    echo "no test program in suites: $*" >&2
    return 1
  fi
  # shellcheck disable=SC2086
  ninja -C "$dir" $targets
}

# Makes GLib's own locks visible to ThreadSanitizer (see the file): built
# into the tsan tree, put in LD_PRELOAD by the tsan run.
wk_build_tsan_glib() {
  local dir=$1
  wk_step "cc -shared build-aux/sanitizers/tsan-glib.c -> $dir/libwk-tsan-glib.so"
  # shellcheck disable=SC2046
  cc -shared -fPIC -O1 -g -Wall -Wextra -o "$dir/libwk-tsan-glib.so" \
     build-aux/sanitizers/tsan-glib.c $(pkg-config --cflags --libs gobject-2.0) -ldl -lpthread
}
