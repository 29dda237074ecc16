// srtrtp-metrics: a GstTracer that serves every srtrtp element's metrics
// (Prometheus / OpenMetrics at /metrics) and a live dashboard (/).
#pragma once

#include <gst/gst.h>

G_BEGIN_DECLS

#define GST_TYPE_SRT_RTP_METRICS (gst_srt_rtp_metrics_get_type())
G_DECLARE_FINAL_TYPE(GstSrtRtpMetrics, gst_srt_rtp_metrics, GST, SRT_RTP_METRICS, GstTracer)

gboolean srtrtp_metrics_register(GstPlugin *plugin);

G_END_DECLS
