// The throw-away Kubernetes API server that ctest's `kubernetes` fixture starts for the tests
// (scripts/kube-test-cluster.sh; kubernetes.start and kubernetes.stop), seen from a test: its
// address, CA and admin token, an admin client, fresh namespaces and service-account tokens.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "adapters/kubernetes/kubernetes_client.h"
#include "core/base/result.h"
#include "ports/clock.h"

namespace pop::testing {

struct KubeTestCluster {
  std::string dir;     // the fixture's directory (kubeconfig, kubeconfig-cert, env)
  std::string server;  // https://127.0.0.1:PORT
  std::string ca_file;
  std::string admin_token;
  std::string kubeconfig;       // admin, token user
  std::string kubeconfig_cert;  // admin, client-certificate user
};

// The running cluster: the directory named by POP_TEST_KUBE_DIR, else the one the fixture uses
// in the build tree. Errors (kUnavailable) say how to start it.
Result<KubeTestCluster> KubeTestClusterInfo();

// Kills the cluster's kube-apiserver and starts it again on the same port over the same etcd
// (scripts/kube-test-cluster.sh restart-apiserver); returns once it is ready again. Open watches
// are cut and their resourceVersions expire (410). Every test of the cluster sees the restart:
// a test that calls it runs alone (ctest RUN_SERIAL).
Status RestartKubeApiServer();

// A client as the cluster's admin (token).
Result<std::unique_ptr<KubernetesClient>> KubeAdminClient(const Clock& clock);

// Creates a namespace with a fresh name that starts with `prefix` and returns the name.
Result<std::string> CreateTestNamespace(KubernetesClient& admin, const std::string& prefix);

// Creates service account `name` in `namespace_name`, a Role allowing `verbs` on `resources`
// (e.g. {"get","list"} on {"pods"}) bound to it, and returns a token for it (TokenRequest).
Result<std::string> ServiceAccountToken(KubernetesClient& admin, const std::string& namespace_name,
                                        const std::string& name,
                                        const std::vector<std::string>& verbs,
                                        const std::vector<std::string>& resources);

}  // namespace pop::testing
