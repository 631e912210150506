// Where S3 credentials, region and endpoint come from, in the AWS tools' order, and that a
// secret never shows in a message. Each case sets the AWS_* variables it needs and restores them.
#include <unistd.h>

#include <catch2/catch.hpp>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>

#include "cofs/s3/credentials.hpp"
#include "cofs/s3/s3_fs.hpp"

using namespace cofs::s3;

namespace {

constexpr const char* kVariables[] = {
    "AWS_ACCESS_KEY_ID",   "AWS_SECRET_ACCESS_KEY",       "AWS_SESSION_TOKEN", "AWS_PROFILE",
    "AWS_DEFAULT_PROFILE", "AWS_SHARED_CREDENTIALS_FILE", "AWS_CONFIG_FILE",   "AWS_REGION",
    "AWS_DEFAULT_REGION",  "AWS_ENDPOINT_URL_S3",         "AWS_ENDPOINT_URL",  "HOME"};

/// A clean AWS environment in a temporary HOME, restored when it goes.
class AwsEnv {
 public:
  AwsEnv() {
    for (const char* v : kVariables) {
      if (const char* old = std::getenv(v)) saved_[v] = old;
      ::unsetenv(v);
    }
    dir_ = std::filesystem::temp_directory_path() /
           ("cofs-s3-cred-" + std::to_string(::getpid()) + "-" + std::to_string(counter_++));
    std::filesystem::create_directories(dir_ / ".aws");
    set("HOME", dir_.string());
  }
  ~AwsEnv() {
    for (const char* v : kVariables) ::unsetenv(v);
    for (const auto& [k, v] : saved_) ::setenv(k.c_str(), v.c_str(), 1);
    std::error_code ec;
    std::filesystem::remove_all(dir_, ec);
  }
  void set(const char* name, const std::string& value) { ::setenv(name, value.c_str(), 1); }
  std::string write(const std::string& rel, const std::string& text) {
    std::filesystem::path p = dir_ / rel;
    std::ofstream(p) << text;
    return p.string();
  }

 private:
  static inline int counter_ = 0;
  std::map<std::string, std::string> saved_;
  std::filesystem::path dir_;
};

}  // namespace

TEST_CASE("the environment gives key, secret and session token", "[s3][credentials]") {
  AwsEnv env;
  CHECK_FALSE(environment_provider().get());
  env.set("AWS_ACCESS_KEY_ID", "AKIDENV");
  env.set("AWS_SECRET_ACCESS_KEY", "envsecret");
  env.set("AWS_SESSION_TOKEN", "tok");
  auto c = environment_provider().get();
  REQUIRE(c);
  CHECK(c->access_key == "AKIDENV");
  CHECK(c->secret_key == "envsecret");
  CHECK(c->session_token == "tok");
}

TEST_CASE("a key without its secret is an error that names neither value", "[s3][credentials]") {
  AwsEnv env;
  env.set("AWS_ACCESS_KEY_ID", "AKIDLONELY");
  try {
    environment_provider().get();
    FAIL("no error");
  } catch (const cofs::InvalidArgumentError& e) {
    CHECK(std::string(e.what()).find("AWS_SECRET_ACCESS_KEY") != std::string::npos);
    CHECK(std::string(e.what()).find("AKIDLONELY") == std::string::npos);
  }
}

TEST_CASE("the shared files give the profile's credentials, the credentials file first",
          "[s3][credentials]") {
  AwsEnv env;
  env.write(".aws/credentials",
            "[default]\naws_access_key_id = AKIDDEF\naws_secret_access_key = defsecret\n"
            "# a comment\n[work]\naws_access_key_id=AKIDWORK\naws_secret_access_key=worksecret\n"
            "aws_session_token = worktoken\n");
  env.write(".aws/config",
            "[default]\nregion = eu-west-1\n[profile other]\nregion = ap-south-1\n"
            "aws_access_key_id = AKIDCONF\naws_secret_access_key = confsecret\n"
            "endpoint_url = http://127.0.0.1:9000\ns3 =\n  addressing_style = path\n");
  SECTION("the default profile") {
    auto c = shared_files_provider().get();
    REQUIRE(c);
    CHECK(c->access_key == "AKIDDEF");
    CHECK(profile_settings().region == "eu-west-1");
  }
  SECTION("AWS_PROFILE picks a profile") {
    env.set("AWS_PROFILE", "work");
    auto c = shared_files_provider().get();
    REQUIRE(c);
    CHECK(c->access_key == "AKIDWORK");
    CHECK(c->session_token == "worktoken");
  }
  SECTION("a profile with keys only in the config file, and its region and endpoint") {
    auto c = shared_files_provider("other").get();
    REQUIRE(c);
    CHECK(c->access_key == "AKIDCONF");
    ProfileSettings s = profile_settings("other");
    CHECK(s.region == "ap-south-1");
    CHECK(s.endpoint == "http://127.0.0.1:9000");
  }
  SECTION("a missing profile has none") {
    CHECK_FALSE(shared_files_provider("nobody").get());
  }
}

TEST_CASE("AWS_SHARED_CREDENTIALS_FILE and AWS_CONFIG_FILE move the shared files",
          "[s3][credentials]") {
  AwsEnv env;
  env.set("AWS_SHARED_CREDENTIALS_FILE", env.write("elsewhere-cred",
                                                   "[default]\naws_access_key_id=AKIDMOVED\n"
                                                   "aws_secret_access_key=movedsecret\n"));
  env.set("AWS_CONFIG_FILE", env.write("elsewhere-conf", "[default]\nregion=sa-east-1\n"));
  auto c = shared_files_provider().get();
  REQUIRE(c);
  CHECK(c->access_key == "AKIDMOVED");
  CHECK(profile_settings().region == "sa-east-1");
}

TEST_CASE("region and endpoint from the environment win over the config file",
          "[s3][credentials]") {
  AwsEnv env;
  env.write(".aws/config", "[default]\nregion = eu-west-1\nendpoint_url = http://conf:1\n");
  env.set("AWS_DEFAULT_REGION", "us-west-1");
  CHECK(profile_settings().region == "us-west-1");
  env.set("AWS_REGION", "us-west-2");
  CHECK(profile_settings().region == "us-west-2");
  CHECK(profile_settings().endpoint == "http://conf:1");
  env.set("AWS_ENDPOINT_URL", "http://general:2");
  CHECK(profile_settings().endpoint == "http://general:2");
  env.set("AWS_ENDPOINT_URL_S3", "http://s3only:3");
  CHECK(profile_settings().endpoint == "http://s3only:3");
}

TEST_CASE("a malformed shared file names the file and line, never the line's text",
          "[s3][credentials]") {
  AwsEnv env;
  std::string file = env.write(".aws/credentials",
                               "[default]\naws_access_key_id = AKIDX\n"
                               "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY\n");
  try {
    shared_files_provider().get();
    FAIL("no error");
  } catch (const cofs::InvalidArgumentError& e) {
    std::string what = e.what();
    CHECK(what.find(file) != std::string::npos);
    CHECK(what.find("line 3") != std::string::npos);
    CHECK(what.find("wJalrXUtnFEMI") == std::string::npos);
  }
  env.write(".aws/credentials", "[default]\naws_access_key_id = AKIDNOSECRET\n");
  try {
    shared_files_provider().get();
    FAIL("no error");
  } catch (const cofs::InvalidArgumentError& e) {
    CHECK(std::string(e.what()).find("aws_secret_access_key") != std::string::npos);
    CHECK(std::string(e.what()).find("AKIDNOSECRET") == std::string::npos);
  }
}

TEST_CASE("from_options refuses a key without a secret and unknown options", "[s3][credentials]") {
  AwsEnv env;
  CHECK_THROWS_AS(cofs::S3FileSystem::from_options({{"key", "AKID"}}, nullptr),
                  cofs::InvalidArgumentError);
  CHECK_THROWS_AS(cofs::S3FileSystem::from_options({{"endpoint", "http://x"}}, nullptr),
                  cofs::InvalidArgumentError);
  auto fs = cofs::S3FileSystem::from_options(
      {{"key", "AKID"}, {"secret", "s"}, {"endpoint_url", "http://127.0.0.1:1"}}, nullptr);
  CHECK(fs->protocol() == "s3");
  CHECK(fs->strip_protocol("s3a://bucket/a/b/") == "bucket/a/b");
  CHECK(fs->unstrip_protocol("bucket/a") == "s3://bucket/a");
}

TEST_CASE("no credentials anywhere is a PermissionError naming the call, the path and the places",
          "[s3][credentials]") {
  AwsEnv env;
  env.set("AWS_SHARED_CREDENTIALS_FILE", env.write("none-credentials", ""));
  env.set("AWS_CONFIG_FILE", env.write("none-config", ""));
  cofs::S3Options o;
  o.endpoint_url = "http://127.0.0.1:1";  // never reached: the credentials are asked first
  auto fs = std::make_shared<cofs::S3FileSystem>(nullptr, o);
  CHECK_THROWS_AS(fs->cat_file("s3://bucket/key"), cofs::PermissionError);
  CHECK_THROWS_WITH(fs->cat_file("s3://bucket/key"),
                    Catch::StartsWith("cat_file s3://bucket/key") &&
                        Catch::Contains("no S3 credentials") &&
                        Catch::Contains("AWS_ACCESS_KEY_ID"));
}
