#!/usr/bin/env bash
# scripts/with-postgres.sh CMD [ARG…]: runs CMD against a throwaway PostgreSQL cluster.
#
# - initdb in a fresh temporary directory, the Unix socket in that directory, a free TCP port on
#   127.0.0.1 only, password (scram-sha-256) authentication over TCP;
# - the server runs as an unprivileged user (PostgreSQL refuses root, and CI runs as root): as
#   root, the system user $FACEAUTH_PG_USER (default faceauth-pg, created if missing); otherwise
#   as the calling user;
# - installs Debian's `postgresql` with apt-get when no server binaries are found under
#   /usr/lib/postgresql/*/bin (they are not on PATH on Debian);
# - exports for CMD:
#     FACEAUTH_TEST_POSTGRES=postgres://faceauth:PASSWORD@127.0.0.1:PORT/faceauth
#     FACEAUTH_TEST_PG_CTL=DIR/pg-ctl   (`$FACEAUTH_TEST_PG_CTL stop|start|restart`: pg_ctl on
#                                        this cluster, as the server's user)
# - stops the server and removes the directory when CMD ends, fails or is interrupted, and
#   exits with CMD's status.
set -euo pipefail

if (($# == 0)); then
    echo "usage: $0 CMD [ARG…]" >&2
    exit 2
fi

find_bin() {
    local dir
    dir=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)
    if [[ -n $dir && -x $dir/initdb && -x $dir/pg_ctl ]]; then
        echo "$dir"
    fi
}

bin=$(find_bin)
if [[ -z $bin ]]; then
    echo "with-postgres: installing postgresql" >&2
    sudo=()
    if [[ $(id -u) -ne 0 ]]; then
        sudo=(sudo)
    fi
    "${sudo[@]}" apt-get update -qq
    DEBIAN_FRONTEND=noninteractive "${sudo[@]}" apt-get install -y -qq --no-install-recommends postgresql >&2
    bin=$(find_bin)
    if [[ -z $bin ]]; then
        echo "with-postgres: no initdb under /usr/lib/postgresql/*/bin after installing postgresql" >&2
        exit 1
    fi
fi

as_user=()
owner=$(id -un)
if [[ $(id -u) -eq 0 ]]; then
    owner=${FACEAUTH_PG_USER:-faceauth-pg}
    if ! id -u "$owner" >/dev/null 2>&1; then
        # Another run may create it at the same moment: only its absence afterwards is an error.
        useradd --system --no-create-home --home-dir /nonexistent --shell /usr/sbin/nologin "$owner" \
            2>/dev/null || true
        id -u "$owner" >/dev/null
    fi
    as_user=(runuser -u "$owner" --)
fi

dir=$(mktemp -d "${TMPDIR:-/tmp}/faceauth-pg.XXXXXX")
chmod 700 "$dir"
data=$dir/data
log=$dir/server.log

cleanup() {
    local status=$?
    trap - EXIT INT TERM
    if [[ -f $data/postmaster.pid ]]; then
        "${as_user[@]}" "$bin/pg_ctl" -D "$data" -m immediate -w stop >/dev/null 2>&1 || true
    fi
    rm -rf "$dir"
    exit "$status"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# 32 hex digits: no character that needs escaping in a URL.
password=$(od -An -tx1 -N16 /dev/urandom | tr -d ' \n')
printf '%s\n' "$password" >"$dir/pwfile"
chown -R "$owner" "$dir"

"${as_user[@]}" "$bin/initdb" -D "$data" -U faceauth --pwfile="$dir/pwfile" \
    --auth-local=trust --auth-host=scram-sha-256 --no-sync -E UTF8 --locale=C.UTF-8 >"$dir/initdb.log" 2>&1 || {
    cat "$dir/initdb.log" >&2
    exit 1
}
rm -f "$dir/pwfile"
# Loopback only, the socket in the private directory; the port goes on pg_ctl's command line.
cat >>"$data/postgresql.conf" <<EOF
listen_addresses = '127.0.0.1'
unix_socket_directories = '$dir'
max_connections = 200
EOF

free_port() {
    python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])' \
        2>/dev/null || echo $((20000 + RANDOM % 40000))
}

# A port found free may be taken before the server binds it: try a few.
started=
for _ in 1 2 3 4 5; do
    port=$(free_port)
    options="-p $port ${FACEAUTH_PG_OPTIONS:-}"
    if "${as_user[@]}" "$bin/pg_ctl" -D "$data" -l "$log" -o "$options" -w -t 60 start >/dev/null 2>&1; then
        started=1
        break
    fi
done
if [[ -z $started ]]; then
    echo "with-postgres: the server did not start; its log:" >&2
    cat "$log" >&2 || true
    exit 1
fi

"${as_user[@]}" "$bin/createdb" -h "$dir" -p "$port" -U faceauth faceauth

# pg_ctl on this cluster as its user, for tests that stop, start or restart the server.
cat >"$dir/pg-ctl" <<EOF
#!/usr/bin/env bash
set -euo pipefail
exec ${as_user[*]} "$bin/pg_ctl" -D "$data" -l "$log" -o "$options" -w -t 60 "\$@" >/dev/null
EOF
chmod 755 "$dir/pg-ctl"

export FACEAUTH_TEST_POSTGRES="postgres://faceauth:$password@127.0.0.1:$port/faceauth"
export FACEAUTH_TEST_PG_CTL="$dir/pg-ctl"
echo "with-postgres: PostgreSQL $("$bin/postgres" --version | awk '{print $3}') on 127.0.0.1:$port" \
    "(user $owner, $dir)" >&2

# CMD in the background, so a signal to this script reaches the trap at once.
set +e
"$@" &
child=$!
trap 'kill -TERM $child 2>/dev/null; wait $child; exit 143' TERM
trap 'kill -INT $child 2>/dev/null; wait $child; exit 130' INT
wait "$child"
status=$?
set -e
exit "$status"
