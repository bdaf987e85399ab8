#!/usr/bin/env bash
# deploy/ as the test API server sees it: `kubectl apply --dry-run=server` admits (validates,
# defaults, checks with RBAC and admission) every object without storing it. The namespace `pop`
# is made first, as in a real deployment (a dry run of the Namespace does not create it); so are
# the namespaces of deploy/examples, which are checked after deploy/.
# Usage: deploy_dry_run.sh <deploy dir>; POP_TEST_KUBE_DIR names the fixture's directory.
set -euo pipefail
if ! command -v kubectl >/dev/null 2>&1; then
  # scripts/install-deps.sh installs no kubectl (Debian's kubernetes-client conflicts with the
  # one these machines ship); ctest reports this test as skipped (exit 77).
  echo "SKIPPED: no kubectl on the PATH; install one to check deploy/ against the API server"
  exit 77
fi
deploy_dir=$1
kubeconfig="${POP_TEST_KUBE_DIR:?POP_TEST_KUBE_DIR is not set}/kubeconfig"
if ! kubectl --kubeconfig "$kubeconfig" get namespace pop >/dev/null 2>&1; then
  kubectl --kubeconfig "$kubeconfig" create namespace pop --save-config
fi
kubectl --kubeconfig "$kubeconfig" apply --dry-run=server -f "$deploy_dir"
# The examples (deploy/examples, applied after deploy/): the namespaces they name exist first.
if [ -d "$deploy_dir/examples" ]; then
  for space in $(sed -n '/^kind: Namespace$/,/^---$/s/^  name: //p' "$deploy_dir"/examples/*.yaml); do
    if ! kubectl --kubeconfig "$kubeconfig" get namespace "$space" >/dev/null 2>&1; then
      kubectl --kubeconfig "$kubeconfig" create namespace "$space" --save-config
    fi
  done
  kubectl --kubeconfig "$kubeconfig" apply --dry-run=server -f "$deploy_dir/examples"
fi
