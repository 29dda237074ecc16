/* srtrtp-metrics from an application: header only, nothing to link.
 *
 *   GstTracer *metrics = srtrtp_metrics_start("127.0.0.1:9464");
 *   ... build and play pipelines (elements are picked up when they change state) ...
 *   gst_object_unref(metrics);  // stops serving
 *
 * The same as GST_TRACERS="srtrtp-metrics(address=127.0.0.1:9464)", except
 * that the application owns the endpoint. Port 0 serves on any free port:
 * srtrtp_metrics_port() tells which. */
#pragma once

#include <gst/gst.h>

G_BEGIN_DECLS

/* A new tracer serving on `address`, or NULL when the srtrtp plugin is
 * missing. A bad or busy address is a warning; the tracer then serves
 * nothing (port 0) and the pipelines run as usual. */
static inline GstTracer *srtrtp_metrics_start(const gchar *address) {
  GstPluginFeature *feature = gst_registry_lookup_feature(gst_registry_get(), "srtrtp-metrics");
  if (!feature) return NULL;
  GstPluginFeature *loaded = gst_plugin_feature_load(feature);
  gst_object_unref(feature);
  if (!loaded) return NULL;
  GType type = gst_tracer_factory_get_tracer_type(GST_TRACER_FACTORY(loaded));
  gst_object_unref(loaded);
  GstTracer *tracer = GST_TRACER(g_object_new(type, "address", address, NULL));
  return GST_TRACER(gst_object_ref_sink(tracer));
}

/* The TCP port served on, 0 when not serving. */
static inline guint srtrtp_metrics_port(GstTracer *tracer) {
  guint port = 0;
  g_object_get(tracer, "port", &port, NULL);
  return port;
}

G_END_DECLS
