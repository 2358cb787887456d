#pragma once
// Presentation of an evaluation, shared by evaluate.cpp (files) and outputs.cpp (Markdown and HTML).
#include <string>
#include <vector>

#include "mpmri/eval.hpp"

namespace mpmri::eval {

// The confusion matrix as shown: rows = averaged classes, columns = the same plus "(missing)" when any.
struct ConfusionView {
  std::vector<std::string> row_names, col_names;
  std::vector<std::vector<long>> counts;
  std::vector<std::vector<double>> shares;  // row-normalised
};
ConfusionView confusion_view(const Figures& figures);

// The self-contained HTML report of an evaluation: figures, confusion image, misclassified volumes.
void write_evaluation_html(const Evaluation& evaluation, const std::string& confusion_png);

}  // namespace mpmri::eval
