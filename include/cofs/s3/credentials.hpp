// Credentials of S3 and where they come from, in the order the AWS tools look: the filesystem's
// own options, then providers the program adds, then the environment (AWS_ACCESS_KEY_ID,
// AWS_SECRET_ACCESS_KEY, AWS_SESSION_TOKEN), then the shared files (~/.aws/credentials and
// ~/.aws/config, profile AWS_PROFILE; AWS_SHARED_CREDENTIALS_FILE and AWS_CONFIG_FILE move them).
// A secret never appears in a message: Credentials has no printing, and errors name the source
// (a file, a variable), never a value.
#pragma once

#include <chrono>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "cofs/export.hpp"

namespace cofs::s3 {

struct COFS_API Credentials {
  std::string access_key;
  std::string secret_key;
  std::string session_token;  // temporary credentials only
  /// When temporary credentials run out; they are asked for again a few minutes before.
  std::optional<std::chrono::system_clock::time_point> expiration;
  std::string source;  // where they came from ("options", "environment", a file): for messages
};

/// A source of credentials: nullopt when it has none (the chain then asks the next one). It is
/// called on the loop's blocking pool, so it may block (fetch temporary credentials, read a file).
/// Throwing fails the request that needed credentials, with that error.
struct COFS_API CredentialProvider {
  std::string name;  // for messages
  std::function<std::optional<Credentials>()> get;
};

/// The providers the AWS tools use, after the options: environment, then the shared files for
/// `profile` (empty: AWS_PROFILE, else "default").
COFS_API CredentialProvider environment_provider();
COFS_API CredentialProvider shared_files_provider(std::string profile = {});

/// Settings of a profile in the shared config file (and region and endpoint from the
/// environment, which win): what the AWS tools read besides credentials.
struct COFS_API ProfileSettings {
  std::string region;    // AWS_REGION, AWS_DEFAULT_REGION, then the profile's region
  std::string endpoint;  // AWS_ENDPOINT_URL_S3, AWS_ENDPOINT_URL, then the profile's endpoint_url
};
COFS_API ProfileSettings profile_settings(std::string profile = {});

/// The profile in use: `profile` if set, else AWS_PROFILE, else "default".
COFS_API std::string active_profile(std::string_view profile = {});

/// One section of an INI file as the AWS tools read it ("[name]" in the credentials file,
/// "[profile name]" or "[default]" in the config file): key -> value. Nullopt when the file or
/// the section is missing. A malformed line throws InvalidArgumentError naming the file and the
/// line number, never the line (it may hold a secret).
COFS_API std::optional<std::vector<std::pair<std::string, std::string>>> read_profile(
    const std::string& file, std::string_view profile, bool config_file);

}  // namespace cofs::s3
