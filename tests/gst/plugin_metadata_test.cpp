// The plugin's metadata as gst-inspect-1.0 shows it: license, the package
// name and origin configured through meson, and one author for every element.
#include <gst/gst.h>
#include <gtest/gtest.h>

#include <string>

#ifndef SRTRTP_PACKAGE_NAME
#error "SRTRTP_PACKAGE_NAME: the package-name meson option, set by tests/gst/meson.build"
#endif
#ifndef SRTRTP_PACKAGE_ORIGIN
#error "SRTRTP_PACKAGE_ORIGIN: the package-origin meson option, set by tests/gst/meson.build"
#endif

namespace {

struct PluginRef {
  GstPlugin *plugin = gst_registry_find_plugin(gst_registry_get(), "srtrtp");
  PluginRef() = default;
  PluginRef(const PluginRef &) = delete;
  PluginRef &operator=(const PluginRef &) = delete;
  ~PluginRef() {
    if (plugin) gst_object_unref(plugin);
  }
};

TEST(PluginMetadata, LicensePackageAndOriginAsConfigured) {
  PluginRef ref;
  ASSERT_NE(ref.plugin, nullptr) << "srtrtp is not in the registry";
  EXPECT_STREQ(gst_plugin_get_license(ref.plugin), "LGPL");
  EXPECT_STREQ(gst_plugin_get_source(ref.plugin), "srtrtp");
  EXPECT_STREQ(gst_plugin_get_package(ref.plugin), SRTRTP_PACKAGE_NAME);
  EXPECT_STREQ(gst_plugin_get_origin(ref.plugin), SRTRTP_PACKAGE_ORIGIN);
}

TEST(PluginMetadata, EveryElementHasTheSameAuthor) {
  GList *features = gst_registry_get_feature_list_by_plugin(gst_registry_get(), "srtrtp");
  guint elements = 0;
  for (GList *l = features; l; l = l->next) {
    if (!GST_IS_ELEMENT_FACTORY(l->data)) continue;
    auto *factory = GST_ELEMENT_FACTORY(l->data);
    ++elements;
    EXPECT_STREQ(gst_element_factory_get_metadata(factory, GST_ELEMENT_METADATA_AUTHOR),
                 "The srtrtp authors")
        << GST_OBJECT_NAME(factory);
  }
  gst_plugin_feature_list_free(features);
  // The RTP elements, srtbondsink/src and the header extensions.
  EXPECT_GE(elements, 12u);
}

}  // namespace
