#include "cofs/s3/credentials.hpp"

#include <cstdlib>
#include <fstream>

#include "cofs/runtime/error.hpp"

namespace cofs::s3 {
namespace {

std::string env(const char* name) {
  const char* v = std::getenv(name);
  return v != nullptr ? std::string(v) : std::string();
}

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\r'))
    s.remove_suffix(1);
  return s;
}

std::string home_file(const char* env_name, const char* rel) {
  std::string f = env(env_name);
  if (!f.empty()) return f;
  std::string home = env("HOME");
  if (home.empty()) return {};
  return home + "/.aws/" + rel;
}

std::string credentials_file() {
  return home_file("AWS_SHARED_CREDENTIALS_FILE", "credentials");
}
std::string config_file() {
  return home_file("AWS_CONFIG_FILE", "config");
}

const std::string* lookup(const std::vector<std::pair<std::string, std::string>>& kv,
                          std::string_view key) {
  for (const auto& [k, v] : kv) {
    if (k == key) return &v;
  }
  return nullptr;
}

/// Credentials from one profile section; nullopt without an access key. A key without its
/// secret is an error that names the file and profile, not the key.
std::optional<Credentials> from_section(const std::vector<std::pair<std::string, std::string>>& kv,
                                        const std::string& file, const std::string& profile) {
  const std::string* id = lookup(kv, "aws_access_key_id");
  if (id == nullptr || id->empty()) return std::nullopt;
  const std::string* secret = lookup(kv, "aws_secret_access_key");
  if (secret == nullptr || secret->empty())
    throw InvalidArgumentError("credentials", file,
                               "profile '" + profile +
                                   "' has aws_access_key_id but no "
                                   "aws_secret_access_key");
  Credentials c;
  c.access_key = *id;
  c.secret_key = *secret;
  if (const std::string* t = lookup(kv, "aws_session_token")) c.session_token = *t;
  c.source = file + " [" + profile + "]";
  return c;
}

}  // namespace

std::string active_profile(std::string_view profile) {
  if (!profile.empty()) return std::string(profile);
  std::string p = env("AWS_PROFILE");
  if (p.empty()) p = env("AWS_DEFAULT_PROFILE");
  return p.empty() ? "default" : p;
}

std::optional<std::vector<std::pair<std::string, std::string>>> read_profile(
    const std::string& file, std::string_view profile, bool config_file) {
  if (file.empty()) return std::nullopt;
  std::ifstream in(file);
  if (!in) return std::nullopt;
  // The config file names sections "[profile name]", except "[default]".
  std::string want = config_file && profile != "default" ? "profile " + std::string(profile)
                                                         : std::string(profile);
  std::optional<std::vector<std::pair<std::string, std::string>>> found;
  bool inside = false;
  std::string line;
  int number = 0;
  while (std::getline(in, line)) {
    ++number;
    std::string_view l = trim(line);
    if (l.empty() || l.front() == '#' || l.front() == ';') continue;
    if (l.front() == '[') {
      if (l.back() != ']')
        throw InvalidArgumentError("credentials", file,
                                   "line " + std::to_string(number) + ": unclosed section name");
      std::string_view name = trim(l.substr(1, l.size() - 2));
      // "[profile  name]" with any spacing.
      std::string normalized(name);
      if (name.substr(0, 8) == "profile " || name.substr(0, 8) == "profile\t")
        normalized = "profile " + std::string(trim(name.substr(8)));
      inside = normalized == want;
      if (inside && !found) found.emplace();
      continue;
    }
    // Indented lines continue a nested setting (config's "s3 =" block): not a credential.
    if (line.front() == ' ' || line.front() == '\t') continue;
    std::size_t eq = l.find('=');
    if (eq == std::string_view::npos)
      throw InvalidArgumentError("credentials", file,
                                 "line " + std::to_string(number) + ": expected 'key = value'");
    if (!inside) continue;
    found->emplace_back(std::string(trim(l.substr(0, eq))), std::string(trim(l.substr(eq + 1))));
  }
  return found;
}

CredentialProvider environment_provider() {
  return {"environment", []() -> std::optional<Credentials> {
            std::string id = env("AWS_ACCESS_KEY_ID");
            if (id.empty()) return std::nullopt;
            std::string secret = env("AWS_SECRET_ACCESS_KEY");
            if (secret.empty())
              throw InvalidArgumentError("credentials", "AWS_ACCESS_KEY_ID",
                                         "is set but AWS_SECRET_ACCESS_KEY is not");
            Credentials c;
            c.access_key = std::move(id);
            c.secret_key = std::move(secret);
            c.session_token = env("AWS_SESSION_TOKEN");
            c.source = "environment";
            return c;
          }};
}

CredentialProvider shared_files_provider(std::string profile) {
  return {"shared files", [profile]() -> std::optional<Credentials> {
            const std::string p = active_profile(profile);
            // The credentials file first; the config file may hold keys too.
            const std::string cred = credentials_file();
            if (auto kv = read_profile(cred, p, false)) {
              if (auto c = from_section(*kv, cred, p)) return c;
            }
            const std::string conf = config_file();
            if (auto kv = read_profile(conf, p, true)) {
              if (auto c = from_section(*kv, conf, p)) return c;
            }
            return std::nullopt;
          }};
}

ProfileSettings profile_settings(std::string profile) {
  ProfileSettings s;
  s.region = env("AWS_REGION");
  if (s.region.empty()) s.region = env("AWS_DEFAULT_REGION");
  s.endpoint = env("AWS_ENDPOINT_URL_S3");
  if (s.endpoint.empty()) s.endpoint = env("AWS_ENDPOINT_URL");
  if (!s.region.empty() && !s.endpoint.empty()) return s;
  if (auto kv = read_profile(config_file(), active_profile(profile), true)) {
    if (s.region.empty()) {
      if (const std::string* r = lookup(*kv, "region")) s.region = *r;
    }
    if (s.endpoint.empty()) {
      if (const std::string* e = lookup(*kv, "endpoint_url")) s.endpoint = *e;
    }
  }
  return s;
}

}  // namespace cofs::s3
