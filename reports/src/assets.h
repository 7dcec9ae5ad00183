// The report page's stylesheet and script (reports/assets/*, compiled in by CMake).
#pragma once

namespace faultline::reports::assets {

extern const char* const kReportCss;
extern const char* const kReportJs;
extern const char* const kIndexCss;

}  // namespace faultline::reports::assets
