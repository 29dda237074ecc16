// The tracer object: parameters and the HTTP endpoint's routes. It registers no
// hooks: elements time their own buffers (buffer_timer.hpp says why).
#include "metrics_tracer.hpp"

#include <atomic>
#include <memory>
#include <string>

#include "collect.hpp"
#include "dashboard_page.hpp"
#include "element_registry.hpp"
#include "http_server.hpp"
#include "tick_clock.hpp"

GST_DEBUG_CATEGORY_STATIC(srtrtp_metrics_debug);
#define GST_CAT_DEFAULT srtrtp_metrics_debug

namespace {

constexpr const char *kDefaultAddress = "127.0.0.1:9464";

enum { kPropAddress = 1, kPropPort, kPropResponses };

struct State {
  std::string address = kDefaultAddress;
  bool address_given = false;  // set by an application, not by GST_TRACERS
  // Set by the first scrape: until someone scrapes, elements do not time buffers.
  std::atomic<bool> timing{false};
  std::unique_ptr<srtrtp::metrics::HttpServer> server;
};

// "address=host:port" from GST_TRACERS="srtrtp-metrics(address=...)".
std::string address_param(const gchar *params) {
  if (!params) return "";
  gchar **parts = g_strsplit(params, ",", -1);
  std::string address;
  for (gchar **p = parts; *p; ++p) {
    const std::string kv = g_strstrip(*p);
    if (kv.rfind("address=", 0) == 0) address = kv.substr(8);
  }
  g_strfreev(parts);
  return address;
}

srtrtp::metrics::HttpResponse serve(State &state, const srtrtp::metrics::HttpRequest &req) {
  using namespace srtrtp::metrics;
  if (req.method != "GET") return {405, "text/plain; charset=utf-8", "only GET\n"};
  if (req.path == "/metrics") {
    const Format f = req.accept.find("application/openmetrics-text") != std::string::npos
                         ? Format::kOpenMetrics
                         : Format::kPrometheus;
    // An endpoint nobody scrapes costs the elements nothing: timing starts here.
    if (!state.timing.load()) {
      calibrate_ticks();  // before the first timed buffer
      if (!state.timing.exchange(true)) ++serving;
    }
    Exposition exposition;
    collect(ElementRegistry::instance().live(), exposition);
    return {200, content_type(f), exposition.render(f)};
  }
  if (req.path == "/" || req.path == "/index.html")
    return {200, "text/html; charset=utf-8", std::string(dashboard_page())};
  return {404, "text/plain; charset=utf-8", "not found: try /metrics or /\n"};
}

}  // namespace

struct _GstSrtRtpMetrics {
  GstTracer parent;
  State *state;
};

G_DEFINE_TYPE(GstSrtRtpMetrics, gst_srt_rtp_metrics, GST_TYPE_TRACER)

static void metrics_constructed(GObject *object) {
  auto *self = GST_SRT_RTP_METRICS(object);
  G_OBJECT_CLASS(gst_srt_rtp_metrics_parent_class)->constructed(object);
  gchar *params = nullptr;
  g_object_get(object, "params", &params, nullptr);
  if (std::string a = address_param(params); !a.empty()) self->state->address = a;
  g_free(params);

  // GST_TRACERS instances are dropped by GStreamer once made: keep them for
  // the life of the process, as every tracer is.
  if (!self->state->address_given) gst_object_ref(self);
  std::string error;
  srtrtp::metrics::start_tick_calibration();
  State *state = self->state;
  auto handler = [state](const srtrtp::metrics::HttpRequest &r) { return serve(*state, r); };
  self->state->server = srtrtp::metrics::HttpServer::start(self->state->address, handler,
                                                           srtrtp::metrics::HttpLimits{}, &error);
  if (!self->state->server) {
    // A warning, never a pipeline failure: streaming goes on without the endpoint.
    g_printerr("srtrtp-metrics: WARNING: no metrics endpoint on '%s': %s\n",
               self->state->address.c_str(), error.c_str());
    GST_WARNING_OBJECT(self, "no metrics endpoint on '%s': %s", self->state->address.c_str(),
                       error.c_str());
    return;
  }
  GST_INFO_OBJECT(self, "serving metrics on port %u", self->state->server->port());
}

static void metrics_set_property(GObject *object, guint id, const GValue *value,
                                 GParamSpec *pspec) {
  auto *self = GST_SRT_RTP_METRICS(object);
  switch (id) {
    case kPropAddress:
      if (const gchar *a = g_value_get_string(value)) {
        self->state->address = a;
        self->state->address_given = true;
      }
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID(object, id, pspec);
  }
}

static void metrics_get_property(GObject *object, guint id, GValue *value, GParamSpec *pspec) {
  auto *self = GST_SRT_RTP_METRICS(object);
  const auto *server = self->state->server.get();
  switch (id) {
    case kPropAddress:
      g_value_set_string(value, self->state->address.c_str());
      break;
    case kPropPort:
      g_value_set_uint(value, server ? server->port() : 0);
      break;
    case kPropResponses:
      g_value_set_uint64(value, server ? server->responses() : 0);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID(object, id, pspec);
  }
}

static void metrics_finalize(GObject *object) {
  State *state = GST_SRT_RTP_METRICS(object)->state;
  state->server.reset();  // no scrape runs after this
  if (state->timing) --srtrtp::metrics::serving;
  delete state;
  G_OBJECT_CLASS(gst_srt_rtp_metrics_parent_class)->finalize(object);
}

static void gst_srt_rtp_metrics_class_init(GstSrtRtpMetricsClass *klass) {
  auto *oc = G_OBJECT_CLASS(klass);
  oc->constructed = metrics_constructed;
  oc->set_property = metrics_set_property;
  oc->get_property = metrics_get_property;
  oc->finalize = metrics_finalize;
  g_object_class_install_property(
      oc, kPropAddress,
      g_param_spec_string("address", "Address",
                          "host:port to serve /metrics and the dashboard on (port 0: any free "
                          "port; read it back from 'port'). NULL: 127.0.0.1:9464",
                          nullptr,
                          static_cast<GParamFlags>(G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY |
                                                   G_PARAM_STATIC_STRINGS)));
  g_object_class_install_property(
      oc, kPropPort,
      g_param_spec_uint("port", "Port", "The TCP port served on (0: not serving)", 0, 65535, 0,
                        static_cast<GParamFlags>(G_PARAM_READABLE | G_PARAM_STATIC_STRINGS)));
  g_object_class_install_property(
      oc, kPropResponses,
      g_param_spec_uint64("responses", "Responses", "HTTP responses written in full", 0,
                          G_MAXUINT64, 0,
                          static_cast<GParamFlags>(G_PARAM_READABLE | G_PARAM_STATIC_STRINGS)));
}

static void gst_srt_rtp_metrics_init(GstSrtRtpMetrics *self) {
  self->state = new State();
}

gboolean srtrtp_metrics_register(GstPlugin *plugin) {
  GST_DEBUG_CATEGORY_INIT(srtrtp_metrics_debug, "srtrtp-metrics", 0, "srtrtp metrics tracer");
  return gst_tracer_register(plugin, "srtrtp-metrics", GST_TYPE_SRT_RTP_METRICS);
}
