#include <errno.h>
#include <pthread.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/timerfd.h>

#include <algorithm>
#include <array>
#include <cstring>
#include <future>
#include <stdexcept>
#include <system_error>

#include "io/clock.hpp"
#include "io/reactor_impl.hpp"

namespace srtcore::io {
namespace {

constexpr std::uint64_t kEventTag = 0;
constexpr std::uint64_t kTimerTag = 1;

[[noreturn]] void throw_errno(const char *what) {
  throw std::system_error(errno, std::generic_category(), what);
}

UniqueFd checked(int fd, const char *what) {
  if (fd < 0) throw_errno(what);
  return UniqueFd(fd);
}

void epoll_add(int epoll_fd, int fd, std::uint32_t events, std::uint64_t tag) {
  epoll_event ev{};
  ev.events = events;
  ev.data.u64 = tag;
  if (::epoll_ctl(epoll_fd, EPOLL_CTL_ADD, fd, &ev) != 0) throw_errno("epoll_ctl add");
}

}  // namespace

std::shared_ptr<Reactor> Reactor::shared() {
  static std::mutex mutex;
  static std::weak_ptr<Reactor> instance;
  std::lock_guard lock(mutex);
  auto r = instance.lock();
  if (!r) {
    r = std::make_shared<Reactor>();
    instance = r;
  }
  return r;
}

Reactor::Reactor() : impl_(std::make_unique<Impl>()) {}
Reactor::~Reactor() = default;

Reactor::Impl::Impl()
    : epoll_fd_(checked(::epoll_create1(EPOLL_CLOEXEC), "epoll_create1")),
      event_fd_(checked(::eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC), "eventfd")),
      timer_fd_(checked(::timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK | TFD_CLOEXEC),
                        "timerfd_create")) {
  epoll_add(epoll_fd_.get(), event_fd_.get(), EPOLLIN, kEventTag);
  epoll_add(epoll_fd_.get(), timer_fd_.get(), EPOLLIN, kTimerTag);
  std::promise<void> started;
  auto ready = started.get_future();
  thread_ = std::thread([this, &started] {
    thread_id_ = std::this_thread::get_id();
    ::pthread_setname_np(::pthread_self(), "srt-reactor");
    started.set_value();
    loop();
  });
  ready.wait();
}

Reactor::Impl::~Impl() {
  post([this] { stopping_.store(true); });
  thread_.join();
}

void Reactor::Impl::post(std::function<void()> task) {
  bool signal = false;
  {
    std::lock_guard lock(task_mutex_);
    tasks_.push_back(std::move(task));
    signal = !std::exchange(task_signalled_, true);
  }
  if (signal) {
    const std::uint64_t one = 1;
    [[maybe_unused]] auto n = ::write(event_fd_.get(), &one, sizeof one);
  }
}

void Reactor::Impl::run_sync(const std::function<void()> &task) {
  if (on_reactor_thread()) {
    task();
    return;
  }
  std::promise<void> done;
  auto finished = done.get_future();
  post([&task, &done] {
    try {
      task();
      done.set_value();
    } catch (...) {
      done.set_exception(std::current_exception());
    }
  });
  finished.get();
}

void Reactor::Impl::add(ReactorClient *client, int fd) {
  const std::uint64_t id = next_id_++;
  if (fd >= 0) epoll_add(epoll_fd_.get(), fd, EPOLLIN, id);
  clients_.push_back(Entry{client, fd, id, false});
  clients_changed_ = true;
}

void Reactor::Impl::remove(ReactorClient *client) {
  for (auto &e : clients_) {
    if (e.client != client) continue;
    if (e.fd >= 0) ::epoll_ctl(epoll_fd_.get(), EPOLL_CTL_DEL, e.fd, nullptr);
    e.client = nullptr;  // compacted after the current turn
  }
  clients_changed_ = true;
}

void Reactor::Impl::want_writable(ReactorClient *client, bool on) {
  for (auto &e : clients_) {
    if (e.client != client || e.writable == on || e.fd < 0) continue;
    epoll_event ev{};
    ev.events = EPOLLIN | (on ? EPOLLOUT : 0u);
    ev.data.u64 = e.id;
    ::epoll_ctl(epoll_fd_.get(), EPOLL_CTL_MOD, e.fd, &ev);
    e.writable = on;
  }
}

void Reactor::Impl::wake_at(srt::TimePoint t) {
  std::lock_guard lock(timer_mutex_);
  requested_ = std::min(requested_, t);
  // Nothing to do when the reactor is awake (it rescans before sleeping) or
  // will wake by then anyway.
  if (t < sleep_until_ && t < armed_) arm(t);
}

void Reactor::Impl::arm(srt::TimePoint target) {
  itimerspec spec{};
  if (target != srt::TimePoint::max()) {
    // A time already past still has to fire: 0 would disarm the timer.
    const std::int64_t us = std::max<std::int64_t>(target.time_since_epoch().count(), 1);
    spec.it_value.tv_sec = us / 1'000'000;
    spec.it_value.tv_nsec = (us % 1'000'000) * 1000;
  }
  ::timerfd_settime(timer_fd_.get(), TFD_TIMER_ABSTIME, &spec, nullptr);
  armed_ = target;
}

ReactorStats Reactor::Impl::stats() const {
  ReactorStats s;
  s.turns = turns_.load(std::memory_order_relaxed);
  s.timer_wakes = timer_wakes_.load(std::memory_order_relaxed);
  s.task_wakes = task_wakes_.load(std::memory_order_relaxed);
  s.io_wakes = io_wakes_.load(std::memory_order_relaxed);
  return s;
}

void Reactor::Impl::run_tasks() {
  std::uint64_t count = 0;
  [[maybe_unused]] auto n = ::read(event_fd_.get(), &count, sizeof count);
  std::vector<std::function<void()>> batch;
  {
    std::lock_guard lock(task_mutex_);
    batch.swap(tasks_);
    task_signalled_ = false;
  }
  for (auto &task : batch) task();
}

Reactor::Impl::Entry *Reactor::Impl::find(std::uint64_t id) {
  for (auto &e : clients_)
    if (e.id == id) return e.client ? &e : nullptr;
  return nullptr;
}

int Reactor::Impl::wait(epoll_event *events, int max, srt::TimePoint until, srt::TimePoint now) {
  for (;;) {
    int n;
    if (until == srt::TimePoint::max()) {
      n = ::epoll_wait(epoll_fd_.get(), events, max, -1);
    } else {
      const std::int64_t us = std::max<std::int64_t>((until - now).count(), 0);
      const timespec timeout{static_cast<time_t>(us / 1'000'000),
                             static_cast<long>((us % 1'000'000) * 1000)};
      n = have_pwait2_ ? ::epoll_pwait2(epoll_fd_.get(), events, max, &timeout, nullptr) : -1;
      if (n < 0 && (!have_pwait2_ || errno == ENOSYS)) {
        // Kernels before 5.11: millisecond timeouts, rounded up.
        have_pwait2_ = false;
        n = ::epoll_wait(epoll_fd_.get(), events, max, static_cast<int>((us + 999) / 1000));
      }
    }
    if (n >= 0) return n;
    if (errno != EINTR) throw_errno("epoll_wait");
    now = monotonic_now();
  }
}

void Reactor::Impl::loop() {
  std::array<epoll_event, 64> events{};
  while (!stopping_.load()) {
    {
      std::lock_guard lock(timer_mutex_);
      requested_ = srt::TimePoint::max();
    }
    const srt::TimePoint now = monotonic_now();
    srt::TimePoint next = srt::TimePoint::max();
    // Index loop: a client may add or remove clients from its callbacks.
    for (std::size_t i = 0; i < clients_.size(); ++i) {
      if (clients_[i].client == nullptr) continue;
      if (auto d = clients_[i].client->on_tick(now)) next = std::min(next, *d);
    }
    if (clients_changed_) {
      std::erase_if(clients_, [](const Entry &e) { return e.client == nullptr; });
      clients_changed_ = false;
    }
    srt::TimePoint target;
    {
      std::lock_guard lock(timer_mutex_);
      target = std::min(next, requested_);
      sleep_until_ = target;
    }
    turns_.fetch_add(1, std::memory_order_relaxed);
    const int n = wait(events.data(), static_cast<int>(events.size()), target, now);
    {
      std::lock_guard lock(timer_mutex_);
      sleep_until_ = srt::TimePoint::min();  // awake: requests need no timer
    }
    const srt::TimePoint io_now = monotonic_now();
    for (int i = 0; i < n; ++i) {
      const std::uint64_t tag = events[static_cast<std::size_t>(i)].data.u64;
      const std::uint32_t what = events[static_cast<std::size_t>(i)].events;
      if (tag == kEventTag) {
        task_wakes_.fetch_add(1, std::memory_order_relaxed);
        run_tasks();
      } else if (tag == kTimerTag) {
        timer_wakes_.fetch_add(1, std::memory_order_relaxed);
        std::uint64_t expirations = 0;
        [[maybe_unused]] auto r = ::read(timer_fd_.get(), &expirations, sizeof expirations);
        std::lock_guard lock(timer_mutex_);
        armed_ = srt::TimePoint::max();
      } else if (Entry *e = find(tag)) {
        io_wakes_.fetch_add(1, std::memory_order_relaxed);
        ReactorClient *client = e->client;
        if ((what & EPOLLOUT) != 0) client->on_writable(io_now);
        if ((what & (EPOLLIN | EPOLLERR | EPOLLHUP)) != 0 && find(tag) != nullptr)
          client->on_readable(io_now);
      }
    }
  }
}

}  // namespace srtcore::io
