// srtbondsink: sends buffers as SRT live messages; a drop-in for
// gst-plugins-bad's srtsink (same URI, properties and signals).
#pragma once

#include <gst/gst.h>

G_BEGIN_DECLS
GType gst_srt_bond_sink_get_type(void);
#define GST_TYPE_SRT_BOND_SINK (gst_srt_bond_sink_get_type())
G_END_DECLS
