// Include in exactly one file of each test executable that renders Graphviz SVG. Graphviz keeps
// one process-lifetime context (see cycle_explanation.cpp) and fontconfig/pango cache fonts
// for the life of the process; LeakSanitizer would report those third-party caches at exit.
// This is LSan's documented hook for default suppressions; it only names those libraries.
#pragma once

extern "C" const char* __lsan_default_suppressions() {
  return "leak:libfontconfig.so\n"
         "leak:libgvc.so\n"
         "leak:libcgraph.so\n"
         "leak:libgvplugin_\n"
         "leak:libpango\n"
         "leak:libcairo.so\n"
         "leak:libglib-2.0.so\n";
}
