// `pop puller --executor-ca`: the flag's forms and refusals, and the executor pod's volume, mount
// and POP_CA_FILE (core/kube/server_ca.h).
#include "core/kube/server_ca.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "core/codec/json_text.h"

namespace pop {
namespace {

using ::testing::HasSubstr;

TEST(ServerCaTest, TheCaComesFromAConfigMapOrASecret) {
  Result<ServerCaSource> config_map = ParseServerCaSource("configmap/pop-ca", "ca.crt");
  ASSERT_TRUE(config_map.ok()) << config_map.error().message;
  EXPECT_EQ(config_map->kind, ServerCaSource::Kind::kConfigMap);
  EXPECT_EQ(config_map->name, "pop-ca");
  EXPECT_EQ(config_map->key, "ca.crt");
  Result<ServerCaSource> secret = ParseServerCaSource("secret/pop.server-ca", "bundle.pem");
  ASSERT_TRUE(secret.ok()) << secret.error().message;
  EXPECT_EQ(secret->kind, ServerCaSource::Kind::kSecret);
  EXPECT_EQ(secret->name, "pop.server-ca");
  EXPECT_EQ(secret->key, "bundle.pem");
}

TEST(ServerCaTest, WhatKubernetesWouldRefuseIsRefusedNamingTheFlag) {
  EXPECT_THAT(ParseServerCaSource("pop-ca", "ca.crt").error().message,
              HasSubstr("--executor-ca: expected configmap/<name> or secret/<name>, got 'pop-ca'"));
  EXPECT_THAT(ParseServerCaSource("configmaps/pop-ca", "ca.crt").error().message,
              HasSubstr("expected configmap/<name> or secret/<name>"));
  EXPECT_THAT(ParseServerCaSource("secret/Pop_CA", "ca.crt").error().message,
              HasSubstr("--executor-ca: 'Pop_CA' is not a Kubernetes object name"));
  EXPECT_THAT(ParseServerCaSource("secret/", "ca.crt").error().message,
              HasSubstr("is not a Kubernetes object name"));
  EXPECT_THAT(ParseServerCaSource("secret/pop-ca", "../ca.crt").error().message,
              HasSubstr("--executor-ca-key: '../ca.crt' is not a ConfigMap or Secret key"));
}

TEST(ServerCaTest, ThePodMountsTheKeyReadOnlyAndPopCaFileNamesIt) {
  Result<Json> pod = ParseJson(R"({"spec":{"containers":[{"name":"c","env":[{"name":"A",
      "value":"1"}],"volumeMounts":[{"name":"config","mountPath":"/app/config"}]}],
      "volumes":[{"name":"config","configMap":{"name":"reg"}}]}})");
  ASSERT_TRUE(pod.ok());
  AddServerCaToPod(ServerCaSource{ServerCaSource::Kind::kSecret, "pop-ca", "bundle.pem"}, *pod);
  const Json& spec = *pod->Find("spec");
  const Json& container = spec.Find("containers")->AsArray()[0];
  EXPECT_EQ(ToJsonText(*spec.Find("volumes")),
            R"([{"name":"config","configMap":{"name":"reg"}},{"name":"pop-server-ca",)"
            R"("secret":{"secretName":"pop-ca","items":[{"key":"bundle.pem","path":"ca.crt"}]}}])");
  EXPECT_EQ(ToJsonText(*container.Find("volumeMounts")),
            R"([{"name":"config","mountPath":"/app/config"},{"name":"pop-server-ca",)"
            R"("mountPath":"/etc/pop/server-ca","readOnly":true}])");
  EXPECT_EQ(
      ToJsonText(*container.Find("env")),
      R"([{"name":"A","value":"1"},{"name":"POP_CA_FILE","value":"/etc/pop/server-ca/ca.crt"}])");
}

TEST(ServerCaTest, APodWithoutVolumesGetsItsFirst) {
  Result<Json> pod = ParseJson(R"({"spec":{"containers":[{"name":"c"}]}})");
  ASSERT_TRUE(pod.ok());
  AddServerCaToPod(ServerCaSource{ServerCaSource::Kind::kConfigMap, "pop-ca", "ca.crt"}, *pod);
  EXPECT_EQ(ToJsonText(*pod),
            R"({"spec":{"containers":[{"name":"c","volumeMounts":[{"name":"pop-server-ca",)"
            R"("mountPath":"/etc/pop/server-ca","readOnly":true}],"env":[{"name":"POP_CA_FILE",)"
            R"("value":"/etc/pop/server-ca/ca.crt"}]}],"volumes":[{"name":"pop-server-ca",)"
            R"("configMap":{"name":"pop-ca","items":[{"key":"ca.crt","path":"ca.crt"}]}}]}})");
}

}  // namespace
}  // namespace pop
