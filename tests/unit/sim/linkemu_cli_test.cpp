// srt-linkemu as a process: ready line, stdin commands, stats at exit and on
// SIGTERM, scheduled cuts. The binary comes from $SRT_LINKEMU (set by meson).
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <chrono>
#include <cstdlib>
#include <optional>
#include <string>
#include <vector>

#include "sim_test_util.hpp"
#include "udp_test_socket.hpp"

extern char **environ;

namespace srtcore::linkemu {
namespace {

using sim::test::payload;
using test::UdpTestSocket;
using namespace std::chrono_literals;

constexpr auto kPatience = 5000ms;

// A child process with pipes on stdin and stdout.
class Child {
 public:
  explicit Child(std::vector<std::string> args) {
    int in[2], out[2];
    if (pipe2(in, O_CLOEXEC) != 0 || pipe2(out, O_CLOEXEC) != 0) throw std::runtime_error("pipe");
    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    posix_spawn_file_actions_adddup2(&actions, in[0], STDIN_FILENO);
    posix_spawn_file_actions_adddup2(&actions, out[1], STDOUT_FILENO);
    std::vector<char *> argv;
    for (auto &a : args) argv.push_back(a.data());
    argv.push_back(nullptr);
    const int rc = posix_spawn(&pid_, argv[0], &actions, nullptr, argv.data(), environ);
    posix_spawn_file_actions_destroy(&actions);
    close(in[0]);
    close(out[1]);
    stdin_ = UniqueFd(in[1]);
    stdout_ = UniqueFd(out[0]);
    if (rc != 0) pid_ = -1;
  }
  ~Child() {
    if (pid_ > 0) {
      kill(pid_, SIGKILL);
      waitpid(pid_, nullptr, 0);
    }
  }
  Child(const Child &) = delete;
  Child &operator=(const Child &) = delete;

  bool started() const { return pid_ > 0; }
  void say(const std::string &line) {
    const std::string text = line + "\n";
    ASSERT_EQ(write(stdin_.get(), text.data(), text.size()), static_cast<ssize_t>(text.size()));
  }
  void signal(int sig) { kill(pid_, sig); }

  // Next line of output; nullopt at EOF or after `timeout` of silence.
  std::optional<std::string> line(std::chrono::milliseconds timeout = kPatience) {
    for (;;) {
      if (const auto eol = buffered_.find('\n'); eol != std::string::npos) {
        std::string text = buffered_.substr(0, eol);
        buffered_.erase(0, eol + 1);
        return text;
      }
      pollfd pfd{stdout_.get(), POLLIN, 0};
      if (poll(&pfd, 1, static_cast<int>(timeout.count())) <= 0) return std::nullopt;
      char chunk[4096];
      const ssize_t n = read(stdout_.get(), chunk, sizeof chunk);
      if (n <= 0) return std::nullopt;
      buffered_.append(chunk, static_cast<std::size_t>(n));
    }
  }

  // Exit status once stdout is closed (the process is exiting); -1 otherwise.
  int exit_status() {
    while (line(kPatience)) {
    }
    int status = 0;
    if (waitpid(pid_, &status, 0) != pid_) return -1;
    pid_ = -1;
    return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  }

 private:
  pid_t pid_ = -1;
  UniqueFd stdin_;
  UniqueFd stdout_;
  std::string buffered_;
};

std::uint64_t field(const std::string &line, const std::string &name) {
  const auto at = line.find(" " + name + "=");
  if (at == std::string::npos) return ~0ULL;
  return std::strtoull(line.c_str() + at + name.size() + 2, nullptr, 10);
}

class LinkemuCli : public ::testing::Test {
 protected:
  void SetUp() override {
    const char *binary = std::getenv("SRT_LINKEMU");
    if (!binary || access(binary, X_OK) != 0) GTEST_SKIP() << "SRT_LINKEMU not set to srt-linkemu";
    binary_ = binary;
  }

  // Starts srt-linkemu towards the server and reads its listen address.
  std::optional<SocketAddress> start(std::vector<std::string> extra) {
    std::vector<std::string> args = {binary_, "--target", to_string(server_.address())};
    args.insert(args.end(), extra.begin(), extra.end());
    child_.emplace(args);
    if (!child_->started()) return std::nullopt;
    const auto ready = child_->line();
    if (!ready || !ready->starts_with("ready listen=")) return std::nullopt;
    const auto listen = ready->substr(13, ready->find(' ', 13) - 13);
    return parse_socket_address(listen);
  }

  // Asks for stats until `pred(forward_line)` holds.
  bool stats_until(const std::function<bool(const std::string &)> &pred) {
    const auto give_up = std::chrono::steady_clock::now() + kPatience;
    while (std::chrono::steady_clock::now() < give_up) {
      child_->say("stats");
      const auto forward = child_->line();
      const auto backward = child_->line();
      if (!forward || !backward) return false;
      if (pred(*forward)) return true;
    }
    return false;
  }

  std::string binary_;
  UdpTestSocket server_;
  UdpTestSocket client_;
  std::optional<Child> child_;
};

TEST_F(LinkemuCli, RelaysAndObeysCutRestoreStatsQuit) {
  const auto relay = start({"--seed", "7", "--delay-ms", "1"});
  ASSERT_TRUE(relay);
  for (std::uint32_t i = 0; i < 50; ++i) {
    client_.send_to(*relay, payload(i, 1200));
    SocketAddress relay_side;
    const auto got = server_.receive(kPatience, &relay_side);
    ASSERT_TRUE(got) << i;
    ASSERT_EQ(*got, payload(i, 1200));
    server_.send_to(relay_side, *got);
    ASSERT_EQ(client_.receive(kPatience), payload(i, 1200));
  }

  child_->say("cut");
  ASSERT_EQ(child_->line(), "cut");
  for (std::uint32_t i = 0; i < 10; ++i) client_.send_to(*relay, payload(100 + i));
  ASSERT_TRUE(stats_until([](const std::string &l) { return field(l, "dropped_cut") == 10; }));
  EXPECT_FALSE(server_.receive_now());

  child_->say("restore");
  ASSERT_EQ(child_->line(), "restored");
  client_.send_to(*relay, payload(999));
  EXPECT_EQ(server_.receive(kPatience), payload(999));

  child_->say("quit");
  const auto forward = child_->line();
  const auto backward = child_->line();
  ASSERT_TRUE(forward && backward);
  EXPECT_TRUE(forward->starts_with("forward "));
  EXPECT_TRUE(backward->starts_with("backward "));
  EXPECT_EQ(field(*forward, "in"), 61u);
  EXPECT_EQ(field(*forward, "delivered"), 51u);
  EXPECT_EQ(field(*forward, "dropped_cut"), 10u);
  EXPECT_EQ(field(*backward, "delivered"), 50u);
  EXPECT_EQ(child_->exit_status(), 0);
}

TEST_F(LinkemuCli, SigtermPrintsStatsAndExitsCleanly) {
  const auto relay = start({});
  ASSERT_TRUE(relay);
  client_.send_to(*relay, payload(1));
  ASSERT_TRUE(server_.receive(kPatience));
  child_->signal(SIGTERM);
  const auto forward = child_->line();
  const auto backward = child_->line();
  ASSERT_TRUE(forward && backward);
  EXPECT_EQ(field(*forward, "delivered"), 1u);
  EXPECT_TRUE(backward->starts_with("backward "));
  EXPECT_EQ(child_->exit_status(), 0);
}

TEST_F(LinkemuCli, ScheduledCutDropsEverythingInsideIt) {
  const auto relay = start({"--cut", "0:3600000"});
  ASSERT_TRUE(relay);
  for (std::uint32_t i = 0; i < 5; ++i) client_.send_to(*relay, payload(i));
  ASSERT_TRUE(stats_until([](const std::string &l) { return field(l, "dropped_cut") == 5; }));
  EXPECT_FALSE(server_.receive_now());
  child_->say("quit");
  EXPECT_EQ(child_->exit_status(), 0);
}

TEST_F(LinkemuCli, BadOptionsExitWithUsageError) {
  child_.emplace(std::vector<std::string>{binary_, "--loss", "5"});
  ASSERT_TRUE(child_->started());
  EXPECT_EQ(child_->exit_status(), 2);
}

}  // namespace
}  // namespace srtcore::linkemu
