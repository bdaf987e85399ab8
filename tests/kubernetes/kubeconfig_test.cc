// Kubeconfig and in-cluster configuration: what is read, and that every mistake names the field.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <string>

#include "adapters/kubernetes/kubernetes_config.h"
#include "core/base/base64.h"

namespace pop {
namespace {

using ::testing::HasSubstr;

class TempDir {
 public:
  TempDir() {
    std::string pattern =
        (std::filesystem::temp_directory_path() / "pop-kubeconfig-XXXXXX").string();
    path_ = mkdtemp(pattern.data());
  }
  ~TempDir() { std::filesystem::remove_all(path_); }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  const std::string& path() const { return path_; }
  void Write(const std::string& name, const std::string& text) const {
    std::ofstream(path_ + "/" + name) << text;
  }

 private:
  std::string path_;
};

std::string Kubeconfig(const std::string& cluster, const std::string& user) {
  return "apiVersion: v1\nkind: Config\ncurrent-context: c\n"
         "contexts:\n- name: c\n  context:\n    cluster: k\n    user: u\n    namespace: pods-here\n"
         "clusters:\n- name: k\n  cluster:\n" +
         cluster + "users:\n- name: u\n  user:\n" + user;
}

TEST(KubeconfigTest, ReadsTokenUserWithCertificateAuthorityFileRelativeToTheFile) {
  TempDir dir;
  dir.Write("ca.crt", "PEM");
  const std::string text =
      Kubeconfig("    server: https://127.0.0.1:6443/\n    certificate-authority: ca.crt\n",
                 "    token: abc\n");
  Result<KubernetesConfig> config = ParseKubeconfig(text, dir.path(), "test");
  ASSERT_TRUE(config.ok()) << config.error().message;
  EXPECT_EQ(config->server, "https://127.0.0.1:6443");
  EXPECT_EQ(config->ca_file, dir.path() + "/ca.crt");
  EXPECT_EQ(config->token, "abc");
  EXPECT_EQ(config->namespace_name, "pods-here");
}

TEST(KubeconfigTest, ReadsClientCertificateUserWithEmbeddedData) {
  const std::string text = Kubeconfig(
      "    server: https://k:443\n    certificate-authority-data: " + Base64Encode("CA PEM") + "\n",
      "    client-certificate-data: " + Base64Encode("CERT PEM") +
          "\n    client-key-data: " + Base64Encode("KEY PEM") + "\n");
  Result<KubernetesConfig> config = ParseKubeconfig(text, "", "test");
  ASSERT_TRUE(config.ok()) << config.error().message;
  EXPECT_EQ(config->ca_pem, "CA PEM");
  EXPECT_EQ(config->client_cert_pem, "CERT PEM");
  EXPECT_EQ(config->client_key_pem, "KEY PEM");
  EXPECT_TRUE(config->token.empty());
}

TEST(KubeconfigTest, ChoosesTheGivenContextOverTheCurrentOne) {
  std::string text = Kubeconfig("    server: https://k:443\n", "    token: a\n");
  text += "- name: other\n  user:\n    token: b\n";
  text = text.replace(text.find("contexts:\n"), 10,
                      "contexts:\n- name: second\n  context:\n    cluster: k\n    user: other\n");
  Result<KubernetesConfig> config = ParseKubeconfig(text, "", "test", "second");
  ASSERT_TRUE(config.ok()) << config.error().message;
  EXPECT_EQ(config->token, "b");
}

struct BadKubeconfig {
  std::string name;
  std::string cluster;
  std::string user;
  std::string expected;  // part of the error message: the field
};

class KubeconfigErrorTest : public ::testing::TestWithParam<BadKubeconfig> {};

TEST_P(KubeconfigErrorTest, NamesTheField) {
  const BadKubeconfig& bad = GetParam();
  Result<KubernetesConfig> config =
      ParseKubeconfig(Kubeconfig(bad.cluster, bad.user), "", "'my.yaml'");
  ASSERT_FALSE(config.ok());
  EXPECT_EQ(config.error().code, ErrorCode::kInvalidArgument);
  EXPECT_THAT(config.error().message, HasSubstr("'my.yaml'"));
  EXPECT_THAT(config.error().message, HasSubstr(bad.expected));
}

INSTANTIATE_TEST_SUITE_P(
    Fields, KubeconfigErrorTest,
    ::testing::Values(
        BadKubeconfig{"NoServer", "    certificate-authority-data: QQ==\n", "    token: a\n",
                      "clusters[k].cluster.server: missing"},
        BadKubeconfig{"PlainHttp", "    server: http://k:80\n", "    token: a\n",
                      "clusters[k].cluster.server: 'http://k:80' is not an https:// URL"},
        BadKubeconfig{"InsecureSkipVerify",
                      "    server: https://k\n    insecure-skip-tls-verify: true\n",
                      "    token: a\n", "clusters[k].cluster.insecure-skip-tls-verify"},
        BadKubeconfig{"BadCaData", "    server: https://k\n    certificate-authority-data: '%%'\n",
                      "    token: a\n",
                      "clusters[k].cluster.certificate-authority-data: not valid base64"},
        BadKubeconfig{"MissingCaFile",
                      "    server: https://k\n    certificate-authority: /nonexistent/ca.crt\n",
                      "    token: a\n", "clusters[k].cluster.certificate-authority: file"},
        BadKubeconfig{"NoCredentials", "    server: https://k\n", "    username: x\n",
                      "users[u].user: has no credentials"},
        BadKubeconfig{"CertificateWithoutKey", "    server: https://k\n",
                      "    client-certificate-data: QQ==\n", "users[u].user.client-key: missing"},
        BadKubeconfig{"BadKeyData", "    server: https://k\n",
                      "    client-certificate-data: QQ==\n    client-key-data: '!'\n",
                      "users[u].user.client-key-data: not valid base64"},
        BadKubeconfig{"ExecPlugin", "    server: https://k\n", "    exec:\n      command: aws\n",
                      "users[u].user.exec: is not supported"},
        BadKubeconfig{"ServerNotAString", "    server: [1, 2]\n", "    token: a\n",
                      "clusters[k].cluster.server: must be a string"}),
    [](const ::testing::TestParamInfo<BadKubeconfig>& param_info) {
      return param_info.param.name;
    });

TEST(KubeconfigTest, UnknownCurrentContextIsNamed) {
  std::string text = Kubeconfig("    server: https://k\n", "    token: a\n");
  text.replace(text.find("current-context: c"), 18, "current-context: nope");
  Result<KubernetesConfig> config = ParseKubeconfig(text, "", "test");
  ASSERT_FALSE(config.ok());
  EXPECT_THAT(config.error().message,
              HasSubstr("current-context: names contexts entry 'nope', which does not exist"));
}

TEST(KubeconfigTest, ContextNamingAMissingUserIsNamed) {
  std::string text = Kubeconfig("    server: https://k\n", "    token: a\n");
  text.replace(text.find("user: u\n"), 8, "user: v\n");
  Result<KubernetesConfig> config = ParseKubeconfig(text, "", "test");
  ASSERT_FALSE(config.ok());
  EXPECT_THAT(config.error().message,
              HasSubstr("contexts[c].context.user: names users entry 'v', which does not exist"));
}

TEST(KubeconfigTest, InvalidYamlIsRefused) {
  Result<KubernetesConfig> config = ParseKubeconfig("clusters: [\n", "", "'x.yaml'");
  ASSERT_FALSE(config.ok());
  EXPECT_THAT(config.error().message, HasSubstr("kubeconfig 'x.yaml': not valid YAML"));
}

TEST(KubeconfigTest, MissingFileIsNotFound) {
  Result<KubernetesConfig> config = LoadKubeconfig("/nonexistent/kubeconfig");
  ASSERT_FALSE(config.ok());
  EXPECT_EQ(config.error().code, ErrorCode::kNotFound);
  EXPECT_THAT(config.error().message, HasSubstr("/nonexistent/kubeconfig"));
}

TEST(InClusterConfigTest, ReadsServiceAccountFilesAndServiceAddress) {
  TempDir dir;
  dir.Write("token", "tok\n");
  dir.Write("ca.crt", "PEM");
  dir.Write("namespace", "pop\n");
  const std::map<std::string, std::string> env = {{"KUBERNETES_SERVICE_HOST", "10.96.0.1"},
                                                  {"KUBERNETES_SERVICE_PORT", "443"}};
  Result<KubernetesConfig> config = InClusterKubernetesConfig(
      [&env](const char* name) -> const char* {
        const auto it = env.find(name);
        return it == env.end() ? nullptr : it->second.c_str();
      },
      dir.path());
  ASSERT_TRUE(config.ok()) << config.error().message;
  EXPECT_EQ(config->server, "https://10.96.0.1:443");
  EXPECT_EQ(config->token_file, dir.path() + "/token");
  EXPECT_EQ(config->ca_file, dir.path() + "/ca.crt");
  EXPECT_EQ(config->namespace_name, "pop");
}

TEST(InClusterConfigTest, OutsideAPodSaysWhatIsMissing) {
  Result<KubernetesConfig> config =
      InClusterKubernetesConfig([](const char*) -> const char* { return nullptr; }, "/nonexistent");
  ASSERT_FALSE(config.ok());
  EXPECT_EQ(config.error().code, ErrorCode::kInvalidArgument);
  EXPECT_THAT(config.error().message, HasSubstr("KUBERNETES_SERVICE_HOST"));
}

}  // namespace
}  // namespace pop
