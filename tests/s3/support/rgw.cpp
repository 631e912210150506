#include "rgw.hpp"

#include <sys/syscall.h>
#include <unistd.h>

#include <atomic>
#include <cstdlib>
#include <fstream>
#include <memory>
#include <mutex>
#include <random>
#include <sstream>
#include <stdexcept>
#include <thread>

#include "child_process.hpp"
#include "support/nginx.hpp"  // free_port, write_file

namespace cofs::test {
namespace fs = std::filesystem;
using namespace std::chrono_literals;
namespace {

// Ceph's programs, in /usr/bin unless COFS_CEPH_BINDIR names another directory (a directory
// without them stands for a machine without Ceph: every S3 test then skips).
std::string ceph_program(const char* name) {
  const char* dir = std::getenv("COFS_CEPH_BINDIR");
  return std::string(dir != nullptr && *dir != '\0' ? dir : "/usr/bin") + "/" + name;
}
const std::string kMon = ceph_program("ceph-mon");
const std::string kOsd = ceph_program("ceph-osd");
const std::string kRadosgw = ceph_program("radosgw");
const std::string kMonmaptool = ceph_program("monmaptool");
const std::string kOsdmaptool = ceph_program("osdmaptool");
const std::string kAdmin = ceph_program("radosgw-admin");
constexpr const char* kCurl = "/usr/bin/curl";
constexpr const char* kDirPrefix = "cofs-rgw-";
constexpr auto kCommandTimeout = 60s;
constexpr int kStartAttempts = 3;  // a free port taken by another program between look and bind

std::string uuid() {
  std::random_device rd;
  std::mt19937_64 rng((static_cast<std::uint64_t>(rd()) << 32) ^ rd());
  unsigned char b[16];
  for (auto& c : b) c = static_cast<unsigned char>(rng());
  b[6] = static_cast<unsigned char>((b[6] & 0x0f) | 0x40);  // version 4
  b[8] = static_cast<unsigned char>((b[8] & 0x3f) | 0x80);
  char s[37];
  std::snprintf(s, sizeof s, "%02x%02x%02x%02x-%02x%02x-%02x%02x-%02x%02x-%02x%02x%02x%02x%02x%02x",
                b[0], b[1], b[2], b[3], b[4], b[5], b[6], b[7], b[8], b[9], b[10], b[11], b[12],
                b[13], b[14], b[15]);
  return s;
}

std::string slurp(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::ostringstream out;
  out << in.rdbuf();
  return out.str();
}

std::string joined(const std::vector<std::string>& argv) {
  std::string s;
  for (const std::string& a : argv) s += (s.empty() ? "" : " ") + a;
  return s;
}

// The output of a command that must succeed, or an error naming it (never a secret: the fixture's
// credentials are test constants).
std::string checked(const std::vector<std::string>& argv, const CommandResult& r) {
  if (r.exit_code != 0) {
    throw std::runtime_error("RGW fixture: `" + joined(argv) + "` failed (exit " +
                             std::to_string(r.exit_code) + "): " + r.output);
  }
  return r.output;
}

// A cephx secret as ceph-authtool writes it: base64 of a little-endian u16 type (1, AES), u32
// seconds, u32 nanoseconds, u16 length (16) and 16 random bytes.
std::string cephx_key(std::mt19937_64& rng) {
  const auto now = std::chrono::system_clock::now().time_since_epoch();
  const auto sec =
      static_cast<std::uint32_t>(std::chrono::duration_cast<std::chrono::seconds>(now).count());
  unsigned char raw[28] = {1, 0};
  for (int i = 0; i < 4; ++i) raw[2 + i] = static_cast<unsigned char>(sec >> (8 * i));
  raw[10] = 16;
  for (int i = 12; i < 28; ++i) raw[i] = static_cast<unsigned char>(rng());
  static constexpr char kAlphabet[] =
      "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::string out;
  for (int i = 0; i < 28; i += 3) {
    const unsigned v =
        raw[i] << 16 | (i + 1 < 28 ? raw[i + 1] << 8 : 0) | (i + 2 < 28 ? raw[i + 2] : 0);
    out += kAlphabet[(v >> 18) & 63];
    out += kAlphabet[(v >> 12) & 63];
    out += i + 1 < 28 ? kAlphabet[(v >> 6) & 63] : '=';
    out += i + 2 < 28 ? kAlphabet[v & 63] : '=';
  }
  return out;
}

// Keys for the monitor, the admin (radosgw-admin), the OSD and radosgw; the monitor's mkfs
// imports them all. Written here: four ceph-authtool runs cost a second on a loaded machine.
std::string keyring() {
  std::random_device rd;
  std::mt19937_64 rng((static_cast<std::uint64_t>(rd()) << 32) ^ rd());
  std::ostringstream k;
  k << "[mon.]\n\tkey = " << cephx_key(rng) << "\n\tcaps mon = \"allow *\"\n"
    << "[client.admin]\n\tkey = " << cephx_key(rng) << "\n\tcaps mon = \"allow *\"\n"
    << "\tcaps osd = \"allow *\"\n\tcaps mgr = \"allow *\"\n"
    << "[osd.0]\n\tkey = " << cephx_key(rng) << "\n\tcaps mon = \"allow profile osd\"\n"
    << "\tcaps osd = \"allow *\"\n"
    << "[client.rgw.gw]\n\tkey = " << cephx_key(rng) << "\n\tcaps mon = \"allow rw\"\n"
    << "\tcaps osd = \"allow rwx\"\n";
  return k.str();
}

// A process named by its PID and its start time (field 22 of /proc/PID/stat), so that a PID
// reused by another program is not mistaken for the owner; empty when there is no such process.
std::string process_identity(pid_t pid) {
  const std::string stat = slurp("/proc/" + std::to_string(pid) + "/stat");
  auto at = stat.rfind(')');  // the command name may hold spaces and parentheses
  if (at == std::string::npos) return {};
  std::istringstream fields(stat.substr(at + 2));
  std::string field;
  for (int i = 3; i <= 22 && fields >> field; ++i) {
  }
  return std::to_string(pid) + " " + field;
}

}  // namespace

// A test program killed mid-way leaves its directory behind (its daemons died with it): remove
// those whose program is gone. A directory without an owner yet may be one just being made.
// The owner file is written before any daemon starts, so a directory is never removed under
// a running cluster.
void Rgw::remove_abandoned_dirs() {
  const fs::path tmp = fs::temp_directory_path();
  std::error_code ec;
  for (const auto& entry : fs::directory_iterator(tmp, ec)) {
    const std::string name = entry.path().filename().string();
    if (name.rfind(kDirPrefix, 0) != 0 || !entry.is_directory(ec)) continue;
    const std::string owner = slurp(entry.path() / "owner");
    bool abandoned;
    if (owner.empty()) {
      auto age = fs::file_time_type::clock::now() - fs::last_write_time(entry.path(), ec);
      abandoned = !ec && age > 10min;
    } else {
      const auto pid = static_cast<pid_t>(std::strtol(owner.c_str(), nullptr, 10));
      abandoned = process_identity(pid) != owner;
    }
    if (abandoned) fs::remove_all(entry.path(), ec);
  }
}

namespace {

// Ceph's logs are long: the end of each says why a start failed.
std::string tail(const fs::path& p, std::size_t n = 1500) {
  std::string s = slurp(p);
  return s.size() > n ? "..." + s.substr(s.size() - n) : s;
}

}  // namespace

Rgw::Credentials Rgw::owner() {
  return {"COFSTESTOWNERKEY0001", "cofs+test/owner/secret/0001/aaaaaaaaaaa"};
}
Rgw::Credentials Rgw::other_user() {
  return {"COFSTESTOTHERKEY0002", "cofs+test/other/secret/0002/bbbbbbbbbbb"};
}
Rgw::Credentials Rgw::wrong_secret() {
  return {owner().access_key, "cofs+test/wrong/secret/0003/ccccccccccc"};
}

std::optional<std::string> Rgw::unavailable() {
  for (const std::string& p :
       {kMon, kOsd, kRadosgw, kMonmaptool, kOsdmaptool, kAdmin, std::string(kCurl)}) {
    if (!is_executable(p)) {
      return std::string(
                 "the S3 tests need a Ceph RADOS Gateway (Debian packages radosgw, "
                 "ceph-mon, ceph-osd) and curl; ") +
             p + " is missing";
    }
  }
  return std::nullopt;
}

Rgw::Rgw(Options options) {
  if (auto missing = unavailable()) throw std::runtime_error(*missing);
  if (syscall(SYS_gettid) != getpid()) {
    throw std::runtime_error(
        "RGW fixture: start it on the main thread; its daemons die with the thread that started "
        "them");
  }
  remove_abandoned_dirs();
  const fs::path tmp = fs::temp_directory_path();
  for (int attempt = 1;; ++attempt) {
    std::string tmpl = (tmp / (std::string(kDirPrefix) + "XXXXXX")).string();
    if (mkdtemp(tmpl.data()) == nullptr) throw std::runtime_error("RGW fixture: mkdtemp failed");
    dir_ = tmpl;
    try {
      write_file(dir_ / "owner", process_identity(getpid()));
      start(options);
      return;
    } catch (const std::exception& e) {
      const std::string logs = log_tail();
      stop();
      if (attempt == kStartAttempts)
        throw std::runtime_error(std::string(e.what()) + " (attempt " + std::to_string(attempt) +
                                 ")\n" + logs);
    }
  }
}

Rgw::~Rgw() {
  stop();
}

void Rgw::write_config(const Options& options, const std::string& fsid) const {
  const std::string d = dir_.string();
  std::ostringstream c;
  c << "[global]\n"
    << "fsid = " << fsid << "\n"
    << "mon host = v2:127.0.0.1:" << mon_port_ << "\n"
    << "mon initial members = a\n"
    // Loopback only, msgr2 only; without cluster addr the OSD listens on 0.0.0.0.
    << "public addr = 127.0.0.1\n"
    << "cluster addr = 127.0.0.1\n"
    << "ms bind msgr1 = false\n"
    << "ms bind ipv6 = false\n"
    << "keyring = " << d << "/keyring\n"
    << "run dir = " << d << "/run\n"
    << "admin socket = " << d << "/run/$name.asok\n"
    << "pid file = " << d << "/run/$name.pid\n"
    << "log file = " << d << "/log/$name.log\n"
    << "mon data = " << d << "/mon/$cluster-$id\n"
    << "osd data = " << d << "/osd/$cluster-$id\n"
    << "osd objectstore = memstore\n"
    << "memstore device bytes = " << options.memstore_bytes
    << "\n"
    // One OSD: pools of size 1 with few placement groups, no autoscaler, no redundancy warning.
    << "osd pool default size = 1\n"
    << "osd pool default min size = 1\n"
    << "osd pool default pg num = 8\n"
    << "osd pool default pgp num = 8\n"
    << "osd pool default pg autoscale mode = off\n"
    << "osd crush chooseleaf type = 0\n"
    << "mon allow pool size one = true\n"
    << "mon warn on pool no redundancy = false\n"
    // The monitor's store is a few MiB: no refusing to start on a disk that is nearly full.
    << "mon data avail warn = 1\n"
    << "mon data avail crit = 0\n"
    // radosgw's first start makes a dozen osdmap changes: at the default 1 s paxos batching the
    // start takes 12-20 s; a request sent before the OSD is up waits for the objecter's tick.
    << "paxos propose interval = 0.01\n"
    << "paxos min wait = 0.001\n"
    << "objecter tick interval = 0.2\n"
    // Short placement-group logs: a third less OSD memory.
    << "osd min pg log entries = 100\n"
    << "osd max pg log entries = 100\n"
    << "\n[client.rgw.gw]\n"
    << "rgw frontends = beast endpoint=127.0.0.1:" << rgw_port_ << "\n"
    << "rgw data = " << d << "/rgw\n";
  write_file(dir_ / "ceph.conf", c.str());
}

std::filesystem::path Rgw::scratch_file() const {
  static std::atomic<unsigned> counter{0};
  return dir_ / ("scratch-" + std::to_string(counter++));
}

std::string Rgw::ceph_command(const std::vector<std::string>& argv,
                              std::chrono::milliseconds timeout) const {
  return checked(argv, run_command(argv, scratch_file(), timeout));
}

std::optional<std::string> Rgw::exited_daemon() const {
  for (auto [pid, name] :
       {std::pair{mon_pid_, "ceph-mon"}, {osd_pid_, "ceph-osd"}, {rgw_pid_, "radosgw"}}) {
    int status = 0;
    if (pid > 0 && child_ended(pid, status)) return name;
  }
  return std::nullopt;
}

void Rgw::run_watched(const std::vector<std::vector<std::string>>& commands,
                      std::chrono::steady_clock::time_point deadline) const {
  std::vector<RunningCommand> running;
  for (const auto& argv : commands) running.push_back(start_command(argv, scratch_file()));
  auto abandon = [&running](const std::string& why) {
    for (RunningCommand& command : running) finish_command(command, 0ms);  // kills, reaps
    throw std::runtime_error("RGW fixture: " + why);
  };
  for (;;) {
    bool all_ended = true;
    for (RunningCommand& command : running) all_ended = command_ended(command) && all_ended;
    if (all_ended) break;
    // A daemon that exits (its port taken by another program, say) fails the start now, not
    // when a command waiting for it gives up.
    if (auto name = exited_daemon()) abandon(*name + " exited at start");
    if (std::chrono::steady_clock::now() > deadline)
      abandon("`" + joined(commands.front()) + "` did not end in time");
    std::this_thread::sleep_for(10ms);
  }
  for (std::size_t i = 0; i < running.size(); ++i)
    checked(commands[i], finish_command(running[i], 0ms));
}

void Rgw::start(const Options& options) {
  const auto deadline = std::chrono::steady_clock::now() + options.start_timeout;
  for (const char* sub : {"run", "log", "mon", "osd/ceph-0", "rgw"})
    fs::create_directories(dir_ / sub);
  mon_port_ = free_port();
  do rgw_port_ = free_port();
  while (rgw_port_ == mon_port_);
  const std::string fsid = uuid();
  write_config(options, fsid);
  const std::string d = dir_.string();
  const std::string conf = d + "/ceph.conf";
  write_file(dir_ / "keyring", keyring());

  // The monitor's store is made with its keys and an osdmap that already holds osd.0 (osdmaptool;
  // `ceph osd new` would cost a Python start, 1-2 s here); the monitor sets the fsid and ratios.
  // The OSD's store is made from the configuration alone (--no-mon-config: no monitor to ask
  // yet), at the same time as the monitor's.
  run_watched({{kMonmaptool, "--create", "--fsid", fsid, "--addv", "a",
                "[v2:127.0.0.1:" + std::to_string(mon_port_) + "]", d + "/monmap"},
               {kOsdmaptool, "--createsimple", "1", d + "/osdmap"},
               {kOsd, "-c", conf, "--no-mon-config", "-i", "0", "--mkfs", "--osd-uuid", uuid()}},
              deadline);
  run_watched({{kMon, "-c", conf, "--mkfs", "-i", "a", "--monmap", d + "/monmap", "--osdmap",
                d + "/osdmap", "--keyring", d + "/keyring"}},
              deadline);
  mon_pid_ = spawn_child({kMon, "-c", conf, "-f", "-i", "a"}, dir_ / "log/mon.out");
  osd_pid_ = spawn_child({kOsd, "-c", conf, "-f", "-i", "0"}, dir_ / "log/osd.out");
  rgw_pid_ = spawn_child({kRadosgw, "-c", conf, "-f", "-n", "client.rgw.gw"}, dir_ / "log/rgw.out");

  // Both users at once: each radosgw-admin takes a second or two to reach the cluster.
  std::vector<std::vector<std::string>> users;
  for (const auto& [uid, who] : {std::pair{"cofs-owner", owner()}, {"cofs-other", other_user()}}) {
    users.push_back({kAdmin, "-c", conf, "user", "create", std::string("--uid=") + uid,
                     std::string("--display-name=") + uid, "--access-key=" + who.access_key,
                     "--secret-key=" + who.secret_key});
  }
  run_watched(users, deadline);
  wait_ready(deadline);
}

void Rgw::wait_ready(std::chrono::steady_clock::time_point deadline) const {
  for (;;) {
    if (auto name = exited_daemon())
      throw std::runtime_error("RGW fixture: " + *name + " exited at start");
    const Response r = request("GET", "/");
    if (r.status == 200) return;
    if (std::chrono::steady_clock::now() > deadline) {
      throw std::runtime_error("RGW fixture: no signed ListBuckets answered 200 in time (last: " +
                               std::to_string(r.status) + " " + r.body + ")");
    }
    std::this_thread::sleep_for(50ms);
  }
}

void Rgw::stop() noexcept {
  // Nothing in the cluster is kept, so SIGKILL: SIGTERM takes ~2 s a daemon here (the OSD
  // writes its memstore to disk). radosgw first, then the OSD, then the monitor.
  for (pid_t* pid : {&rgw_pid_, &osd_pid_, &mon_pid_}) {
    kill_child(*pid);
    *pid = -1;
  }
  if (!dir_.empty()) {
    std::error_code ec;
    fs::remove_all(dir_, ec);
  }
}

std::string Rgw::endpoint() const {
  return "http://127.0.0.1:" + std::to_string(rgw_port_);
}

std::vector<pid_t> Rgw::pids() const {
  return {rgw_pid_, osd_pid_, mon_pid_};
}

Rgw::Response Rgw::request(std::string_view method, std::string_view target, std::string_view body,
                           const Credentials& as) const {
  const fs::path body_out = scratch_file();
  std::vector<std::string> argv = {kCurl, "-sS", "--max-time", "10", "-o", body_out.string(), "-w",
                                   "\ncofs-status:%{http_code}\n", "--aws-sigv4",
                                   std::string("aws:amz:") + region + ":s3", "--user",
                                   as.access_key + ":" + as.secret_key,
                                   // curl 7.88 does not send it; RGW answers 400 without it.
                                   "-H", "x-amz-content-sha256: UNSIGNED-PAYLOAD"};
  fs::path body_in;
  if (method == "HEAD") {
    argv.push_back("--head");
  } else {
    argv.insert(argv.end(), {"-X", std::string(method)});
  }
  if (!body.empty() || method == "PUT" || method == "POST") {
    body_in = scratch_file();
    write_file(body_in, body);
    argv.insert(argv.end(), {"--data-binary", "@" + body_in.string(), "-H",
                             "Content-Type: application/octet-stream"});
  }
  argv.push_back(endpoint() + std::string(target));
  const CommandResult r = run_command(argv, scratch_file(), 30s);
  Response response;
  if (auto at = r.output.rfind("cofs-status:"); at != std::string::npos)
    response.status = std::atoi(r.output.c_str() + at + 12);
  response.body = slurp(body_out);
  std::error_code ec;
  fs::remove(body_out, ec);
  if (!body_in.empty()) fs::remove(body_in, ec);
  return response;
}

std::string Rgw::admin(const std::vector<std::string>& args) const {
  std::vector<std::string> argv = {kAdmin, "-c", (dir_ / "ceph.conf").string()};
  argv.insert(argv.end(), args.begin(), args.end());
  return ceph_command(argv, kCommandTimeout);
}

std::string Rgw::log_tail() const {
  std::string s;
  for (const char* log : {"log/mon.a.log", "log/osd.0.log", "log/client.rgw.gw.log", "log/mon.out",
                          "log/osd.out", "log/rgw.out"}) {
    const fs::path p = dir_ / log;
    if (fs::exists(p)) s += "--- " + p.string() + "\n" + tail(p) + "\n";
  }
  return s;
}

Rgw& rgw() {
  static std::mutex mutex;
  static std::unique_ptr<Rgw> instance;
  static std::string failure;
  std::lock_guard lock(mutex);
  if (!instance) {
    if (!failure.empty()) throw std::runtime_error(failure);
    try {
      instance = std::make_unique<Rgw>();
    } catch (const std::exception& e) {
      failure = e.what();
      throw;
    }
  }
  return *instance;
}

}  // namespace cofs::test
