#!/usr/bin/env bash
# A throw-away Kubernetes API server for the tests (ctest fixture `kubernetes`: kubernetes.start
# and kubernetes.stop): a real kube-apiserver over a real etcd, RBAC on, no kubelet and no
# container runtime (the tests play the kubelet: tests/support/test_kubelet.h).
#
#   scripts/kube-test-cluster.sh build        build kube-apiserver once from Debian's `kubernetes`
#       source package (offline, its vendored Go tree) and cache the binary outside the repository:
#       ${POP_CACHE_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/pop}/kube-apiserver-v1.20.2. Later calls
#       reuse it; a lock keeps two concurrent calls from both building. Prints the binary's path.
#   scripts/kube-test-cluster.sh start DIR    build if needed, then start etcd and the API server on
#       free 127.0.0.1 ports (certificates, keys and an admin token made with openssl into a new
#       temporary directory) and wait for /readyz. Writes into DIR:
#         kubeconfig         an admin kubeconfig (token user, certificate-authority file)
#         kubeconfig-cert    the same admin as a client-certificate user (data embedded)
#         env                KUBE_API_SERVER, KUBE_CA_FILE, KUBE_ADMIN_TOKEN, KUBECONFIG lines
#         cluster            the temporary directory (certificates, logs, etcd's data)
#       A cluster an earlier start left in DIR is stopped first.
#   scripts/kube-test-cluster.sh stop DIR     stop that cluster and remove it; idempotent.
#   scripts/kube-test-cluster.sh restart-apiserver DIR   kill that cluster's kube-apiserver
#       (SIGKILL) and start it again on the same port over the same etcd, then wait for /readyz.
#
# KUBE_APISERVER overrides the binary (then nothing is built). Exits non-zero with the reason (and
# the server's log) when the cluster cannot start.
set -euo pipefail
# shellcheck source=lib/free-port.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib/free-port.sh"

KUBE_VERSION=1.20.2

usage() {
  echo "usage: $0 build | start DIR | stop DIR | restart-apiserver DIR" >&2
  exit 2
}

fail() {
  echo "kube-test-cluster: $*" >&2
  exit 1
}

cache_dir() {
  echo "${POP_CACHE_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/pop}"
}

apiserver_binary() {
  if [ -n "${KUBE_APISERVER:-}" ]; then
    echo "$KUBE_APISERVER"
  else
    echo "$(cache_dir)/kube-apiserver-v$KUBE_VERSION"
  fi
}

# The URI of the machine's configured Debian archive for this release, read from apt's own
# configuration (so a mirror or snapshot the machine uses is used here too).
debian_archive_uri() {
  local codename uri
  codename="$(. /etc/os-release && echo "${VERSION_CODENAME:-}")"
  [ -n "$codename" ] || fail "no VERSION_CODENAME in /etc/os-release"
  uri="$(apt-get indextargets --format '$(REPO_URI)' "Origin: Debian" "Release: $codename" \
    "Identifier: Packages" 2>/dev/null | sort -u | head -n 1)"
  [ -n "$uri" ] || fail "no Debian apt source for '$codename' is configured (apt-get indextargets)"
  echo "$uri"
}

build_apiserver() {
  local binary cache
  binary="$(apiserver_binary)"
  if [ -x "$binary" ]; then
    echo "$binary"
    return
  fi
  [ -z "${KUBE_APISERVER:-}" ] || fail "KUBE_APISERVER=$KUBE_APISERVER is not an executable"
  cache="$(cache_dir)"
  mkdir -p "$cache"
  exec 9>"$cache/kube-apiserver.lock"
  flock 9
  if [ -x "$binary" ]; then # built by a concurrent call while this one waited
    echo "$binary"
    return
  fi
  local tool
  for tool in go apt-get dpkg-source rsync make; do
    command -v "$tool" >/dev/null 2>&1 || fail "$tool not found: run scripts/install-deps.sh"
  done
  local reflect2=/usr/share/gocode/src/github.com/modern-go/reflect2
  [ -d "$reflect2" ] || fail "$reflect2 missing: install golang-github-modern-go-reflect2-dev"

  local work codename uri
  work="$(mktemp -d "${TMPDIR:-/tmp}/pop-kube-build.XXXXXX")"
  # shellcheck disable=SC2064
  trap "rm -rf '$work'" EXIT
  codename="$(. /etc/os-release && echo "$VERSION_CODENAME")"
  uri="$(debian_archive_uri)"
  echo "kube-test-cluster: building kube-apiserver v$KUBE_VERSION from Debian's source ($uri, $codename); a few minutes, once" >&2
  mkdir -p "$work/lists/partial" "$work/src"
  cat >"$work/pop-deb-src.sources" <<EOF
Types: deb-src
URIs: $uri
Suites: $codename
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg
EOF
  local apt_options=(-o "Dir::Etc::sourcelist=$work/pop-deb-src.sources" -o "Dir::Etc::sourceparts=-"
    -o "Dir::State::Lists=$work/lists")
  apt-get "${apt_options[@]}" -qq update >"$work/apt.log" 2>&1 || {
    cat "$work/apt.log" >&2
    fail "apt-get update of the deb-src list failed"
  }
  (cd "$work/src" && apt-get "${apt_options[@]}" -qq source --download-only kubernetes) \
    >>"$work/apt.log" 2>&1 || {
    cat "$work/apt.log" >&2
    fail "apt-get source kubernetes failed"
  }
  local dsc
  dsc="$(ls "$work/src"/kubernetes_*.dsc)"
  case "$(basename "$dsc")" in
    *"$KUBE_VERSION"*) ;;
    *) fail "the source package is $(basename "$dsc"), not kubernetes $KUBE_VERSION" ;;
  esac
  (cd "$work/src" && dpkg-source -x ./*.dsc tree) >>"$work/apt.log" 2>&1 || {
    cat "$work/apt.log" >&2
    fail "dpkg-source -x failed"
  }
  local tree="$work/src/tree"
  # Debian's reflect2 replaces the vendored one: with the vendored copy every request that decodes
  # a map (labels, a Node) panics in the API server under this Go.
  rm -rf "$tree/vendor/github.com/modern-go/reflect2"
  cp -r "$reflect2" "$tree/vendor/github.com/modern-go/reflect2"
  rm -f "$tree/vendor/github.com/modern-go/reflect2/go.mod"
  find "$tree/vendor/github.com/modern-go/reflect2" -name '*_test.go' -delete
  # Only the OpenAPI definitions are missing from Debian's source: generating just them and then
  # building the one command costs 63 CPU-seconds of generation instead of the 154 that
  # `make WHAT=cmd/kube-apiserver` spends regenerating every deepcopy, defaulter and conversion
  # file first (the compile after it, ~600 CPU-seconds, is the same either way).
  (cd "$tree" && unset GOPATH && export CGO_ENABLED=0 GOPROXY=off GOFLAGS=-mod=vendor \
    GOCACHE="$work/gocache" && make gen_openapi && hack/make-rules/build.sh cmd/kube-apiserver) \
    >"$work/build.log" 2>&1 || {
    tail -n 60 "$work/build.log" >&2
    fail "building kube-apiserver failed (the end of the build log is above)"
  }
  "$tree/_output/bin/kube-apiserver" --version >/dev/null || fail "the built kube-apiserver does not run"
  install -m 0755 "$tree/_output/bin/kube-apiserver" "$binary.tmp"
  mv "$binary.tmp" "$binary"
  echo "$binary"
}

stop_pid_file() {
  local file="$1" pid
  [ -f "$file" ] || return 0
  pid="$(cat "$file")"
  if [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null; then
    kill -TERM "$pid" 2>/dev/null || true
    for _ in $(seq 1 20); do
      kill -0 "$pid" 2>/dev/null || break
      sleep 0.1
    done
    # The API server waits up to --request-timeout for open watches; a test cluster need not.
    kill -KILL "$pid" 2>/dev/null || true
  fi
  rm -f "$file"
}

stop_cluster() {
  [ -f "$dir/cluster" ] || return 0
  local cluster
  cluster="$(cat "$dir/cluster")"
  if [ -n "$cluster" ] && [ -f "$cluster/pop-kube-test-cluster" ]; then
    stop_pid_file "$cluster/apiserver.pid"
    stop_pid_file "$cluster/etcd.pid"
    rm -rf "$cluster"
  fi
  rm -f "$dir/cluster" "$dir/kubeconfig" "$dir/kubeconfig-cert" "$dir/env"
}

make_certificates() {
  local c="$1"
  (
    cd "$c"
    umask 077
    openssl req -x509 -newkey rsa:2048 -nodes -keyout ca.key -out ca.crt -days 2 \
      -subj "/CN=pop-test-ca" 2>/dev/null
    openssl req -newkey rsa:2048 -nodes -keyout apiserver.key -out apiserver.csr \
      -subj "/CN=kube-apiserver" 2>/dev/null
    printf 'subjectAltName=IP:127.0.0.1,DNS:localhost,DNS:kubernetes.default.svc\nextendedKeyUsage=serverAuth\n' \
      >apiserver.ext
    openssl x509 -req -in apiserver.csr -CA ca.crt -CAkey ca.key -CAcreateserial -days 2 \
      -extfile apiserver.ext -out apiserver.crt 2>/dev/null
    openssl req -newkey rsa:2048 -nodes -keyout admin.key -out admin.csr \
      -subj "/O=system:masters/CN=pop-admin" 2>/dev/null
    printf 'extendedKeyUsage=clientAuth\n' >admin.ext
    openssl x509 -req -in admin.csr -CA ca.crt -CAkey ca.key -CAcreateserial -days 2 \
      -extfile admin.ext -out admin.crt 2>/dev/null
    openssl genrsa -out sa.key 2048 2>/dev/null
    openssl rsa -in sa.key -pubout -out sa.pub 2>/dev/null
    chmod 0644 ca.crt
  ) || fail "openssl could not make the test certificates"
}

wait_ready() {
  local url="$1" ca="$2" token="$3" pid="$4" log="$5"
  for _ in $(seq 1 300); do
    if ! kill -0 "$pid" 2>/dev/null; then
      tail -n 40 "$log" >&2 || true
      return 1
    fi
    if [ "$(curl -s --max-time 2 --cacert "$ca" -H "Authorization: Bearer $token" "$url/readyz" 2>/dev/null)" = "ok" ]; then
      return 0
    fi
    sleep 0.2
  done
  tail -n 40 "$log" >&2 || true
  return 1
}

# Starts kube-apiserver of cluster directory $2 over etcd's client port $3 on port $4 (its log
# appended to apiserver.log, its pid in apiserver.pid, the ports in ports) and waits for /readyz
# with admin token $5. Fails (1) when it exits or is not ready in time.
launch_apiserver() {
  local apiserver="$1" cluster="$2" etcd_client="$3" api_port="$4" token="$5"
  printf 'ETCD_CLIENT=%s\nAPI_PORT=%s\n' "$etcd_client" "$api_port" >"$cluster/ports"
  setsid "$apiserver" --etcd-servers="http://127.0.0.1:$etcd_client" --bind-address=127.0.0.1 \
    --advertise-address=127.0.0.1 --secure-port="$api_port" --cert-dir="$cluster" \
    --tls-cert-file="$cluster/apiserver.crt" --tls-private-key-file="$cluster/apiserver.key" \
    --token-auth-file="$cluster/tokens.csv" --client-ca-file="$cluster/ca.crt" \
    --authorization-mode=RBAC --service-account-issuer=https://kubernetes.default.svc \
    --service-account-key-file="$cluster/sa.pub" \
    --service-account-signing-key-file="$cluster/sa.key" \
    --service-cluster-ip-range=10.96.0.0/24 --disable-admission-plugins=ServiceAccount \
    --kubelet-preferred-address-types=InternalIP --endpoint-reconciler-type=none \
    --request-timeout=10s \
    </dev/null >>"$cluster/apiserver.log" 2>&1 &
  echo $! >"$cluster/apiserver.pid"
  wait_ready "https://127.0.0.1:$api_port" "$cluster/ca.crt" "$token" \
    "$(cat "$cluster/apiserver.pid")" "$cluster/apiserver.log"
}

# Kills the API server of the cluster in $dir at once (SIGKILL: open watches are cut, as when a
# control-plane node dies) and starts it again on the same port over the same etcd; the files in
# $dir stay valid. For the tests of clients that must survive an API server restart.
restart_apiserver() {
  [ -f "$dir/cluster" ] || fail "no cluster in $dir"
  local cluster
  cluster="$(cat "$dir/cluster")"
  [ -f "$cluster/ports" ] || fail "$cluster/ports missing: the cluster was started by an older script"
  local etcd_client api_port token pid
  etcd_client="$(sed -n 's/^ETCD_CLIENT=//p' "$cluster/ports")"
  api_port="$(sed -n 's/^API_PORT=//p' "$cluster/ports")"
  token="$(sed -n 's/^KUBE_ADMIN_TOKEN=//p' "$dir/env")"
  pid="$(cat "$cluster/apiserver.pid" 2>/dev/null || true)"
  if [ -n "$pid" ]; then
    kill -KILL "$pid" 2>/dev/null || true
    # Gone, or a zombie its new parent has not reaped yet (its port is free either way).
    for _ in $(seq 1 100); do
      kill -0 "$pid" 2>/dev/null || break
      [ "$(awk '{print $3}' "/proc/$pid/stat" 2>/dev/null)" != Z ] || break
      sleep 0.05
    done
  fi
  # The port may be taken for a moment after the kill; the same port is the point, so retry.
  for _ in 1 2 3 4 5; do
    if launch_apiserver "$(apiserver_binary)" "$cluster" "$etcd_client" "$api_port" "$token"; then
      echo "kube-test-cluster: kube-apiserver restarted on https://127.0.0.1:$api_port"
      return 0
    fi
    stop_pid_file "$cluster/apiserver.pid"
    sleep 0.2
  done
  fail "kube-apiserver did not restart on port $api_port (the end of its log is above)"
}

start_cluster() {
  command -v etcd >/dev/null 2>&1 || fail "etcd not found: install etcd-server (scripts/install-deps.sh)"
  command -v openssl >/dev/null 2>&1 || fail "openssl not found"
  local apiserver
  apiserver="$(build_apiserver)"
  mkdir -p "$dir"
  stop_cluster
  local cluster token
  cluster="$(mktemp -d "${TMPDIR:-/tmp}/pop-kube-test.XXXXXX")"
  touch "$cluster/pop-kube-test-cluster"
  echo "$cluster" >"$dir/cluster"
  make_certificates "$cluster"
  token="$(head -c 24 /dev/urandom | od -An -tx1 | tr -d ' \n')"
  (umask 077 && printf '%s,pop-admin,pop-admin,"system:masters"\n' "$token" >"$cluster/tokens.csv")

  local started="" etcd_client etcd_peer api_port
  for _ in 1 2 3 4 5; do
    etcd_client="$(free_port_candidate)"
    etcd_peer="$(free_port_candidate)"
    [ "$etcd_client" != "$etcd_peer" ] || continue
    rm -rf "$cluster/etcd"
    setsid etcd --name default --data-dir "$cluster/etcd" \
      --listen-client-urls "http://127.0.0.1:$etcd_client" \
      --advertise-client-urls "http://127.0.0.1:$etcd_client" \
      --listen-peer-urls "http://127.0.0.1:$etcd_peer" \
      --initial-advertise-peer-urls "http://127.0.0.1:$etcd_peer" \
      --initial-cluster "default=http://127.0.0.1:$etcd_peer" --unsafe-no-fsync \
      </dev/null >"$cluster/etcd.log" 2>&1 &
    echo $! >"$cluster/etcd.pid"
    for _ in $(seq 1 100); do
      if curl -s --max-time 1 "http://127.0.0.1:$etcd_client/health" 2>/dev/null | grep -q '"health":"true"'; then
        started=yes
        break
      fi
      kill -0 "$(cat "$cluster/etcd.pid")" 2>/dev/null || break
      sleep 0.1
    done
    [ -z "$started" ] || break
    stop_pid_file "$cluster/etcd.pid"
  done
  if [ -z "$started" ]; then
    tail -n 40 "$cluster/etcd.log" >&2 || true
    stop_cluster
    fail "etcd did not start (its log is above)"
  fi

  started=""
  for _ in 1 2 3; do
    api_port="$(free_port_candidate)"
    if launch_apiserver "$apiserver" "$cluster" "$etcd_client" "$api_port" "$token"; then
      started=yes
      break
    fi
    stop_pid_file "$cluster/apiserver.pid"
    grep -q "address already in use" "$cluster/apiserver.log" 2>/dev/null || break
  done
  if [ -z "$started" ]; then
    stop_cluster
    fail "kube-apiserver did not become ready (the end of its log is above)"
  fi

  local server="https://127.0.0.1:$api_port"
  (
    umask 077
    cat >"$dir/kubeconfig.tmp" <<EOF
apiVersion: v1
kind: Config
clusters:
- name: pop-test
  cluster:
    server: $server
    certificate-authority: $cluster/ca.crt
users:
- name: pop-admin
  user:
    token: $token
contexts:
- name: pop-test
  context:
    cluster: pop-test
    user: pop-admin
    namespace: default
current-context: pop-test
EOF
    cat >"$dir/kubeconfig-cert.tmp" <<EOF
apiVersion: v1
kind: Config
clusters:
- name: pop-test
  cluster:
    server: $server
    certificate-authority-data: $(base64 -w0 <"$cluster/ca.crt")
users:
- name: pop-admin-cert
  user:
    client-certificate-data: $(base64 -w0 <"$cluster/admin.crt")
    client-key-data: $(base64 -w0 <"$cluster/admin.key")
contexts:
- name: pop-test
  context:
    cluster: pop-test
    user: pop-admin-cert
current-context: pop-test
EOF
    cat >"$dir/env.tmp" <<EOF
KUBE_API_SERVER=$server
KUBE_CA_FILE=$cluster/ca.crt
KUBE_ADMIN_TOKEN=$token
KUBECONFIG=$dir/kubeconfig
EOF
    mv "$dir/kubeconfig.tmp" "$dir/kubeconfig"
    mv "$dir/kubeconfig-cert.tmp" "$dir/kubeconfig-cert"
    mv "$dir/env.tmp" "$dir/env"
  )
  echo "kube-test-cluster: kube-apiserver $("$apiserver" --version | awk '{print $2}') on $server (etcd on 127.0.0.1:$etcd_client), files in $cluster"
}

[ $# -ge 1 ] || usage
action="$1"
case "$action" in
  build)
    [ $# -eq 1 ] || usage
    build_apiserver
    ;;
  start | stop | restart-apiserver)
    [ $# -eq 2 ] || usage
    dir="$2"
    case "$action" in
      start) start_cluster ;;
      stop) stop_cluster ;;
      restart-apiserver) restart_apiserver ;;
    esac
    ;;
  *) usage ;;
esac
