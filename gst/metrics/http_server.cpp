#include "http_server.hpp"

#include <gio/gio.h>

#include <algorithm>
#include <cctype>
#include <cstring>
#include <future>
#include <map>
#include <string_view>
#include <thread>
#include <vector>

namespace srtrtp::metrics {

namespace {

const char *reason(int status) {
  switch (status) {
    case 200:
      return "OK";
    case 400:
      return "Bad Request";
    case 404:
      return "Not Found";
    case 405:
      return "Method Not Allowed";
    case 431:
      return "Request Header Fields Too Large";
    default:
      return "Error";
  }
}

std::string lower(std::string_view s) {
  std::string out(s);
  std::transform(out.begin(), out.end(), out.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return out;
}

// The request line and the Accept header of a complete request head.
bool parse_head(std::string_view head, HttpRequest *req) {
  const auto eol = head.find("\r\n");
  const std::string_view line = head.substr(0, eol);
  const auto sp1 = line.find(' ');
  const auto sp2 = line.find(' ', sp1 == std::string_view::npos ? sp1 : sp1 + 1);
  if (sp1 == std::string_view::npos || sp2 == std::string_view::npos) return false;
  req->method = std::string(line.substr(0, sp1));
  std::string_view target = line.substr(sp1 + 1, sp2 - sp1 - 1);
  target = target.substr(0, target.find('?'));
  req->path = std::string(target);
  std::size_t pos = eol;
  while (pos != std::string_view::npos && pos + 2 < head.size()) {
    const auto next = head.find("\r\n", pos + 2);
    const std::string_view field = head.substr(pos + 2, next - pos - 2);
    if (const auto colon = field.find(':');
        colon != std::string_view::npos && lower(field.substr(0, colon)) == "accept")
      req->accept = lower(field.substr(colon + 1));
    pos = next;
  }
  return true;
}

struct ObjectUnref {
  void operator()(gpointer p) const { g_object_unref(p); }
};
template <class T>
using GObjectPtr = std::unique_ptr<T, ObjectUnref>;

}  // namespace

class HttpServer::Impl {
 public:
  struct Connection {
    GObjectPtr<GSocketConnection> stream;
    GObjectPtr<GCancellable> cancel{g_cancellable_new()};
    std::vector<char> head;
    std::size_t used = 0;
    std::string response;
    GSource *timer = nullptr;
    bool closed = false;
  };
  using ConnPtr = std::shared_ptr<Connection>;

  Impl(HttpServer &owner, Handler handler, HttpLimits limits)
      : owner_(owner), handler_(std::move(handler)), limits_(limits) {}

  ~Impl() {
    if (thread_.joinable()) {
      g_main_context_invoke(
          context_.get(),
          [](gpointer self) -> gboolean {
            static_cast<Impl *>(self)->shut_down();
            return G_SOURCE_REMOVE;
          },
          this);
      thread_.join();
    }
  }

  bool start(const std::string &address, std::string *error) {
    std::promise<std::string> bound;
    auto result = bound.get_future();
    context_.reset(g_main_context_new());
    loop_.reset(g_main_loop_new(context_.get(), FALSE));
    thread_ = std::thread([this, address, &bound] {
      g_main_context_push_thread_default(context_.get());
      std::string why = listen(address);
      const bool ok = why.empty();
      bound.set_value(std::move(why));
      if (ok) g_main_loop_run(loop_.get());
      g_main_context_pop_thread_default(context_.get());
    });
    *error = result.get();
    if (!error->empty()) {
      thread_.join();
      return false;
    }
    return true;
  }

 private:
  struct LoopUnref {
    void operator()(GMainLoop *l) const { g_main_loop_unref(l); }
  };
  struct ContextUnref {
    void operator()(GMainContext *c) const { g_main_context_unref(c); }
  };

  std::string listen(const std::string &address) {
    GError *err = nullptr;
    GSocketConnectable *parsed = g_network_address_parse(address.c_str(), 9464, &err);
    if (!parsed) {
      std::string why = err->message;
      g_error_free(err);
      return why;
    }
    std::string host = g_network_address_get_hostname(G_NETWORK_ADDRESS(parsed));
    const guint16 port = g_network_address_get_port(G_NETWORK_ADDRESS(parsed));
    g_object_unref(parsed);
    if (host == "localhost") host = "127.0.0.1";
    GObjectPtr<GInetAddress> ip(g_inet_address_new_from_string(host.c_str()));
    if (!ip) return "'" + host + "' is not an IP address";
    GObjectPtr<GSocketAddress> sa(g_inet_socket_address_new(ip.get(), port));
    service_.reset(g_socket_service_new());
    GSocketAddress *effective = nullptr;
    if (!g_socket_listener_add_address(G_SOCKET_LISTENER(service_.get()), sa.get(),
                                       G_SOCKET_TYPE_STREAM, G_SOCKET_PROTOCOL_TCP, nullptr,
                                       &effective, &err)) {
      std::string why = err->message;
      g_error_free(err);
      service_.reset();
      return why;
    }
    owner_.port_ = g_inet_socket_address_get_port(G_INET_SOCKET_ADDRESS(effective));
    g_object_unref(effective);
    g_signal_connect(service_.get(), "incoming", G_CALLBACK(&Impl::on_incoming), this);
    g_socket_service_start(service_.get());
    return "";
  }

  void shut_down() {
    if (service_) {
      g_socket_service_stop(service_.get());
      g_socket_listener_close(G_SOCKET_LISTENER(service_.get()));
    }
    auto open = connections_;
    for (auto &[raw, c] : open) close(c);
    // Let cancelled operations report back so their references are dropped.
    while (g_main_context_iteration(context_.get(), FALSE)) {
    }
    g_main_loop_quit(loop_.get());
  }

  static gboolean on_incoming(GSocketService *, GSocketConnection *stream, GObject *,
                              gpointer data) {
    auto *self = static_cast<Impl *>(data);
    if (self->connections_.size() >= self->limits_.max_connections) {
      ++self->owner_.refused_;
      g_io_stream_close(G_IO_STREAM(stream), nullptr, nullptr);
      return TRUE;
    }
    auto c = std::make_shared<Connection>();
    c->stream.reset(G_SOCKET_CONNECTION(g_object_ref(stream)));
    c->head.resize(self->limits_.max_request_head);
    self->connections_.emplace(c.get(), c);
    self->owner_.open_ = static_cast<unsigned>(self->connections_.size());
    c->timer = g_timeout_source_new(self->limits_.timeout_ms);
    g_source_set_callback(
        c->timer,
        [](gpointer p) -> gboolean {
          auto *hold = static_cast<std::pair<Impl *, Connection *> *>(p);
          auto it = hold->first->connections_.find(hold->second);
          if (it != hold->first->connections_.end()) {
            ++hold->first->owner_.timed_out_;
            auto conn = it->second;
            g_source_unref(conn->timer);  // being dispatched: the context still holds it
            conn->timer = nullptr;
            hold->first->close(conn);
          }
          return G_SOURCE_REMOVE;
        },
        new std::pair<Impl *, Connection *>(self, c.get()),
        [](gpointer p) { delete static_cast<std::pair<Impl *, Connection *> *>(p); });
    g_source_attach(c->timer, self->context_.get());
    self->read_more(c);
    return TRUE;
  }

  // Async callbacks own one reference each (the heap shared_ptr).
  struct Op {
    Impl *self;
    ConnPtr conn;
  };

  void read_more(const ConnPtr &c) {
    GInputStream *in = g_io_stream_get_input_stream(G_IO_STREAM(c->stream.get()));
    g_input_stream_read_async(in, c->head.data() + c->used, c->head.size() - c->used,
                              G_PRIORITY_DEFAULT, c->cancel.get(), &Impl::on_read, new Op{this, c});
  }

  static void on_read(GObject *source, GAsyncResult *res, gpointer data) {
    std::unique_ptr<Op> op(static_cast<Op *>(data));
    const gssize n = g_input_stream_read_finish(G_INPUT_STREAM(source), res, nullptr);
    Connection &c = *op->conn;
    if (c.closed) return;
    if (n <= 0) {
      op->self->close(op->conn);
      return;
    }
    const std::size_t before = c.used;
    c.used += static_cast<std::size_t>(n);
    const std::string_view seen(c.head.data(), c.used);
    const auto end = seen.find("\r\n\r\n", before >= 3 ? before - 3 : 0);
    if (end == std::string_view::npos) {
      if (c.used == c.head.size()) {
        op->self->respond(
            op->conn, HttpResponse{431, "text/plain; charset=utf-8", "request head too large\n"});
      } else {
        op->self->read_more(op->conn);
      }
      return;
    }
    HttpRequest req;
    if (!parse_head(seen.substr(0, end + 2), &req)) {
      op->self->respond(op->conn, HttpResponse{400, "text/plain; charset=utf-8", "bad request\n"});
      return;
    }
    op->self->respond(op->conn, op->self->handler_(req));
  }

  void respond(const ConnPtr &c, const HttpResponse &r) {
    c->head = {};  // the request is no longer needed
    c->response = "HTTP/1.1 " + std::to_string(r.status) + " " + reason(r.status) +
                  "\r\nContent-Type: " + r.content_type +
                  "\r\nContent-Length: " + std::to_string(r.body.size()) +
                  "\r\nCache-Control: no-store\r\nConnection: close\r\n\r\n" + r.body;
    GOutputStream *out = g_io_stream_get_output_stream(G_IO_STREAM(c->stream.get()));
    g_output_stream_write_all_async(out, c->response.data(), c->response.size(), G_PRIORITY_DEFAULT,
                                    c->cancel.get(), &Impl::on_written, new Op{this, c});
  }

  static void on_written(GObject *source, GAsyncResult *res, gpointer data) {
    std::unique_ptr<Op> op(static_cast<Op *>(data));
    const bool ok =
        g_output_stream_write_all_finish(G_OUTPUT_STREAM(source), res, nullptr, nullptr);
    if (op->conn->closed) return;
    if (ok) ++op->self->owner_.responses_;
    op->self->close(op->conn);
  }

  void close(const ConnPtr &c) {
    if (c->closed) return;
    c->closed = true;
    g_cancellable_cancel(c->cancel.get());
    if (c->timer) {
      g_source_destroy(c->timer);
      g_source_unref(c->timer);
      c->timer = nullptr;
    }
    // The socket itself: closing the stream fails while a write is pending
    // (a client that never reads), and that is the case to end.
    g_socket_close(g_socket_connection_get_socket(c->stream.get()), nullptr);
    c->response = {};
    connections_.erase(c.get());
    owner_.open_ = static_cast<unsigned>(connections_.size());
  }

  HttpServer &owner_;
  Handler handler_;
  HttpLimits limits_;
  std::unique_ptr<GMainContext, ContextUnref> context_;
  std::unique_ptr<GMainLoop, LoopUnref> loop_;
  GObjectPtr<GSocketService> service_;
  std::map<Connection *, ConnPtr> connections_;
  std::thread thread_;
};

std::unique_ptr<HttpServer> HttpServer::start(const std::string &address, Handler handler,
                                              HttpLimits limits, std::string *error) {
  std::unique_ptr<HttpServer> server(new HttpServer());
  server->impl_ = std::make_unique<Impl>(*server, std::move(handler), limits);
  if (!server->impl_->start(address, error)) return nullptr;
  return server;
}

HttpServer::~HttpServer() = default;

}  // namespace srtrtp::metrics
