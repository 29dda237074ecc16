// The reactor's inside, for io/ code and tests: one thread running epoll
// over the registered sockets until the earliest deadline any client
// reported, an eventfd for posted tasks, and a timerfd (absolute
// CLOCK_MONOTONIC) for earlier wake-ups that application threads ask for
// with wake_at(). Application threads never touch sockets.
#pragma once

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <mutex>
#include <optional>
#include <thread>
#include <vector>

#include <sys/epoll.h>

#include "io/endpoint.hpp"
#include "io/unique_fd.hpp"
#include "srt/time.hpp"

namespace srtcore::io {

// Something the reactor drives: a socket plus timed work. All calls come
// from the reactor thread.
class ReactorClient {
 public:
  virtual ~ReactorClient() = default;
  virtual void on_readable(srt::TimePoint now) = 0;
  virtual void on_writable(srt::TimePoint now) = 0;
  // Does whatever is due at `now` (timers, transmission) and returns when
  // it next has work; called on every reactor turn.
  virtual std::optional<srt::TimePoint> on_tick(srt::TimePoint now) = 0;
};

struct ReactorStats {
  std::uint64_t turns = 0;
  std::uint64_t timer_wakes = 0;
  std::uint64_t task_wakes = 0;
  std::uint64_t io_wakes = 0;
};

struct Reactor::Impl {
  Impl();
  ~Impl();  // stops and joins the thread; clients must be removed by then
  Impl(const Impl &) = delete;
  Impl &operator=(const Impl &) = delete;

  // Thread-safe: runs `task` on the reactor thread soon.
  void post(std::function<void()> task);
  // Thread-safe: runs `task` on the reactor thread and waits for it (runs it
  // inline when called on the reactor thread).
  void run_sync(const std::function<void()> &task);
  bool on_reactor_thread() const { return std::this_thread::get_id() == thread_id_; }

  // Reactor thread only (use run_sync from elsewhere). fd < 0 adds a
  // client with timed work only (on_tick); a client may also be added once
  // per socket it owns.
  void add(ReactorClient *client, int fd);
  void remove(ReactorClient *client);
  // Also report writability (while a client's socket buffer is full).
  void want_writable(ReactorClient *client, bool on);

  // Thread-safe: every client's on_tick runs no later than `t` (at once
  // when t <= now). Costs a system call only when `t` is earlier than the
  // wake already planned.
  void wake_at(srt::TimePoint t);

  ReactorStats stats() const;

 private:
  struct Entry {
    ReactorClient *client;
    int fd;
    std::uint64_t id;
    bool writable;
  };

  void loop();
  // epoll until `until` (or an event); the number of events.
  int wait(epoll_event *events, int max, srt::TimePoint until, srt::TimePoint now);
  void arm(srt::TimePoint target);  // with timer_mutex_ held
  void run_tasks();
  Entry *find(std::uint64_t id);

  UniqueFd epoll_fd_;
  UniqueFd event_fd_;
  UniqueFd timer_fd_;

  std::mutex task_mutex_;
  std::vector<std::function<void()>> tasks_;
  bool task_signalled_ = false;

  // The reactor sleeps in epoll_pwait2 until its clients' earliest deadline
  // (no system call to arm it); the timerfd only serves wake_at() requests
  // earlier than that.
  std::mutex timer_mutex_;
  srt::TimePoint sleep_until_ = srt::TimePoint::min();  // epoll timeout of this turn
  srt::TimePoint armed_ = srt::TimePoint::max();        // timerfd setting
  srt::TimePoint requested_ = srt::TimePoint::max();    // wake_at since this turn began

  std::vector<Entry> clients_;  // reactor thread only
  std::uint64_t next_id_ = 2;   // 0 and 1 tag the eventfd and timerfd
  bool clients_changed_ = false;
  bool have_pwait2_ = true;

  std::atomic<std::uint64_t> turns_{0};
  std::atomic<std::uint64_t> timer_wakes_{0};
  std::atomic<std::uint64_t> task_wakes_{0};
  std::atomic<std::uint64_t> io_wakes_{0};

  std::atomic<bool> stopping_{false};
  std::thread thread_;
  std::thread::id thread_id_;
};

}  // namespace srtcore::io
