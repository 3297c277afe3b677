#!/bin/sh
# Installs `migcheck` and `git-migcheck` from this checkout with cargo, and with
# `--hook [DIR]` installs migcheck's git hooks in the repository at DIR (default:
# the current directory), keeping any hook already there.
#
#   ./install.sh                 build and install the binaries (cargo install --locked)
#   ./install.sh --hook          ... then install the hooks in the current repository
#   ./install.sh --hook ../app   ... then install the hooks in ../app
#
# The binaries go to cargo's bin folder (~/.cargo/bin unless CARGO_INSTALL_ROOT or
# CARGO_HOME say otherwise); the hooks name the installed binary by its absolute path.
set -eu

usage() {
    sed -n '2,11p' "$0" | sed 's/^# \{0,1\}//'
}

hook=no
hook_dir=
while [ $# -gt 0 ]; do
    case "$1" in
        --hook)
            hook=yes
            if [ $# -gt 1 ] && [ "${2#-}" = "$2" ]; then
                hook_dir=$2
                shift
            fi
            ;;
        --hook=*)
            hook=yes
            hook_dir=${1#--hook=}
            ;;
        -h|--help)
            usage
            exit 0
            ;;
        *)
            echo "install.sh: unknown argument '$1'" >&2
            usage >&2
            exit 2
            ;;
    esac
    shift
done

# Resolve the hook folder before changing directory.
if [ "$hook" = yes ]; then
    target=${hook_dir:-.}
    [ -d "$target" ] || { echo "install.sh: '$target' is not a directory" >&2; exit 2; }
    target=$(cd "$target" && pwd -P)
fi

command -v cargo >/dev/null 2>&1 || {
    echo "install.sh: cargo is not installed; get Rust 1.95 or newer from https://rustup.rs" >&2
    exit 2
}

here=$(cd "$(dirname "$0")" && pwd -P)
cargo install --path "$here" --locked

root=${CARGO_INSTALL_ROOT:-${CARGO_HOME:-$HOME/.cargo}}
migcheck=$root/bin/migcheck
[ -x "$migcheck" ] || { echo "install.sh: cargo did not leave $migcheck" >&2; exit 2; }
echo "installed $migcheck and $root/bin/git-migcheck"
case ":$PATH:" in
    *":$root/bin:"*) ;;
    *) echo "note: $root/bin is not on PATH; add it to run \`migcheck\` and \`git migcheck\` by name" ;;
esac

if [ "$hook" = yes ]; then
    "$migcheck" hook install --repo "$target"
fi
