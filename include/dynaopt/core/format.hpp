#pragma once
#include <string>

namespace dynaopt {

// Shortest decimal text (15 to 17 significant digits) that reads back to the same double.
std::string exact(double value);

}  // namespace dynaopt
