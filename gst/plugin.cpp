// The srtrtp plugin: registers every element of the project.
#include <gst/gst.h>

#include "elements.hpp"
#include "metrics/metrics_tracer.hpp"

static gboolean plugin_init(GstPlugin *plugin) {
  gboolean ok = FALSE;
  ok |= GST_ELEMENT_REGISTER(rtph264pay2, plugin);
  ok |= GST_ELEMENT_REGISTER(rtph264depay2, plugin);
  ok |= GST_ELEMENT_REGISTER(rtph265pay2, plugin);
  ok |= GST_ELEMENT_REGISTER(rtph265depay2, plugin);
  ok |= GST_ELEMENT_REGISTER(rtpg722pay2, plugin);
  ok |= GST_ELEMENT_REGISTER(rtpg722depay2, plugin);
  ok |= GST_ELEMENT_REGISTER(rtpg729pay2, plugin);
  ok |= GST_ELEMENT_REGISTER(rtpg729depay2, plugin);
  ok |= GST_ELEMENT_REGISTER(srtbondsink, plugin);
  ok |= GST_ELEMENT_REGISTER(srtbondsrc, plugin);
  ok |= GST_ELEMENT_REGISTER(rtphdrextcsrcaudiolevel, plugin);
  ok |= GST_ELEMENT_REGISTER(rtphdrextvideoorientation, plugin);
  ok |= GST_ELEMENT_REGISTER(rtpredenc2, plugin);
  ok |= GST_ELEMENT_REGISTER(rtpreddec2, plugin);
  ok |= GST_ELEMENT_REGISTER(rtpst2022_1_fecenc2, plugin);
  ok |= GST_ELEMENT_REGISTER(rtpst2022_1_fecdec2, plugin);
  // FlexFEC (RFC 8627).
  ok |= GST_ELEMENT_REGISTER(rtpflexfecenc, plugin);
  ok |= GST_ELEMENT_REGISTER(rtpflexfecdec, plugin);
  ok |= GST_ELEMENT_REGISTER(rtpulpfecenc2, plugin);
  ok |= GST_ELEMENT_REGISTER(rtpulpfecdec2, plugin);
  // The tracer is no element: its failure must not hide the elements.
  srtrtp_metrics_register(plugin);
  return ok;
}

// Package name and origin come from the meson options of the same names.
GST_PLUGIN_DEFINE(GST_VERSION_MAJOR, GST_VERSION_MINOR, srtrtp,
                  "SRT transport with bonding, and RTP payload formats", plugin_init, VERSION,
                  "LGPL", GST_PACKAGE_NAME, GST_PACKAGE_ORIGIN)
