// srtbondsrc: a live source of SRT messages, one buffer each; a drop-in for
// gst-plugins-bad's srtsrc (same URI, properties and signals) with udpsrc's
// `caps` property.
#pragma once

#include <gst/gst.h>

G_BEGIN_DECLS
GType gst_srt_bond_src_get_type(void);
#define GST_TYPE_SRT_BOND_SRC (gst_srt_bond_src_get_type())
G_END_DECLS
