// A small SVG line plot writer (no dependencies): axes with ticks and labels,
// one polyline per series, a legend right of the plot, and shaded x intervals.
#pragma once

#include <string>
#include <utility>
#include <vector>

namespace demo::svg {

struct Series {
  std::string name;
  std::string color;  // any SVG colour: "#1f77b4"
  bool dashed = false;
  std::vector<std::pair<double, double>> points;  // (x, y), x ascending
};

// A shaded x interval, labelled at its top ("link C cut").
struct Band {
  double from = 0, to = 0;
  std::string label;
};

struct LinePlot {
  std::string title, x_label, y_label;
  std::vector<Series> series;
  std::vector<Band> bands;
  int width = 1280, height = 560;
};

std::string render(const LinePlot &plot);

// Writes render(plot) to `path`, creating its directory; false and *error on failure.
bool write_file(const LinePlot &plot, const std::string &path, std::string *error);

}  // namespace demo::svg
