// Throw-away TLS material for tests: a CA and server certificates it signs, made with the
// `openssl` command in a fresh temporary directory that is removed again. Nothing is shared
// between tests and nothing outlives the test.
#pragma once

#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>

namespace pop::testing {

class TestCertificates {
 public:
  TestCertificates() {
    std::string pattern = (std::filesystem::temp_directory_path() / "pop-tls-XXXXXX").string();
    if (::mkdtemp(pattern.data()) != nullptr) dir_ = pattern;
  }
  ~TestCertificates() {
    std::error_code ignored;
    if (!dir_.empty()) std::filesystem::remove_all(dir_, ignored);
  }
  TestCertificates(const TestCertificates&) = delete;
  TestCertificates& operator=(const TestCertificates&) = delete;

  const std::filesystem::path& dir() const { return dir_; }
  std::string Path(const std::string& name) const { return (dir_ / name).string(); }

  // A self-signed CA: <name>.pem and <name>.key. False if openssl failed.
  bool MakeCa(const std::string& name) const {
    return Run(
        "openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes "
        "-keyout " +
        Quoted(name + ".key") + " -out " + Quoted(name + ".pem") + " -days 2 -subj /CN=" + name);
  }

  // A server certificate signed by CA `ca` for the subjectAltName list `alt_names` (e.g.
  // "DNS:localhost,IP:127.0.0.1"): <name>.pem and <name>.key. False if openssl failed.
  bool MakeServerCert(const std::string& name, const std::string& ca,
                      const std::string& alt_names) const {
    {
      std::ofstream ext(dir_ / (name + ".ext"));
      ext << "subjectAltName=" << alt_names << "\nbasicConstraints=CA:FALSE\n";
    }
    return Run("openssl req -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -keyout " +
               Quoted(name + ".key") + " -out " + Quoted(name + ".csr") + " -subj /CN=" + name) &&
           Run("openssl x509 -req -in " + Quoted(name + ".csr") + " -CA " + Quoted(ca + ".pem") +
               " -CAkey " + Quoted(ca + ".key") + " -CAcreateserial -out " + Quoted(name + ".pem") +
               " -days 2 -extfile " + Quoted(name + ".ext"));
  }

 private:
  std::string Quoted(const std::string& name) const { return "'" + Path(name) + "'"; }
  static bool Run(const std::string& command) {
    return std::system((command + " >/dev/null 2>&1").c_str()) == 0;
  }

  std::filesystem::path dir_;
};

}  // namespace pop::testing
