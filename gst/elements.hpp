// Element registration declarations, one per element of the plugin.
#pragma once

#include <gst/gst.h>

G_BEGIN_DECLS
GST_ELEMENT_REGISTER_DECLARE(rtph264pay2);
GST_ELEMENT_REGISTER_DECLARE(rtph264depay2);
G_END_DECLS
