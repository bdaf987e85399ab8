// YamlToJson: a YAML document (as the CLI's --output yaml writes it) read by yaml-cpp into the
// Json it stands for, for tests that compare it with the --output json of the same data.
#pragma once

#include <yaml-cpp/yaml.h>

#include <cstdlib>
#include <string>

#include "core/json/json.h"

namespace pop::testing {

// A YAML document as JSON: quoted scalars are strings, plain ones null, booleans or numbers
// (YAML 1.2's core schema, which is all Yaml() writes plain).
inline Json FromYaml(const YAML::Node& node) {
  switch (node.Type()) {
    case YAML::NodeType::Map: {
      JsonObject object;
      for (const auto& member : node) {
        object.Set(member.first.as<std::string>(), FromYaml(member.second));
      }
      return Json(std::move(object));
    }
    case YAML::NodeType::Sequence: {
      JsonArray array;
      for (const auto& item : node) array.push_back(FromYaml(item));
      return Json(std::move(array));
    }
    case YAML::NodeType::Scalar: {
      const std::string text = node.Scalar();
      if (node.Tag() == "!") return Json(text);  // quoted
      if (text == "null") return Json(nullptr);
      if (text == "true" || text == "false") return Json(text == "true");
      if (text.find_first_of(".eE") == std::string::npos) return Json(std::stoll(text));
      return Json(std::strtod(text.c_str(), nullptr));
    }
    default:
      return Json(nullptr);
  }
}

inline Json YamlToJson(const std::string& text) { return FromYaml(YAML::Load(text)); }

}  // namespace pop::testing
